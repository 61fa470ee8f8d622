//! How one workspace's state is laid out as Kubernetes objects: the names, the labels
//! that find them, and the gzip'd payload cut into Secret-sized chunks. Pure: no I/O.
//!
//! The shape is Terraform's kubernetes backend's, under Gantry's own prefix so the two
//! never read each other's objects:
//!
//! - `gantry-state-{workspace}-{suffix}`: the head Secret. Data key `gantrystate` holds
//!   the first chunk of the gzip'd state; annotation [`PARTS_ANNOTATION`] names the
//!   generation and count of the other chunks when there are more.
//! - `gantry-state-{workspace}-{suffix}-{generation}-part-{i}`: chunk `i` of one
//!   generation. A write creates a fresh generation, then switches the head to it in one
//!   update, then deletes the old one: a reader sees the old or the new state, never a mix.
//! - `gantry-state-{workspace}-{suffix}-journal-{seq}` (and `…-part-{i}`): one journal
//!   append each, its parts created before the entry's first Secret.
//! - the Lease `lock-gantry-state-{workspace}-{suffix}`: the lock, its holder's
//!   `LockInfo` in annotation [`LOCK_ANNOTATION`].

use std::collections::BTreeMap;
use std::io::{Read, Write};

pub const PREFIX: &str = "gantry-state";
/// The data key of every Secret's chunk (Terraform's is `tfstate`).
pub const DATA_KEY: &str = "gantrystate";
pub const STATE_LABEL: &str = "gantryState";
pub const SUFFIX_LABEL: &str = "gantryStateSecretSuffix";
pub const WORKSPACE_LABEL: &str = "gantryStateWorkspace";
/// `state` (the head), `part` (a further chunk of the state) or `journal`.
pub const ROLE_LABEL: &str = "gantryStateRole";
pub const GENERATION_LABEL: &str = "gantryStateGeneration";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const PARTS_ANNOTATION: &str = "gantry.dev/state-parts";
pub const ENTRY_ANNOTATION: &str = "gantry.dev/journal-entry";
pub const PART_ANNOTATION: &str = "gantry.dev/part";
pub const LOCK_ANNOTATION: &str = "gantry.dev/lock-info";

/// A Secret's data may hold at most 1 MiB (the API server refuses more).
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// The longest name derived from the head's is a journal part's: this much longer.
const LONGEST_DERIVED_SUFFIX: usize = "-journal-0000000000-part-9999".len();

/// Where one workspace's state lives.
#[derive(Debug, Clone)]
pub struct Layout {
    pub namespace: String,
    pub workspace: String,
    pub suffix: String,
    /// The user's extra labels, on every object.
    pub extra_labels: BTreeMap<String, String>,
}

impl Layout {
    pub fn new(
        namespace: &str,
        workspace: &str,
        suffix: &str,
        extra_labels: BTreeMap<String, String>,
    ) -> Result<Layout, String> {
        let layout = Layout {
            namespace: namespace.to_string(),
            workspace: workspace.to_string(),
            suffix: suffix.to_string(),
            extra_labels,
        };
        let head = layout.head();
        if let Err(problem) = dns_subdomain(&head, 253 - LONGEST_DERIVED_SUFFIX) {
            return Err(format!(
                "the Secret name \"{head}\" is not a valid Kubernetes name: {problem}. The workspace name and secret_suffix must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
            ));
        }
        for (what, value) in [("workspace name", workspace), ("secret_suffix", suffix)] {
            if let Err(problem) = label_value(value) {
                return Err(format!("the {what} \"{value}\" cannot be a label value: {problem}"));
            }
        }
        for (k, v) in &layout.extra_labels {
            if let Err(problem) = label_value(v) {
                return Err(format!("labels: the value of \"{k}\" is not a valid label value: {problem}"));
            }
        }
        Ok(layout)
    }

    pub fn head(&self) -> String {
        format!("{PREFIX}-{}-{}", self.workspace, self.suffix)
    }

    pub fn part(&self, generation: &str, index: usize) -> String {
        format!("{}-{generation}-part-{index}", self.head())
    }

    pub fn journal_entry(&self, seq: u64, index: usize) -> String {
        match index {
            0 => format!("{}-journal-{seq:010}", self.head()),
            i => format!("{}-journal-{seq:010}-part-{i}", self.head()),
        }
    }

    pub fn lease(&self) -> String {
        format!("lock-{}", self.head())
    }

    /// The labels of every object of this workspace, with the role's.
    pub fn labels(&self, role: &str) -> BTreeMap<String, String> {
        let mut labels = self.extra_labels.clone();
        labels.insert(STATE_LABEL.into(), "true".into());
        labels.insert(SUFFIX_LABEL.into(), self.suffix.clone());
        labels.insert(WORKSPACE_LABEL.into(), self.workspace.clone());
        labels.insert(MANAGED_BY_LABEL.into(), "gantry".into());
        labels.insert(ROLE_LABEL.into(), role.into());
        labels
    }

    /// The label selector of this workspace's objects of one role, or of every role.
    pub fn selector(&self, role: Option<&str>) -> String {
        let mut s = format!("{STATE_LABEL}=true,{SUFFIX_LABEL}={},{WORKSPACE_LABEL}={}", self.suffix, self.workspace);
        if let Some(role) = role {
            s.push_str(&format!(",{ROLE_LABEL}={role}"));
        }
        s
    }

    /// Whether an object's labels say it belongs to this workspace (and role): the
    /// selector is checked again on what the server returns.
    pub fn owns(&self, labels: Option<&BTreeMap<String, String>>, role: Option<&str>) -> bool {
        let Some(l) = labels else { return false };
        let is = |k: &str, v: &str| l.get(k).is_some_and(|x| x == v);
        is(STATE_LABEL, "true")
            && is(SUFFIX_LABEL, &self.suffix)
            && is(WORKSPACE_LABEL, &self.workspace)
            && role.is_none_or(|r| is(ROLE_LABEL, r))
    }
}

/// The selector of every head Secret of one suffix, whatever the workspace.
pub fn heads_selector(suffix: &str) -> String {
    format!("{STATE_LABEL}=true,{SUFFIX_LABEL}={suffix},{ROLE_LABEL}=state")
}

/// `GENERATION/COUNT` for the head's annotation: the chunks after the head's own.
pub fn parts_annotation(generation: &str, count: usize) -> String {
    format!("{generation}/{count}")
}

pub fn parse_parts_annotation(text: &str) -> Option<(String, usize)> {
    let (generation, count) = text.split_once('/')?;
    Some((generation.to_string(), count.parse().ok()?))
}

/// A fresh generation name: short, lowercase, unique enough among a head's writes.
pub fn new_generation() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Decompresses, checking gzip's CRC and length: chunks of two writes never pass as one.
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).map_err(|e| format!("not a gzip'd payload: {e}"))?;
    Ok(out)
}

/// The payload cut into Secret-sized chunks; an empty payload is one empty chunk.
pub fn chunks(payload: &[u8]) -> Vec<&[u8]> {
    if payload.is_empty() {
        return vec![payload];
    }
    payload.chunks(CHUNK_BYTES).collect()
}

/// A DNS-1123 subdomain of at most `max` characters, as object names must be.
fn dns_subdomain(name: &str, max: usize) -> Result<(), String> {
    if name.len() > max {
        return Err(format!("it is {} characters long, more than {max}", name.len()));
    }
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !name.chars().all(|c| alnum(c) || c == '-' || c == '.') {
        return Err("it may hold only lowercase letters, digits, '-' and '.'".into());
    }
    if !name.starts_with(alnum) || !name.ends_with(alnum) {
        return Err("it must start and end with a letter or digit".into());
    }
    Ok(())
}

/// A label value: at most 63 characters, letters, digits, `-`, `_`, `.`, alphanumeric at both ends.
fn label_value(value: &str) -> Result<(), String> {
    if value.len() > 63 {
        return Err(format!("it is {} characters long, more than 63", value.len()));
    }
    let alnum = |c: char| c.is_ascii_alphanumeric();
    if !value.chars().all(|c| alnum(c) || "-_.".contains(c)) {
        return Err("it may hold only letters, digits, '-', '_' and '.'".into());
    }
    if !value.is_empty() && (!value.starts_with(alnum) || !value.ends_with(alnum)) {
        return Err("it must start and end with a letter or digit".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_terraforms_shape_under_gantrys_prefix() {
        let l = Layout::new("default", "default", "ml", BTreeMap::new()).unwrap();
        assert_eq!(l.head(), "gantry-state-default-ml");
        assert_eq!(l.lease(), "lock-gantry-state-default-ml");
        assert_eq!(l.part("abc", 2), "gantry-state-default-ml-abc-part-2");
        assert_eq!(l.journal_entry(7, 0), "gantry-state-default-ml-journal-0000000007");
        assert_eq!(l.journal_entry(7, 1), "gantry-state-default-ml-journal-0000000007-part-1");
        let labels = l.labels("state");
        assert_eq!(labels[STATE_LABEL], "true");
        assert_eq!(labels[SUFFIX_LABEL], "ml");
        assert_eq!(labels[WORKSPACE_LABEL], "default");
        assert!(l.owns(Some(&labels), Some("state")));
        assert!(!l.owns(Some(&labels), Some("part")));
        assert!(!l.owns(None, None));
    }

    #[test]
    fn names_kubernetes_refuses_are_refused_with_the_reason() {
        let err = Layout::new("default", "Prod_1", "ml", BTreeMap::new()).unwrap_err();
        assert!(err.contains("\"gantry-state-Prod_1-ml\" is not a valid Kubernetes name"), "{err}");
        let err = Layout::new("default", "default", &"x".repeat(64), BTreeMap::new()).unwrap_err();
        assert!(err.contains("secret_suffix"), "{err}");
        let err = Layout::new("default", "default", "ml", BTreeMap::from([("team".into(), "a b".into())])).unwrap_err();
        assert!(err.contains("\"team\""), "{err}");
    }

    #[test]
    fn a_payload_splits_into_secret_sized_chunks_and_round_trips() {
        let mut x: u64 = 0x9e3779b97f4a7c15;
        let data: Vec<u8> = (0..3 * CHUNK_BYTES)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect();
        let packed = gzip(&data);
        let parts = chunks(&packed);
        assert!(parts.len() >= 3 && parts.iter().all(|c| c.len() <= CHUNK_BYTES), "{}", parts.len());
        assert_eq!(gunzip(&parts.concat()).unwrap(), data);
        assert_eq!(chunks(&[]).len(), 1);
        let mut mixed = parts.concat();
        let n = mixed.len();
        mixed[n / 2] ^= 0xff;
        assert!(gunzip(&mixed).is_err(), "a corrupted payload is refused, not read");
    }

    #[test]
    fn the_parts_annotation_round_trips() {
        assert_eq!(parse_parts_annotation(&parts_annotation("g1", 3)), Some(("g1".into(), 3)));
        assert_eq!(parse_parts_annotation("garbage"), None);
    }
}
