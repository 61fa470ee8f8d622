//! Planning one resource instance: decode its configuration, let the provider
//! validate it, refresh it, apply `ignore_changes`, ask the provider to plan,
//! and choose the action. Data sources are read here when their configuration
//! is known.

use super::{lock, Planner};
use crate::addr::{Mode, ResourceInstanceAddr};
use crate::config::Resource;
use crate::diag::Diagnostic;
use crate::engine::evaluate::Evaluation;
use crate::engine::providers::ProviderInstance;
use crate::engine::values::Repetition;
use crate::plan::{reason, Action, ResourceChange};
use crate::provider::{BlockSchema, PlanRequest};
use crate::value::Value;
use tracing::Instrument;

/// Reports what the provider's own checks find in a decoded configuration; false when they found something.
pub(crate) fn report_validation(
    ev: &Evaluation<'_>,
    p: &ProviderInstance,
    res: &Resource,
    config: &Value,
    addr: &ResourceInstanceAddr,
) -> bool {
    let problems = p.provider.validate(crate::provider::ValidateRequest { type_name: &res.type_name, config });
    let ok = problems.is_empty();
    for e in problems {
        let e = e.scrubbed([config]);
        let span = e.path.as_deref().and_then(|path| span_of_path(&res.body, path)).unwrap_or(res.header_span);
        ev.diag(Diagnostic::error(e.summary, e.detail).at(span).with_address(addr));
    }
    ok
}

/// The source span of the attribute or block at `path` in a body, for pointing at what a provider objected to.
pub(crate) fn span_of_path(body: &crate::syntax::Body, path: &[crate::value::PathStep]) -> Option<crate::diag::Span> {
    use crate::value::PathStep;
    let (PathStep::Key(first), rest) = path.split_first()? else { return None };
    if let Some(attr) = body.attribute(first) {
        return Some(attr.expr.span);
    }
    let blocks: Vec<&crate::syntax::Block> = body.blocks_of(first).collect();
    let (block, rest) = match rest.split_first() {
        Some((PathStep::Index(i), rest)) => (*blocks.get(*i)?, rest),
        _ => (*blocks.first()?, rest),
    };
    if rest.is_empty() {
        return Some(block.kind_span);
    }
    span_of_path(&block.body, rest).or(Some(block.kind_span))
}

/// The configuration with ignored attributes set back to their prior values.
pub(crate) fn apply_ignore_changes(res: &Resource, prior: Option<&Value>, config: Value) -> Value {
    let Some(prior) = prior else { return config };
    let (Value::Object(mut c), Some(p)) = (config.clone(), prior.as_object()) else { return config };
    for (k, v) in c.iter_mut() {
        if res.lifecycle.ignore_all_changes || res.lifecycle.ignore_changes.iter().any(|i| i == k) {
            if let Some(pv) = p.get(k) {
                *v = pv.clone();
            }
        }
    }
    Value::Object(c)
}

pub(crate) fn replace_action(res: &Resource) -> Action {
    if res.lifecycle.create_before_destroy {
        Action::CreateThenDelete
    } else {
        Action::DeleteThenCreate
    }
}

impl Planner<'_> {
    /// Plans one instance; returns the value later expressions see, or none on failure.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn plan_instance(
        &self,
        addr: &ResourceInstanceAddr,
        rep: Repetition,
        res: &Resource,
        schema: &BlockSchema,
        provider_key: &str,
        provider: Option<&ProviderInstance>,
        deps: &[String],
    ) -> Option<Value> {
        let (config, ok) = self.ev.decode_resource(&addr.resource.module, rep, res, schema, &addr.to_string());
        if !ok {
            return None;
        }
        let valid = provider.is_none_or(|p| report_validation(&self.ev, p, res, &config, addr));
        if !valid {
            return None;
        }
        let provider = provider?;
        if res.mode == Mode::Data {
            return self.read_data(addr, res, &config, provider).await;
        }
        let configured = self.providers.ready(&self.ev, provider, Some(res.header_span)).await;
        let prior = match self.refresh.instance(addr, &res.type_name, schema, provider_key, provider, configured).await
        {
            Ok(v) => v,
            Err(d) => {
                self.ev.diag(d);
                return None;
            }
        };
        let mut importing = None;
        let prior = match prior {
            Some(p) => {
                if !self.import_already_managed(addr) {
                    return None;
                }
                Some(p)
            }
            None if configured => match self.import_prior(addr, res, schema, provider_key, provider).await {
                Ok(Some((v, id))) => {
                    importing = Some(crate::plan::Importing { id });
                    Some(v)
                }
                Ok(None) => None,
                Err(()) => return None,
            },
            None => None,
        };
        let config = apply_ignore_changes(res, prior.as_ref(), config);
        let response = if configured {
            let request = PlanRequest { type_name: &res.type_name, prior: prior.as_ref(), config: &config };
            let span = tracing::debug_span!("plan", address = %addr);
            match provider.provider.plan(request).instrument(span).await {
                Ok(r) => r,
                Err(e) => {
                    let e = e.scrubbed(prior.iter().chain([&config]));
                    self.ev.diag(
                        Diagnostic::error(format!("Failed to plan {addr}"), format!("{}: {}", e.summary, e.detail))
                            .at(res.header_span)
                            .with_address(addr),
                    );
                    return None;
                }
            }
        } else {
            crate::provider::plan_by_schema(schema, prior.as_ref(), &config)
        };
        // Marks follow the configuration's values even where a provider copies them elsewhere unmarked.
        let mut paths = schema.sensitive_paths(&response.planned);
        paths.extend(config.sensitive_paths());
        let planned = response.planned.mark_paths(&paths);
        let forced = self.opts.replace.contains(addr);
        let tainted = self.refresh.prior.get(addr).is_some_and(|s| s.tainted);
        let (action, reason) = match &prior {
            None if !configured => (Action::Create, Some("its provider's configuration is known only after apply: it will be created after its cluster exists".to_string())),
            None => (Action::Create, None),
            Some(_) if forced => (replace_action(res), Some(reason::REPLACE_REQUESTED.to_string())),
            Some(_) if tainted => (replace_action(res), Some(reason::TAINTED.to_string())),
            Some(_) if !response.requires_replace.is_empty() => (replace_action(res), None),
            Some(p) if p.clone().deep_unmarked() == planned.clone().deep_unmarked() => (Action::NoOp, None),
            Some(_) => (Action::Update, None),
        };
        if action.is_replace() && res.lifecycle.prevent_destroy {
            self.ev.diag(
                Diagnostic::error(
                    "Instance cannot be destroyed",
                    format!("{addr} has lifecycle.prevent_destroy set, but the plan calls for replacing it. Remove prevent_destroy, or change the configuration so it is not replaced."),
                )
                .at(res.header_span)
                .with_address(addr),
            );
            return None;
        }
        // A replacement's new object is planned as a create.
        let planned = if action.is_replace() && configured {
            let request = PlanRequest { type_name: &res.type_name, prior: None, config: &config };
            match provider.provider.plan(request).await {
                Ok(r) => {
                    let mut paths = schema.sensitive_paths(&r.planned);
                    paths.extend(config.sensitive_paths());
                    r.planned.mark_paths(&paths)
                }
                Err(_) => planned,
            }
        } else {
            planned
        };
        lock(&self.changes).push(ResourceChange {
            deposed: None,
            address: addr.clone(),
            provider: provider_key.to_string(),
            action,
            before: prior,
            after: Some(planned.clone()),
            requires_replace: response.requires_replace,
            reason,
            dependencies: deps.to_vec(),
            deferred: !configured,
            importing,
        });
        Some(planned)
    }

    /// Reads a data source whose configuration is known; unknown until apply otherwise.
    async fn read_data(
        &self,
        addr: &ResourceInstanceAddr,
        res: &Resource,
        config: &Value,
        provider: &ProviderInstance,
    ) -> Option<Value> {
        // A provider whose configuration waits on resources of this run: read once it exists.
        if !self.providers.ready(&self.ev, provider, Some(res.header_span)).await || config.contains_unknown() {
            return Some(Value::Unknown);
        }
        let request =
            crate::provider::ReadDataRequest { type_name: &res.type_name, config: &config.clone().deep_unmarked() };
        match provider.provider.read_data(request).await {
            Ok(v) => {
                lock(&self.data).insert(addr.to_string(), v.to_marked_json());
                Some(v)
            }
            Err(e) => {
                let e = e.scrubbed([config]);
                self.ev.diag(Diagnostic::error(e.summary, e.detail).at(res.header_span).with_address(addr));
                None
            }
        }
    }
}
