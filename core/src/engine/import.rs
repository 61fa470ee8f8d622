//! `gantry import ADDR ID`: reads an existing object through its provider and
//! returns the state instance that records it. The resource must be declared
//! in the configuration, so that the next plan compares it with something.

use super::evaluate::Evaluation;
use super::providers::{provider_key, seed_values_from_state, Providers};
use super::{Config, WalkSettings};
use crate::addr::{Mode, ResourceInstanceAddr};
use crate::diag::{Diagnostic, Diagnostics};
use crate::state::{ResourceInstanceState, State};

pub async fn import(
    config: &Config,
    settings: &WalkSettings<'_>,
    state: &State,
    addr: &ResourceInstanceAddr,
    id: &str,
) -> (Option<ResourceInstanceState>, Diagnostics) {
    let mut diags = Diagnostics::default();
    if state.get(addr).is_some() {
        diags.push(Diagnostic::error(
            "Resource already managed by Gantry",
            format!(
                "{addr} is already in state. To import to this address, first remove it with gantry state rm {addr}."
            ),
        ));
        return (None, diags);
    }
    let r = &addr.resource;
    let resource = config
        .tree
        .get(&r.module.static_path())
        .and_then(|t| t.module.resources.get(&(r.mode, r.type_name.clone(), r.name.clone())));
    let Some(resource) = resource.filter(|_| r.mode == Mode::Managed) else {
        diags.push(Diagnostic::error(
            "Configuration for import target does not exist",
            format!(
                "{} is not declared in the configuration. Add a resource \"{}\" \"{}\" block first, then import.",
                r, r.type_name, r.name
            ),
        ));
        return (None, diags);
    };
    let ev = Evaluation::new(config, settings, false);
    let providers = Providers::default();
    seed_values_from_state(&ev, state);
    let names: Vec<&str> = settings.registry.names().collect();
    let (name, alias) = match &resource.provider {
        Some((n, a, _)) => (n.clone(), a.clone()),
        None => (crate::graph::implied_provider(&r.type_name, &names), None),
    };
    let key = provider_key(&name, alias.as_deref());
    super::providers::evaluate_root_variables(&ev);
    providers.visit(&ev, &name, alias.as_deref());
    let provider = providers.get(&key);
    let ready = match &provider {
        Some(p) => providers.ready(&ev, p, Some(resource.header_span)).await,
        None => false,
    };
    diags.extend(ev.take_diags());
    let Some(provider) = provider.filter(|_| ready) else {
        diags.push(Diagnostic::error(
            format!("Cannot import {addr}"),
            format!("Provider \"{name}\" could not be configured; its configuration must be known without applying anything."),
        ));
        return (None, diags);
    };
    match provider.provider.import(crate::provider::ImportRequest { type_name: &r.type_name, id }).await {
        Ok(Some(v)) => {
            let schema = settings.registry.type_schema(Mode::Managed, &r.type_name);
            let paths = schema.map(|s| s.sensitive_paths(&v)).unwrap_or_default();
            let v = v.mark_paths(&paths);
            let instance = ResourceInstanceState {
                address: addr.clone(),
                provider: key,
                attributes: v.to_json(),
                sensitive_paths: v.sensitive_paths(),
                dependencies: Vec::new(),
                create_before_destroy: resource.lifecycle.create_before_destroy,
                tainted: false,
            };
            (Some(instance), diags)
        }
        Ok(None) => {
            diags.push(Diagnostic::error(
                "Cannot import non-existent remote object",
                format!("Provider \"{name}\" found no {} with ID \"{id}\". Check the ID's format in the provider's documentation.", r.type_name),
            ));
            (None, diags)
        }
        Err(e) => {
            diags.push(Diagnostic::error(format!("Failed to import {addr}"), format!("{}: {}", e.summary, e.detail)));
            (None, diags)
        }
    }
}
