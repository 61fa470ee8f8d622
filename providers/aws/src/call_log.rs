//! One debug log line per AWS API call, as the other providers write one per call:
//! the service and operation, how many attempts the SDK's retries made, how long it
//! took, and how it ended. Only names and counts: a request or an answer may hold a
//! secret, and neither reaches the log.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{Metadata, OrchestratorError};
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::time::Instant;

/// Added to every client the provider, the s3 backend and the KMS key provider build.
#[derive(Debug, Default, Clone, Copy)]
pub struct CallLog;

#[derive(Debug, Clone)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "GantryCallLog"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg.load::<Metadata>().map_or(("", ""), |m| (m.service(), m.name()));
        let attempts = cfg.load::<RequestAttempts>().map_or(1, RequestAttempts::attempts);
        let duration_ms = cfg.load::<Started>().map_or(0, |s| s.0.elapsed().as_millis() as u64);
        let outcome = match context.output_or_error() {
            Some(Err(e)) => failure(e),
            _ => "ok",
        };
        tracing::debug!(provider = "aws", service, operation, attempts, duration_ms, outcome, "provider call finished");
        Ok(())
    }
}

/// The kind of failure, never its message (an AWS error message may quote the request).
fn failure<E>(e: &OrchestratorError<E>) -> &'static str {
    if e.is_operation_error() {
        "the service refused the request"
    } else if e.is_timeout_error() {
        "timed out"
    } else if e.is_connector_error() {
        "could not connect"
    } else if e.is_response_error() {
        "could not read the answer"
    } else {
        "failed"
    }
}
