//! Why a pool cannot take a pod: the checks that rule pools out, and the
//! sentence that names the closest pool and what stands in its way.

use super::quantity::{format_bytes, format_cpu};
use super::{NodeCount, PodSpec, PoolState, Resources, Taint, Toleration, LABEL_ACCELERATOR, LABEL_GPU_PRODUCT};
use crate::catalog::{normalize_gpu_model, Catalog};

/// One reason a pool cannot take a pod, with how hard it is to fix. The
/// closest pool is the one whose failures add up to the least: a missing
/// toleration or a full pool is a one-line change; a node that is too small or
/// lacks the right GPUs needs a different instance type.
pub(super) struct Failure {
    severity: u32,
    message: String,
}

const SEVERITY_TAINT: u32 = 1;
const SEVERITY_FULL: u32 = 1;
const SEVERITY_RESERVE: u32 = 2;
const SEVERITY_SELECTOR: u32 = 3;
const SEVERITY_HARDWARE: u32 = 3;

/// The checks that do not depend on what is already placed: taints, node
/// selector, instance type, and whether one empty node is big enough.
pub(super) fn static_failures(
    state: &PoolState,
    pod: &PodSpec,
    request: &Resources,
    catalog: &Catalog,
) -> Vec<Failure> {
    let pool = state.pool;
    let mut failures = Vec::new();

    let untolerated: Vec<String> = pool
        .taints
        .iter()
        .filter(|t| blocks_scheduling(t) && !pod.tolerations.iter().any(|tol| tolerates(tol, t)))
        .map(format_taint)
        .collect();
    if !untolerated.is_empty() {
        let noun = if untolerated.len() == 1 { "taint" } else { "taints" };
        failures.push(Failure {
            severity: SEVERITY_TAINT,
            message: format!("pool {} has {noun} {} that the pod does not tolerate", pool.name, untolerated.join(", ")),
        });
    }

    let mismatched: Vec<(&String, &String)> =
        plain_selector(pod).filter(|(k, v)| state.labels.get(*k) != Some(*v)).collect();
    if !mismatched.is_empty() {
        let details: Vec<String> = mismatched
            .iter()
            .map(|(k, _)| match state.labels.get(*k) {
                Some(actual) => format!("{k}={actual}"),
                None => format!("no label {k}"),
            })
            .collect();
        failures.push(Failure {
            severity: SEVERITY_SELECTOR,
            message: format!(
                "pool {} does not match node selector {} (its nodes have {})",
                pool.name,
                format_selector(mismatched.iter().copied()),
                details.join(", ")
            ),
        });
    }

    let Some(instance) = state.instance else {
        let hint = catalog.suggest(&pool.instance_type).map(|s| format!(" (did you mean {s}?)")).unwrap_or_default();
        failures.push(Failure {
            severity: SEVERITY_HARDWARE,
            message: format!(
                "pool {} uses instance type {}, which is not in the instance catalogue{hint}",
                pool.name, pool.instance_type
            ),
        });
        return failures;
    };

    let wanted_model = gpu_selector(pod).next();
    let model_ok = gpu_selector(pod)
        .all(|(_, v)| instance.gpu.as_ref().is_some_and(|g| normalize_gpu_model(&g.model) == normalize_gpu_model(v)));
    if !model_ok || request.gpus > instance.gpu_count() {
        let wants = match (request.gpus, wanted_model) {
            (0, Some((_, model))) => format!("selects {model} GPUs"),
            (n, Some((_, model))) => format!("requests {n} × {model}"),
            (1, None) => "requests 1 GPU".to_string(),
            (n, None) => format!("requests {n} GPUs"),
        };
        let offers = match &instance.gpu {
            Some(g) => format!("{} × {}", g.count, g.model),
            None => "no GPUs".to_string(),
        };
        failures.push(Failure {
            severity: SEVERITY_HARDWARE,
            message: format!("{wants}; pool {} offers {}: {offers}", pool.name, instance.name),
        });
    }

    let capacity_cpu = u64::from(instance.vcpus).saturating_mul(1000);
    if request.cpu_millis > state.allocatable.cpu_millis {
        let (severity, has) = if request.cpu_millis > capacity_cpu {
            (SEVERITY_HARDWARE, format_cpu(capacity_cpu))
        } else {
            (
                SEVERITY_RESERVE,
                format!("{} allocatable after the system reserve", format_cpu(state.allocatable.cpu_millis)),
            )
        };
        failures.push(Failure {
            severity,
            message: format!(
                "requests {} CPU but the largest node of pool {} ({}) has {has}",
                format_cpu(request.cpu_millis),
                pool.name,
                instance.name
            ),
        });
    }

    let capacity_memory = instance.memory_bytes();
    if request.memory_bytes > state.allocatable.memory_bytes {
        let (severity, has) = if request.memory_bytes > capacity_memory {
            (SEVERITY_HARDWARE, format_bytes(capacity_memory))
        } else {
            (
                SEVERITY_RESERVE,
                format!("{} allocatable after the system reserve", format_bytes(state.allocatable.memory_bytes)),
            )
        };
        failures.push(Failure {
            severity,
            message: format!(
                "requests {} of memory but the largest node of pool {} ({}) has {has}",
                format_bytes(request.memory_bytes),
                pool.name,
                instance.name
            ),
        });
    }

    failures
}

/// Why a replica could not be bound, and the pool that came closest.
pub(super) fn explain(
    states: &[PoolState],
    checks: &[Vec<Failure>],
    pod: &PodSpec,
    request: &Resources,
    mode: NodeCount,
) -> (String, Option<String>) {
    if states.is_empty() {
        return ("there are no node pools".to_string(), None);
    }
    // A pool the pod explicitly selects is closer than one it rules out, so
    // when the selector matches some pools only those are candidates.
    let selected: Vec<usize> = (0..states.len())
        .filter(|&i| states.get(i).is_some_and(|s| plain_selector(pod).all(|(k, v)| s.labels.get(k) == Some(v))))
        .collect();
    let no_pool_selected = selected.is_empty();
    let candidates: Vec<usize> = if no_pool_selected { (0..states.len()).collect() } else { selected };

    let mut best: Option<(u32, usize, usize, Vec<String>)> = None;
    for i in candidates {
        let (Some(state), Some(static_fail)) = (states.get(i), checks.get(i)) else {
            continue;
        };
        let mut failures: Vec<(u32, String)> = static_fail.iter().map(|f| (f.severity, f.message.clone())).collect();
        if failures.is_empty() {
            // The pod would fit an empty node of this pool: the pool is full.
            failures.push((SEVERITY_FULL, full_pool_message(state, request, mode)));
        }
        let severity: u32 = failures.iter().map(|(s, _)| *s).sum();
        let key = (severity, failures.len(), i);
        if best.as_ref().is_none_or(|(s, n, j, _)| key < (*s, *n, *j)) {
            best = Some((severity, failures.len(), i, failures.into_iter().map(|(_, m)| m).collect()));
        }
    }

    let closest = best.as_ref().and_then(|(_, _, i, _)| states.get(*i)).map(|s| s.pool.name.clone());
    let reason = if no_pool_selected {
        format!("node selector {} matches no pool", format_selector(plain_selector(pod)))
    } else {
        best.map(|(_, _, _, messages)| messages.join("; ")).unwrap_or_else(|| "no pool can run the pod".to_string())
    };
    (reason, closest)
}

pub(super) fn full_pool_message(state: &PoolState, request: &Resources, mode: NodeCount) -> String {
    let size_kind = match mode {
        NodeCount::Desired => "desired",
        NodeCount::Max => "max",
    };
    let count = state.nodes.len();
    if count == 0 {
        return format!("pool {} has no nodes (its {size_kind} size is 0)", state.pool.name);
    }
    // Report the shortfall on the node that is nearest to having room.
    let shortfall = state
        .nodes
        .iter()
        .map(|n| request.shortfall(&n.free()))
        .min_by_key(|s| (s.short_dimensions(), s.gpus, s.cpu_millis, s.memory_bytes))
        .unwrap_or(*request);
    let mut needs = Vec::new();
    if shortfall.cpu_millis > 0 {
        needs.push(format!("{} CPU", format_cpu(shortfall.cpu_millis)));
    }
    if shortfall.memory_bytes > 0 {
        needs.push(format_bytes(shortfall.memory_bytes));
    }
    if shortfall.gpus > 0 {
        needs.push(plural(u64::from(shortfall.gpus), "GPU", "GPUs"));
    }
    format!(
        "pool {} is full at its {size_kind} size of {} (needs {} more)",
        state.pool.name,
        plural(count as u64, "node", "nodes"),
        needs.join(", ")
    )
}

/// Whether a taint keeps pods that do not tolerate it off the node.
pub(super) fn blocks_scheduling(taint: &Taint) -> bool {
    taint.effect != "PreferNoSchedule"
}

/// Kubernetes toleration matching: the effect must match unless the toleration
/// leaves it empty; `Exists` matches any value (and any key when the key is
/// empty); `Equal` needs the same key and value.
pub(super) fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = toleration.effect.as_deref() {
        if !effect.is_empty() && effect != taint.effect {
            return false;
        }
    }
    let key = toleration.key.as_deref().unwrap_or("");
    match toleration.operator.as_str() {
        "Exists" => key.is_empty() || key == taint.key,
        "Equal" | "" => !key.is_empty() && key == taint.key && toleration.value.as_deref().unwrap_or("") == taint.value,
        // An unknown operator tolerates nothing, as the API server would reject it.
        _ => false,
    }
}

pub(super) fn is_gpu_model_key(key: &str) -> bool {
    key == LABEL_GPU_PRODUCT || key == LABEL_ACCELERATOR
}

/// Selector entries matched exactly against node labels.
pub(super) fn plain_selector(pod: &PodSpec) -> impl Iterator<Item = (&String, &String)> {
    pod.node_selector.iter().filter(|(k, _)| !is_gpu_model_key(k))
}

/// Selector entries naming an accelerator model, matched loosely.
pub(super) fn gpu_selector(pod: &PodSpec) -> impl Iterator<Item = (&String, &String)> {
    pod.node_selector.iter().filter(|(k, _)| is_gpu_model_key(k))
}

pub(super) fn format_selector<'a>(entries: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    entries.map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

pub(super) fn format_taint(t: &Taint) -> String {
    if t.value.is_empty() {
        format!("{}:{}", t.key, t.effect)
    } else {
        format!("{}={}:{}", t.key, t.value, t.effect)
    }
}

pub(super) fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
