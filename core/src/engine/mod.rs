//! The engine: validate, plan and apply, each in a room of its own over one
//! shared evaluator.
//!
//! - [`load`] reads the configuration and identifies it (a digest of its files);
//! - [`evaluate`] evaluates variables, locals, outputs, module calls and
//!   resource bodies the same way in every phase; [`walk`] runs the
//!   configuration graph for validate and plan;
//! - [`validate`] checks everything without state or providers;
//! - [`planner`] refreshes ([`refresh`]) and plans every instance into a [`Plan`];
//! - [`apply`] runs the plan's own execution graph, holds each provider's final
//!   plan to the saved one, and records every side effect through a
//!   [`StateWriter`].

mod analysis_input;
mod apply;
mod check_blocks;
mod console;
pub mod dag;
mod decode;
mod evaluate;
mod expand;
mod generate;
mod import;
mod inputs;
mod interrupt;
mod load;
mod moves;
mod planner;
mod providers;
mod recovery;
mod refresh;
mod removed;
mod saved_plan;
mod state_writer;
mod targets;
mod validate;
mod values;
mod walk;

use crate::addr::ResourceInstanceAddr;
use crate::diag::Span;
use crate::plan::Action;
use crate::provider::Registry;
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use apply::{apply, apply_with};
pub use console::{Console, CONSOLE_INPUT};
pub use generate::{generate_config, imports_needing_config};
pub use import::import;
pub use inputs::{collect_inputs, command_line_inputs, map_value, module_inputs, CliVar};
pub use interrupt::Interrupt;
pub use load::{load, tree_if_unchanged, Config};
pub use planner::plan;
pub use recovery::{plan_stored, recover, Recovery};
pub use saved_plan::check_saved_plan;
pub use state_writer::{JournalWriter, StateWriter};
pub use targets::ResourceAddrPattern;
pub use validate::validate;
pub use values::{Expansion, Repetition, Values};

/// Receives progress from apply, for the CLI's display.
pub trait Hook: Send + Sync {
    fn pre_apply(&self, _addr: &ResourceInstanceAddr, _action: Action) {}
    fn post_apply(
        &self,
        _addr: &ResourceInstanceAddr,
        _action: Action,
        _error: Option<&str>,
        _id: Option<&str>,
        _elapsed: std::time::Duration,
    ) {
    }
}

pub struct NoHook;
impl Hook for NoHook {}

#[derive(Default, Clone)]
pub struct PlanOptions {
    pub destroy: bool,
    pub refresh: bool,
    pub targets: Vec<ResourceAddrPattern>,
    pub replace: Vec<ResourceInstanceAddr>,
    /// Old objects of interrupted replacements that still exist (pending `DeleteReplaced`
    /// intents): the plan destroys each as a deposed object.
    pub deposed: Vec<crate::state::Intent>,
    /// Plan only to record what refresh found (`-refresh-only`): no change to any object.
    pub refresh_only: bool,
}

/// Root module input values with where each came from (for error positions).
pub type InputValues = BTreeMap<String, (Value, Option<Span>)>;

/// Settings for one run.
pub struct WalkSettings<'a> {
    pub registry: &'a Registry,
    pub working_dir: PathBuf,
    pub inputs: InputValues,
    pub parallelism: usize,
    pub hook: &'a dyn Hook,
    /// Interrupts received; apply stops starting changes after the first.
    pub interrupt: Interrupt,
}

/// The header of the block that declares a resource instance, by its address.
fn resource_span(config: &Config, address: &str) -> Option<Span> {
    let addr: ResourceInstanceAddr = address.parse().ok()?;
    let r = &addr.resource;
    let tree = config.tree.get(&r.module.static_path())?;
    tree.module.resources.get(&(r.mode, r.type_name.clone(), r.name.clone())).map(|res| res.header_span)
}

#[cfg(test)]
mod compaction_tests;
#[cfg(test)]
mod tests;
