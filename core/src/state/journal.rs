//! The journal beside the state: apply appends one small record before each side
//! effect (its intent) and one after it (its result), so that a run killed at any
//! instant leaves behind exactly what it was doing. Reading state replays the
//! journal onto the last snapshot; intents without a result are what the next run
//! must resolve ("recovery") before it plans.
//!
//! Records are JSON lines. Replaying a record twice gives the same state, which is
//! what lets compaction write the snapshot first and shorten the journal after:
//! a kill in between replays records the snapshot already holds.

use super::{ResourceInstanceState, State, StateError};
use crate::addr::ResourceInstanceAddr;
use serde::{Deserialize, Serialize};

/// What a side effect does to the object at an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Create,
    Update,
    Delete,
    /// Deletes the object a create-before-destroy replacement superseded; state no
    /// longer tracks it, so the intent carries it.
    DeleteReplaced,
}

/// Recorded before a side effect starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// Unique across runs: the run's ID and a counter.
    pub id: String,
    pub address: ResourceInstanceAddr,
    pub operation: Operation,
    /// The provider configuration that performs it (`local`, `aws.east`).
    pub provider: String,
    /// How the provider finds the object again when the result is lost: an idempotency
    /// token, a unique name, or tags it set. Chosen by the provider; opaque here.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub identity: serde_json::Value,
    /// For a create, the planned object (unknown values as null); for a deletion of a
    /// replaced object, that object.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub object: serde_json::Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_paths: Vec<Vec<crate::value::PathStep>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Record {
    Intent(Intent),
    /// The object now exists as recorded; `resolves` names the intent it completes.
    Record {
        instance: ResourceInstanceState,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolves: Option<String>,
    },
    /// The object no longer exists.
    Forget {
        address: ResourceInstanceAddr,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolves: Option<String>,
    },
    /// The intent needs nothing more: it failed before changing anything, or what it
    /// changed is recorded in state already (an update's prior object is still there).
    Resolved {
        intent: String,
    },
    /// Everything before this line is in the snapshot; only the intents after it are pending.
    /// Backends that cannot replace the journal atomically start a new one with it.
    Compacted,
}

impl Record {
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }
}

/// The state the snapshot and the journal describe together.
#[derive(Debug, Clone, PartialEq)]
pub struct Journaled {
    pub state: State,
    /// Intents whose result is not recorded, oldest first.
    pub pending: Vec<Intent>,
    /// How many records the journal held.
    pub records: usize,
}

impl Journaled {
    pub fn new(state: State) -> Journaled {
        Journaled { state, pending: Vec::new(), records: 0 }
    }

    /// Applies one record. Every record moves the serial on, so that a saved plan made
    /// before any of them is stale, pending intents included.
    pub fn apply(&mut self, record: Record) {
        self.records += 1;
        self.state.serial += 1;
        match record {
            Record::Intent(intent) => {
                self.pending.retain(|p| p.id != intent.id);
                self.pending.push(intent);
            }
            Record::Record { instance, resolves } => {
                self.resolve(resolves.as_deref());
                self.state.set(instance);
            }
            Record::Forget { address, resolves } => {
                self.resolve(resolves.as_deref());
                self.state.remove(&address);
            }
            Record::Resolved { intent } => self.resolve(Some(&intent)),
            Record::Compacted => self.pending.clear(),
        }
    }

    fn resolve(&mut self, id: Option<&str>) {
        if let Some(id) = id {
            self.pending.retain(|p| p.id != id);
        }
    }

    /// The journal that carries the pending intents into a new snapshot.
    pub fn compacted_journal(pending: &[Intent]) -> Vec<u8> {
        let mut bytes = Record::Compacted.to_line();
        for p in pending {
            bytes.extend(Record::Intent(p.clone()).to_line());
        }
        bytes
    }
}

/// Replays a journal onto the snapshot it was written against. A last line without
/// its newline is a write the run did not finish (it was killed or the disk was full)
/// and is ignored; a bad line before the end is corruption and an error.
pub fn replay(state: State, journal: &[u8], name: &str) -> Result<Journaled, StateError> {
    let mut out = Journaled::new(state);
    let complete = match journal.iter().rposition(|b| *b == b'\n') {
        Some(end) => &journal[..=end],
        None => &[][..],
    };
    for (n, line) in complete.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: Record = serde_json::from_slice(line).map_err(|e| {
            StateError::Corrupt(format!(
                "line {} of the journal {name} is not a journal record ({e}); the state and the journal were left untouched. Move the journal aside to read the state without it",
                n + 1
            ))
        })?;
        out.apply(record);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(addr: &str) -> ResourceInstanceState {
        ResourceInstanceState {
            address: addr.parse().unwrap(),
            provider: "local".into(),
            attributes: serde_json::json!({ "id": addr }),
            sensitive_paths: Vec::new(),
            dependencies: Vec::new(),
            create_before_destroy: false,
            tainted: false,
        }
    }

    fn intent(id: &str, addr: &str) -> Intent {
        Intent {
            id: id.into(),
            address: addr.parse().unwrap(),
            operation: Operation::Create,
            provider: "local".into(),
            identity: serde_json::json!({ "token": id }),
            object: serde_json::Value::Null,
            sensitive_paths: Vec::new(),
            dependencies: Vec::new(),
            create_before_destroy: false,
        }
    }

    fn lines(records: &[Record]) -> Vec<u8> {
        records.iter().flat_map(Record::to_line).collect()
    }

    #[test]
    fn results_resolve_intents_and_intents_without_results_stay_pending() {
        let journal = lines(&[
            Record::Intent(intent("r-1", "local_cluster.a")),
            Record::Intent(intent("r-2", "local_cluster.b")),
            Record::Record { instance: instance("local_cluster.a"), resolves: Some("r-1".into()) },
            Record::Intent(intent("r-3", "local_cluster.c")),
            Record::Resolved { intent: "r-3".into() },
        ]);
        let j = replay(State::new(), &journal, "j").unwrap();
        assert_eq!(j.state.resources.len(), 1);
        assert_eq!(j.pending.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["r-2"]);
        assert_eq!(j.state.serial, 5, "every record moves the serial on");
    }

    #[test]
    fn replaying_twice_gives_the_same_state() {
        let journal = lines(&[
            Record::Record { instance: instance("local_cluster.a"), resolves: None },
            Record::Forget { address: "local_cluster.b".parse().unwrap(), resolves: None },
        ]);
        let mut start = State::new();
        start.set(instance("local_cluster.b"));
        let once = replay(start, &journal, "j").unwrap();
        let twice = replay(once.state.clone(), &journal, "j").unwrap();
        assert_eq!(once.state.resources, twice.state.resources);
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_a_bad_middle_line_is_an_error() {
        let mut journal = lines(&[Record::Intent(intent("r-1", "local_cluster.a"))]);
        journal.extend_from_slice(b"{\"op\":\"record\",\"inst");
        let j = replay(State::new(), &journal, "j").unwrap();
        assert_eq!(j.pending.len(), 1);
        journal.extend_from_slice(b"\n");
        journal.extend(Record::Resolved { intent: "r-1".into() }.to_line());
        let err = replay(State::new(), &journal, "gantry.state.json.journal").unwrap_err();
        assert!(err.to_string().contains("line 2 of the journal gantry.state.json.journal"), "{err}");
    }

    #[test]
    fn a_compacted_journal_carries_only_its_pending_intents() {
        let mut journal = lines(&[
            Record::Intent(intent("r-1", "local_cluster.a")),
            Record::Record { instance: instance("local_cluster.x"), resolves: None },
        ]);
        journal.extend(Journaled::compacted_journal(&[intent("r-2", "local_cluster.b")]));
        let j = replay(State::new(), &journal, "j").unwrap();
        assert_eq!(j.pending.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["r-2"]);
    }
}
