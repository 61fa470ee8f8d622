//! Retrying provider calls that failed for a passing reason: the policy (how often,
//! how long, how far apart), the `retry { ... }` block every provider accepts, and
//! the loop.
//!
//! The provider owns the call, because only it knows what one call to its API is and
//! how its errors read; the policy lives here so that every provider backs off the
//! same way and is configured with the same block. A provider that has a retrying
//! client of its own (the AWS SDK) maps the policy onto that client instead.
//!
//! Delays use "full jitter" (a random delay in `[0, min(max_delay, base_delay·2^n)]`),
//! so that many callers throttled at once do not retry in step.

use crate::provider::{AttributeSchema as A, BlockSchema, ErrorKind, NestedBlock, Nesting, ProviderError};
use crate::types::Type;
use crate::value::{PathStep, Value};
use std::future::Future;
use std::time::Duration;

/// How a provider retries a call that failed transiently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 means no retry.
    pub max_attempts: u32,
    /// No retry starts once this much time has passed since the first attempt, nor
    /// when its delay would end after it.
    pub max_elapsed: Duration,
    /// The cap of the first retry's delay; it doubles with every retry.
    pub base_delay: Duration,
    /// The cap of any one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Five attempts within two minutes, one to thirty seconds apart: the shape of
    /// Terraform's provider HTTP clients (four retries, 1s to 30s).
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(120),
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The policy that never retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The upper bound of the delay before retry number `retry` (0 for the first retry).
    pub fn delay_cap(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(31));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The delay before retry number `retry`, for `unit` drawn uniformly from `[0, 1]`.
    pub fn delay(&self, retry: u32, unit: f64) -> Duration {
        self.delay_cap(retry).mul_f64(unit.clamp(0.0, 1.0))
    }

    /// The `retry` block of a provider's schema.
    pub fn schema_block() -> NestedBlock {
        let block = BlockSchema::default()
            .attr(
                "max_attempts",
                A::optional(Type::Number)
                    .describe("Attempts in all for a call that fails transiently, the first included; default 5."),
            )
            .attr(
                "max_elapsed",
                A::optional(Type::String)
                    .describe("No retry starts after this long since the first attempt, e.g. \"2m\"; default \"2m\"."),
            )
            .attr(
                "base_delay",
                A::optional(Type::String)
                    .describe("Cap of the first retry's delay, doubling with each retry; default \"1s\"."),
            )
            .attr("max_delay", A::optional(Type::String).describe("Cap of any one delay; default \"30s\"."));
        NestedBlock { nesting: Nesting::Single, block, min_items: 0, max_items: Some(1), force_new: false }
    }

    /// Reads a provider configuration's `retry` block (absent or null: the defaults).
    /// A bad value is an error at its argument.
    pub fn from_config(config: &Value) -> Result<RetryPolicy, ProviderError> {
        let mut policy = RetryPolicy::default();
        let Some(block) = config.get("retry").filter(|b| !b.is_null()) else { return Ok(policy) };
        let at = |name: &str| vec![PathStep::Key("retry".into()), PathStep::Key(name.into())];
        if let Some(n) = block.get("max_attempts").filter(|v| !v.is_null()) {
            match n.as_f64() {
                Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= 1000.0 => policy.max_attempts = n as u32,
                _ => {
                    return Err(ProviderError::new(
                        "Invalid retry.max_attempts",
                        format!("max_attempts must be a whole number from 1 to 1000 (1: no retry), not {n}"),
                    )
                    .at(at("max_attempts")))
                }
            }
        }
        let duration = |name: &str, slot: &mut Duration| -> Result<(), ProviderError> {
            let Some(text) = block.get(name).and_then(|v| v.as_str()) else { return Ok(()) };
            *slot = humantime::parse_duration(text.trim()).map_err(|e| {
                ProviderError::new(
                    format!("Invalid retry.{name}"),
                    format!("\"{text}\" is not a duration ({e}); write e.g. \"500ms\", \"30s\" or \"2m\""),
                )
                .at(at(name))
            })?;
            Ok(())
        };
        duration("max_elapsed", &mut policy.max_elapsed)?;
        duration("base_delay", &mut policy.base_delay)?;
        duration("max_delay", &mut policy.max_delay)?;
        if policy.base_delay > policy.max_delay {
            return Err(ProviderError::new("Invalid retry.base_delay", "base_delay must not be longer than max_delay")
                .at(at("base_delay")));
        }
        Ok(policy)
    }
}

/// An error the retry loop can judge and report.
pub trait Retryable {
    /// Whether the same call may succeed later.
    fn is_transient(&self) -> bool;
    /// What kind of failure it was, for the log.
    fn kind_name(&self) -> &'static str;
    /// A short line for the log; it must hold no attribute value.
    fn log_summary(&self) -> String;
    /// The error as the caller gets it once the loop gives up, with `note` (how many attempts) added.
    fn gave_up(self, note: &str) -> Self;
}

impl Retryable for ProviderError {
    fn is_transient(&self) -> bool {
        self.kind.is_transient()
    }
    fn kind_name(&self) -> &'static str {
        match self.kind {
            ErrorKind::Permanent => "permanent",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Server => "server",
            ErrorKind::Connection => "connection",
        }
    }
    /// The summary only: a detail may quote a value ("\"x\" is not an instance type").
    fn log_summary(&self) -> String {
        self.summary.clone()
    }
    fn gave_up(mut self, note: &str) -> Self {
        self.detail = format!("{} ({note})", self.detail);
        self
    }
}

/// What is being retried, for the debug log: names, never values.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub provider: &'a str,
    /// The provider verb: `read`, `plan`, `apply`, ...
    pub operation: &'a str,
    pub resource_type: &'a str,
}

/// Runs `op` until it succeeds, fails permanently, or the policy's attempts or time
/// run out; then returns its last result. An error given up on says how many
/// attempts were made.
pub async fn retry<T, E, F, Fut>(policy: &RetryPolicy, call: Call<'_>, op: F) -> Result<T, E>
where
    E: Retryable,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    retry_with(policy, call, rand::random::<f64>, op).await
}

/// [`retry`] with the jitter source given, so tests can pin delays.
async fn retry_with<T, E, F, Fut, J>(policy: &RetryPolicy, call: Call<'_>, mut jitter: J, mut op: F) -> Result<T, E>
where
    E: Retryable,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    J: FnMut() -> f64,
{
    let start = tokio::time::Instant::now();
    let max_attempts = policy.max_attempts.max(1);
    let mut attempt = 1;
    // Every call is one debug line when it ends: which, how many attempts, how long.
    let finished = |attempt: u32, error: Option<String>| {
        tracing::debug!(
            provider = call.provider,
            operation = call.operation,
            resource_type = call.resource_type,
            attempts = attempt,
            duration_ms = start.elapsed().as_millis() as u64,
            error = error.as_deref().unwrap_or(""),
            "provider call finished"
        );
    };
    loop {
        let e = match op().await {
            Ok(v) => {
                finished(attempt, None);
                return Ok(v);
            }
            Err(e) if !e.is_transient() => {
                finished(attempt, Some(e.log_summary()));
                return Err(e);
            }
            Err(e) => e,
        };
        let delay = policy.delay(attempt - 1, jitter());
        let elapsed = start.elapsed();
        if attempt >= max_attempts || elapsed + delay > policy.max_elapsed {
            tracing::debug!(
                provider = call.provider,
                operation = call.operation,
                resource_type = call.resource_type,
                attempt,
                elapsed_ms = elapsed.as_millis() as u64,
                error = %e.log_summary(),
                "giving up on a provider call"
            );
            finished(attempt, Some(e.log_summary()));
            return Err(gave_up(e, attempt, elapsed));
        }
        tracing::debug!(
            provider = call.provider,
            operation = call.operation,
            resource_type = call.resource_type,
            attempt,
            delay_ms = delay.as_millis() as u64,
            kind = e.kind_name(),
            error = %e.log_summary(),
            "retrying provider call"
        );
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
}

fn gave_up<E: Retryable>(e: E, attempts: u32, elapsed: Duration) -> E {
    let tries = if attempts == 1 { "1 attempt".to_string() } else { format!("{attempts} attempts") };
    e.gave_up(&format!("gave up after {tries} in {:.1}s", elapsed.as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use std::sync::atomic::{AtomicU32, Ordering};

    const CALL: Call<'static> = Call { provider: "test", operation: "apply", resource_type: "test_thing" };

    fn fast(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            max_elapsed: Duration::from_secs(3600),
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        }
    }

    fn throttled() -> ProviderError {
        ProviderError::new("Throttled", "HTTP 429").kind(ErrorKind::Throttled)
    }

    #[test]
    fn delays_stay_within_the_doubling_cap() {
        let p = fast(10);
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for retry in 0..8 {
            let cap = Duration::from_millis(100 * 2u64.pow(retry)).min(Duration::from_secs(1));
            assert_eq!(p.delay_cap(retry), cap);
            let delays: Vec<Duration> = (0..200).map(|_| p.delay(retry, rng.random::<f64>())).collect();
            assert!(delays.iter().all(|d| *d <= cap), "retry {retry}: a delay above {cap:?}");
            // Full jitter spreads over the whole range, not just its top.
            assert!(delays.iter().any(|d| *d < cap / 4) && delays.iter().any(|d| *d > cap * 3 / 4));
        }
        assert_eq!(p.delay(3, 0.0), Duration::ZERO);
        assert_eq!(p.delay(3, 1.0), Duration::from_millis(800));
        assert_eq!(p.delay_cap(1000), Duration::from_secs(1), "no overflow on a long run");
    }

    #[tokio::test(start_paused = true)]
    async fn transient_errors_are_retried_up_to_max_attempts() {
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = retry(&fast(4), CALL, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(throttled())
        })
        .await;
        let e = r.unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(e.kind, ErrorKind::Throttled);
        assert!(e.detail.contains("gave up after 4 attempts"), "{}", e.detail);
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_that_recovers_returns_its_value() {
        let calls = AtomicU32::new(0);
        let r = retry(&fast(5), CALL, || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(ProviderError::new("Reset", "connection reset").kind(ErrorKind::Connection)),
                1 => Err(ProviderError::new("Server error", "HTTP 503").kind(ErrorKind::Server)),
                _ => Ok("done"),
            }
        })
        .await;
        assert_eq!(r, Ok("done"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_errors_return_at_once() {
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = retry(&fast(10), CALL, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::new("Invalid name", "HTTP 400"))
        })
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(r.unwrap_err().detail, "HTTP 400", "a permanent error comes back as it was");
    }

    #[tokio::test(start_paused = true)]
    async fn no_retry_starts_past_max_elapsed() {
        // Every delay is exactly 1s (jitter pinned to its top), so with 2.5s allowed the
        // calls start at 0s, 1s and 2s, and the retry that would start at 3s is not made.
        let p = RetryPolicy {
            max_attempts: 100,
            max_elapsed: Duration::from_millis(2500),
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(1),
        };
        let calls = AtomicU32::new(0);
        let start = tokio::time::Instant::now();
        let r: Result<(), _> = retry_with(
            &p,
            CALL,
            || 1.0,
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(throttled())
            },
        )
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert!(start.elapsed() <= p.max_elapsed);
        assert!(r.unwrap_err().detail.contains("gave up after 3 attempts"));
    }

    #[test]
    fn the_block_reads_with_defaults_and_rejects_bad_values_at_the_argument() {
        let block = |entries: Vec<(&str, Value)>| Value::object([("retry", Value::object(entries))]);
        assert_eq!(RetryPolicy::from_config(&Value::object([("retry", Value::Null)])), Ok(RetryPolicy::default()));
        let p = RetryPolicy::from_config(&block(vec![
            ("max_attempts", Value::number(3)),
            ("max_elapsed", Value::string("90s")),
            ("base_delay", Value::string("10ms")),
        ]))
        .unwrap();
        assert_eq!(
            (p.max_attempts, p.max_elapsed, p.base_delay),
            (3, Duration::from_secs(90), Duration::from_millis(10))
        );
        assert_eq!(p.max_delay, RetryPolicy::default().max_delay);
        let e = RetryPolicy::from_config(&block(vec![("max_attempts", Value::number(0))])).unwrap_err();
        assert_eq!(e.path, Some(vec![PathStep::Key("retry".into()), PathStep::Key("max_attempts".into())]));
        let e = RetryPolicy::from_config(&block(vec![("max_elapsed", Value::string("soon"))])).unwrap_err();
        assert_eq!(e.path, Some(vec![PathStep::Key("retry".into()), PathStep::Key("max_elapsed".into())]));
    }
}
