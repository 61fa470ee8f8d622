//! Where state lives: the `StateStore` trait every backend implements, the
//! default local file store, and the atomic file write both it and others use.
//!
//! A store keeps two things: the snapshot (a complete state document, replaced
//! atomically) and the journal beside it (records appended during apply, see
//! [`super::journal`]). Backends move bytes; parsing, replay and compaction are
//! the trait's provided methods, the same for every backend.

use super::journal::{self, Intent, Journaled};
use super::{LockInfo, State, StateError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where state lives. One implementation per backend.
pub trait StateStore: Send + Sync {
    /// The snapshot's bytes; `None` when none has been written yet.
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, StateError>;
    /// Replaces the snapshot atomically: a reader sees the old or the new version, never a mix.
    fn write_bytes(&self, bytes: &[u8]) -> Result<(), StateError>;
    /// Appends records to the journal and returns once they are durable. A failed
    /// append leaves the journal as it was.
    fn append_journal(&self, bytes: &[u8]) -> Result<(), StateError>;
    /// The whole journal; `None` when there is none.
    fn read_journal(&self) -> Result<Option<Vec<u8>>, StateError>;
    /// Replaces the journal atomically; empty bytes remove it.
    fn replace_journal(&self, bytes: &[u8]) -> Result<(), StateError>;
    /// Takes the lock, or fails at once with the holder's info.
    fn lock(&self, info: LockInfo) -> Result<LockInfo, StateError>;
    fn unlock(&self, id: &str) -> Result<(), StateError>;
    /// Releases a lock held by another run (after it died): `gantry force-unlock ID`.
    /// Returns what was removed.
    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError>;
    /// Where the state is, for messages.
    fn describe(&self) -> String;
    /// Where the journal is, for messages.
    fn describe_journal(&self) -> String {
        format!("{}.journal", self.describe())
    }

    /// The snapshot alone, without the journal.
    fn read_snapshot(&self) -> Result<Option<State>, StateError> {
        match self.read_bytes()? {
            Some(bytes) if crate::encryption::is_encrypted(&bytes) => Err(self.not_decrypted(self.describe())),
            Some(bytes) if !bytes.iter().all(u8::is_ascii_whitespace) => State::from_bytes(&bytes).map(Some),
            _ => Ok(None),
        }
    }

    /// The snapshot with the journal replayed onto it, and the intents still pending.
    fn read_journaled(&self) -> Result<Option<Journaled>, StateError> {
        let snapshot = self.read_snapshot()?;
        let journal = self.read_journal()?.filter(|j| !j.iter().all(u8::is_ascii_whitespace));
        if journal.as_deref().and_then(|j| j.split(|b| *b == b'\n').next()).is_some_and(crate::encryption::is_encrypted)
        {
            return Err(self.not_decrypted(self.describe_journal()));
        }
        match (snapshot, journal) {
            (None, None) => Ok(None),
            (Some(state), None) => Ok(Some(Journaled::new(state))),
            (None, Some(_)) => Err(StateError::Corrupt(format!(
                "the journal {} exists but the state {} does not; a run always writes the state before its journal, so the state was lost or moved. Restore it (from its backup or the bucket's versions), or move the journal aside to start empty",
                self.describe_journal(),
                self.describe()
            ))),
            (Some(state), Some(bytes)) => journal::replay(state, &bytes, &self.describe_journal()).map(Some),
        }
    }

    /// Encrypted data read by a store that has no key: the configuration lacks its encryption.
    fn not_decrypted(&self, what: String) -> StateError {
        let source = crate::encryption::EncryptionError::NoDecryption { target: crate::encryption::Target::State };
        StateError::Encryption { what, problem: source }
    }

    /// The current state: the snapshot with the journal's results applied.
    fn read(&self) -> Result<Option<State>, StateError> {
        Ok(self.read_journaled()?.map(|j| j.state))
    }

    /// Writes a snapshot. The journal is left as it is; use [`StateStore::commit`] to fold it in.
    fn write(&self, state: &State) -> Result<(), StateError> {
        self.write_bytes(&state.to_bytes())
    }

    /// Makes `state` the snapshot and leaves only `pending` in the journal. The snapshot
    /// is written first: a kill in between replays records the snapshot already holds.
    fn commit(&self, state: &State, pending: &[Intent]) -> Result<(), StateError> {
        self.write(state)?;
        let journal = if pending.is_empty() { Vec::new() } else { Journaled::compacted_journal(pending) };
        self.replace_journal(&journal)
    }
}

/// The default backend: a JSON file beside the configuration, a `.backup` of the
/// previous version, a `.journal` of the run in progress, and a `.lock` file created
/// exclusively.
pub struct LocalStore {
    pub path: PathBuf,
    /// The journal kept open between appends.
    journal: Mutex<Option<std::fs::File>>,
}

impl LocalStore {
    pub fn new(path: impl Into<PathBuf>) -> LocalStore {
        LocalStore { path: path.into(), journal: Mutex::new(None) }
    }

    fn lock_path(&self) -> PathBuf {
        with_suffix(&self.path, ".lock")
    }

    fn backup_path(&self) -> PathBuf {
        with_suffix(&self.path, ".backup")
    }

    pub fn journal_path(&self) -> PathBuf {
        with_suffix(&self.path, ".journal")
    }

    fn io(&self, path: &Path, source: std::io::Error) -> StateError {
        StateError::Io { path: path.to_path_buf(), error: source }
    }

    fn exists_with_content(path: &Path) -> bool {
        std::fs::read(path).is_ok_and(|b| !b.iter().all(u8::is_ascii_whitespace))
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

const TEMPORARY_MARK: &str = ".tmp.";

/// Writes a file so that a crash leaves either the old or the new content: write a
/// temporary file beside it, fsync it, rename it over the target, fsync the directory.
/// On any failure the temporary file is removed and the target is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes, true)
}

/// Like [`write_atomic`] without the two fsyncs: readers and a killed process still see
/// the old or the new content (a rename is atomic, and the kernel keeps what a dead process
/// wrote), but a power cut may lose the write. For files that stand for something outside
/// this machine, such as the simulator's objects, whose durability is the simulated cloud's.
pub fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes, false)
}

fn replace(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Unique within the process too: writers on several threads may replace one file at once.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = with_suffix(path, &format!(".{n}{TEMPORARY_MARK}{}", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if durable {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if durable {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Removes the temporary files that writers killed mid-write left in `dir`: those
/// named `*.tmp.PID` whose process no longer runs.
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(at) = name.rfind(TEMPORARY_MARK) else { continue };
        let Ok(pid) = name[at + TEMPORARY_MARK.len()..].parse::<u32>() else { continue };
        if !process_runs(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn process_runs(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        // Without a cheap way to ask, a temporary file is left rather than risk another run's.
        true
    }
}

impl StateStore for LocalStore {
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, StateError> {
        match std::fs::read(&self.path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
                // An empty file where state existed is a lost write, not a fresh start.
                for witness in [self.backup_path(), self.journal_path()] {
                    if Self::exists_with_content(&witness) {
                        return Err(StateError::Corrupt(format!(
                            "{} is empty, but {} shows that state existed; Gantry will not start from nothing. Restore the state (the backup holds the previous version) and run again",
                            self.path.display(),
                            witness.display()
                        )));
                    }
                }
                Ok(None)
            }
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(&self.path, e)),
        }
    }

    fn write_bytes(&self, bytes: &[u8]) -> Result<(), StateError> {
        if let Ok(previous) = std::fs::read(&self.path) {
            // An empty file is never kept as the backup: the backup may be all that is left.
            if !previous.iter().all(u8::is_ascii_whitespace) {
                write_atomic(&self.backup_path(), &previous).map_err(|e| self.io(&self.backup_path(), e))?;
            }
        }
        write_atomic(&self.path, bytes).map_err(|e| self.io(&self.path, e))
    }

    fn append_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        let path = self.journal_path();
        let mut open = self.journal.lock().unwrap_or_else(|e| e.into_inner());
        if open.is_none() {
            let f = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(|e| self.io(&path, e))?;
            *open = Some(f);
        }
        let f = open.as_mut().expect("opened above");
        let before = f.metadata().map(|m| m.len()).map_err(|e| self.io(&path, e))?;
        if let Err(e) = f.write_all(bytes).and_then(|_| f.sync_data()) {
            // A partial record must not stay: the next append would follow garbage.
            let _ = f.set_len(before);
            let _ = f.sync_data();
            *open = None;
            return Err(self.io(&path, e));
        }
        Ok(())
    }

    fn read_journal(&self) -> Result<Option<Vec<u8>>, StateError> {
        let path = self.journal_path();
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(&path, e)),
        }
    }

    fn replace_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        let path = self.journal_path();
        // The open handle would append to the replaced file.
        *self.journal.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if bytes.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(self.io(&path, e)),
                _ => Ok(()),
            };
        }
        write_atomic(&path, bytes).map_err(|e| self.io(&path, e))
    }

    fn lock(&self, info: LockInfo) -> Result<LockInfo, StateError> {
        let path = self.lock_path();
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| self.io(dir, e))?;
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                let bytes = serde_json::to_vec_pretty(&info).unwrap_or_default();
                if let Err(e) = f.write_all(&bytes).and_then(|_| f.sync_all()) {
                    drop(f);
                    let _ = std::fs::remove_file(&path);
                    return Err(self.io(&path, e));
                }
                // Holding the lock, no other run is writing here: what a killed one left can go.
                remove_stale_temporaries(dir);
                Ok(info)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let bytes = std::fs::read(&path).unwrap_or_default();
                Err(StateError::Locked(LockInfo::from_bytes(&bytes, &path.display().to_string())))
            }
            Err(e) => Err(self.io(&path, e)),
        }
    }

    fn unlock(&self, id: &str) -> Result<(), StateError> {
        self.force_unlock(id).map(|_| ())
    }

    /// Releasing is the same for the holder and for anyone else: the ID must match.
    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let path = self.lock_path();
        let Ok(bytes) = std::fs::read(&path) else { return Err(StateError::NoSuchLock(id.to_string())) };
        let holder = LockInfo::from_bytes(&bytes, &path.display().to_string());
        if holder.id != id {
            return Err(StateError::NoSuchLock(id.to_string()));
        }
        std::fs::remove_file(&path).map_err(|e| self.io(&path, e))?;
        Ok(holder)
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
    fn an_empty_state_file_where_a_backup_exists_is_an_error_and_keeps_the_backup() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("s.json"));
        let mut s = State::new();
        store.write(&s).unwrap();
        s.serial = 1;
        store.write(&s).unwrap();
        std::fs::write(dir.path().join("s.json"), b"  \n").unwrap();
        let err = store.read().unwrap_err();
        assert!(err.to_string().contains("s.json.backup shows that state existed"), "{err}");
        let backup = std::fs::read(dir.path().join("s.json.backup")).unwrap();
        store.write(&State::new()).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("s.json.backup")).unwrap(),
            backup,
            "the empty file is not the backup"
        );
    }

    #[test]
    fn a_failed_atomic_write_leaves_no_temporary_file_and_the_target_intact() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), b"x").unwrap();
        assert!(write_atomic(&target, b"new").is_err(), "a directory cannot be replaced by a file");
        let names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        assert_eq!(names, ["t"]);
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join("s.json.tmp.4000000");
        let live = dir.path().join(format!("s.json.tmp.{}", std::process::id()));
        std::fs::write(&dead, b"x").unwrap();
        std::fs::write(&live, b"x").unwrap();
        std::fs::write(dir.path().join("s.json"), b"{}").unwrap();
        remove_stale_temporaries(dir.path());
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(dir.path().join("s.json").exists());
    }

    #[test]
    fn the_journal_appends_replays_and_is_replaced() {
        use crate::state::journal::{Intent, Operation, Record};
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("s.json"));
        store.write(&State::new()).unwrap();
        let intent = Intent {
            id: "r-1".into(),
            address: "local_cluster.a".parse().unwrap(),
            operation: Operation::Create,
            provider: "local".into(),
            identity: serde_json::Value::Null,
            object: serde_json::Value::Null,
            sensitive_paths: Vec::new(),
            dependencies: Vec::new(),
            create_before_destroy: false,
        };
        store.append_journal(&Record::Intent(intent.clone()).to_line()).unwrap();
        let j = store.read_journaled().unwrap().unwrap();
        assert_eq!(j.pending, [intent.clone()]);
        assert_eq!(store.read().unwrap().unwrap().serial, 1, "a pending intent makes the state newer");
        store.commit(&j.state, &j.pending).unwrap();
        assert_eq!(store.read_journaled().unwrap().unwrap().pending, [intent]);
        store.commit(&j.state, &[]).unwrap();
        assert!(!dir.path().join("s.json.journal").exists());
        store.append_journal(b"{\"op\":\"compacted\"}\n").unwrap();
        assert!(store.read_journaled().unwrap().unwrap().pending.is_empty());
    }

    #[test]
    fn a_journal_without_a_state_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("s.json"));
        store.append_journal(b"{\"op\":\"compacted\"}\n").unwrap();
        let err = store.read().unwrap_err();
        assert!(err.to_string().contains("s.json.journal exists but the state"), "{err}");
    }

    #[test]
    fn an_unreadable_lock_shows_an_id_that_force_unlock_accepts() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("s.json"));
        std::fs::write(dir.path().join("s.json.lock"), b"\x00garbage{").unwrap();
        let holder = match store.lock(LockInfo::new("plan", "s.json")) {
            Err(StateError::Locked(h)) => h,
            other => panic!("expected the garbage lock to hold, got {other:?}"),
        };
        assert!(holder.id.starts_with("unreadable-"), "{}", holder.id);
        assert!(matches!(store.force_unlock("unknown"), Err(StateError::NoSuchLock(_))));
        let removed = store.force_unlock(&holder.id).unwrap();
        assert_eq!(removed.id, holder.id);
        assert!(!dir.path().join("s.json.lock").exists());
    }
}
