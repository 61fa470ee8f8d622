//! Evaluating `check` blocks once everything else is evaluated, after plan and after apply. A
//! failing assertion, or a scoped data source that cannot be read, is a warning: checks report on
//! the infrastructure and never stop a run.

use super::evaluate::Evaluation;
use super::providers::Providers;
use super::values::Repetition;
use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr};
use crate::config::Check;
use crate::diag::Diagnostic;
use crate::plan::{CheckResult, CheckStatus};
use crate::value::Value;

/// Evaluates every check in every module instance. `planning` decides the wording of a result
/// that is not known yet.
pub(crate) async fn evaluate_checks(ev: &Evaluation<'_>, providers: &Providers, planning: bool) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for (path, tree) in ev.config.tree.walk() {
        for check in &tree.module.checks {
            // Bound first: the read guard must be gone before a scoped data source's value is stored.
            let instances = ev.values().instances_of(&path);
            for mi in instances {
                out.push(evaluate_check(ev, providers, &mi, check, planning).await);
            }
        }
    }
    out
}

async fn evaluate_check(
    ev: &Evaluation<'_>,
    providers: &Providers,
    mi: &ModuleInstance,
    check: &Check,
    planning: bool,
) -> CheckResult {
    let address = if mi.0.is_empty() { format!("check.{}", check.name) } else { format!("{mi}.check.{}", check.name) };
    let mut result = CheckResult { address: address.clone(), status: CheckStatus::Pass, problems: Vec::new() };
    if let Some(data) = &check.data {
        match read_scoped_data(ev, providers, mi, data, &address).await {
            Ok(value) => {
                let raddr = ResourceAddr {
                    module: mi.clone(),
                    mode: data.mode,
                    type_name: data.type_name.clone(),
                    name: data.name.clone(),
                };
                super::walk::store_expansion(ev, &raddr, super::values::Expansion::Single);
                super::walk::store_values(ev, &raddr, [(InstanceKey::None, value)]);
            }
            Err(d) => {
                // Terraform skips the assertions when the scoped data source fails: its error is the finding.
                ev.diag(d);
                result.status = CheckStatus::Fail;
                return result;
            }
        }
    }
    for assert in &check.asserts {
        let cond = ev.eval(&ev.values(), mi, Repetition::None, &assert.condition);
        let cond = match cond {
            Ok(v) => v,
            Err(d) => {
                ev.diag(d);
                result.status = CheckStatus::Unknown.worse(result.status);
                continue;
            }
        };
        let cond = cond.deep_unmarked();
        match cond {
            Value::Unknown => {
                let (summary, detail) = if planning {
                    ("Check block assertion known after apply", "The condition could not be evaluated at this time, a result will be known when this plan is applied.")
                } else {
                    (
                        "Check block assertion could not be evaluated",
                        "The condition's value is still unknown after apply.",
                    )
                };
                ev.diag(Diagnostic::warning(summary, detail).at(assert.condition.span).with_address(&address));
                result.status = CheckStatus::Unknown.worse(result.status);
            }
            Value::Bool(true) => {}
            Value::Bool(false) => {
                let message = match ev.eval(&ev.values(), mi, Repetition::None, &assert.error_message) {
                    Ok(v) if v.contains_sensitive() => {
                        "(error message hidden: it refers to a sensitive value)".to_string()
                    }
                    Ok(Value::String(s)) => s,
                    Ok(Value::Unknown) => "(error message known only after apply)".to_string(),
                    Ok(other) => other.to_string(),
                    Err(d) => {
                        ev.diag(d);
                        "(error message could not be evaluated)".to_string()
                    }
                };
                ev.diag(
                    Diagnostic::warning("Check block assertion failed", message.clone())
                        .at(assert.condition.span)
                        .with_address(&address),
                );
                result.problems.push(message);
                result.status = CheckStatus::Fail;
            }
            other => {
                let what = match other {
                    Value::Null => "null".to_string(),
                    _ => format!("a {}", other.type_name()),
                };
                ev.diag(
                    Diagnostic::error(
                        "Invalid condition result",
                        format!("The condition of an assert must be true or false, but this one is {what}. Compare it with something, e.g. length(x) > 0."),
                    )
                    .at(assert.condition.span)
                    .with_address(&address),
                );
                result.status = CheckStatus::Unknown.worse(result.status);
            }
        }
    }
    result
}

/// Reads the check's own data source; an error is a warning on the check.
async fn read_scoped_data(
    ev: &Evaluation<'_>,
    providers: &Providers,
    mi: &ModuleInstance,
    data: &crate::config::Resource,
    check: &str,
) -> Result<Value, Diagnostic> {
    let what = format!("{check}.{}", data.local_name());
    let Some(schema) = ev.settings.registry.type_schema(data.mode, &data.type_name) else {
        return Err(Diagnostic::warning(
            "Check block data source cannot be read",
            format!("No provider has a data source of type \"{}\".", data.type_name),
        )
        .at(data.type_span));
    };
    let (config, ok) = ev.decode_resource(mi, Repetition::None, data, schema, &what);
    if !ok {
        return Err(Diagnostic::warning(
            "Check block data source cannot be read",
            "Its configuration has errors (see above).",
        )
        .at(data.header_span));
    }
    if config.contains_unknown() {
        return Ok(Value::Unknown);
    }
    let key = Providers::key_for(ev, data);
    let Some(provider) = providers.get(&key) else { return Ok(Value::Unknown) };
    if !providers.ready(ev, &provider, Some(data.header_span)).await {
        return Ok(Value::Unknown);
    }
    let request =
        crate::provider::ReadDataRequest { type_name: &data.type_name, config: &config.clone().deep_unmarked() };
    provider.provider.read_data(request).await.map_err(|e| {
        let e = e.scrubbed([&config]);
        Diagnostic::warning(format!("Check block data source failed: {}", e.summary), e.detail)
            .at(data.header_span)
            .with_address(&what)
    })
}
