//! State: what Gantry last knew of every object it manages, and the backends
//! that store it. Writes are atomic (temp file, fsync, rename) and the previous
//! version is kept as a backup; a lock keeps two runs from writing at once.

use crate::addr::ResourceInstanceAddr;
use crate::value::{PathStep, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The state file format version this build writes.
pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct State {
    pub version: u32,
    /// Incremented on every write, so a saved plan can tell whether state moved on.
    pub serial: u64,
    /// Fixed when the state is created; a plan for another lineage is for another state.
    pub lineage: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    #[serde(default)]
    pub resources: Vec<ResourceInstanceState>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResourceInstanceState {
    pub address: ResourceInstanceAddr,
    /// The provider configuration that manages it: `local`, `kubernetes.gpu`.
    pub provider: String,
    /// Attribute values; never holds an unknown.
    pub attributes: serde_json::Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_paths: Vec<Vec<PathStep>>,
    /// Resources (within the whole configuration) this one depended on when last applied;
    /// destroy goes in the reverse of this order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
}

impl ResourceInstanceState {
    /// The attributes as a value, with sensitive marks restored.
    pub fn value(&self) -> Value {
        Value::from_json(&self.attributes).mark_paths(&self.sensitive_paths)
    }
}

impl State {
    pub fn new() -> State {
        State {
            version: STATE_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            outputs: BTreeMap::new(),
            resources: Vec::new(),
        }
    }

    pub fn get(&self, addr: &ResourceInstanceAddr) -> Option<&ResourceInstanceState> {
        self.resources.iter().find(|r| &r.address == addr)
    }

    /// Inserts or replaces one instance, keeping resources sorted by address.
    pub fn set(&mut self, instance: ResourceInstanceState) {
        match self.resources.binary_search_by(|r| r.address.cmp(&instance.address)) {
            Ok(i) => self.resources[i] = instance,
            Err(i) => self.resources.insert(i, instance),
        }
    }

    pub fn remove(&mut self, addr: &ResourceInstanceAddr) -> Option<ResourceInstanceState> {
        let i = self.resources.iter().position(|r| &r.address == addr)?;
        Some(self.resources.remove(i))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<State, StateError> {
        let state: State = serde_json::from_slice(bytes).map_err(|e| StateError::Corrupt(e.to_string()))?;
        if state.version > STATE_VERSION {
            return Err(StateError::TooNew(state.version));
        }
        Ok(state)
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The state could not be parsed; it is left untouched.
    #[error("the state file is not valid: {0}")]
    Corrupt(String),
    /// Written by a newer Gantry; reading it could lose information.
    #[error("the state file has format version {0}, newer than this Gantry understands; upgrade Gantry")]
    TooNew(u32),
    #[error("{0}")]
    Locked(LockInfo),
    #[error("no lock with ID {0} is held")]
    NoSuchLock(String),
    #[error("state I/O failed on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Who holds a lock, shown to the run that could not get it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    pub operation: String,
    pub who: String,
    pub created: String,
    pub path: String,
}

impl std::fmt::Display for LockInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the state is locked by another run\n  ID:        {}\n  Path:      {}\n  Operation: {}\n  Who:       {}\n  Created:   {}",
            self.id, self.path, self.operation, self.who, self.created
        )
    }
}

impl LockInfo {
    pub fn new(operation: &str, path: &str) -> LockInfo {
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{user}@{host} (pid {})", std::process::id()),
            created: now_rfc3339(),
            path: path.to_string(),
        }
    }
}

/// The current UTC time as RFC 3339, without pulling in a date crate for one line.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// Where state lives. One implementation per backend.
pub trait StateStore: Send + Sync {
    /// Reads the current state; `None` when none has been written yet.
    fn read(&self) -> Result<Option<State>, StateError>;
    /// Replaces the state atomically: a reader sees the old or the new version, never a mix.
    fn write(&self, state: &State) -> Result<(), StateError>;
    /// Takes the lock, or fails at once with the holder's info.
    fn lock(&self, info: LockInfo) -> Result<LockInfo, StateError>;
    fn unlock(&self, id: &str) -> Result<(), StateError>;
    /// Releases a lock held by another run (after it died): `gantry force-unlock ID`.
    fn force_unlock(&self, id: &str) -> Result<(), StateError>;
    /// Where the state is, for messages.
    fn describe(&self) -> String;
}

/// The default backend: a JSON file beside the configuration, a `.backup` of the
/// previous version, and a `.lock` file created exclusively.
pub struct LocalStore {
    pub path: PathBuf,
}

impl LocalStore {
    pub fn new(path: impl Into<PathBuf>) -> LocalStore {
        LocalStore { path: path.into() }
    }

    fn lock_path(&self) -> PathBuf {
        with_suffix(&self.path, ".lock")
    }

    fn backup_path(&self) -> PathBuf {
        with_suffix(&self.path, ".backup")
    }

    fn io(&self, path: &Path, source: std::io::Error) -> StateError {
        StateError::Io { path: path.to_path_buf(), source }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Writes a file so that a crash leaves either the old or the new content: write a
/// temporary file beside it, fsync it, rename it over the target, fsync the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = with_suffix(path, &format!(".tmp.{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

impl StateStore for LocalStore {
    fn read(&self) -> Result<Option<State>, StateError> {
        match std::fs::read(&self.path) {
            Ok(bytes) if bytes.iter().all(|b| b.is_ascii_whitespace()) => Ok(None),
            Ok(bytes) => State::from_bytes(&bytes).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(&self.path, e)),
        }
    }

    fn write(&self, state: &State) -> Result<(), StateError> {
        if let Ok(previous) = std::fs::read(&self.path) {
            write_atomic(&self.backup_path(), &previous).map_err(|e| self.io(&self.backup_path(), e))?;
        }
        write_atomic(&self.path, &state.to_bytes()).map_err(|e| self.io(&self.path, e))
    }

    fn lock(&self, info: LockInfo) -> Result<LockInfo, StateError> {
        let path = self.lock_path();
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.io(dir, e))?;
        }
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                let bytes = serde_json::to_vec_pretty(&info).unwrap_or_default();
                f.write_all(&bytes).and_then(|_| f.sync_all()).map_err(|e| self.io(&path, e))?;
                Ok(info)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read(&path)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<LockInfo>(&b).ok())
                    .unwrap_or_else(|| LockInfo {
                        id: "unknown".into(),
                        operation: "unknown".into(),
                        who: "unknown".into(),
                        created: "unknown".into(),
                        path: path.display().to_string(),
                    });
                Err(StateError::Locked(holder))
            }
            Err(e) => Err(self.io(&path, e)),
        }
    }

    fn unlock(&self, id: &str) -> Result<(), StateError> {
        let path = self.lock_path();
        let holder = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<LockInfo>(&b).ok());
        match holder {
            Some(h) if h.id == id => std::fs::remove_file(&path).map_err(|e| self.io(&path, e)),
            _ => Err(StateError::NoSuchLock(id.to_string())),
        }
    }

    fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        self.unlock(id)
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_keeps_backup_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("s.json"));
        assert!(store.read().unwrap().is_none());
        let mut s = State::new();
        store.write(&s).unwrap();
        s.serial = 1;
        store.write(&s).unwrap();
        assert_eq!(store.read().unwrap().unwrap().serial, 1);
        let backup = State::from_bytes(&std::fs::read(dir.path().join("s.json.backup")).unwrap()).unwrap();
        assert_eq!(backup.serial, 0);
    }

    #[test]
    fn second_lock_fails_with_holder_and_force_unlock_releases() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("s.json"));
        let held = store.lock(LockInfo::new("apply", "s.json")).unwrap();
        match store.lock(LockInfo::new("plan", "s.json")) {
            Err(StateError::Locked(info)) => assert_eq!(info.id, held.id),
            other => panic!("expected a lock error, got {other:?}"),
        }
        assert!(store.force_unlock("wrong").is_err());
        store.force_unlock(&held.id).unwrap();
        store.lock(LockInfo::new("plan", "s.json")).unwrap();
    }

    #[test]
    fn corrupt_state_is_an_error_not_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.json"), b"{ not json").unwrap();
        let store = LocalStore::new(dir.path().join("s.json"));
        assert!(matches!(store.read(), Err(StateError::Corrupt(_))));
    }

    #[test]
    fn rfc3339_looks_right() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20);
        assert!(t.ends_with('Z'));
    }
}
