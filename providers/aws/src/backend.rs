//! The `s3` state backend: the state is one S3 object; the lock is a DynamoDB item
//! written with a condition expression (`dynamodb_table`), or, without a table, an S3
//! object written with `If-None-Match: *` (as Terraform 1.10 does with `use_lockfile`).
//!
//! [`StateStore`] is synchronous; each call runs on the store's own small runtime on a
//! scoped thread, so it works from plain code and from inside the CLI's runtime alike.
//!
//! [`S3BackendFactory`] registers it with core's backend registry under `s3`.

use crate::{sdk_config, Connection};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, ServerSideEncryption};
pub(crate) use gantry_core::state::run_on;
use gantry_core::state::workspace::DEFAULT_WORKSPACE;
use gantry_core::state::{BackendError, BackendFactory, BackendSettings, LockInfo, StateError, StateStore};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// `backend "s3" { … }` for the backend registry.
pub struct S3BackendFactory;

impl S3BackendFactory {
    pub fn arc() -> Arc<dyn BackendFactory> {
        Arc::new(S3BackendFactory)
    }
}

impl BackendFactory for S3BackendFactory {
    fn name(&self) -> &str {
        "s3"
    }

    fn open(&self, settings: &BackendSettings) -> Result<Box<dyn StateStore>, BackendError> {
        Ok(Box::new(open_workspace(settings, &settings.workspace)?))
    }

    /// Every object `PREFIX/NAME/KEY` is the state of workspace NAME, as in Terraform.
    fn workspaces(&self, settings: &BackendSettings) -> Result<Vec<String>, BackendError> {
        let store = open_workspace(settings, DEFAULT_WORKSPACE)?;
        let prefix = format!("{}/", store.cfg.workspace_key_prefix);
        let suffix = format!("/{}", store.cfg.key);
        let keys = store.keys_under(&prefix).map_err(|e| BackendError::invalid(e.to_string()))?;
        Ok(keys
            .iter()
            .filter_map(|k| k.strip_prefix(&prefix)?.strip_suffix(&suffix).map(str::to_string))
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .collect())
    }

    fn delete_workspace(&self, settings: &BackendSettings, name: &str) -> Result<(), BackendError> {
        let store = open_workspace(settings, name)?;
        store.delete_all().map_err(|e| BackendError::invalid(e.to_string()))
    }
}

/// The store of one workspace: the default one at `key`, the others at `PREFIX/NAME/key`.
fn open_workspace(settings: &BackendSettings, workspace: &str) -> Result<S3Store, BackendError> {
    let mut config = S3Config::from_attributes(&settings.attributes).map_err(BackendError::invalid)?;
    if !workspace.is_empty() && workspace != DEFAULT_WORKSPACE {
        config.key = format!("{}/{workspace}/{}", config.workspace_key_prefix, config.key);
    }
    S3Store::new(config).map_err(BackendError::invalid)
}

/// The settings of `backend "s3" { ... }`.
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    pub bucket: String,
    pub key: String,
    pub region: Option<String>,
    pub dynamodb_table: Option<String>,
    pub encrypt: bool,
    pub endpoint_url: Option<String>,
    pub profile: Option<String>,
    /// Where the states of workspaces other than `default` live: `PREFIX/NAME/KEY`.
    pub workspace_key_prefix: String,
}

/// Terraform's default `workspace_key_prefix`.
pub const DEFAULT_WORKSPACE_KEY_PREFIX: &str = "env:";

const KEYS: &[&str] =
    &["bucket", "key", "region", "dynamodb_table", "encrypt", "endpoint_url", "profile", "workspace_key_prefix"];

impl S3Config {
    /// Reads the backend block's attributes (already evaluated as constants).
    pub fn from_attributes(attrs: &BTreeMap<String, serde_json::Value>) -> Result<S3Config, String> {
        for k in attrs.keys() {
            if !KEYS.contains(&k.as_str()) {
                return Err(format!("backend \"s3\" has no argument \"{k}\"; it takes {}", KEYS.join(", ")));
            }
        }
        let text = |k: &str| attrs.get(k).and_then(|v| v.as_str()).map(str::to_string).filter(|s| !s.is_empty());
        let required = |k: &str| text(k).ok_or_else(|| format!("backend \"s3\" needs \"{k}\""));
        Ok(S3Config {
            bucket: required("bucket")?,
            key: required("key")?,
            region: text("region"),
            dynamodb_table: text("dynamodb_table"),
            encrypt: attrs.get("encrypt").and_then(|v| v.as_bool()).unwrap_or(false),
            endpoint_url: text("endpoint_url"),
            profile: text("profile"),
            workspace_key_prefix: match text("workspace_key_prefix") {
                Some(p) if p.starts_with('/') || p.ends_with('/') => {
                    return Err(format!(
                        "backend \"s3\" argument \"workspace_key_prefix\" must not start or end with \"/\", got \"{p}\""
                    ))
                }
                Some(p) => p,
                None => DEFAULT_WORKSPACE_KEY_PREFIX.to_string(),
            },
        })
    }
}

pub struct S3Store {
    cfg: S3Config,
    rt: Option<tokio::runtime::Runtime>,
    s3: aws_sdk_s3::Client,
    ddb: aws_sdk_dynamodb::Client,
    /// The sequence number of the next journal object, once known.
    journal_next: std::sync::Mutex<Option<u64>>,
}

static WARNED_UNVERSIONED: AtomicBool = AtomicBool::new(false);

impl S3Store {
    pub fn new(cfg: S3Config) -> Result<S3Store, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime: {e}"))?;
        let conn = Connection {
            region: cfg.region.clone(),
            profile: cfg.profile.clone(),
            endpoint_url: cfg.endpoint_url.clone(),
            max_retries: None,
            retry: None,
        };
        let sdk = run_on(&rt, sdk_config(&conn));
        if sdk.region().is_none() {
            return Err("backend \"s3\" needs a region: set region in the block, or AWS_REGION".into());
        }
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(cfg.endpoint_url.is_some())
                .interceptor(crate::call_log::CallLog)
                .build(),
        );
        let ddb = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(crate::call_log::CallLog).build(),
        );
        let store = S3Store { cfg, rt: Some(rt), s3, ddb, journal_next: std::sync::Mutex::new(None) };
        store.warn_if_unversioned();
        Ok(store)
    }

    fn run<F>(&self, f: F) -> F::Output
    where
        F: Future + Send,
        F::Output: Send,
    {
        run_on(self.rt.as_ref().expect("runtime lives as long as the store"), f)
    }

    fn url(&self) -> String {
        format!("s3://{}/{}", self.cfg.bucket, self.cfg.key)
    }

    fn lock_key(&self) -> String {
        format!("{}.tflock", self.cfg.key)
    }

    fn lock_id(&self) -> String {
        format!("{}/{}", self.cfg.bucket, self.cfg.key)
    }

    fn fail(&self, op: &str, detail: String) -> StateError {
        StateError::Io { path: self.url().into(), error: std::io::Error::other(format!("{op} failed: {detail}")) }
    }

    fn warn_if_unversioned(&self) {
        if WARNED_UNVERSIONED.load(Ordering::Relaxed) {
            return;
        }
        let status = self.run(async { self.s3.get_bucket_versioning().bucket(&self.cfg.bucket).send().await });
        let enabled = match status {
            Ok(v) => Some(v.status() == Some(&BucketVersioningStatus::Enabled)),
            // moto 5.2 wraps this response in an unexpected element; the raw body still tells.
            Err(e) => e
                .raw_response()
                .filter(|r| r.status().is_success())
                .and_then(|r| r.body().bytes())
                .map(|b| String::from_utf8_lossy(b).contains("<Status>Enabled</Status>")),
        };
        if let Some(enabled) = enabled {
            if !enabled && !WARNED_UNVERSIONED.swap(true, Ordering::Relaxed) {
                eprintln!(
                    "Warning: the state bucket \"{}\" does not have versioning enabled; a bad write could not be rolled back. Enable it with: aws s3api put-bucket-versioning --bucket {} --versioning-configuration Status=Enabled",
                    self.cfg.bucket, self.cfg.bucket
                );
            }
        }
    }

    fn holder_from(&self, bytes: Option<&[u8]>) -> LockInfo {
        LockInfo::from_bytes(bytes.unwrap_or_default(), &self.url())
    }

    /// The current lock holder, if any.
    fn current_lock(&self) -> Result<Option<LockInfo>, StateError> {
        match &self.cfg.dynamodb_table {
            Some(table) => {
                let out = self
                    .run(async {
                        self.ddb
                            .get_item()
                            .table_name(table)
                            .key("LockID", AttributeValue::S(self.lock_id()))
                            .consistent_read(true)
                            .send()
                            .await
                    })
                    .map_err(|e| self.fail("DynamoDB GetItem", sdk_detail(&e)))?;
                Ok(out.item().map(|item| {
                    let info = item.get("Info").and_then(|v| v.as_s().ok()).map(|s| s.as_bytes().to_vec());
                    self.holder_from(info.as_deref())
                }))
            }
            None => {
                let got = self.run(async {
                    match self.s3.get_object().bucket(&self.cfg.bucket).key(self.lock_key()).send().await {
                        Ok(o) => {
                            o.body.collect().await.map(|b| Some(b.into_bytes().to_vec())).map_err(|e| e.to_string())
                        }
                        Err(e)
                            if e.code() == Some("NoSuchKey")
                                || e.as_service_error().is_some_and(|s| s.is_no_such_key()) =>
                        {
                            Ok(None)
                        }
                        Err(e) => Err(sdk_detail(&e)),
                    }
                });
                let got = got.map_err(|e| self.fail("S3 GetObject (lock)", e))?;
                Ok(got.map(|b| self.holder_from(Some(&b))))
            }
        }
    }

    fn release(&self, id: &str) -> Result<(), StateError> {
        let Some(holder) = self.current_lock()? else { return Err(StateError::NoSuchLock(id.to_string())) };
        if holder.id != id {
            return Err(StateError::NoSuchLock(id.to_string()));
        }
        match &self.cfg.dynamodb_table {
            Some(table) => {
                let r = self.run(async {
                    self.ddb
                        .delete_item()
                        .table_name(table)
                        .key("LockID", AttributeValue::S(self.lock_id()))
                        .condition_expression("contains(Info, :id)")
                        .expression_attribute_values(":id", AttributeValue::S(holder.id.clone()))
                        .send()
                        .await
                });
                match r {
                    Ok(_) => Ok(()),
                    Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                        Err(StateError::NoSuchLock(id.to_string()))
                    }
                    Err(e) => Err(self.fail("DynamoDB DeleteItem", sdk_detail(&e))),
                }
            }
            None => self
                .run(async { self.s3.delete_object().bucket(&self.cfg.bucket).key(self.lock_key()).send().await })
                .map(|_| ())
                .map_err(|e| self.fail("S3 DeleteObject (lock)", sdk_detail(&e))),
        }
    }
}

impl Drop for S3Store {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's context panics; this never blocks.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

pub(crate) fn sdk_detail<E>(e: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => {
            let mut text = e.to_string();
            let mut src = e.source();
            while let Some(s) = src {
                text.push_str(&format!(": {s}"));
                src = s.source();
            }
            text
        }
    }
}

impl S3Store {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.run(async {
            match self.s3.get_object().bucket(&self.cfg.bucket).key(key).send().await {
                Ok(o) => o.body.collect().await.map(|b| Some(b.into_bytes().to_vec())).map_err(|e| e.to_string()),
                Err(e) if e.code() == Some("NoSuchKey") || e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                    Ok(None)
                }
                Err(e) => Err(sdk_detail(&e)),
            }
        })
    }

    fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        self.run(async {
            let mut req = self
                .s3
                .put_object()
                .bucket(&self.cfg.bucket)
                .key(key)
                .content_type("application/json")
                .body(ByteStream::from(bytes));
            if self.cfg.encrypt {
                req = req.server_side_encryption(ServerSideEncryption::Aes256);
            }
            req.send().await
        })
        .map(|_| ())
        .map_err(|e| sdk_detail(&e))
    }

    /// S3 cannot append, so the journal is a series of objects under `KEY.journal/`,
    /// each one batch of records, named by a zero-padded sequence number so that
    /// listing returns them in order.
    fn journal_prefix(&self) -> String {
        format!("{}.journal/", self.cfg.key)
    }

    fn journal_keys(&self) -> Result<Vec<String>, StateError> {
        self.keys_under(&self.journal_prefix())
    }

    /// Every key under `prefix`, sorted.
    fn keys_under(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .run(async {
                    self.s3
                        .list_objects_v2()
                        .bucket(&self.cfg.bucket)
                        .prefix(prefix)
                        .set_continuation_token(token.clone())
                        .send()
                        .await
                })
                .map_err(|e| self.fail("S3 ListObjectsV2", sdk_detail(&e)))?;
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_string)));
            match page.next_continuation_token() {
                Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// Removes the state, its journal and its lock: deleting a workspace.
    fn delete_all(&self) -> Result<(), StateError> {
        self.replace_journal(&[])?;
        if let Some(holder) = self.current_lock()? {
            self.release(&holder.id)?;
        }
        self.run(async { self.s3.delete_object().bucket(&self.cfg.bucket).key(&self.cfg.key).send().await })
            .map(|_| ())
            .map_err(|e| self.fail("S3 DeleteObject", sdk_detail(&e)))
    }

    fn next_journal_key(&self) -> Result<String, StateError> {
        let mut next = self.journal_next.lock().unwrap_or_else(|e| e.into_inner());
        let n = match *next {
            Some(n) => n,
            None => self
                .journal_keys()?
                .last()
                .and_then(|k| k.rsplit('/').next())
                .and_then(|n| n.parse::<u64>().ok())
                .map_or(0, |n| n + 1),
        };
        *next = Some(n + 1);
        Ok(format!("{}{n:020}", self.journal_prefix()))
    }
}

impl StateStore for S3Store {
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, StateError> {
        self.get(&self.cfg.key).map_err(|e| self.fail("S3 GetObject", e))
    }

    fn write_bytes(&self, bytes: &[u8]) -> Result<(), StateError> {
        self.put(&self.cfg.key, bytes.to_vec()).map_err(|e| self.fail("S3 PutObject", e))
    }

    fn append_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        let key = self.next_journal_key()?;
        self.put(&key, bytes.to_vec()).map_err(|e| self.fail("S3 PutObject (journal)", e))
    }

    fn read_journal(&self) -> Result<Option<Vec<u8>>, StateError> {
        let keys = self.journal_keys()?;
        if keys.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for key in keys {
            if let Some(bytes) = self.get(&key).map_err(|e| self.fail("S3 GetObject (journal)", e))? {
                out.extend(bytes);
                // Each object is whole; a torn one cannot be followed by another.
                if out.last() != Some(&b'\n') {
                    out.push(b'\n');
                }
            }
        }
        Ok(Some(out))
    }

    /// Writes the new journal as the next object (it starts with a `compacted` record,
    /// which makes every earlier record moot), then deletes the earlier objects.
    fn replace_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        let old = self.journal_keys()?;
        if !bytes.is_empty() {
            self.append_journal(bytes)?;
        }
        for key in old {
            self.run(async { self.s3.delete_object().bucket(&self.cfg.bucket).key(&key).send().await })
                .map_err(|e| self.fail("S3 DeleteObject (journal)", sdk_detail(&e)))?;
        }
        if bytes.is_empty() {
            *self.journal_next.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        Ok(())
    }

    fn describe_journal(&self) -> String {
        format!("s3://{}/{}", self.cfg.bucket, self.journal_prefix())
    }

    fn lock(&self, info: LockInfo) -> Result<LockInfo, StateError> {
        let text = serde_json::to_string(&info).unwrap_or_default();
        let won = match &self.cfg.dynamodb_table {
            Some(table) => {
                let r = self.run(async {
                    self.ddb
                        .put_item()
                        .table_name(table)
                        .item("LockID", AttributeValue::S(self.lock_id()))
                        .item("Info", AttributeValue::S(text.clone()))
                        .condition_expression("attribute_not_exists(LockID)")
                        .send()
                        .await
                });
                match r {
                    Ok(_) => true,
                    Err(e) if e.code() == Some("ConditionalCheckFailedException") => false,
                    Err(e) => return Err(self.fail("DynamoDB PutItem (lock)", sdk_detail(&e))),
                }
            }
            None => {
                let r = self.run(async {
                    self.s3
                        .put_object()
                        .bucket(&self.cfg.bucket)
                        .key(self.lock_key())
                        .if_none_match("*")
                        .content_type("application/json")
                        .body(ByteStream::from(text.clone().into_bytes()))
                        .send()
                        .await
                });
                match r {
                    Ok(_) => true,
                    Err(e) if matches!(e.code(), Some("PreconditionFailed") | Some("ConditionalRequestConflict")) => {
                        false
                    }
                    Err(e) => return Err(self.fail("S3 PutObject If-None-Match (lock)", sdk_detail(&e))),
                }
            }
        };
        if won {
            return Ok(info);
        }
        let holder = self.current_lock()?.unwrap_or_else(|| self.holder_from(None));
        Err(StateError::Locked(holder))
    }

    fn unlock(&self, id: &str) -> Result<(), StateError> {
        self.release(id)
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let holder = self.current_lock()?.ok_or_else(|| StateError::NoSuchLock(id.to_string()))?;
        self.release(id)?;
        Ok(holder)
    }

    fn describe(&self) -> String {
        self.url()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factory_refuses_settings_without_a_bucket_before_connecting() {
        let settings = BackendSettings {
            attributes: BTreeMap::from([("key".to_string(), serde_json::json!("ml/state.json"))]),
            root_dir: ".".into(),
            ..BackendSettings::default()
        };
        match S3BackendFactory.open(&settings) {
            Err(BackendError::Invalid { message, .. }) => assert_eq!(message, "backend \"s3\" needs \"bucket\""),
            Err(other) => panic!("expected the settings to be refused, got {other}"),
            Ok(_) => panic!("expected the settings to be refused"),
        }
    }
}
