//! Terraform's JSON output format, as `terraform show -json` prints a state and
//! a saved plan, made from Gantry's state and plan, so that tools written for
//! Terraform (policy engines, cost estimators, reviewers) read Gantry's.
//!
//! Where it differs from Terraform, by design (see `docs/json.md`): sensitive
//! values are `null` (marked in `sensitive_values`/`*_sensitive`), never the
//! secret; `provider_name` is in Gantry's `gantry/builtin/` namespace; Gantry's
//! own analysis rides under `gantry_analysis`, which Terraform tools ignore.

mod changes;
mod config;
mod plan;
mod state;
mod values;

pub use plan::plan_document;
pub use state::state_document;

use crate::addr::ResourceInstanceAddr;
use crate::provider::{BlockSchema, Nesting, Registry};
use crate::value::Value;
use serde_json::{json, Map, Value as Json};

/// The providers' schemas, for the shape Terraform gives nested blocks.
#[derive(Clone, Copy, Default)]
pub struct Schemas<'a>(pub Option<&'a Registry>);

impl Schemas<'_> {
    /// The value in Terraform's shape: a block that may appear once (`scaling_config`) is
    /// an object in Gantry and a list of one in Terraform's JSON, as Terraform's providers
    /// declare such blocks, so a policy's `after.scaling_config[0].max_size` finds it.
    pub fn reshape(&self, addr: &ResourceInstanceAddr, v: &Value) -> Value {
        match self.0.and_then(|r| r.type_schema(addr.resource.mode, &addr.resource.type_name)) {
            Some(schema) => with_listed_blocks(schema, v),
            None => v.clone(),
        }
    }
}

fn with_listed_blocks(schema: &BlockSchema, v: &Value) -> Value {
    let Value::Object(map) = v else { return v.clone() };
    let mut out = map.clone();
    for (name, nested) in &schema.blocks {
        let Some(inner) = map.get(name) else { continue };
        let reshaped = match (nested.nesting, inner) {
            (Nesting::Single, Value::Object(_)) => Value::List(vec![with_listed_blocks(&nested.block, inner)]),
            (Nesting::Single, Value::Null) => Value::List(Vec::new()),
            (Nesting::List, Value::List(items)) => {
                Value::List(items.iter().map(|i| with_listed_blocks(&nested.block, i)).collect())
            }
            _ => continue,
        };
        out.insert(name.clone(), reshaped);
    }
    Value::Object(out)
}

/// `format_version` of a plan document: the version of Terraform's plan format followed.
pub const PLAN_FORMAT_VERSION: &str = "1.2";
/// `format_version` of a state document (and of a plan's `prior_state`).
pub const STATE_FORMAT_VERSION: &str = "1.0";
/// The Terraform release whose output these documents match. Tools check
/// `terraform_version` against the features they read; Gantry's own release is in
/// `gantry_version`.
pub const TERRAFORM_VERSION: &str = "1.11.0";

fn header(format_version: &str) -> Map<String, Json> {
    let mut doc = Map::new();
    doc.insert("format_version".into(), json!(format_version));
    doc.insert("terraform_version".into(), json!(TERRAFORM_VERSION));
    doc.insert("gantry_version".into(), json!(crate::plan::GANTRY_VERSION));
    doc
}

/// The provider's fully qualified name, from a provider configuration key
/// (`kubernetes.gpu` is the `kubernetes` provider).
fn provider_name(config_key: &str) -> String {
    let name = config_key.split('.').next().unwrap_or(config_key);
    format!("gantry/builtin/{name}")
}
