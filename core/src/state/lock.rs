//! The state lock: who holds it, taking it (at once or waiting up to a timeout),
//! and releasing it when the command that took it ends.

use super::{StateError, StateStore};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

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

impl LockInfo {
    /// Reads a lock file or item. One that cannot be parsed (a half-written file, or
    /// garbage) still gets an ID — derived from its content — so that the error can
    /// show it and `force-unlock` can release exactly that lock.
    pub fn from_bytes(bytes: &[u8], path: &str) -> LockInfo {
        if let Ok(info) = serde_json::from_slice::<LockInfo>(bytes) {
            return info;
        }
        use sha2::Digest;
        let digest = sha2::Sha256::digest(bytes);
        let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        LockInfo {
            id: format!("unreadable-{hex}"),
            operation: "unknown".into(),
            who: "unknown (the lock's content is not a lock record; it was probably written by a run that was killed)"
                .into(),
            created: "unknown".into(),
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

/// How often a waiting run asks for the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(500);

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it (still, after the timeout).
    #[error(
        "Error acquiring the state lock: {0}\n\nGantry acquires a lock so that two runs cannot write the state at once. Wait for the other run to finish, or, if it died, release the lock with: gantry force-unlock {id}",
        id = .0.id
    )]
    Held(LockInfo),
    #[error(transparent)]
    Store(StateError),
}

impl From<StateError> for LockError {
    fn from(e: StateError) -> LockError {
        match e {
            StateError::Locked(holder) => LockError::Held(holder),
            other => LockError::Store(other),
        }
    }
}

/// Holds the state lock until dropped, so that every way out of a command releases it.
/// State mutations take one, which makes "mutated without the lock" unrepresentable.
pub struct LockGuard<'a> {
    store: &'a dyn StateStore,
    info: LockInfo,
}

impl<'a> LockGuard<'a> {
    pub fn store(&self) -> &'a dyn StateStore {
        self.store
    }

    pub fn info(&self) -> &LockInfo {
        &self.info
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        // Nothing useful can be done with a failed release here; the next run reports the stale lock.
        let _ = self.store.unlock(&self.info.id);
    }
}

/// Takes the lock for `operation`, or fails at once with the holder's info.
pub fn try_lock<'a>(store: &'a dyn StateStore, operation: &str) -> Result<LockGuard<'a>, LockError> {
    let info = store.lock(LockInfo::new(operation, &store.describe()))?;
    Ok(LockGuard { store, info })
}

/// Takes the lock for `operation`, asking again while another run holds it, until
/// `timeout` has passed (zero: one attempt).
pub async fn lock<'a>(
    store: &'a dyn StateStore,
    operation: &str,
    timeout: Duration,
) -> Result<LockGuard<'a>, LockError> {
    let deadline = Instant::now() + timeout;
    loop {
        match try_lock(store, operation) {
            Err(LockError::Held(_)) if Instant::now() < deadline => {
                tokio::time::sleep(RETRY_EVERY.min(deadline.saturating_duration_since(Instant::now()))).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::LocalStore;

    #[test]
    fn rfc3339_looks_right() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20);
        assert!(t.ends_with('Z'));
    }

    #[tokio::test]
    async fn timeout_error_names_the_holder_and_how_to_release_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("s.json"));
        let held = store.lock(LockInfo::new("apply", "s.json")).unwrap();
        let started = Instant::now();
        let err = match lock(&store, "plan", Duration::from_millis(700)).await {
            Err(e) => e,
            Ok(_) => panic!("the lock is held by another run"),
        };
        assert!(started.elapsed() >= Duration::from_millis(700), "it waited for the timeout");
        match &err {
            LockError::Held(holder) => {
                assert_eq!(holder.id, held.id);
                assert_eq!(holder.operation, "apply");
            }
            other => panic!("expected the holder, got {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains(&format!("ID:        {}", held.id)), "{text}");
        assert!(text.contains(&format!("gantry force-unlock {}", held.id)), "{text}");
    }

    #[tokio::test]
    async fn waiting_run_gets_the_lock_once_released_and_the_guard_releases_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("s.json"));
        let held = store.lock(LockInfo::new("apply", "s.json")).unwrap();
        let release = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            store.unlock(&held.id).unwrap();
        };
        let (guard, ()) = tokio::join!(lock(&store, "plan", Duration::from_secs(10)), release);
        let guard = guard.unwrap();
        assert_eq!(guard.info().operation, "plan");
        assert!(matches!(try_lock(&store, "other"), Err(LockError::Held(_))));
        drop(guard);
        try_lock(&store, "other").unwrap();
    }
}
