//! Where state lives: the `StateStore` trait every backend implements, the
//! default local file store, and the atomic file write both it and others use.

use super::{LockInfo, State, StateError};
use std::io::Write;
use std::path::{Path, PathBuf};

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
}
