//! Refresh: reads what every object recorded in state looks like now, and
//! produces the refreshed state and the drift between the two.
//!
//! It runs resource by resource, called from the plan builder when the
//! resource's node comes up, because a provider may be configured from other
//! resources (a Kubernetes provider from a cluster's endpoint) and can only read
//! once those are known. Every instance of a resource is read with one
//! `read_batch`, so a provider that can list a kind answers a resource in one call.

use super::evaluate::Evaluation;
use super::providers::{ProviderInstance, Providers};
use crate::addr::{ResourceAddr, ResourceInstanceAddr};
use crate::diag::Diagnostic;
use crate::plan::{Action, ResourceChange};
use crate::provider::{BlockSchema, ProviderError, ReadRequest};
use crate::state::State;
use crate::value::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use tracing::Instrument;

type ReadResult = Result<Option<Value>, ProviderError>;

pub(crate) struct Refresh {
    enabled: bool,
    /// The state before refresh.
    pub prior: State,
    refreshed: Mutex<State>,
    drift: Mutex<Vec<ResourceChange>>,
    prefetched: Mutex<HashMap<ResourceInstanceAddr, ReadResult>>,
}

impl Refresh {
    pub fn new(prior: State, enabled: bool) -> Refresh {
        Refresh {
            enabled,
            refreshed: Mutex::new(prior.clone()),
            prior,
            drift: Mutex::new(Vec::new()),
            prefetched: Mutex::new(HashMap::new()),
        }
    }

    /// Reads every instance of a resource recorded in state, in one batch.
    pub async fn prefetch(
        &self,
        ev: &Evaluation<'_>,
        providers: &Providers,
        raddr: &ResourceAddr,
        res: &crate::config::Resource,
        provider: Option<&ProviderInstance>,
    ) {
        let Some(provider) = provider.filter(|_| self.enabled) else { return };
        let instances: Vec<(ResourceInstanceAddr, Value)> = self
            .prior
            .resources
            .iter()
            .filter(|r| &r.address.resource == raddr)
            .map(|r| (r.address.clone(), r.value().deep_unmarked()))
            .collect();
        if instances.is_empty() || !providers.ready(ev, provider, Some(res.header_span)).await {
            return;
        }
        let type_name = res.type_name.as_str();
        let requests = instances.iter().map(|(_, v)| ReadRequest { type_name, state: v }).collect();
        let span = tracing::debug_span!("refresh", resource = %raddr);
        tracing::trace!(parent: &span, instances = instances.len(), "reading recorded instances");
        let results = provider.provider.read_batch(requests).instrument(span).await;
        let mut prefetched = self.prefetched.lock().unwrap_or_else(|e| e.into_inner());
        for ((addr, _), result) in instances.into_iter().zip(results) {
            prefetched.insert(addr, result);
        }
    }

    /// The object as it is now (`None`: it is gone), recorded in the refreshed state and the drift.
    /// Without refresh, or with a provider that cannot be called yet, the prior value stands.
    pub async fn instance(
        &self,
        addr: &ResourceInstanceAddr,
        type_name: &str,
        schema: &BlockSchema,
        provider_key: &str,
        provider: &ProviderInstance,
        configured: bool,
    ) -> Result<Option<Value>, Diagnostic> {
        let prior_state = self.prior.get(addr);
        let prior = prior_state.map(|s| s.value());
        let Some(p) = prior.filter(|_| self.enabled && configured) else { return Ok(self.prior_value(addr)) };
        let prefetched = self.prefetched.lock().unwrap_or_else(|e| e.into_inner()).remove(addr);
        let read = match prefetched {
            Some(r) => r,
            None => {
                let span = tracing::debug_span!("refresh", address = %addr);
                provider
                    .provider
                    .read(ReadRequest { type_name, state: &p.clone().deep_unmarked() })
                    .instrument(span)
                    .await
            }
        };
        let mut paths = schema.sensitive_paths(&p);
        paths.extend(p.sensitive_paths());
        let live = read.map_err(|e| {
            let e = e.scrubbed([&p.clone().mark_paths(&paths)]);
            Diagnostic::error(format!("Failed to read {addr}"), format!("{}: {}", e.summary, e.detail))
                .with_address(addr)
        })?;
        let live = live.map(|v| v.mark_paths(&paths));
        if live.as_ref().map(|v| v.clone().deep_unmarked()) != Some(p.clone().deep_unmarked()) {
            self.drift.lock().unwrap_or_else(|e| e.into_inner()).push(ResourceChange {
                deposed: None,
                address: addr.clone(),
                provider: provider_key.to_string(),
                action: if live.is_some() { Action::Update } else { Action::Delete },
                before: Some(p.clone()),
                after: live.clone(),
                requires_replace: Vec::new(),
                reason: None,
                dependencies: Vec::new(),
                deferred: false,
                importing: None,
            });
        }
        let mut refreshed = self.refreshed.lock().unwrap_or_else(|e| e.into_inner());
        match (&live, prior_state) {
            (Some(v), Some(s)) => {
                let mut s = s.clone();
                s.attributes = v.to_json();
                refreshed.set(s);
            }
            _ => {
                refreshed.remove(addr);
            }
        }
        Ok(live)
    }

    /// Records an object an import block adopted, so the plan's refreshed state, which apply
    /// starts from, holds it.
    pub fn adopt(&self, instance: crate::state::ResourceInstanceState) {
        self.refreshed.lock().unwrap_or_else(|e| e.into_inner()).set(instance);
    }

    pub fn prior_value(&self, addr: &ResourceInstanceAddr) -> Option<Value> {
        self.prior.get(addr).map(|s| s.value())
    }

    /// The refreshed state and the drift found, drift in address order.
    pub fn finish(self) -> (State, Vec<ResourceChange>) {
        let mut drift = self.drift.into_inner().unwrap_or_else(|e| e.into_inner());
        drift.sort_by(|a, b| a.address.cmp(&b.address));
        (self.refreshed.into_inner().unwrap_or_else(|e| e.into_inner()), drift)
    }
}
