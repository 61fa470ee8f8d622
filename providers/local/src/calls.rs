//! The local provider as the engine calls it: each call to the simulated cloud goes
//! through the configured faults and is retried by the configured policy.
//!
//! It wraps [`LocalProvider`] rather than changing its verbs, so that the
//! simulator's resource logic knows nothing of faults or retries, and a resource
//! type added there is faulted and retried without more code. A verb the simulator
//! adds to its `Provider` impl must be passed on here too.

use crate::faults::Faults;
use crate::LocalProvider;
use gantry_core::provider::{
    ApplyRequest, ConfigureRequest, FindRequest, IdentityRequest, ImportRequest, PlanRequest, PlanResponse, Provider,
    ProviderError, ReadDataRequest, ReadRequest, Schema, ValidateRequest,
};
use gantry_core::retry::{retry, Call, RetryPolicy};
use gantry_core::value::Value;
use std::future::Future;
use std::sync::{Arc, RwLock};

#[derive(Default)]
pub struct LocalCalls {
    inner: LocalProvider,
    settings: RwLock<Settings>,
}

#[derive(Clone)]
struct Settings {
    policy: RetryPolicy,
    faults: Option<Arc<Faults>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { policy: RetryPolicy::default(), faults: None }
    }
}

impl LocalCalls {
    fn settings(&self) -> Settings {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// One call to the simulated cloud: faulted when faults are configured, retried by the policy.
    async fn cloud<T, F, Fut>(&self, operation: &str, resource_type: &str, mut op: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let s = self.settings();
        let call = Call { provider: "local", operation, resource_type };
        retry(&s.policy, call, || {
            let attempt = op();
            let faults = s.faults.clone();
            async move {
                match faults {
                    Some(f) => f.inject(attempt).await,
                    None => attempt.await,
                }
            }
        })
        .await
    }
}

#[async_trait::async_trait]
impl Provider for LocalCalls {
    fn schema(&self) -> &Schema {
        self.inner.schema()
    }

    async fn configure(&self, req: ConfigureRequest) -> Result<(), ProviderError> {
        let policy = RetryPolicy::from_config(&req.config)?;
        let faults = Faults::from_config(&req.config)?.map(Arc::new);
        self.inner.configure(req).await?;
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Settings { policy, faults };
        Ok(())
    }

    fn validate(&self, req: ValidateRequest<'_>) -> Vec<ProviderError> {
        self.inner.validate(req)
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Value>, ProviderError> {
        self.cloud("read", req.type_name, || {
            self.inner.read(ReadRequest { type_name: req.type_name, state: req.state })
        })
        .await
    }

    /// The simulator's plan computes from the request alone and reaches no cloud, so
    /// nothing is faulted; it is retried all the same, as every call is.
    async fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, ProviderError> {
        let s = self.settings();
        let call = Call { provider: "local", operation: "plan", resource_type: req.type_name };
        retry(&s.policy, call, || {
            self.inner.plan(PlanRequest { type_name: req.type_name, prior: req.prior, config: req.config })
        })
        .await
    }

    async fn apply(&self, req: ApplyRequest<'_>) -> Result<Option<Value>, ProviderError> {
        let operation = if req.planned.is_none() { "delete" } else { "apply" };
        self.cloud(operation, req.type_name, || {
            self.inner.apply(ApplyRequest {
                type_name: req.type_name,
                prior: req.prior,
                planned: req.planned,
                config: req.config,
                identity: req.identity,
            })
        })
        .await
    }

    async fn read_data(&self, req: ReadDataRequest<'_>) -> Result<Value, ProviderError> {
        self.cloud("read_data", req.type_name, || {
            self.inner.read_data(ReadDataRequest { type_name: req.type_name, config: req.config })
        })
        .await
    }

    async fn import(&self, req: ImportRequest<'_>) -> Result<Option<Value>, ProviderError> {
        self.cloud("import", req.type_name, || {
            self.inner.import(ImportRequest { type_name: req.type_name, id: req.id })
        })
        .await
    }

    fn delete_order(&self, type_name: &str, state: &Value) -> (Vec<String>, Vec<String>) {
        self.inner.delete_order(type_name, state)
    }

    fn create_identity(&self, req: IdentityRequest<'_>) -> serde_json::Value {
        self.inner.create_identity(req)
    }

    async fn find(&self, req: FindRequest<'_>) -> Result<Option<Value>, ProviderError> {
        self.cloud("find", req.type_name, || {
            self.inner.find(FindRequest { type_name: req.type_name, identity: req.identity, planned: req.planned })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gantry_core::provider::ErrorKind;

    async fn configured(dir: &std::path::Path, faults: Value, max_attempts: f64) -> LocalCalls {
        let p = LocalCalls::default();
        let retry = Value::object([
            ("max_attempts", Value::from_f64(max_attempts)),
            ("max_elapsed", Value::string("1m")),
            ("base_delay", Value::string("1ms")),
            ("max_delay", Value::string("2ms")),
        ]);
        let config = Value::object([("latency", Value::Null), ("retry", retry), ("faults", faults)]);
        p.configure(ConfigureRequest { config, working_dir: dir.into() }).await.unwrap();
        p
    }

    fn cluster(name: &str) -> Value {
        Value::object([
            ("name", Value::string(name)),
            ("version", Value::string("1.31")),
            ("id", Value::Unknown),
            ("arn", Value::Unknown),
            ("endpoint", Value::Unknown),
            ("status", Value::Unknown),
        ])
    }

    fn files(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.join(crate::sim::SIM_DIR).join("clusters"))
            .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    #[tokio::test]
    async fn lost_answers_are_retried_into_one_object_each() {
        let dir = tempfile::tempdir().unwrap();
        let faults = Value::object([
            ("throttle_rate", Value::from_f64(0.2)),
            ("reset_rate", Value::from_f64(0.4)),
            ("seed", Value::number(7)),
        ]);
        let p = configured(dir.path(), faults, 60.0).await;
        for name in ["a", "b", "c", "d", "e"] {
            let planned = cluster(name);
            let req = ApplyRequest {
                type_name: "local_cluster",
                prior: None,
                planned: Some(&planned),
                config: &planned,
                identity: None,
            };
            let created = p.apply(req).await.unwrap().unwrap();
            assert_eq!(created.get("id"), Some(&Value::string(name)));
            let read = p.read(ReadRequest { type_name: "local_cluster", state: &created }).await.unwrap();
            assert_eq!(read, Some(created));
        }
        assert_eq!(files(dir.path()), ["a.json", "b.json", "c.json", "d.json", "e.json"]);
    }

    #[tokio::test]
    async fn errors_that_never_pass_give_up_after_max_attempts_having_done_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = configured(dir.path(), Value::object([("error_rate", Value::number(1))]), 3.0).await;
        let planned = cluster("a");
        let req = ApplyRequest {
            type_name: "local_cluster",
            prior: None,
            planned: Some(&planned),
            config: &planned,
            identity: None,
        };
        let e = p.apply(req).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Server);
        assert!(e.detail.contains("gave up after 3 attempts"), "{}", e.detail);
        assert!(files(dir.path()).is_empty());
    }
}
