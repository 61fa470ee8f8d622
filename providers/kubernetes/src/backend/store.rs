//! [`KubeStore`]: the state of one workspace in Secrets, its lock in a Lease. The
//! objects and their names are [`super::layout`]'s.
//!
//! [`StateStore`] is synchronous; each call runs on the store's own runtime from a
//! scoped thread, so it works from plain code and from inside the CLI's runtime alike.

use super::layout::{self, Layout, DATA_KEY};
pub(crate) use gantry_core::state::run_on;
use gantry_core::state::{LockInfo, StateError, StateStore};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;
use kube::api::{Api, DeleteParams, ListParams, PostParams, Preconditions};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;

/// How often a read starts over when a write replaced the parts it was reading.
const READ_ATTEMPTS: usize = 5;

pub struct KubeStore {
    layout: Layout,
    rt: Option<tokio::runtime::Runtime>,
    secrets: Api<Secret>,
    leases: Api<Lease>,
    /// The sequence number of the next journal entry, once known.
    journal_next: Mutex<Option<u64>>,
}

type Failure = String;

fn api_detail(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({}, HTTP {})", s.message, s.reason, s.code),
        other => other.to_string(),
    }
}

fn status_of(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

impl KubeStore {
    /// Connects with the connection settings the kubernetes provider takes.
    pub fn open(layout: Layout, connection: &serde_json::Value) -> Result<KubeStore, String> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime: {e}"))?;
        let conn = run_on(&rt, crate::conn::connect(connection))?;
        let secrets = Api::namespaced(conn.client.clone(), &layout.namespace);
        let leases = Api::namespaced(conn.client, &layout.namespace);
        Ok(KubeStore { layout, rt: Some(rt), secrets, leases, journal_next: Mutex::new(None) })
    }

    fn run<F>(&self, f: F) -> F::Output
    where
        F: Future + Send,
        F::Output: Send,
    {
        run_on(self.rt.as_ref().expect("the runtime lives as long as the store"), f)
    }

    fn fail(&self, what: &str, detail: String) -> StateError {
        StateError::Io {
            path: self.describe().into(),
            error: std::io::Error::other(format!("{what} failed: {detail}")),
        }
    }

    fn secret(&self, name: String, role: &str, chunk: &[u8], annotations: BTreeMap<String, String>) -> Secret {
        Secret {
            metadata: ObjectMeta {
                name: Some(name),
                namespace: Some(self.layout.namespace.clone()),
                labels: Some(self.layout.labels(role)),
                annotations: Some(annotations),
                ..ObjectMeta::default()
            },
            data: Some(BTreeMap::from([(DATA_KEY.to_string(), ByteString(chunk.to_vec()))])),
            type_: Some("Opaque".into()),
            ..Secret::default()
        }
    }

    async fn list(&self, selector: &str) -> Result<Vec<Secret>, Failure> {
        let list = self.secrets.list(&ListParams::default().labels(selector)).await.map_err(|e| api_detail(&e))?;
        Ok(list.items)
    }

    /// Deletes a Secret; one already gone is no error.
    async fn delete_secret(&self, name: &str) -> Result<(), Failure> {
        match self.secrets.delete(name, &DeleteParams::background()).await {
            Ok(_) => Ok(()),
            Err(e) if status_of(&e) == Some(404) => Ok(()),
            Err(e) => Err(format!("deleting Secret {name}: {}", api_detail(&e))),
        }
    }

    async fn read_state(&self) -> Result<Option<Vec<u8>>, Failure> {
        let mut last_problem = String::new();
        for _ in 0..READ_ATTEMPTS {
            let head_name = self.layout.head();
            let Some(head) = self.secrets.get_opt(&head_name).await.map_err(|e| api_detail(&e))? else {
                return Ok(None);
            };
            let Some(first) = chunk_of(&head) else { return Ok(None) };
            let mut payload = first;
            let parts = head.metadata.annotations.as_ref().and_then(|a| a.get(layout::PARTS_ANNOTATION));
            let mut complete = true;
            if let Some(text) = parts {
                let (generation, count) = layout::parse_parts_annotation(text)
                    .ok_or_else(|| format!("Secret {head_name}: unreadable annotation {}", layout::PARTS_ANNOTATION))?;
                for i in 1..=count {
                    let name = self.layout.part(&generation, i);
                    match self.secrets.get_opt(&name).await.map_err(|e| api_detail(&e))?.and_then(|s| chunk_of(&s)) {
                        Some(chunk) => payload.extend(chunk),
                        None => {
                            // A write switched the head and removed this generation meanwhile.
                            last_problem = format!("Secret {name}, part {i} of {count}, is missing");
                            complete = false;
                            break;
                        }
                    }
                }
            }
            if complete {
                return layout::gunzip(&payload).map(Some).map_err(|e| format!("Secret {head_name}: {e}"));
            }
        }
        Err(last_problem)
    }

    /// The new generation's parts first, then the head switched to them in one update
    /// (guarded by its resourceVersion), then the parts no head names any more.
    async fn write_state(&self, bytes: &[u8]) -> Result<(), Failure> {
        let payload = layout::gzip(bytes);
        let chunks = layout::chunks(&payload);
        let head_name = self.layout.head();
        let current = self.secrets.get_opt(&head_name).await.map_err(|e| api_detail(&e))?;
        let generation = layout::new_generation();
        let mut annotations = BTreeMap::from([("encoding".to_string(), "gzip".to_string())]);
        if chunks.len() > 1 {
            annotations
                .insert(layout::PARTS_ANNOTATION.into(), layout::parts_annotation(&generation, chunks.len() - 1));
        }
        for (i, chunk) in chunks.iter().enumerate().skip(1) {
            let mut part = self.secret(self.layout.part(&generation, i), "part", chunk, BTreeMap::new());
            part.metadata.labels.get_or_insert_default().insert(layout::GENERATION_LABEL.into(), generation.clone());
            self.secrets
                .create(&PostParams::default(), &part)
                .await
                .map_err(|e| format!("creating Secret {}: {}", self.layout.part(&generation, i), api_detail(&e)))?;
        }
        let mut head = self.secret(head_name.clone(), "state", chunks[0], annotations);
        let written = match current {
            None => self.secrets.create(&PostParams::default(), &head).await,
            Some(old) => {
                head.metadata.resource_version = old.metadata.resource_version;
                self.secrets.replace(&head_name, &PostParams::default(), &head).await
            }
        };
        if let Err(e) = written {
            return Err(match status_of(&e) {
                Some(409) => format!(
                    "Secret {head_name} was changed by another writer while this one wrote it (resourceVersion conflict); nothing was replaced. Is another run writing without the lock?"
                ),
                _ => format!("writing Secret {head_name}: {}", api_detail(&e)),
            });
        }
        // What an earlier write left: older generations, and parts of writes killed before their switch.
        for old in self.list(&self.layout.selector(Some("part"))).await? {
            let labels = old.metadata.labels.as_ref();
            let same = labels.and_then(|l| l.get(layout::GENERATION_LABEL)).is_some_and(|g| *g == generation);
            if self.layout.owns(labels, Some("part")) && !same {
                if let Some(name) = &old.metadata.name {
                    self.delete_secret(name).await?;
                }
            }
        }
        Ok(())
    }

    /// The journal's entries, as `(sequence, Secrets by part index)`.
    async fn journal_entries(&self) -> Result<BTreeMap<u64, BTreeMap<usize, Secret>>, Failure> {
        let mut entries: BTreeMap<u64, BTreeMap<usize, Secret>> = BTreeMap::new();
        for s in self.list(&self.layout.selector(Some("journal"))).await? {
            if !self.layout.owns(s.metadata.labels.as_ref(), Some("journal")) {
                continue;
            }
            let note = |k: &str| s.metadata.annotations.as_ref().and_then(|a| a.get(k)).cloned();
            let seq = note(layout::ENTRY_ANNOTATION).and_then(|t| t.parse::<u64>().ok());
            let index = note(layout::PART_ANNOTATION).and_then(|t| t.split('/').next()?.parse::<usize>().ok());
            if let (Some(seq), Some(index)) = (seq, index) {
                entries.entry(seq).or_default().insert(index, s);
            }
        }
        Ok(entries)
    }

    async fn next_journal_seq(&self) -> Result<u64, Failure> {
        if let Some(n) = *self.journal_next.lock().unwrap_or_else(|e| e.into_inner()) {
            return Ok(n);
        }
        Ok(self.journal_entries().await?.keys().next_back().map_or(0, |n| n + 1))
    }

    /// One entry: its parts first, its first Secret last, so an entry whose first Secret
    /// exists is whole. Creating fails on a name that exists: appends never overwrite.
    async fn append(&self, bytes: &[u8]) -> Result<(), Failure> {
        let payload = layout::gzip(bytes);
        let chunks = layout::chunks(&payload);
        let mut attempt = 0;
        loop {
            let seq = self.next_journal_seq().await?;
            let mut created = Vec::new();
            let mut outcome = Ok(());
            for (i, chunk) in chunks.iter().enumerate().rev() {
                let name = self.layout.journal_entry(seq, i);
                let annotations = BTreeMap::from([
                    (layout::ENTRY_ANNOTATION.to_string(), seq.to_string()),
                    (layout::PART_ANNOTATION.to_string(), format!("{i}/{}", chunks.len())),
                    ("encoding".to_string(), "gzip".to_string()),
                ]);
                let secret = self.secret(name.clone(), "journal", chunk, annotations);
                match self.secrets.create(&PostParams::default(), &secret).await {
                    Ok(_) => created.push(name),
                    Err(e) => {
                        outcome = Err((status_of(&e), format!("creating Secret {name}: {}", api_detail(&e))));
                        break;
                    }
                }
            }
            match outcome {
                Ok(()) => {
                    *self.journal_next.lock().unwrap_or_else(|e| e.into_inner()) = Some(seq + 1);
                    return Ok(());
                }
                Err((status, detail)) => {
                    // A failed append leaves the journal as it was: its first Secret was not created.
                    for name in created {
                        let _ = self.delete_secret(&name).await;
                    }
                    *self.journal_next.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    attempt += 1;
                    // 409: the number was taken (the cached one was stale); count again once.
                    if status != Some(409) || attempt > 1 {
                        return Err(detail);
                    }
                }
            }
        }
    }

    async fn read_journal_bytes(&self) -> Result<Option<Vec<u8>>, Failure> {
        let entries = self.journal_entries().await?;
        if entries.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for (seq, parts) in entries {
            let Some(first) = parts.get(&0) else { continue };
            let count = first
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(layout::PART_ANNOTATION))
                .and_then(|t| t.split_once('/')?.1.parse::<usize>().ok())
                .unwrap_or(1);
            let mut payload = Vec::new();
            for i in 0..count {
                let chunk = parts
                    .get(&i)
                    .and_then(chunk_of)
                    .ok_or_else(|| format!("journal entry {seq} lacks Secret {}", self.layout.journal_entry(seq, i)))?;
                payload.extend(chunk);
            }
            let records = layout::gunzip(&payload).map_err(|e| format!("journal entry {seq}: {e}"))?;
            out.extend(records);
            // Each entry is whole; a torn record cannot be followed by another.
            if out.last().is_some_and(|b| *b != b'\n') {
                out.push(b'\n');
            }
        }
        Ok(Some(out))
    }

    /// The new journal as the next entry (it starts with a `compacted` record, which makes
    /// every earlier record moot), then the earlier entries, each first Secret first.
    async fn replace_journal_bytes(&self, bytes: &[u8]) -> Result<(), Failure> {
        let old = self.journal_entries().await?;
        if !bytes.is_empty() {
            self.append(bytes).await?;
        }
        for parts in old.values() {
            for secret in parts.values() {
                if let Some(name) = &secret.metadata.name {
                    self.delete_secret(name).await?;
                }
            }
        }
        if bytes.is_empty() {
            *self.journal_next.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        Ok(())
    }

    fn holder(&self, lease: &Lease) -> LockInfo {
        let text = lease.metadata.annotations.as_ref().and_then(|a| a.get(layout::LOCK_ANNOTATION));
        LockInfo::from_bytes(text.map(String::as_bytes).unwrap_or_default(), &self.describe())
    }

    async fn take_lock(&self, info: &LockInfo) -> Result<Option<LockInfo>, Failure> {
        let text = serde_json::to_string(info).unwrap_or_default();
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(self.layout.lease()),
                namespace: Some(self.layout.namespace.clone()),
                labels: Some(self.layout.labels("lock")),
                annotations: Some(BTreeMap::from([(layout::LOCK_ANNOTATION.to_string(), text)])),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec { holder_identity: Some(info.id.clone()), ..LeaseSpec::default() }),
        };
        // A holder that releases between our create and our read: try again.
        for _ in 0..3 {
            match self.leases.create(&PostParams::default(), &lease).await {
                Ok(_) => return Ok(None),
                Err(e) if status_of(&e) == Some(409) => {
                    if let Some(held) = self.leases.get_opt(&self.layout.lease()).await.map_err(|e| api_detail(&e))? {
                        return Ok(Some(self.holder(&held)));
                    }
                }
                Err(e) => return Err(format!("creating Lease {}: {}", self.layout.lease(), api_detail(&e))),
            }
        }
        Err(format!("Lease {} kept appearing and disappearing", self.layout.lease()))
    }

    /// Deletes the Lease when its holder is `id`, guarded by its resourceVersion so that a
    /// lock taken again meanwhile stays.
    async fn release(&self, id: &str) -> Result<Option<LockInfo>, Failure> {
        let name = self.layout.lease();
        let Some(lease) = self.leases.get_opt(&name).await.map_err(|e| api_detail(&e))? else { return Ok(None) };
        let holder = self.holder(&lease);
        if holder.id != id {
            return Ok(None);
        }
        let params = DeleteParams {
            preconditions: Some(Preconditions { resource_version: lease.metadata.resource_version.clone(), uid: None }),
            ..DeleteParams::background()
        };
        match self.leases.delete(&name, &params).await {
            Ok(_) => Ok(Some(holder)),
            Err(e) if matches!(status_of(&e), Some(404) | Some(409)) => Ok(None),
            Err(e) => Err(format!("deleting Lease {name}: {}", api_detail(&e))),
        }
    }
}

fn chunk_of(secret: &Secret) -> Option<Vec<u8>> {
    secret.data.as_ref()?.get(DATA_KEY).map(|b| b.0.clone())
}

impl Drop for KubeStore {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's context panics; this never blocks.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl StateStore for KubeStore {
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, StateError> {
        self.run(self.read_state()).map_err(|e| self.fail("reading the state", e))
    }

    fn write_bytes(&self, bytes: &[u8]) -> Result<(), StateError> {
        self.run(self.write_state(bytes)).map_err(|e| self.fail("writing the state", e))
    }

    fn append_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        self.run(self.append(bytes)).map_err(|e| self.fail("appending to the journal", e))
    }

    fn read_journal(&self) -> Result<Option<Vec<u8>>, StateError> {
        self.run(self.read_journal_bytes()).map_err(|e| self.fail("reading the journal", e))
    }

    fn replace_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        self.run(self.replace_journal_bytes(bytes)).map_err(|e| self.fail("replacing the journal", e))
    }

    fn describe_journal(&self) -> String {
        format!("kubernetes Secrets {}/{}-journal-*", self.layout.namespace, self.layout.head())
    }

    fn lock(&self, info: LockInfo) -> Result<LockInfo, StateError> {
        match self.run(self.take_lock(&info)).map_err(|e| self.fail("taking the lock", e))? {
            None => Ok(info),
            Some(holder) => Err(StateError::Locked(holder)),
        }
    }

    fn unlock(&self, id: &str) -> Result<(), StateError> {
        self.force_unlock(id).map(|_| ())
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        self.run(self.release(id))
            .map_err(|e| self.fail("releasing the lock", e))?
            .ok_or_else(|| StateError::NoSuchLock(id.to_string()))
    }

    fn describe(&self) -> String {
        format!("kubernetes Secret {}/{}", self.layout.namespace, self.layout.head())
    }
}

/// The workspaces with a head Secret of this suffix, and deleting one's objects.
pub(crate) mod workspaces {
    use super::*;

    pub fn list(store: &KubeStore) -> Result<Vec<String>, String> {
        let heads = store.run(store.list(&layout::heads_selector(&store.layout.suffix)))?;
        Ok(heads
            .iter()
            .filter_map(|s| {
                let l = s.metadata.labels.as_ref()?;
                let ours = l.get(layout::SUFFIX_LABEL) == Some(&store.layout.suffix)
                    && l.get(layout::ROLE_LABEL).is_some_and(|r| r == "state");
                ours.then(|| l.get(layout::WORKSPACE_LABEL).cloned()).flatten()
            })
            .collect())
    }

    /// Every Secret of the store's workspace (the head first, so that it reads as absent
    /// at once), then its Lease.
    pub fn delete(store: &KubeStore) -> Result<(), String> {
        store.run(async {
            store.delete_secret(&store.layout.head()).await?;
            for s in store.list(&store.layout.selector(None)).await? {
                if store.layout.owns(s.metadata.labels.as_ref(), None) {
                    if let Some(name) = &s.metadata.name {
                        store.delete_secret(name).await?;
                    }
                }
            }
            match store.leases.delete(&store.layout.lease(), &DeleteParams::background()).await {
                Ok(_) => Ok(()),
                Err(e) if status_of(&e) == Some(404) => Ok(()),
                Err(e) => Err(format!("deleting Lease {}: {}", store.layout.lease(), api_detail(&e))),
            }
        })
    }
}
