//! The fan-in/fan-out module shape of the performance issue: plan (no refresh, no
//! providers) and validate at 1,000, 5,000 and 10,000 values. Prints figures only.
//!
//! `cargo bench -p gantry-core --bench plan_scale` runs it; `-- write DIR N` writes the
//! files for N values (with `-- write DIR N tf`, as `.tf` for Terraform) so that the CLI
//! and Terraform can be timed on the same configuration.

use gantry_core::diag::{Diagnostics, SourceMap};
use gantry_core::engine::{self, PlanOptions, WalkSettings};
use gantry_core::provider::Registry;
use gantry_core::state::State;
use std::path::Path;
use std::time::Instant;

/// Ten values per pool: 3 variables, 3 locals and 1 output in `node_pool`, 2 variables
/// and 1 output in `per_pool`.
const ROOT: &str = r#"locals {
  pools = { for i in range(@POOLS@) : "p${i}" => { size = i % 7 + 1, gpu = i % 3 == 0 } }
}
module "node_pool" {
  source   = "./node_pool"
  for_each = local.pools
  name     = each.key
  size     = each.value.size
  gpu      = each.value.gpu
}
module "cluster" {
  source = "./cluster"
  pools  = module.node_pool
}
module "per_pool" {
  source   = "./per_pool"
  for_each = local.pools
  pool     = module.node_pool[each.key]
  totals   = module.cluster.totals
}
output "totals" {
  value = module.cluster.totals
}
output "summaries" {
  value = { for k, m in module.per_pool : k => m.summary }
}
"#;
const NODE_POOL: &str = r#"variable "name" {
  type = string
}
variable "size" {
  type = number
}
variable "gpu" {
  type = bool
}
locals {
  full_name = "pool-${var.name}"
  nodes     = var.size * 2
  gpus      = var.gpu ? var.size * 8 : 0
}
output "info" {
  value = { name = local.full_name, nodes = local.nodes, gpus = local.gpus }
}
"#;
const CLUSTER: &str = r#"variable "pools" {
  type = map(object({ info = object({ name = string, nodes = number, gpus = number }) }))
}
output "totals" {
  value = {
    nodes = sum([for p in var.pools : p.info.nodes])
    gpus  = sum([for p in var.pools : p.info.gpus])
    pools = length(var.pools)
  }
}
"#;
const PER_POOL: &str = r#"variable "pool" {
  type = object({ info = object({ name = string, nodes = number, gpus = number }) })
}
variable "totals" {
  type = object({ nodes = number, gpus = number, pools = number })
}
output "summary" {
  value = "${var.pool.info.name}: ${var.pool.info.nodes} of ${var.totals.nodes} nodes"
}
"#;

fn write_shape(dir: &Path, values: usize, ext: &str) {
    for (sub, text) in [("", ROOT), ("node_pool", NODE_POOL), ("cluster", CLUSTER), ("per_pool", PER_POOL)] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(format!("main.{ext}")), text.replace("@POOLS@", &(values / 10).to_string())).unwrap();
    }
}

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

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Median seconds of load-and-plan and of load-and-validate over `runs` runs, after one warm-up.
fn measure(rt: &tokio::runtime::Runtime, dir: &Path, runs: usize) -> (f64, f64) {
    let registry = Registry::default();
    let settings = WalkSettings {
        registry: &registry,
        working_dir: dir.into(),
        inputs: Default::default(),
        parallelism: 10,
        hook: &engine::NoHook,
        interrupt: Default::default(),
    };
    let load = || {
        let sources = SourceMap::default();
        let mut diags = Diagnostics::default();
        let config = engine::load(dir, &registry, &sources, &mut diags).expect("loads");
        assert!(!diags.has_errors(), "{diags:?}");
        config
    };
    let plan_once = || {
        let started = Instant::now();
        let config = load();
        let (plan, diags) = rt.block_on(engine::plan(&config, &settings, &State::new(), PlanOptions::default()));
        assert!(!diags.has_errors(), "{diags:?}");
        assert!(plan.is_some());
        started.elapsed().as_secs_f64()
    };
    let validate_once = || {
        let started = Instant::now();
        let config = load();
        let diags = rt.block_on(engine::validate(&config, &settings));
        assert!(!diags.has_errors(), "{diags:?}");
        started.elapsed().as_secs_f64()
    };
    plan_once();
    validate_once();
    (median((0..runs).map(|_| plan_once()).collect()), median((0..runs).map(|_| validate_once()).collect()))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if let [cmd, dir, n, rest @ ..] = args.as_slice() {
        if cmd == "write" {
            let ext = rest.first().map(String::as_str).unwrap_or("hcl");
            write_shape(Path::new(dir), n.parse().expect("a number of values"), ext);
            return;
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut first = None;
    // Ascending, so that the peak RSS printed after each size is that size's own peak.
    for n in [1000, 5000, 10000] {
        let tmp = tempfile::tempdir().unwrap();
        write_shape(tmp.path(), n, "hcl");
        let (plan, validate) = measure(&rt, tmp.path(), 5);
        let base = *first.get_or_insert(plan);
        println!(
            "fan-in/fan-out, {n} values: plan {:.0} ms ({:.1}x the 1,000 figure), validate {:.0} ms ({:.2} of plan), peak RSS {:.0} MB",
            plan * 1e3,
            plan / base,
            validate * 1e3,
            validate / plan,
            peak_rss_mb()
        );
    }
}
