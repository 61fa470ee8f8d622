//! The configurations the benchmark generates: one function per shape, each writing
//! plain files into a directory so that the CLI (and, for the provider-free shape,
//! Terraform) reads exactly what a user's repository would hold.

use std::path::Path;

/// The fan-in/fan-out module shape: `node_pool` with `for_each` over N/10 pools
/// (3 variables, 3 locals, 1 output each), one `cluster` module reading every pool's
/// output, and a `per_pool` module with `for_each` reading its pool and the cluster's
/// totals; then root outputs. Ten values per pool; no providers.
const FAN_ROOT: &str = r#"locals {
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

const FAN_NODE_POOL: &str = r#"variable "name" {
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

const FAN_CLUSTER: &str = r#"variable "pools" {
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

const FAN_PER_POOL: &str = r#"variable "pool" {
  type = object({ info = object({ name = string, nodes = number, gpus = number }) })
}

variable "totals" {
  type = object({ nodes = number, gpus = number, pools = number })
}

output "summary" {
  value = "${var.pool.info.name}: ${var.pool.info.nodes} of ${var.totals.nodes} nodes"
}
"#;

/// Writes the fan-in/fan-out shape for `values` values; `ext` is `hcl` for Gantry, `tf` for Terraform.
pub fn fan_in_fan_out(dir: &Path, values: usize, ext: &str) {
    let files = [("", FAN_ROOT), ("node_pool", FAN_NODE_POOL), ("cluster", FAN_CLUSTER), ("per_pool", FAN_PER_POOL)];
    for (sub, text) in files {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(format!("main.{ext}")), text.replace("@POOLS@", &(values / 10).to_string())).unwrap();
    }
}

/// `n` independent simulated networks: what apply costs per change, with nothing to wait for.
pub fn networks(dir: &Path, n: usize) {
    let text = format!("resource \"local_network\" \"n\" {{\n  count      = {n}\n  cidr_block = \"10.0.0.0/16\"\n}}\n");
    std::fs::write(dir.join("main.hcl"), text).unwrap();
}

/// One resource with `count = n`.
pub fn counted_clusters(dir: &Path, n: usize) {
    let text = format!("resource \"local_cluster\" \"c\" {{\n  count = {n}\n  name  = \"c${{count.index}}\"\n}}\n");
    std::fs::write(dir.join("main.hcl"), text).unwrap();
}

/// `resources` simulated clusters in chains `depth` long, each link naming the previous
/// one's computed status, on a provider that takes `latency_ms` per operation.
pub fn chains(dir: &Path, resources: usize, depth: usize, latency_ms: u64) {
    let mut text = format!("provider \"local\" {{\n  latency = \"{latency_ms}ms\"\n}}\n");
    for chain in 0..resources / depth {
        for level in 0..depth {
            let name = if level == 0 {
                format!("\"c{chain}-{level}\"")
            } else {
                format!("\"c{chain}-{level}-${{local_cluster.c{chain}_{}.status}}\"", level - 1)
            };
            text.push_str(&format!("\nresource \"local_cluster\" \"c{chain}_{level}\" {{\n  name = {name}\n}}\n"));
        }
    }
    std::fs::write(dir.join("main.hcl"), text).unwrap();
}
