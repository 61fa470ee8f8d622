//! The state document: what Gantry last knew of every object it manages, and
//! its serialised form.

use super::StateError;
use crate::addr::{ResourceAddr, ResourceInstanceAddr};
use crate::value::{PathStep, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Marked by `gantry taint` (or, in time, a create that failed half-way): the next
    /// plan replaces the object even though nothing else asks for it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tainted: bool,
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

    /// Moves the serial on by one, as every write does. At its largest value this is an error,
    /// not a wrap to 0, after which an old saved plan could match the state again.
    pub fn bump_serial(&mut self) -> Result<(), StateError> {
        self.serial = self.serial.checked_add(1).ok_or(StateError::SerialExhausted(self.serial))?;
        Ok(())
    }

    /// Resources are kept sorted by address (`set` inserts in order, `from_bytes` sorts what
    /// it reads), so a lookup is a binary search: apply and refresh look up every instance,
    /// and a scan made that quadratic.
    pub fn get(&self, addr: &ResourceInstanceAddr) -> Option<&ResourceInstanceState> {
        let i = self.resources.binary_search_by(|r| r.address.cmp(addr)).ok()?;
        Some(&self.resources[i])
    }

    /// Inserts or replaces one instance, keeping resources sorted by address.
    pub fn set(&mut self, instance: ResourceInstanceState) {
        match self.resources.binary_search_by(|r| r.address.cmp(&instance.address)) {
            Ok(i) => self.resources[i] = instance,
            Err(i) => self.resources.insert(i, instance),
        }
    }

    /// The instances of one resource. They are contiguous: resources are sorted by address,
    /// and an instance address orders by its resource first.
    pub fn instances_of(&self, resource: &ResourceAddr) -> &[ResourceInstanceState] {
        let start = self.resources.partition_point(|r| &r.address.resource < resource);
        let len = self.resources[start..].partition_point(|r| &r.address.resource == resource);
        &self.resources[start..start + len]
    }

    pub fn remove(&mut self, addr: &ResourceInstanceAddr) -> Option<ResourceInstanceState> {
        let i = self.resources.binary_search_by(|r| r.address.cmp(addr)).ok()?;
        Some(self.resources.remove(i))
    }

    /// The state document for `show -json` and a plan's JSON: every sensitive value of a
    /// resource (by its `sensitive_paths`) and every sensitive output's value is replaced by
    /// `(sensitive value)`. The state file itself is the one place that holds them.
    pub fn to_redacted_json(&self) -> serde_json::Value {
        let mut s = self.clone();
        for r in &mut s.resources {
            r.attributes = crate::redact::redacted_json(&r.value());
        }
        for o in s.outputs.values_mut() {
            if o.sensitive {
                o.value = serde_json::Value::String(crate::redact::SENSITIVE_VALUE.into());
            }
        }
        serde_json::to_value(&s).unwrap_or_default()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<State, StateError> {
        let mut state: State = serde_json::from_slice(bytes).map_err(|e| StateError::Corrupt(e.to_string()))?;
        if state.version > STATE_VERSION {
            return Err(StateError::TooNew(state.version));
        }
        // Gantry writes resources in order; a hand-edited file may not, and lookups rely on it.
        // A stable sort of sorted input is one linear pass.
        state.resources.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(state)
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serial_moves_on_and_never_wraps() {
        let mut s = State::new();
        s.bump_serial().unwrap();
        assert_eq!(s.serial, 1);
        s.serial = u64::MAX;
        assert!(matches!(s.bump_serial(), Err(StateError::SerialExhausted(u64::MAX))));
        assert_eq!(s.serial, u64::MAX);
    }
}
