//! Reporting reference cycles as the chain of references that forms each loop, since a bare
//! "cycle" error gives the user nothing to cut.

use super::model::ConfigGraph;
use crate::diag::{Diagnostic, Diagnostics};
use petgraph::graph::NodeIndex;
use std::collections::BTreeSet;

/// Finds each cycle and reports it as the chain of nodes, pointing at each reference.
pub(super) fn report_cycles(g: &ConfigGraph, sources: &crate::diag::SourceMap, diags: &mut Diagnostics) {
    for scc in petgraph::algo::tarjan_scc(&g.graph) {
        if scc.len() < 2 {
            continue;
        }
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let start = *members.iter().next().expect("non-empty");
        // Walk inside the component until we return to the start: that is one cycle.
        let mut chain = vec![start];
        let mut current = start;
        let mut visited = BTreeSet::new();
        loop {
            visited.insert(current);
            let next =
                g.dependencies(current).filter(|n| members.contains(n)).find(|n| *n == start || !visited.contains(n));
            match next {
                Some(n) if n == start => break,
                Some(n) => {
                    chain.push(n);
                    current = n;
                }
                None => break,
            }
        }
        let mut names: Vec<String> = chain.iter().map(|n| g.graph[*n].to_string()).collect();
        names.push(g.graph[start].to_string());
        let mut detail = format!("These values refer to each other in a loop: {}.\n", names.join(" → "));
        let mut first_span = None;
        for w in 0..chain.len() {
            let a = chain[w];
            let b = chain[(w + 1) % chain.len()];
            if let Some(e) = g.graph.find_edge(a, b) {
                if first_span.is_none() {
                    first_span = g.graph[e].span;
                }
                detail.push_str(&format!("  {} refers to {}", g.graph[a], g.graph[b]));
                if let Some(span) = g.graph[e].span {
                    if let Some(file) = sources.get(span.file) {
                        let pos = file.pos(span.start);
                        detail.push_str(&format!(" at {}:{}:{}", file.name, pos.line, pos.column));
                    }
                }
                detail.push('\n');
            }
        }
        detail.push_str("Break the loop by removing one of these references.");
        diags.push(Diagnostic::error("Cycle in configuration", detail).at_opt(first_span));
    }
}
