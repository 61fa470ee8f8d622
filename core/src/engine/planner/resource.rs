//! The plan builder's resource node: expands the resource in every module
//! instance, refreshes its recorded instances in one batch, and plans each
//! selected instance.

use super::{lock, Planner};
use crate::addr::Mode;
use crate::engine::providers::Providers;
use crate::engine::walk::{self, ResourceNode};
use crate::value::Value;
use petgraph::graph::NodeIndex;

impl Planner<'_> {
    pub(super) async fn visit_resource(&self, n: NodeIndex) {
        let ev = &self.ev;
        let Some(node) = ResourceNode::of(ev.config, n) else { return };
        let res = node.res;
        let Some(schema) = ev.settings.registry.type_schema(node.mode, node.type_name) else { return };
        let provider_key = Providers::key_for(ev, res);
        let provider = self.providers.get(&provider_key);
        let deps = ResourceNode::dependencies(ev.config, n);
        let node_selected = self.selection.as_ref().is_none_or(|s| s.node_selected(n));
        let instances = ev.values().instances_of(node.path);
        for mi in instances {
            let raddr = node.addr(&mi);
            let Some(exp) = ev.expansion(&mi, res.count.as_ref(), res.for_each.as_ref(), &raddr.to_string()) else {
                continue;
            };
            let keys = exp.keys();
            walk::store_expansion(ev, &raddr, exp.clone());
            if node_selected {
                self.resolve_imports(&raddr, &keys);
            }
            if node.mode == Mode::Managed && node_selected {
                self.refresh.prefetch(ev, &self.providers, &raddr, res, provider.as_deref()).await;
            }
            let results = futures::future::join_all(keys.iter().map(|key| {
                let addr = raddr.instance(key.clone());
                let rep = exp.repetition(key);
                let provider = provider.clone();
                let (provider_key, deps) = (&provider_key, &deps);
                async move {
                    lock(&self.visited).insert(addr.clone());
                    let selected = self.selection.as_ref().is_none_or(|s| s.instance_selected(n, &addr));
                    let value = if selected {
                        self.plan_instance(&addr, rep, res, schema, provider_key, provider.as_deref(), deps).await
                    } else {
                        // Outside the targets: what state says, untouched.
                        Some(self.refresh.prior_value(&addr).unwrap_or(Value::Unknown))
                    };
                    (addr.key, value)
                }
            }))
            .await;
            walk::store_values(ev, &raddr, results.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
            if node.mode == Mode::Managed {
                self.plan_removed_instances(n, &raddr, &keys, res);
            }
        }
    }
}
