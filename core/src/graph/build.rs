//! Building the graph from a module tree: a node for everything declared, then an edge for every
//! reference, provider use and module call. Nodes come first so that references resolve in any
//! order.

use super::cycles::report_cycles;
use super::model::{ConfigGraph, Edge, Node, NodeKind};
use super::resolve::{RefContext, Resolver};
use crate::addr::ModulePath;
use crate::config::ModuleTree;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::syntax::{Expr, Reference};
use petgraph::graph::DiGraph;
use std::collections::HashMap;

/// A provider name as resource types use it, by the longest declared-provider prefix or the type's first word.
pub fn implied_provider(type_name: &str, known: &[&str]) -> String {
    known
        .iter()
        .filter(|p| type_name == **p || type_name.starts_with(&format!("{p}_")))
        .max_by_key(|p| p.len())
        .map(|p| p.to_string())
        .unwrap_or_else(|| type_name.split('_').next().unwrap_or(type_name).to_string())
}

/// Builds the graph and resolves every reference. `provider_names` are the providers
/// Gantry knows, used to connect resources to provider configurations.
pub fn build(
    tree: &ModuleTree,
    provider_names: &[&str],
    sources: &crate::diag::SourceMap,
    diags: &mut Diagnostics,
) -> ConfigGraph {
    let mut g = ConfigGraph { graph: DiGraph::new(), index: HashMap::new() };
    let modules = tree.walk();
    // Nodes first, so that references can be resolved in any order.
    for (path, node) in &modules {
        let m = &node.module;
        let mut add = |kind: NodeKind| {
            let n = Node { module: path.clone(), kind };
            let idx = g.graph.add_node(n.clone());
            g.index.insert(n, idx);
        };
        m.variables.keys().for_each(|k| add(NodeKind::Variable(k.clone())));
        m.locals.keys().for_each(|k| add(NodeKind::Local(k.clone())));
        m.outputs.keys().for_each(|k| add(NodeKind::Output(k.clone())));
        m.resources.keys().for_each(|(mode, t, n)| add(NodeKind::Resource(*mode, t.clone(), n.clone())));
        m.module_calls.keys().for_each(|k| add(NodeKind::ModuleCall(k.clone())));
        for p in &m.providers {
            add(NodeKind::Provider(p.name.clone(), p.alias.clone()));
        }
    }
    // Providers used without a configuration block get an implicit root configuration.
    for (_, node) in &modules {
        for r in node.module.resources.values().chain(node.module.checks.iter().filter_map(|c| c.data.as_ref())) {
            let name = match &r.provider {
                Some((name, _, _)) => name.clone(),
                None => implied_provider(&r.type_name, provider_names),
            };
            let n = Node { module: ModulePath::root(), kind: NodeKind::Provider(name, None) };
            if !g.index.contains_key(&n) {
                let idx = g.graph.add_node(n.clone());
                g.index.insert(n, idx);
            }
        }
    }

    let mut edges: Vec<(Node, Node, Option<Span>)> = Vec::new();
    for (path, node) in &modules {
        let m = &node.module;
        let resolver = Resolver { tree, path, diags: &mut *diags };
        let mut r = resolver;
        let link = |edges: &mut Vec<(Node, Node, Option<Span>)>,
                    from: NodeKind,
                    references: Vec<Reference>,
                    refs: Vec<&Reference>,
                    ctx: RefContext,
                    r: &mut Resolver| {
            let from = Node { module: path.clone(), kind: from };
            for reference in references {
                for (to, span) in r.resolve(&reference, ctx) {
                    edges.push((from.clone(), to, Some(span)));
                }
            }
            for reference in refs {
                for (to, span) in r.resolve_depends_on(reference) {
                    edges.push((from.clone(), to, Some(span)));
                }
            }
        };
        for (name, var) in &m.variables {
            for v in &var.validations {
                // The message may quote the value it rejects, as the condition may test it.
                let others = v
                    .error_message
                    .references()
                    .into_iter()
                    .filter(|r| !(r.root == "var" && r.attr(0).is_some_and(|(n, _)| n == name)))
                    .collect();
                link(&mut edges, NodeKind::Variable(name.clone()), others, vec![], RefContext::Validation, &mut r);
            }
        }
        for (name, local) in &m.locals {
            link(&mut edges, NodeKind::Local(name.clone()), local.expr.references(), vec![], RefContext::Plain, &mut r);
        }
        for (name, out) in &m.outputs {
            link(
                &mut edges,
                NodeKind::Output(name.clone()),
                out.expr.references(),
                out.depends_on.iter().collect(),
                RefContext::Plain,
                &mut r,
            );
        }
        for ((mode, t, n), res) in &m.resources {
            let ctx = RefContext::Resource { count: res.count.is_some(), for_each: res.for_each.is_some() };
            // count and for_each cannot use each/count themselves; checked with a plain context.
            let meta: Vec<Reference> = res.count.iter().chain(res.for_each.iter()).flat_map(Expr::references).collect();
            link(&mut edges, NodeKind::Resource(*mode, t.clone(), n.clone()), meta, vec![], RefContext::Plain, &mut r);
            link(
                &mut edges,
                NodeKind::Resource(*mode, t.clone(), n.clone()),
                res.body.references(),
                res.depends_on.iter().collect(),
                ctx,
                &mut r,
            );
            let provider = match &res.provider {
                Some((name, alias, span)) => {
                    let n = Node { module: ModulePath::root(), kind: NodeKind::Provider(name.clone(), alias.clone()) };
                    if !g.index.contains_key(&n) {
                        r.diags.push(
                            Diagnostic::error(
                                "Provider configuration not present",
                                format!("No provider \"{}\" block with alias \"{}\" is declared. Add one to the root module.", name, alias.clone().unwrap_or_default()),
                            )
                            .at(*span),
                        );
                        continue;
                    }
                    n
                }
                None => Node {
                    module: ModulePath::root(),
                    kind: NodeKind::Provider(implied_provider(t, provider_names), None),
                },
            };
            edges.push((
                Node { module: path.clone(), kind: NodeKind::Resource(*mode, t.clone(), n.clone()) },
                provider,
                None,
            ));
        }
        for (name, call) in &m.module_calls {
            let meta: Vec<Reference> =
                call.count.iter().chain(call.for_each.iter()).flat_map(Expr::references).collect();
            link(
                &mut edges,
                NodeKind::ModuleCall(name.clone()),
                meta,
                call.depends_on.iter().collect(),
                RefContext::Plain,
                &mut r,
            );
            let ctx = RefContext::Resource { count: call.count.is_some(), for_each: call.for_each.is_some() };
            // A child's input variable is evaluated in the caller's scope.
            let child_path = path.child(name);
            let child = node.children.get(name);
            for (input, attr) in &call.inputs {
                if child.is_some_and(|c| c.module.variables.contains_key(input)) {
                    let to_var = Node { module: child_path.clone(), kind: NodeKind::Variable(input.clone()) };
                    for reference in attr.expr.references() {
                        for (to, span) in r.resolve(&reference, ctx) {
                            edges.push((to_var.clone(), to, Some(span)));
                        }
                    }
                }
            }
            // Everything in the child waits for the call, which decides the child's instances.
            if let Some(child) = child {
                let call_node = Node { module: path.clone(), kind: NodeKind::ModuleCall(name.clone()) };
                for kind in child_node_kinds(child) {
                    edges.push((Node { module: child_path.clone(), kind }, call_node.clone(), None));
                }
            }
        }
        link_imports_and_checks(m, &mut edges, &mut r);
        for p in &m.providers {
            link(
                &mut edges,
                NodeKind::Provider(p.name.clone(), p.alias.clone()),
                p.body.references(),
                vec![],
                RefContext::Plain,
                &mut r,
            );
        }
    }
    for (from, to, span) in edges {
        if let (Some(&a), Some(&b)) = (g.index.get(&from), g.index.get(&to)) {
            if a == b {
                diags.push(
                    Diagnostic::error(
                        "Self-referential block",
                        format!("{from} refers to itself. A value cannot depend on its own result."),
                    )
                    .at_opt(span),
                );
                continue;
            }
            if g.graph.find_edge(a, b).is_none() {
                g.graph.add_edge(a, b, Edge { span });
            }
        }
    }
    report_cycles(&g, sources, diags);
    g
}

/// An import block's `id` and `for_each` are evaluated with its target resource, so the target
/// waits for what they refer to. A check's expressions are evaluated after everything else and
/// need no edges; resolving them reports what they name that does not exist.
fn link_imports_and_checks(m: &crate::config::Module, edges: &mut Vec<(Node, Node, Option<Span>)>, r: &mut Resolver) {
    for import in &m.imports {
        let target = Node {
            module: import.to_module.static_path(),
            kind: NodeKind::Resource(crate::addr::Mode::Managed, import.to_type.clone(), import.to_name.clone()),
        };
        let ctx = RefContext::Resource { count: false, for_each: import.for_each.is_some() };
        let meta: Vec<Reference> = import.for_each.iter().flat_map(Expr::references).collect();
        for reference in &meta {
            for (to, span) in r.resolve(reference, RefContext::Plain) {
                edges.push((target.clone(), to, Some(span)));
            }
        }
        let keyed: Vec<Reference> =
            import.id.references().into_iter().chain(import.to_key.iter().flat_map(Expr::references)).collect();
        for reference in &keyed {
            for (to, span) in r.resolve(reference, ctx) {
                edges.push((target.clone(), to, Some(span)));
            }
        }
    }
    for check in &m.checks {
        let scoped = |reference: &Reference| {
            check.data.as_ref().is_some_and(|d| {
                reference.root == "data"
                    && reference.attr(0).is_some_and(|(t, _)| t == d.type_name)
                    && reference.attr(1).is_some_and(|(n, _)| n == d.name)
            })
        };
        let exprs = check.asserts.iter().flat_map(|a| [&a.condition, &a.error_message]);
        let data_body = check.data.iter().flat_map(|d| d.body.references());
        for reference in exprs.flat_map(Expr::references).chain(data_body) {
            if !scoped(&reference) {
                r.resolve(&reference, RefContext::Plain);
            }
        }
    }
}

/// Reports every name `expr` refers to that the module at `path` does not declare, as the
/// configuration's own expressions are checked; `console` uses it for what it is given.
pub fn check_references(tree: &ModuleTree, path: &ModulePath, expr: &Expr, diags: &mut Diagnostics) {
    let mut r = Resolver { tree, path, diags };
    for reference in expr.references() {
        r.resolve(&reference, RefContext::Plain);
    }
}

fn child_node_kinds(child: &ModuleTree) -> Vec<NodeKind> {
    let m = &child.module;
    let mut out = Vec::new();
    out.extend(m.variables.keys().map(|k| NodeKind::Variable(k.clone())));
    out.extend(m.locals.keys().map(|k| NodeKind::Local(k.clone())));
    out.extend(m.outputs.keys().map(|k| NodeKind::Output(k.clone())));
    out.extend(m.resources.keys().map(|(mode, t, n)| NodeKind::Resource(*mode, t.clone(), n.clone())));
    out.extend(m.module_calls.keys().map(|k| NodeKind::ModuleCall(k.clone())));
    out
}
