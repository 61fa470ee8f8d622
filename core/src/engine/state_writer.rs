//! Where apply records what it did. Apply reports each side effect through
//! [`StateWriter`] — the intent before it, the result after — and never writes
//! state itself, so that how state is made durable (today a full snapshot per
//! change; a journal is the next step) can change without touching apply.

use crate::addr::ResourceInstanceAddr;
use crate::plan::Action;
use crate::state::{OutputState, ResourceInstanceState, State, StateError, StateStore};
use std::collections::BTreeMap;
use std::sync::Mutex;

pub trait StateWriter: Send + Sync {
    /// Called before the side effect `action` on `addr` starts.
    fn intend(&self, _addr: &ResourceInstanceAddr, _action: Action) -> Result<(), StateError> {
        Ok(())
    }
    /// The object at `instance.address` now exists as recorded.
    fn record(&self, instance: ResourceInstanceState) -> Result<(), StateError>;
    /// The object at `addr` no longer exists.
    fn forget(&self, addr: &ResourceInstanceAddr) -> Result<(), StateError>;
    /// The run is over: root outputs replace the recorded ones and the final state is written.
    fn finish(&self, outputs: Option<BTreeMap<String, OutputState>>) -> Result<State, StateError>;
    /// The state as recorded so far.
    fn snapshot(&self) -> State;
}

/// Writes the whole state through a [`StateStore`] after every change.
pub struct SnapshotWriter<'a> {
    store: &'a dyn StateStore,
    state: Mutex<State>,
}

impl<'a> SnapshotWriter<'a> {
    pub fn new(store: &'a dyn StateStore, start: State) -> SnapshotWriter<'a> {
        SnapshotWriter { store, state: Mutex::new(start) }
    }

    fn change(&self, f: impl FnOnce(&mut State)) -> Result<(), StateError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut state);
        state.bump_serial()?;
        self.store.write(&state)
    }
}

impl StateWriter for SnapshotWriter<'_> {
    fn record(&self, instance: ResourceInstanceState) -> Result<(), StateError> {
        self.change(|s| s.set(instance))
    }

    fn forget(&self, addr: &ResourceInstanceAddr) -> Result<(), StateError> {
        self.change(|s| {
            s.remove(addr);
        })
    }

    fn finish(&self, outputs: Option<BTreeMap<String, OutputState>>) -> Result<State, StateError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.outputs = outputs.unwrap_or_default();
        state.bump_serial()?;
        self.store.write(&state)?;
        Ok(state.clone())
    }

    fn snapshot(&self) -> State {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
