//! Runs tasks over a DAG concurrently: each starts as soon as everything it
//! depends on has succeeded; when one fails, everything that depends on it is
//! skipped and everything independent still runs.

use futures::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    /// Not run because something it depends on failed or was skipped.
    Skipped,
}

/// `deps[n]` lists what `n` depends on; every node must appear as a key.
/// `run` is called once per node that gets to run and returns whether it succeeded.
pub async fn run<N, F, Fut>(deps: &BTreeMap<N, BTreeSet<N>>, run: F) -> BTreeMap<N, Outcome>
where
    N: Ord + Clone,
    F: Fn(N) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut dependents: BTreeMap<N, Vec<N>> = BTreeMap::new();
    let mut waiting: BTreeMap<N, usize> = BTreeMap::new();
    for (n, ds) in deps {
        let known: Vec<&N> = ds.iter().filter(|d| deps.contains_key(*d)).collect();
        waiting.insert(n.clone(), known.len());
        for d in known {
            dependents.entry(d.clone()).or_default().push(n.clone());
        }
    }
    let mut outcomes: BTreeMap<N, Outcome> = BTreeMap::new();
    let mut running = FuturesUnordered::new();
    let ready: Vec<N> = waiting.iter().filter(|(_, c)| **c == 0).map(|(n, _)| n.clone()).collect();
    for n in ready {
        let fut = run(n.clone());
        running.push(tag(n, fut));
    }
    while let Some((n, ok)) = running.next().await {
        outcomes.insert(n.clone(), if ok { Outcome::Succeeded } else { Outcome::Failed });
        if !ok {
            skip_dependents(&n, &dependents, &mut outcomes);
            continue;
        }
        for d in dependents.get(&n).cloned().unwrap_or_default() {
            if outcomes.contains_key(&d) {
                continue;
            }
            let count = waiting.get_mut(&d).expect("every node has a count");
            *count -= 1;
            if *count == 0 {
                let fut = run(d.clone());
                running.push(tag(d, fut));
            }
        }
    }
    // Nodes never reached (only possible with a cycle) count as skipped.
    for n in deps.keys() {
        outcomes.entry(n.clone()).or_insert(Outcome::Skipped);
    }
    outcomes
}

async fn tag<N, Fut: Future<Output = bool>>(n: N, fut: Fut) -> (N, bool) {
    (n, fut.await)
}

fn skip_dependents<N: Ord + Clone>(n: &N, dependents: &BTreeMap<N, Vec<N>>, outcomes: &mut BTreeMap<N, Outcome>) {
    let mut stack = dependents.get(n).cloned().unwrap_or_default();
    while let Some(d) = stack.pop() {
        if outcomes.contains_key(&d) {
            continue;
        }
        outcomes.insert(d.clone(), Outcome::Skipped);
        stack.extend(dependents.get(&d).cloned().unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn runs_in_dependency_order_and_skips_after_failure() {
        // a <- b <- c ; a <- d ; e fails <- f
        let mut deps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        deps.insert("a", BTreeSet::new());
        deps.insert("b", ["a"].into());
        deps.insert("c", ["b"].into());
        deps.insert("d", ["a"].into());
        deps.insert("e", BTreeSet::new());
        deps.insert("f", ["e"].into());
        let order = Mutex::new(Vec::new());
        let outcomes = run(&deps, |n| {
            order.lock().unwrap().push(n);
            async move { n != "e" }
        })
        .await;
        let order = order.into_inner().unwrap();
        let pos = |x| order.iter().position(|n| *n == x).unwrap();
        assert!(pos("a") < pos("b") && pos("b") < pos("c") && pos("a") < pos("d"));
        assert_eq!(outcomes["e"], Outcome::Failed);
        assert_eq!(outcomes["f"], Outcome::Skipped);
        assert_eq!(outcomes["c"], Outcome::Succeeded);
        assert!(!order.contains(&"f"));
    }

    #[tokio::test]
    async fn independent_tasks_overlap() {
        let mut deps: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        for i in 0..20 {
            deps.insert(i, BTreeSet::new());
        }
        let active = std::sync::atomic::AtomicUsize::new(0);
        let peak = std::sync::atomic::AtomicUsize::new(0);
        run(&deps, |_| async {
            let now = active.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            peak.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
            tokio::task::yield_now().await;
            active.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            true
        })
        .await;
        assert!(peak.load(std::sync::atomic::Ordering::SeqCst) > 1);
    }
}
