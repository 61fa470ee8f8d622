//! Whether a saved plan may be applied here and now: it must come from this
//! Gantry, this directory, this exact configuration and the state as it is now,
//! and no input may be given a value other than the one it was planned with.
//! A plan that fails any of these is refused whole, before anything changes.

use super::{Plan, GANTRY_VERSION};
use crate::state::State;
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Why a saved plan was refused: a short summary and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub summary: String,
    pub detail: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n\n{}", self.summary, self.detail)
    }
}

/// What the saved plan is compared with.
pub struct Here<'a> {
    /// The state as it is now; `None` when there is none yet.
    pub state: Option<&'a State>,
    /// The digest of the configuration in the directory apply runs in.
    pub config_digest: &'a str,
    /// The canonical path of that directory.
    pub working_dir: &'a str,
    /// Values given on apply's command line (`-var`, `-var-file`).
    pub variables: &'a BTreeMap<String, Value>,
    /// Root variables declared sensitive, whose values are never shown.
    pub sensitive_variables: &'a BTreeSet<String>,
}

fn refuse(summary: &str, detail: String) -> Result<(), Refusal> {
    Err(Refusal { summary: summary.to_string(), detail })
}

pub fn check(plan: &Plan, here: &Here<'_>) -> Result<(), Refusal> {
    if plan.gantry_version != GANTRY_VERSION {
        return refuse(
            "Saved plan is from another Gantry",
            format!(
                "The plan was made by Gantry {}, but this is Gantry {GANTRY_VERSION}; the same configuration can plan differently in another release. Run gantry plan again with this Gantry.",
                if plan.gantry_version.is_empty() { "(unknown)" } else { &plan.gantry_version }
            ),
        );
    }
    if plan.working_dir != here.working_dir {
        return refuse(
            "Saved plan is for another directory",
            format!(
                "The plan was made for the configuration in {}, but apply is running in {}. Run gantry apply from the directory the plan was made in.",
                plan.working_dir, here.working_dir
            ),
        );
    }
    if plan.config_digest != here.config_digest {
        return refuse(
            "Saved plan does not match the configuration",
            "The configuration files changed after the plan was made (a file was edited, added or removed), so applying it could do something that was not reviewed. Run gantry plan again and review the new plan.".to_string(),
        );
    }
    match here.state {
        None if plan.prior_serial != 0 => {
            return refuse(
                "Saved plan is stale",
                format!("The plan was made against state serial {}, but there is no state now. Something removed the state since; run gantry plan again.", plan.prior_serial),
            )
        }
        None => {}
        // A plan made before any state existed has a lineage no state has; it is only stale.
        Some(state) if plan.prior_serial > 0 && state.lineage != plan.prior_lineage => {
            return refuse(
                "Saved plan is for a different state",
                format!(
                    "The plan was made against state lineage {}, but the current state has lineage {}: it belongs to another deployment. Run gantry plan against this state.",
                    plan.prior_lineage, state.lineage
                ),
            )
        }
        Some(state) if state.serial != plan.prior_serial => {
            return refuse(
                "Saved plan is stale",
                format!(
                    "Saved plan is stale: it was made against state serial {}, but the state is now at serial {}. Something changed the state since; run gantry plan again.",
                    plan.prior_serial, state.serial
                ),
            )
        }
        Some(_) => {}
    }
    for (name, given) in here.variables {
        let planned = plan.variables.get(name).map(Value::from_marked_json);
        if planned.as_ref().map(|v| v.clone().deep_unmarked()) == Some(given.clone().deep_unmarked()) {
            continue;
        }
        let shown = |v: Option<&Value>| match v {
            _ if here.sensitive_variables.contains(name) => "(sensitive value)".to_string(),
            Some(v) if v.contains_sensitive() => "(sensitive value)".to_string(),
            Some(v) => v.to_string(),
            None => "no value".to_string(),
        };
        return refuse(
            "Can't change variable when applying a saved plan",
            format!(
                "The variable \"{name}\" cannot be given a new value when applying a saved plan: the plan includes the values it was made with. The saved plan has {}, but this run sets {}. Leave out -var and -var-file, or run gantry plan again with the new value.",
                shown(planned.as_ref()),
                shown(Some(given))
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PLAN_FORMAT_VERSION;

    fn plan(state: &State) -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            gantry_version: GANTRY_VERSION.into(),
            config_digest: "d1".into(),
            working_dir: "/w".into(),
            prior_serial: state.serial,
            prior_lineage: state.lineage.clone(),
            destroy: false,
            refresh_only: false,
            variables: [("size".to_string(), serde_json::json!(2.0)), ("key".to_string(), serde_json::json!("s3cr3t"))]
                .into_iter()
                .collect(),
            changes: Vec::new(),
            drift: Vec::new(),
            outputs: Default::default(),
            targets: Vec::new(),
            refreshed_state: state.clone(),
            warnings: Vec::new(),
            moved: Vec::new(),
            analysis: Default::default(),
            data: Default::default(),
            recovered: Vec::new(),
            checks: Vec::new(),
        }
    }

    #[test]
    fn each_mismatch_is_refused_with_its_own_reason() {
        let mut state = State::new();
        state.serial = 4;
        let p = plan(&state);
        let none = BTreeMap::new();
        let sensitive: BTreeSet<String> = ["key".to_string()].into_iter().collect();
        let check_with = |state: Option<&State>, digest: &str, dir: &str, vars: &BTreeMap<String, Value>| {
            check(
                &p,
                &Here {
                    state,
                    config_digest: digest,
                    working_dir: dir,
                    variables: vars,
                    sensitive_variables: &sensitive,
                },
            )
            .map_err(|r| r.summary)
        };
        assert_eq!(check_with(Some(&state), "d1", "/w", &none), Ok(()));
        assert_eq!(
            check_with(Some(&state), "d2", "/w", &none).unwrap_err(),
            "Saved plan does not match the configuration"
        );
        assert_eq!(check_with(Some(&state), "d1", "/v", &none).unwrap_err(), "Saved plan is for another directory");
        let mut moved_on = state.clone();
        moved_on.serial = 5;
        assert_eq!(check_with(Some(&moved_on), "d1", "/w", &none).unwrap_err(), "Saved plan is stale");
        let other = State::new();
        assert_eq!(check_with(Some(&other), "d1", "/w", &none).unwrap_err(), "Saved plan is for a different state");
        assert_eq!(check_with(None, "d1", "/w", &none).unwrap_err(), "Saved plan is stale");
        let same: BTreeMap<String, Value> = [("size".to_string(), Value::number(2))].into_iter().collect();
        assert_eq!(check_with(Some(&state), "d1", "/w", &same), Ok(()));
        let changed: BTreeMap<String, Value> = [("key".to_string(), Value::string("other"))].into_iter().collect();
        let refusal = check(
            &p,
            &Here {
                state: Some(&state),
                config_digest: "d1",
                working_dir: "/w",
                variables: &changed,
                sensitive_variables: &sensitive,
            },
        )
        .unwrap_err();
        assert_eq!(refusal.summary, "Can't change variable when applying a saved plan");
        assert!(!refusal.detail.contains("s3cr3t") && !refusal.detail.contains("other"), "{}", refusal.detail);
        let mut old = p.clone();
        old.gantry_version = "0.0.1".into();
        assert!(check(
            &old,
            &Here {
                state: Some(&state),
                config_digest: "d1",
                working_dir: "/w",
                variables: &none,
                sensitive_variables: &sensitive
            }
        )
        .is_err());
    }
}
