//! `gantry graph`: the configuration graph in DOT.

use super::{load, print_diags, EXIT_ERROR};
use crate::views::Style;
use anyhow::Result;
use std::path::Path;

pub fn run(dir: &Path, style: &Style) -> Result<u8> {
    let registry = crate::registry();
    let (config, mut diags, sources) = load(dir, &registry);
    diags.sort();
    print_diags(&diags, &sources, style);
    let Some(config) = config.filter(|_| !diags.has_errors()) else { return Ok(EXIT_ERROR) };
    let g = &config.graph.graph;
    let mut out = String::from("digraph gantry {\n  rankdir = \"RL\";\n  node [shape = box];\n");
    for n in g.node_indices() {
        let label = g[n].to_string();
        let shape = match g[n].kind {
            gantry_core::graph::NodeKind::Resource(..) => "box",
            gantry_core::graph::NodeKind::Provider(..) => "diamond",
            _ => "note",
        };
        out.push_str(&format!("  \"{}\" [shape = {shape}];\n", label.replace('"', "\\\"")));
    }
    for e in g.edge_indices() {
        if let Some((a, b)) = g.edge_endpoints(e) {
            out.push_str(&format!(
                "  \"{}\" -> \"{}\";\n",
                g[a].to_string().replace('"', "\\\""),
                g[b].to_string().replace('"', "\\\"")
            ));
        }
    }
    out.push_str("}\n");
    print!("{out}");
    Ok(0)
}
