//! Fault injection: `provider "local" { faults { ... } }` makes the simulated cloud
//! answer like a flaky API, so that retries, idempotence and state bookkeeping can
//! be tested without one.
//!
//! Each faulted call draws one number from a generator seeded by `seed`, so a run
//! is reproducible given the seed and the order of calls. The number picks at most
//! one fault: a throttle (HTTP 429) or a server error (HTTP 500), answered before
//! anything is done, or a reset, where the call IS carried out and its answer lost,
//! the case that tests whether a retry duplicates anything.

use gantry_core::provider::{AttributeSchema as A, BlockSchema, ErrorKind, NestedBlock, Nesting, ProviderError};
use gantry_core::types::Type;
use gantry_core::value::{PathStep, Value};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::future::Future;
use std::sync::Mutex;

const RATES: [&str; 3] = ["throttle_rate", "error_rate", "reset_rate"];

/// The `faults` block of the provider's schema.
pub fn schema_block() -> NestedBlock {
    let rate =
        |what: &str| A::optional(Type::Number).describe(&format!("Share of calls, 0 to 1, that {what}; default 0."));
    let block = BlockSchema::default()
        .attr("throttle_rate", rate("are throttled (HTTP 429) before anything is done"))
        .attr("error_rate", rate("fail with a server error (HTTP 500) before anything is done"))
        .attr("reset_rate", rate("are carried out but lose their answer (connection reset)"))
        .attr("seed", A::optional(Type::Number).describe("Seed of the fault generator; default 0."));
    NestedBlock { nesting: Nesting::Single, block, min_items: 0, max_items: Some(1), force_new: false }
}

/// What one call is made to suffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Throttle,
    Error,
    Reset,
}

pub struct Faults {
    throttle: f64,
    error: f64,
    reset: f64,
    rng: Mutex<StdRng>,
}

impl Faults {
    pub fn new(throttle: f64, error: f64, reset: f64, seed: u64) -> Faults {
        Faults { throttle, error, reset, rng: Mutex::new(StdRng::seed_from_u64(seed)) }
    }

    /// Reads the provider configuration's `faults` block; none when it is absent.
    /// A rate outside [0, 1], or rates adding up to more than 1, are errors at the argument.
    pub fn from_config(config: &Value) -> Result<Option<Faults>, ProviderError> {
        let Some(block) = config.get("faults").filter(|b| !b.is_null()) else { return Ok(None) };
        let at = |name: &str| vec![PathStep::Key("faults".into()), PathStep::Key(name.into())];
        let mut rates = [0.0; 3];
        for (slot, name) in rates.iter_mut().zip(RATES) {
            let Some(v) = block.get(name).filter(|v| !v.is_null()) else { continue };
            match v.as_f64() {
                Some(r) if (0.0..=1.0).contains(&r) => *slot = r,
                _ => {
                    return Err(ProviderError::new(
                        format!("Invalid faults.{name}"),
                        format!("{name} is a share of calls and must be from 0 to 1, not {v}"),
                    )
                    .at(at(name)))
                }
            }
        }
        if rates.iter().sum::<f64>() > 1.0 + 1e-9 {
            return Err(ProviderError::new(
                "Invalid faults",
                "throttle_rate, error_rate and reset_rate are shares of the same calls and must add up to at most 1",
            )
            .at(at("throttle_rate")));
        }
        let seed = match block.get("seed").filter(|v| !v.is_null()) {
            None => 0,
            Some(v) => match v.as_f64() {
                Some(s) if s >= 0.0 && s.fract() == 0.0 && s <= u64::MAX as f64 => s as u64,
                _ => {
                    return Err(ProviderError::new(
                        "Invalid faults.seed",
                        format!("seed must be a whole number ≥ 0, not {v}"),
                    )
                    .at(at("seed")))
                }
            },
        };
        Ok(Some(Faults::new(rates[0], rates[1], rates[2], seed)))
    }

    /// The fault for the next call, if any.
    pub fn draw(&self) -> Option<Fault> {
        let x: f64 = self.rng.lock().unwrap_or_else(|e| e.into_inner()).random();
        if x < self.throttle {
            Some(Fault::Throttle)
        } else if x < self.throttle + self.error {
            Some(Fault::Error)
        } else if x < self.throttle + self.error + self.reset {
            Some(Fault::Reset)
        } else {
            None
        }
    }

    /// Runs one call with the next fault: a throttle or an error instead of the call,
    /// a reset after it.
    pub async fn inject<T>(&self, call: impl Future<Output = Result<T, ProviderError>>) -> Result<T, ProviderError> {
        match self.draw() {
            None => call.await,
            Some(Fault::Throttle) => Err(ProviderError::new(
                "Throttled",
                "HTTP 429 Too Many Requests: the simulated cloud asks to slow down (faults.throttle_rate)",
            )
            .kind(ErrorKind::Throttled)),
            Some(Fault::Error) => Err(ProviderError::new(
                "Server error",
                "HTTP 500 Internal Server Error from the simulated cloud (faults.error_rate)",
            )
            .kind(ErrorKind::Server)),
            Some(Fault::Reset) => {
                // Whatever the call did stays done; only its answer is lost.
                let _ = call.await;
                Err(ProviderError::new(
                    "Connection reset",
                    "the connection to the simulated cloud was reset before its answer arrived (faults.reset_rate)",
                )
                .kind(ErrorKind::Connection))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(entries: Vec<(&str, Value)>) -> Value {
        Value::object([("faults", Value::object(entries))])
    }

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        let draws = |seed| {
            let f = Faults::new(0.3, 0.1, 0.2, seed);
            (0..200).map(|_| f.draw()).collect::<Vec<_>>()
        };
        assert_eq!(draws(42), draws(42));
        assert_ne!(draws(42), draws(43));
        let d = draws(42);
        let count = |k| d.iter().filter(|x| **x == Some(k)).count();
        // Roughly the configured shares of 200 draws; each kind is drawn.
        assert!((30..90).contains(&count(Fault::Throttle)), "{}", count(Fault::Throttle));
        assert!((5..40).contains(&count(Fault::Error)), "{}", count(Fault::Error));
        assert!((15..70).contains(&count(Fault::Reset)), "{}", count(Fault::Reset));
    }

    #[test]
    fn extreme_rates_always_or_never_fault() {
        let always = Faults::new(0.0, 1.0, 0.0, 1);
        assert!((0..50).all(|_| always.draw() == Some(Fault::Error)));
        let never = Faults::new(0.0, 0.0, 0.0, 1);
        assert!((0..50).all(|_| never.draw().is_none()));
    }

    #[test]
    fn bad_rates_and_seeds_are_errors_at_their_argument() {
        let e = Faults::from_config(&config(vec![("error_rate", Value::from_f64(1.5))])).err().unwrap();
        assert_eq!(e.path, Some(vec![PathStep::Key("faults".into()), PathStep::Key("error_rate".into())]));
        let e = Faults::from_config(&config(vec![("reset_rate", Value::from_f64(-0.1))])).err().unwrap();
        assert_eq!(e.path, Some(vec![PathStep::Key("faults".into()), PathStep::Key("reset_rate".into())]));
        let e = Faults::from_config(&config(vec![
            ("throttle_rate", Value::from_f64(0.6)),
            ("error_rate", Value::from_f64(0.6)),
        ]))
        .err()
        .unwrap();
        assert!(e.detail.contains("add up"), "{}", e.detail);
        let e = Faults::from_config(&config(vec![("seed", Value::from_f64(1.5))])).err().unwrap();
        assert_eq!(e.path, Some(vec![PathStep::Key("faults".into()), PathStep::Key("seed".into())]));
        assert!(Faults::from_config(&Value::object([("faults", Value::Null)])).unwrap().is_none());
    }

    #[tokio::test]
    async fn a_reset_carries_the_call_out_and_loses_its_answer() {
        let f = Faults::new(0.0, 0.0, 1.0, 0);
        let done = std::sync::atomic::AtomicBool::new(false);
        let r = f
            .inject(async {
                done.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            })
            .await;
        assert!(done.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(r.unwrap_err().kind, ErrorKind::Connection);
        let f = Faults::new(1.0, 0.0, 0.0, 0);
        let done = std::sync::atomic::AtomicBool::new(false);
        let r = f
            .inject(async {
                done.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            })
            .await;
        assert!(!done.load(std::sync::atomic::Ordering::SeqCst), "a throttle does nothing");
        assert_eq!(r.unwrap_err().kind, ErrorKind::Throttled);
    }
}
