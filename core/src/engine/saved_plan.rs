//! Applying a saved plan: the operation that decides whether a plan file may
//! be applied to the configuration, directory, state and command line of this
//! run, before anything is changed. The checks themselves are
//! [`crate::plan::check`]; this gathers what they compare with.

use super::{CliVar, Config};
use crate::diag::Diagnostics;
use crate::plan::check::{self, Refusal};
use crate::plan::Plan;
use crate::state::State;
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `Ok` when `plan` may be applied here; `cli` is what `-var` and `-var-file` set on apply's command line.
pub fn check_saved_plan(
    config: &Config,
    plan: &Plan,
    state: Option<&State>,
    cli: &[CliVar],
    diags: &mut Diagnostics,
) -> Result<(), Refusal> {
    let given: BTreeMap<String, Value> =
        super::inputs::command_line_inputs(config, cli, diags).into_iter().map(|(k, (v, _))| (k, v)).collect();
    let mut sensitive: BTreeSet<String> =
        config.tree.module.variables.iter().filter(|(_, v)| v.sensitive).map(|(k, _)| k.clone()).collect();
    // A passphrase is never shown, even from a variable not declared sensitive.
    sensitive.extend(crate::encryption::referenced_variables(&config.tree.module));
    check::check(
        plan,
        &check::Here {
            state,
            config_digest: &config.digest,
            working_dir: &config.identity,
            variables: &given,
            sensitive_variables: &sensitive,
        },
    )
}
