//! The plan as data: what apply will do to each resource instance, the state
//! it was made against, and what it was made from (configuration digest,
//! inputs, directory). [`file`] saves and loads it with an integrity digest;
//! [`check`] decides whether a saved plan may still be applied.

pub mod check;
pub mod file;
pub mod json;

use crate::addr::ResourceInstanceAddr;
use crate::analysis::plan_analysis::Analysis;
use crate::state::State;
use crate::value::{PathStep, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The format of the plan data; a plan file states it and apply refuses any other.
pub const PLAN_FORMAT_VERSION: u32 = 2;

/// The Gantry release that makes plans; a plan made by another release is refused,
/// because the same configuration may evaluate differently there.
pub const GANTRY_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    /// Replace by destroying the old object first (the default).
    DeleteThenCreate,
    /// Replace by creating the new object first (`lifecycle { create_before_destroy = true }`).
    CreateThenDelete,
    Delete,
    /// Drop the object from state and leave it be (`removed { lifecycle { destroy = false } }`).
    Forget,
}

impl Action {
    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// The symbol Terraform users know from plan output.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Read => "<=",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
            Action::Forget => ".",
        }
    }
}

/// The `reason` texts the planner gives, which Terraform's JSON maps to its `action_reason`.
pub mod reason {
    pub const REPLACE_REQUESTED: &str = "-replace was given";
    pub const TAINTED: &str = "it is tainted";
    pub const NOT_CONFIGURED: &str = "it is no longer in the configuration";
    pub const COUNT_INDEX: &str = "its index is out of range for count";
    pub const EACH_KEY: &str = "its key is not in for_each";
    pub const WRONG_REPETITION: &str = "the resource now uses count or for_each";
}

/// One instance's change. Its values are held as values, unknown and sensitive marks
/// included; serialised, they are marked JSON (see `Value::to_marked_json`). Holding the
/// JSON instead cost a map per unknown attribute: most of a large plan's memory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResourceChange {
    pub address: ResourceInstanceAddr,
    pub provider: String,
    pub action: Action,
    #[serde(default, with = "marked")]
    pub before: Option<Value>,
    #[serde(default, with = "marked")]
    pub after: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_replace: Vec<Vec<PathStep>>,
    /// Why, when it is not obvious: "-replace was given", "no longer in configuration".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// Planned from the schema alone because the provider could not be configured at plan time
    /// (its cluster is created by the same apply). Apply then holds the configuration, not a
    /// provider's guesses, to what the plan showed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferred: bool,
    /// A delete of an object state no longer tracks: the old object of a create-before-destroy
    /// replacement that an interrupted run left behind. Holds the journal intent it resolves;
    /// the address's current object is not touched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
    /// Set when an `import` block adopts this object: `before` is what the provider's import
    /// read, and apply records it in state (then updates it, when the action is an update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importing: Option<Importing>,
}

/// What an import adopts, as Terraform's `change.importing` says it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importing {
    pub id: String,
}

/// A change's values as marked JSON, the form plan files and `plan -json` carry.
mod marked {
    use crate::value::Value;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Value>, s: S) -> Result<S::Ok, S::Error> {
        value.as_ref().map(Value::to_marked_json).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        Ok(Option::<serde_json::Value>::deserialize(d)?.as_ref().map(Value::from_marked_json))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutputChange {
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub sensitive: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    pub format_version: u32,
    /// The release that made it.
    #[serde(default)]
    pub gantry_version: String,
    /// A digest over every configuration file the plan was made from (see `engine::Config::digest`).
    #[serde(default)]
    pub config_digest: String,
    /// The canonical path of the root module's directory.
    #[serde(default)]
    pub working_dir: String,
    /// The serial and lineage of the state this plan was made against; apply refuses any other.
    pub prior_serial: u64,
    pub prior_lineage: String,
    pub destroy: bool,
    /// Made by `-refresh-only`: applying it records the refreshed state and changes no object.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refresh_only: bool,
    /// The root module's input values (marked JSON), so apply evaluates the same configuration.
    pub variables: BTreeMap<String, serde_json::Value>,
    pub changes: Vec<ResourceChange>,
    /// Differences between state and reality found by refresh, not asked for by the configuration.
    pub drift: Vec<ResourceChange>,
    pub outputs: BTreeMap<String, OutputChange>,
    #[serde(default)]
    pub targets: Vec<String>,
    /// The state after refresh; apply starts from it.
    pub refreshed_state: State,
    /// Problems apply must not proceed past (a workload that cannot fit, say) are errors at plan time;
    /// warnings ride along for display.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Objects that `moved` blocks re-addressed in state, as (from, to).
    #[serde(default)]
    pub moved: Vec<(String, String)>,
    /// Fit, cost and disruption of the planned node pools and workloads.
    /// Plans saved before the analysis existed load with an empty one.
    #[serde(default)]
    pub analysis: Analysis,
    /// Data sources read while planning (known values only, marked JSON), so apply sees what the plan saw.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, serde_json::Value>,
    /// What recovery resolved of an interrupted run before this plan was made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recovered: Vec<Recovered>,
    /// The `check` blocks' results at plan time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckResult>,
}

/// The result of one `check` block instance, as `plan -json` and saved plans carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// `check.NAME`, or `module.a.check.NAME` for a check in a child module.
    pub address: String,
    pub status: CheckStatus,
    /// The error messages of the assertions that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Fail,
    Unknown,
}

impl CheckStatus {
    /// The status of a check with this result and an earlier one: a failure wins over an unknown,
    /// an unknown over a pass.
    pub fn worse(self, other: CheckStatus) -> CheckStatus {
        match (self, other) {
            (CheckStatus::Fail, _) | (_, CheckStatus::Fail) => CheckStatus::Fail,
            (CheckStatus::Unknown, _) | (_, CheckStatus::Unknown) => CheckStatus::Unknown,
            _ => CheckStatus::Pass,
        }
    }
}

/// What recovery did with one change an interrupted run left unrecorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recovered {
    pub address: ResourceInstanceAddr,
    pub outcome: RecoveryOutcome,
    /// The adopted object's ID, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryOutcome {
    /// The create had made its object; state now records it.
    Adopted,
    /// The create had not made anything; the intent was dropped.
    NotCreated,
    /// A replaced object that was being deleted is gone; the intent was dropped.
    ReplacedGone,
    /// A replaced object that was being deleted still exists; it stays in the journal.
    ReplacedRemains,
}

impl Plan {
    /// The planner sorts changes by address, so this is a binary search (the first of
    /// several changes at one address, when a deposed object shares it).
    pub fn change(&self, addr: &ResourceInstanceAddr) -> Option<&ResourceChange> {
        let i = self.changes.partition_point(|c| &c.address < addr);
        self.changes.get(i).filter(|c| &c.address == addr)
    }

    /// True when apply would change something (resources or outputs).
    pub fn has_changes(&self) -> bool {
        let outputs = self.outputs.values().any(|o| o.before != o.after);
        if self.refresh_only {
            return outputs || !self.drift.is_empty();
        }
        outputs
            || !self.moved.is_empty()
            || self.changes.iter().any(|c| c.action != Action::NoOp || c.importing.is_some())
    }

    pub fn counts(&self) -> (usize, usize, usize) {
        let mut add = 0;
        let mut change = 0;
        let mut destroy = 0;
        for c in &self.changes {
            match c.action {
                Action::Create => add += 1,
                Action::Update => change += 1,
                Action::Delete => destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    add += 1;
                    destroy += 1;
                }
                Action::NoOp | Action::Read | Action::Forget => {}
            }
        }
        (add, change, destroy)
    }

    /// How many objects import blocks adopt, and how many removed blocks forget.
    pub fn import_forget_counts(&self) -> (usize, usize) {
        let imports = self.changes.iter().filter(|c| c.importing.is_some()).count();
        let forgets = self.changes.iter().filter(|c| c.action == Action::Forget).count();
        (imports, forgets)
    }
}
