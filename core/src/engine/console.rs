//! `gantry console`: evaluates expressions against the configuration and the state, as
//! `terraform console` does. Variables, locals, module outputs and provider blocks are evaluated
//! once, by a walk that reads no provider; resources and data sources are what state records,
//! and what state does not have is unknown.

use super::evaluate::Evaluation;
use super::providers::{seed_values_from_state, Providers};
use super::values::Repetition;
use super::{Config, WalkSettings};
use crate::addr::{ModuleInstance, ModulePath};
use crate::diag::{Diagnostic, Diagnostics};
use crate::state::State;
use crate::value::Value;
use std::path::Path;

pub struct Console<'a> {
    ev: Evaluation<'a>,
}

/// The name diagnostics give the console's input, as Terraform's does.
pub const CONSOLE_INPUT: &str = "<console-input>";

impl<'a> Console<'a> {
    /// Evaluates the configuration's values once; the diagnostics are what that found.
    pub async fn new(config: &'a Config, settings: &'a WalkSettings<'a>, state: &State) -> (Console<'a>, Diagnostics) {
        let ev = Evaluation::new(config, settings, false);
        seed_values_from_state(&ev, state);
        let providers = Providers::default();
        super::walk::walk(&ev, &providers, |_| async {}).await;
        let diags = ev.take_diags();
        (Console { ev }, diags)
    }

    /// Evaluates one line in the root module's scope.
    pub fn evaluate(&self, line: &str) -> Result<Value, Diagnostics> {
        let sources = &self.ev.config.sources;
        let file = sources.add(Path::new(CONSOLE_INPUT), line.to_string());
        let expr = crate::syntax::parse_expression(file, line).map_err(|d| Diagnostics(vec![d]))?;
        let mut diags = Diagnostics::default();
        crate::graph::check_references(&self.ev.config.tree, &ModulePath::root(), &expr, &mut diags);
        if diags.has_errors() {
            return Err(diags);
        }
        let root = ModuleInstance::root();
        self.ev.eval(&self.ev.values(), &root, Repetition::None, &expr).map_err(|d: Diagnostic| Diagnostics(vec![d]))
    }
}
