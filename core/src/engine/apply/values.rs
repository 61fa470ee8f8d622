//! The configuration values apply needs: how each resource expands (which must
//! be what the plan expanded it to) and the values later expressions see —
//! the new object where the plan changed it, the refreshed state where it did not.

use super::Executor;
use crate::addr::{Mode, ResourceInstanceAddr};
use crate::diag::Diagnostic;
use crate::engine::walk::{self, ResourceNode};
use crate::plan::Action;
use crate::value::Value;
use petgraph::graph::NodeIndex;

impl Executor<'_> {
    pub(super) fn expand(&self, n: NodeIndex) -> bool {
        let ev = &self.ev;
        let Some(node) = ResourceNode::of(ev.config, n) else { return false };
        let res = node.res;
        let mut ok = true;
        let instances = ev.values().instances_of(node.path);
        for mi in instances {
            let raddr = node.addr(&mi);
            let Some(exp) = ev.expansion(&mi, res.count.as_ref(), res.for_each.as_ref(), &raddr.to_string()) else {
                ok = false;
                continue;
            };
            // A targeted or refresh-only plan leaves instances out on purpose.
            if node.mode == Mode::Managed && self.plan.targets.is_empty() && !self.plan.refresh_only {
                for key in exp.keys() {
                    let addr = raddr.instance(key);
                    if self.change_for(&addr).is_none() {
                        ok = false;
                        ev.diag(
                            Diagnostic::error(
                                "Configuration expands differently than planned",
                                format!("{addr} is an instance of the configuration now, but the plan has no change for it: something count or for_each reads changed since the plan was made. Nothing was done to it; run gantry plan again."),
                            )
                            .at(res.header_span)
                            .with_address(&addr),
                        );
                    }
                }
            }
            walk::store_expansion(ev, &raddr, exp);
        }
        ok
    }

    /// Makes a resource's instance values visible, reading data sources the plan could not.
    pub(super) async fn collect(&self, n: NodeIndex) -> bool {
        let ev = &self.ev;
        let Some(node) = ResourceNode::of(ev.config, n) else { return false };
        let mut ok = true;
        let instances = ev.values().instances_of(node.path);
        for mi in instances {
            let raddr = node.addr(&mi);
            let exp = ev
                .values()
                .resource_expansions
                .get(&(mi.clone(), node.mode, node.type_name.to_string(), node.name.to_string()))
                .cloned();
            let Some(exp) = exp else { continue };
            let mut values = Vec::new();
            for key in exp.keys() {
                let addr = raddr.instance(key.clone());
                let value = match node.mode {
                    Mode::Data => self.data_value(&addr, exp.repetition(&key), node.res).await,
                    Mode::Managed => Some(self.managed_value(&addr)),
                };
                match value {
                    Some(v) => values.push((key, v)),
                    None => ok = false,
                }
            }
            walk::store_values(ev, &raddr, values);
        }
        ok
    }

    fn managed_value(&self, addr: &ResourceInstanceAddr) -> Value {
        if let Some(v) = self.applied.lock().unwrap_or_else(|e| e.into_inner()).get(addr) {
            return v.clone();
        }
        match self.change_for(addr) {
            Some(c) if c.action == Action::NoOp => c.before.clone().unwrap_or(Value::Unknown),
            _ => self.plan.refreshed_state.get(addr).map(|s| s.value()).unwrap_or(Value::Unknown),
        }
    }

    /// What the plan read, or, when its configuration was not known then, a read now.
    async fn data_value(
        &self,
        addr: &ResourceInstanceAddr,
        rep: crate::engine::values::Repetition,
        res: &crate::config::Resource,
    ) -> Option<Value> {
        if let Some(v) = self.plan.data.get(&addr.to_string()) {
            return Some(Value::from_marked_json(v));
        }
        let ev = &self.ev;
        let schema = ev.settings.registry.type_schema(Mode::Data, &res.type_name)?;
        let (config, ok) = ev.decode_resource(&addr.resource.module, rep, res, schema, &addr.to_string());
        if !ok {
            return None;
        }
        if config.contains_unknown() {
            return Some(Value::Unknown);
        }
        let key = crate::engine::providers::Providers::key_for(ev, res);
        let Some(provider) = self.providers.get(&key) else { return Some(Value::Unknown) };
        if !self.providers.ready(ev, &provider, Some(res.header_span)).await {
            ev.diag(
                Diagnostic::error(
                    format!("Cannot read {addr}"),
                    "Its provider is not configured; see the errors about the provider above.",
                )
                .at(res.header_span)
                .with_address(addr),
            );
            return None;
        }
        let request =
            crate::provider::ReadDataRequest { type_name: &res.type_name, config: &config.clone().deep_unmarked() };
        match provider.provider.read_data(request).await {
            Ok(v) => Some(v),
            Err(e) => {
                let e = e.scrubbed([&config]);
                ev.diag(Diagnostic::error(e.summary, e.detail).at(res.header_span).with_address(addr));
                None
            }
        }
    }
}
