//! The journal is folded into the snapshot during a long run, not only at its end, and the
//! bytes a run writes grow linearly with it: checked by counting what reaches the store.

use super::state_writer::{JournalWriter, StateWriter};
use crate::state::{LocalStore, LockInfo, ResourceInstanceState, State, StateError, StateStore};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Default)]
struct Counts {
    snapshots: AtomicUsize,
    snapshot_bytes: AtomicUsize,
    journal_bytes: AtomicUsize,
    /// The journal's size since it was last replaced, and the largest it ever was.
    journal_now: AtomicUsize,
    journal_peak: AtomicUsize,
}

struct Counting {
    inner: LocalStore,
    counts: Arc<Counts>,
}

impl StateStore for Counting {
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, StateError> {
        self.inner.read_bytes()
    }
    fn write_bytes(&self, bytes: &[u8]) -> Result<(), StateError> {
        self.counts.snapshots.fetch_add(1, Ordering::Relaxed);
        self.counts.snapshot_bytes.fetch_add(bytes.len(), Ordering::Relaxed);
        self.inner.write_bytes(bytes)
    }
    fn append_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        self.counts.journal_bytes.fetch_add(bytes.len(), Ordering::Relaxed);
        let now = self.counts.journal_now.fetch_add(bytes.len(), Ordering::Relaxed) + bytes.len();
        self.counts.journal_peak.fetch_max(now, Ordering::Relaxed);
        self.inner.append_journal(bytes)
    }
    fn read_journal(&self) -> Result<Option<Vec<u8>>, StateError> {
        self.inner.read_journal()
    }
    fn replace_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        self.counts.journal_now.store(bytes.len(), Ordering::Relaxed);
        self.inner.replace_journal(bytes)
    }
    fn lock(&self, info: LockInfo) -> Result<LockInfo, StateError> {
        self.inner.lock(info)
    }
    fn unlock(&self, id: &str) -> Result<(), StateError> {
        self.inner.unlock(id)
    }
    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        self.inner.force_unlock(id)
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

fn instance(i: usize) -> ResourceInstanceState {
    ResourceInstanceState {
        address: format!("local_network.net[{i}]").parse().unwrap(),
        provider: "local".into(),
        attributes: serde_json::json!({ "id": format!("net-{i:08}"), "padding": "x".repeat(600) }),
        sensitive_paths: Vec::new(),
        dependencies: Vec::new(),
        create_before_destroy: false,
        tainted: false,
    }
}

#[test]
fn a_long_run_compacts_as_it_goes_and_writes_linearly() {
    let dir = tempfile::tempdir().unwrap();
    let counts = Arc::new(Counts::default());
    let store = Arc::new(Counting { inner: LocalStore::new(dir.path().join("s.json")), counts: counts.clone() });
    let writer = JournalWriter::new(store.clone(), State::new(), Vec::new(), false).unwrap();
    const RECORDS: usize = 6000;
    for i in 0..RECORDS {
        writer.record(instance(i), None).unwrap();
    }
    let state = writer.finish(None).unwrap();
    assert_eq!(state.resources.len(), RECORDS);

    let final_size = std::fs::metadata(dir.path().join("s.json")).unwrap().len() as usize;
    let snapshots = counts.snapshots.load(Ordering::Relaxed);
    // The first (empty) snapshot, the final one, and at least one in between: the journal
    // of about 4 MiB passes the 1 MiB floor.
    assert!(snapshots >= 3, "{snapshots} snapshots: the journal was not compacted during the run");
    let peak = counts.journal_peak.load(Ordering::Relaxed);
    assert!(peak < final_size, "the journal reached {peak} bytes, more than the whole {final_size}-byte state");
    let written = counts.snapshot_bytes.load(Ordering::Relaxed) + counts.journal_bytes.load(Ordering::Relaxed);
    assert!(written <= 5 * final_size, "{written} bytes written for a {final_size}-byte state: not linear");
    assert!(!dir.path().join("s.json.journal").exists(), "the end of the run folds the journal in");
    assert_eq!(store.read().unwrap().unwrap().resources.len(), RECORDS);
}
