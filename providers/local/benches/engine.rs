//! Engine benchmarks on the simulator; prints figures, asserts nothing about time.
//!
//! `cargo bench -p gantry-provider-local --bench engine`; `-- scale [N…]` for the
//! apply series, `-- plan10k` or `-- count100k` for one plan case with its own peak RSS.

use gantry_core::diag::{Diagnostics, SourceMap};
use gantry_core::engine::{self, PlanOptions, WalkSettings};
use gantry_core::provider::Registry;
use gantry_core::state::{LocalStore, ResourceInstanceState, State, StateStore};
use std::path::Path;
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn registry() -> Registry {
    let mut r = Registry::default();
    r.register(gantry_provider_local::LocalFactory::arc());
    r
}

fn settings(registry: &Registry, working_dir: std::path::PathBuf, parallelism: usize) -> WalkSettings<'_> {
    WalkSettings {
        registry,
        working_dir,
        inputs: Default::default(),
        parallelism,
        hook: &engine::NoHook,
        interrupt: Default::default(),
    }
}

/// Plans from empty state and applies; returns the apply's wall time in seconds.
fn plan_and_apply(
    rt: &tokio::runtime::Runtime,
    config: &engine::Config,
    settings: &WalkSettings<'_>,
    dir: &Path,
    expected: usize,
) -> f64 {
    let (plan, diags) =
        rt.block_on(engine::plan(config, settings, &State::new(), PlanOptions { refresh: true, ..Default::default() }));
    assert!(!diags.has_errors(), "{diags:?}");
    let plan = plan.unwrap();
    let store = std::sync::Arc::new(LocalStore::new(dir.join("gantry.state.json")));
    let started = Instant::now();
    let (final_state, diags) = rt.block_on(engine::apply(config, settings, &plan, store));
    assert!(!diags.has_errors(), "{diags:?}");
    assert_eq!(final_state.resources.len(), expected);
    started.elapsed().as_secs_f64()
}

fn load(dir: &Path, registry: &Registry) -> engine::Config {
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let config = engine::load(dir, registry, &sources, &mut diags).expect("loads");
    assert!(!diags.has_errors(), "{diags:?}");
    config
}

fn bench_validate_10k(rt: &tokio::runtime::Runtime) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let keys: Vec<String> = (0..100).map(|i| format!("\"p{i}\" = {i}")).collect();
    std::fs::write(
        dir.join("main.hcl"),
        format!(
            "module \"pool\" {{\n  source   = \"./pool\"\n  for_each = {{ {} }}\n  index    = each.value\n}}\n",
            keys.join(", ")
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("pool")).unwrap();
    std::fs::write(
        dir.join("pool/main.hcl"),
        "variable \"index\" {\n  type = number\n}\nresource \"local_cluster\" \"c\" {\n  count = 100\n  name  = \"c-${var.index}-${count.index}\"\n}\n",
    )
    .unwrap();
    let registry = registry();
    let started = Instant::now();
    let config = load(dir, &registry);
    let loaded = started.elapsed();
    let settings = settings(&registry, dir.into(), 10);
    let diags = rt.block_on(engine::validate(&config, &settings));
    assert!(!diags.has_errors());
    println!(
        "validate 10,000 instances in 100 module instances: load {:.0} ms, load+expand+validate {:.0} ms, peak RSS {:.0} MB",
        loaded.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3,
        peak_rss_mb()
    );
}

fn bench_apply_200(rt: &tokio::runtime::Runtime, parallelism: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // 40 chains of 5 clusters; each link refers to the previous one's computed status.
    let mut hcl = String::from("provider \"local\" {\n  latency = \"100ms\"\n}\n");
    for chain in 0..40 {
        for level in 0..5 {
            let name = if level == 0 {
                format!("\"c{chain}-{level}\"")
            } else {
                format!("\"c{chain}-{level}-${{local_cluster.c{chain}_{}.status}}\"", level - 1)
            };
            hcl.push_str(&format!("resource \"local_cluster\" \"c{chain}_{level}\" {{\n  name = {name}\n}}\n"));
        }
    }
    std::fs::write(dir.join("main.hcl"), hcl).unwrap();
    let registry = registry();
    let config = load(dir, &registry);
    let settings = settings(&registry, dir.into(), parallelism);
    let wall = plan_and_apply(rt, &config, &settings, dir, 200);
    let depth_bound = 5.0 * 0.1;
    let parallel_bound = f64::max(depth_bound, (200.0 / parallelism as f64).ceil() * 0.1);
    println!(
        "apply 200 resources (depth 5, latency 100 ms, parallelism {parallelism}): {wall:.2} s; bound {depth_bound:.2} s at unlimited parallelism, {parallel_bound:.2} s at {parallelism}"
    );
}

fn bench_plan_10k_no_changes(rt: &tokio::runtime::Runtime) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.hcl"),
        "resource \"local_cluster\" \"c\" {\n  count = 10000\n  name  = \"c${count.index}\"\n}\n",
    )
    .unwrap();
    // Build the applied world directly: writing state once per resource through apply would dominate.
    let sim = gantry_provider_local::Sim::new(dir);
    let mut state = State::new();
    for i in 0..10_000 {
        let name = format!("c{i}");
        let v = gantry_core::value::Value::from_json(&serde_json::json!({
            "name": name, "version": "1.31", "id": name, "arn": format!("arn:gantry:local:cluster/{name}"),
            "endpoint": format!("https://{name}.local.gantry.invalid"), "status": "ACTIVE"
        }));
        sim.put_cluster(&name, &v).unwrap();
        state.resources.push(ResourceInstanceState {
            address: format!("local_cluster.c[{i}]").parse().unwrap(),
            provider: "local".into(),
            attributes: v.to_json(),
            sensitive_paths: vec![],
            dependencies: vec![],
            create_before_destroy: false,
        });
    }
    state.resources.sort_by(|a, b| a.address.cmp(&b.address));
    LocalStore::new(dir.join("gantry.state.json")).write(&state).unwrap();
    let registry = registry();
    let started = Instant::now();
    let config = load(dir, &registry);
    let state = LocalStore::new(dir.join("gantry.state.json")).read().unwrap().unwrap();
    let settings = settings(&registry, dir.into(), 10);
    let (plan, diags) =
        rt.block_on(engine::plan(&config, &settings, &state, PlanOptions { refresh: true, ..Default::default() }));
    assert!(!diags.has_errors(), "{diags:?}");
    let plan = plan.unwrap();
    assert!(!plan.has_changes());
    println!(
        "plan with 10,000 resources in state, no changes (refresh included): {:.2} s, peak RSS {:.0} MB",
        started.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
}

/// Plan of one resource with `count = 100000` from empty state.
fn bench_plan_count_100k(rt: &tokio::runtime::Runtime) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.hcl"),
        "resource \"local_cluster\" \"c\" {\n  count = 100000\n  name  = \"c${count.index}\"\n}\n",
    )
    .unwrap();
    let registry = registry();
    let started = Instant::now();
    let config = load(dir, &registry);
    let settings = settings(&registry, dir.into(), 10);
    let (plan, diags) = rt.block_on(engine::plan(
        &config,
        &settings,
        &State::new(),
        PlanOptions { refresh: true, ..Default::default() },
    ));
    assert!(!diags.has_errors(), "{diags:?}");
    assert_eq!(plan.unwrap().changes.len(), 100_000);
    println!(
        "plan of count = 100000 on one resource, empty state: {:.2} s, peak RSS {:.0} MB",
        started.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
}

/// Apply of `n` independent networks with no latency: the journal's cost per change.
/// Returns the folder, for the caller to remove once every case has run: ext4 steps over
/// inodes freed in the last seconds when it allocates one, so removing one case's
/// thousands of files just before the next would charge the next for them.
fn bench_apply_scale(rt: &tokio::runtime::Runtime, n: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.hcl"),
        format!("resource \"local_network\" \"n\" {{\n  count      = {n}\n  cidr_block = \"10.0.0.0/16\"\n}}\n"),
    )
    .unwrap();
    let registry = registry();
    let config = load(dir, &registry);
    let settings = settings(&registry, dir.into(), 10);
    let wall = plan_and_apply(rt, &config, &settings, dir, n);
    println!("apply {n} resources (no latency, parallelism 10): {wall:.2} s");
    tmp
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let args: Vec<String> = std::env::args().collect();
    // `-- scale` runs the apply series; numbers after it pick the sizes.
    if args.iter().any(|a| a == "scale") {
        let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
        if sizes.is_empty() {
            sizes = vec![1000, 4000, 10000];
        }
        let _kept: Vec<tempfile::TempDir> = sizes.into_iter().map(|n| bench_apply_scale(&rt, n)).collect();
        return;
    }
    // Peak RSS is the process's: run a plan case alone for its own figure.
    if args.iter().any(|a| a == "plan10k") {
        return bench_plan_10k_no_changes(&rt);
    }
    if args.iter().any(|a| a == "count100k") {
        return bench_plan_count_100k(&rt);
    }
    bench_validate_10k(&rt);
    bench_apply_200(&rt, 10);
    bench_apply_200(&rt, 200);
    bench_plan_10k_no_changes(&rt);
    bench_plan_count_100k(&rt);
}
