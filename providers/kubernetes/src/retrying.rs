//! A cluster connection that retries what failed for a passing reason (throttling,
//! a 5xx answer, a lost connection) with the provider's retry policy.
//!
//! It wraps any [`Connection`], so the real API server and the simulator are
//! retried the same way, and the diffing, ordering and waiting above it see only
//! answers or errors that retrying cannot fix. Every call it repeats is safe to
//! repeat: reads, server-side apply (the same patch gives the same object) and
//! delete (a second one finds the object gone).

use gantry_core::cluster::{ApplyOptions, ConnError, Connection, ObjRef};
use gantry_core::retry::{retry, Call, RetryPolicy};
use serde_json::Value as Json;
use std::sync::Arc;

pub(crate) struct Retrying {
    inner: Arc<dyn Connection>,
    policy: RetryPolicy,
}

impl Retrying {
    pub(crate) fn new(inner: Arc<dyn Connection>, policy: RetryPolicy) -> Retrying {
        Retrying { inner, policy }
    }
}

fn call<'a>(operation: &'a str, kind: &'a str) -> Call<'a> {
    Call { provider: "kubernetes", operation, resource_type: kind }
}

#[async_trait::async_trait]
impl Connection for Retrying {
    async fn get(&self, r: &ObjRef) -> Result<Option<Json>, ConnError> {
        retry(&self.policy, call("get", &r.kind), || self.inner.get(r)).await
    }

    async fn list(&self, api_version: &str, kind: &str, namespace: &str) -> Result<Vec<Json>, ConnError> {
        retry(&self.policy, call("list", kind), || self.inner.list(api_version, kind, namespace)).await
    }

    async fn apply(&self, manifest: &Json, opts: &ApplyOptions<'_>) -> Result<Json, ConnError> {
        let kind = manifest.get("kind").and_then(Json::as_str).unwrap_or_default();
        retry(&self.policy, call("apply", kind), || self.inner.apply(manifest, opts)).await
    }

    async fn delete(&self, r: &ObjRef) -> Result<bool, ConnError> {
        retry(&self.policy, call("delete", &r.kind), || self.inner.delete(r)).await
    }

    fn supports_dry_run(&self) -> bool {
        self.inner.supports_dry_run()
    }

    async fn namespace_of(&self, r: &ObjRef) -> Result<String, ConnError> {
        retry(&self.policy, call("discovery", &r.kind), || self.inner.namespace_of(r)).await
    }

    fn refresh_discovery(&self) {
        self.inner.refresh_discovery()
    }

    fn waits(&self) -> bool {
        self.inner.waits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Fails the first `failures` calls with `error`, then finds nothing.
    struct Flaky {
        calls: AtomicUsize,
        failures: usize,
        error: ConnError,
    }

    #[async_trait::async_trait]
    impl Connection for Flaky {
        async fn get(&self, _r: &ObjRef) -> Result<Option<Json>, ConnError> {
            if self.calls.fetch_add(1, Ordering::SeqCst) < self.failures {
                return Err(self.error.clone());
            }
            Ok(None)
        }
        async fn list(&self, _: &str, _: &str, _: &str) -> Result<Vec<Json>, ConnError> {
            Ok(Vec::new())
        }
        async fn apply(&self, manifest: &Json, _: &ApplyOptions<'_>) -> Result<Json, ConnError> {
            Ok(manifest.clone())
        }
        async fn delete(&self, _: &ObjRef) -> Result<bool, ConnError> {
            Ok(false)
        }
        fn supports_dry_run(&self) -> bool {
            false
        }
        async fn namespace_of(&self, r: &ObjRef) -> Result<String, ConnError> {
            Ok(r.namespace.clone())
        }
    }

    fn policy(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            max_elapsed: Duration::from_secs(60),
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        }
    }

    fn cm() -> ObjRef {
        ObjRef { api_version: "v1".into(), kind: "ConfigMap".into(), namespace: "ml".into(), name: "c".into() }
    }

    fn flaky(failures: usize, error: ConnError) -> Arc<Flaky> {
        Arc::new(Flaky { calls: AtomicUsize::new(0), failures, error })
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_an_answer() {
        let inner = flaky(2, ConnError::Transient("the server is busy (HTTP 429)".into()));
        let conn = Retrying::new(inner.clone(), policy(5));
        assert_eq!(conn.get(&cm()).await.unwrap(), None);
        assert_eq!(inner.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn retries_stop_at_max_attempts() {
        let inner = flaky(usize::MAX, ConnError::Transient("HTTP 503".into()));
        let conn = Retrying::new(inner.clone(), policy(3));
        let e = conn.get(&cm()).await.unwrap_err();
        assert_eq!(inner.calls.load(Ordering::SeqCst), 3);
        assert!(e.to_string().contains("gave up after 3 attempts"), "{e}");
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let inner = flaky(usize::MAX, ConnError::Other("forbidden (HTTP 403)".into()));
        let conn = Retrying::new(inner.clone(), policy(5));
        assert!(matches!(conn.get(&cm()).await, Err(ConnError::Other(_))));
        assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
    }
}
