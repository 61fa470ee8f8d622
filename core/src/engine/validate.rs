//! Validate: every expression is evaluated and every resource body decoded
//! against its schema, with no state, no inputs required and no provider
//! configured; values that only providers would know are unknown.

use super::evaluate::Evaluation;
use super::providers::Providers;
use super::walk::{self, ResourceNode};
use super::{Config, WalkSettings};
use crate::diag::Diagnostics;
use petgraph::graph::NodeIndex;

pub async fn validate(config: &Config, settings: &WalkSettings<'_>) -> Diagnostics {
    let ev = Evaluation::new(config, settings, true);
    let providers = Providers::default();
    let (ev_ref, providers_ref) = (&ev, &providers);
    walk::walk(ev_ref, providers_ref, |n| async move { visit_resource(ev_ref, providers_ref, n) }).await;
    let mut diags = ev.take_diags();
    super::removed::check_removed(&config.tree, &mut diags);
    diags.sort();
    diags
}

fn visit_resource(ev: &Evaluation<'_>, providers: &Providers, n: NodeIndex) {
    let Some(node) = ResourceNode::of(ev.config, n) else { return };
    let res = node.res;
    let Some(schema) = ev.settings.registry.type_schema(node.mode, node.type_name) else { return };
    let provider = providers.get(&Providers::key_for(ev, res));
    let instances = ev.values().instances_of(node.path);
    for mi in instances {
        let raddr = node.addr(&mi);
        let Some(exp) = ev.expansion(&mi, res.count.as_ref(), res.for_each.as_ref(), &raddr.to_string()) else {
            continue;
        };
        let keys = exp.keys();
        walk::store_expansion(ev, &raddr, exp.clone());
        // A resource with no instances is still checked once, so its mistakes are found.
        if keys.is_empty() {
            ev.check_without_instances(&mi, res, schema, &raddr.to_string());
        }
        let mut values = Vec::new();
        for key in keys {
            let addr = raddr.instance(key.clone());
            let (config, ok) = ev.decode_resource(&mi, exp.repetition(&key), res, schema, &addr.to_string());
            if !ok {
                continue;
            }
            if let Some(p) = &provider {
                super::planner::instance::report_validation(ev, p, res, &config, &addr);
            }
            values.push((key, crate::provider::plan_by_schema(schema, None, &config).planned));
        }
        walk::store_values(ev, &raddr, values);
    }
}
