//! Remote backends talk to their servers with async clients, while the `StateStore`
//! trait is synchronous (the engine calls it from sync and async code alike).

use std::future::Future;

/// Runs a future to completion on `rt` from a scoped thread of its own, so that the
/// caller may itself be inside an async runtime.
pub fn run_on<F>(rt: &tokio::runtime::Runtime, f: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    std::thread::scope(|s| s.spawn(|| rt.block_on(f)).join()).unwrap_or_else(|p| std::panic::resume_unwind(p))
}
