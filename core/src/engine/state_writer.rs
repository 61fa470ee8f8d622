//! Where apply records what it did. Apply reports each side effect through
//! [`StateWriter`] — the intent before it, the result after — and never writes
//! state itself.
//!
//! [`JournalWriter`] appends each report to the store's journal from a thread of
//! its own: the walk hands records over and goes on, so in-flight operations never
//! wait for one another's writes. An intent is the one thing waited for — the side
//! effect may not start until it is durable — and intents queued together share one
//! fsync. The journal is folded into a new snapshot when it has grown as large as
//! the snapshot itself (so the bytes written grow linearly with the run) and when
//! the run ends.

use crate::addr::ResourceInstanceAddr;
use crate::state::journal::{Intent, Record};
use crate::state::{OutputState, ResourceInstanceState, State, StateError, StateStore};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};

#[async_trait::async_trait]
pub trait StateWriter: Send + Sync {
    /// A new intent ID, unique across runs.
    fn intent_id(&self) -> String;
    /// Records `intent`; returns once it is durable. The side effect starts only after.
    async fn intend(&self, intent: Intent) -> Result<(), StateError>;
    /// The object at `instance.address` now exists as recorded.
    fn record(&self, instance: ResourceInstanceState, resolves: Option<&str>) -> Result<(), StateError>;
    /// The object at `addr` no longer exists.
    fn forget(&self, addr: &ResourceInstanceAddr, resolves: Option<&str>) -> Result<(), StateError>;
    /// The intent needs no recovery: nothing was changed, or state already says what was.
    fn resolved(&self, intent: &str) -> Result<(), StateError>;
    /// The run is over: root outputs replace the recorded ones and the final state is written.
    /// Intents still pending stay in the journal for the next run to resolve.
    fn finish(&self, outputs: Option<BTreeMap<String, OutputState>>) -> Result<State, StateError>;
    /// The state as recorded so far.
    fn snapshot(&self) -> State;
    /// The intents recorded and not resolved.
    fn pending(&self) -> Vec<Intent>;
}

/// What the walk hands the writing thread.
enum Job {
    Append { bytes: Vec<u8>, durable: Option<tokio::sync::oneshot::Sender<Result<(), String>>> },
    Finish(std::sync::mpsc::SyncSender<Result<(), StateError>>),
}

struct Recorded {
    state: State,
    pending: Vec<Intent>,
}

/// Journals every change through a [`StateStore`]; see the module comment.
pub struct JournalWriter {
    recorded: Arc<Mutex<Recorded>>,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The first write error; once there is one, nothing more is started.
    failed: Arc<Mutex<Option<String>>>,
    run: String,
    next: AtomicU64,
}

/// A journal is folded into the snapshot no sooner than this, so small states are not rewritten often.
const MIN_COMPACTION_BYTES: usize = 1 << 20;

impl JournalWriter {
    /// Starts recording onto `start`, carrying `pending` (intents an earlier run left
    /// unresolved). Writes `start` as the snapshot when the store has none
    /// (`stored` is false), so the journal always has a snapshot to be replayed onto.
    pub fn new(
        store: Arc<dyn StateStore>,
        start: State,
        pending: Vec<Intent>,
        stored: bool,
    ) -> Result<JournalWriter, StateError> {
        if !stored {
            store.commit(&start, &pending)?;
        }
        let snapshot_bytes = start.to_bytes().len();
        let recorded = Arc::new(Mutex::new(Recorded { state: start, pending }));
        let failed = Arc::new(Mutex::new(None));
        let (tx, rx) = mpsc::channel();
        let thread = {
            let recorded = recorded.clone();
            let failed = failed.clone();
            std::thread::Builder::new()
                .name("gantry-journal".into())
                .spawn(move || write_loop(store, rx, recorded, failed, snapshot_bytes))
                .map_err(|e| StateError::Journal(format!("the journal writer cannot start: {e}")))?
        };
        Ok(JournalWriter {
            recorded,
            jobs: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
            failed,
            run: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
            next: AtomicU64::new(1),
        })
    }

    fn check(&self) -> Result<(), StateError> {
        match &*self.failed.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(StateError::Journal(e.clone())),
            None => Ok(()),
        }
    }

    /// Applies `record` to the state in memory and queues it, in one critical section
    /// so that the journal's order is the order of the changes.
    fn queue(
        &self,
        record: Record,
        durable: Option<tokio::sync::oneshot::Sender<Result<(), String>>>,
    ) -> Result<(), StateError> {
        self.check()?;
        let mut recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
        let bytes = record.to_line();
        match record {
            Record::Intent(intent) => recorded.pending.push(intent),
            Record::Record { instance, resolves } => {
                resolve(&mut recorded.pending, resolves.as_deref());
                recorded.state.set(instance);
            }
            Record::Forget { address, resolves } => {
                resolve(&mut recorded.pending, resolves.as_deref());
                recorded.state.remove(&address);
            }
            Record::Resolved { intent } => resolve(&mut recorded.pending, Some(&intent)),
            Record::Compacted => {}
        }
        recorded.state.serial += 1;
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        let sent = jobs.as_ref().map(|tx| tx.send(Job::Append { bytes, durable }).is_ok()).unwrap_or(false);
        if !sent {
            return Err(StateError::Journal("the journal writer has stopped".into()));
        }
        Ok(())
    }
}

fn resolve(pending: &mut Vec<Intent>, id: Option<&str>) {
    if let Some(id) = id {
        pending.retain(|p| p.id != id);
    }
}

fn write_loop(
    store: Arc<dyn StateStore>,
    rx: mpsc::Receiver<Job>,
    recorded: Arc<Mutex<Recorded>>,
    failed: Arc<Mutex<Option<String>>>,
    mut snapshot_bytes: usize,
) {
    let mut since_compaction = 0usize;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        let mut bytes = Vec::new();
        let mut waiting = Vec::new();
        let mut finish = None;
        for job in batch {
            match job {
                Job::Append { bytes: b, durable } => {
                    bytes.extend(b);
                    waiting.extend(durable);
                }
                Job::Finish(done) => finish = Some(done),
            }
        }
        let already_failed = failed.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let result = match already_failed {
            Some(e) => Err(e),
            None if bytes.is_empty() => Ok(()),
            None => store.append_journal(&bytes).map_err(|e| e.to_string()),
        };
        if let Err(e) = &result {
            failed.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert_with(|| e.clone());
        }
        for w in waiting {
            let _ = w.send(result.clone());
        }
        since_compaction += bytes.len();
        if let Some(done) = finish {
            let outcome = match result {
                Err(e) => Err(StateError::Journal(e)),
                Ok(()) => commit(&*store, &recorded).map(|_| ()),
            };
            let _ = done.send(outcome);
            return;
        }
        if result.is_ok() && since_compaction >= snapshot_bytes.max(MIN_COMPACTION_BYTES) {
            match commit(&*store, &recorded) {
                Ok(size) => {
                    snapshot_bytes = size;
                    since_compaction = 0;
                }
                // The journal still holds everything; the end of the run tries again.
                Err(_) => since_compaction = 0,
            }
        }
    }
}

/// Folds the journal into a new snapshot of what is recorded now; returns its size.
fn commit(store: &dyn StateStore, recorded: &Mutex<Recorded>) -> Result<usize, StateError> {
    let (state, pending) = {
        let r = recorded.lock().unwrap_or_else(|e| e.into_inner());
        (r.state.clone(), r.pending.clone())
    };
    store.commit(&state, &pending)?;
    Ok(state.to_bytes().len())
}

#[async_trait::async_trait]
impl StateWriter for JournalWriter {
    fn intent_id(&self) -> String {
        format!("{}-{}", self.run, self.next.fetch_add(1, Ordering::Relaxed))
    }

    async fn intend(&self, intent: Intent) -> Result<(), StateError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.queue(Record::Intent(intent), Some(tx))?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StateError::Journal(e)),
            Err(_) => Err(StateError::Journal("the journal writer stopped before the intent was written".into())),
        }
    }

    fn record(&self, instance: ResourceInstanceState, resolves: Option<&str>) -> Result<(), StateError> {
        self.queue(Record::Record { instance, resolves: resolves.map(str::to_string) }, None)
    }

    fn forget(&self, addr: &ResourceInstanceAddr, resolves: Option<&str>) -> Result<(), StateError> {
        self.queue(Record::Forget { address: addr.clone(), resolves: resolves.map(str::to_string) }, None)
    }

    fn resolved(&self, intent: &str) -> Result<(), StateError> {
        self.queue(Record::Resolved { intent: intent.to_string() }, None)
    }

    fn finish(&self, outputs: Option<BTreeMap<String, OutputState>>) -> Result<State, StateError> {
        {
            let mut r = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
            r.state.outputs = outputs.unwrap_or_default();
            r.state.serial += 1;
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some_and(|jobs| jobs.send(Job::Finish(tx)).is_ok());
        let outcome = if sent {
            rx.recv().unwrap_or_else(|_| Err(StateError::Journal("the journal writer stopped".into())))
        } else {
            Err(StateError::Journal("the run was already finished".into()))
        };
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = t.join();
        }
        outcome.map(|()| self.snapshot())
    }

    fn snapshot(&self) -> State {
        self.recorded.lock().unwrap_or_else(|e| e.into_inner()).state.clone()
    }

    fn pending(&self) -> Vec<Intent> {
        self.recorded.lock().unwrap_or_else(|e| e.into_inner()).pending.clone()
    }
}

impl Drop for JournalWriter {
    fn drop(&mut self) {
        // Closing the channel ends the thread after it has written what was queued.
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = t.join();
        }
    }
}
