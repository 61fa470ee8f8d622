//! The configuration graph: one node per variable, local, output, resource,
//! module call and provider of every module, with an edge for each reference.
//! References are resolved here, so an undeclared name or a cycle is reported
//! before anything is evaluated.

use crate::addr::{Mode, ModulePath};
use crate::config::ModuleTree;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, Span};
use crate::syntax::{Expr, Reference};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    Variable(String),
    Local(String),
    Output(String),
    Resource(Mode, String, String),
    ModuleCall(String),
    Provider(String, Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    pub module: ModulePath,
    pub kind: NodeKind,
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.0.is_empty() {
            write!(f, "{}.", self.module)?;
        }
        match &self.kind {
            NodeKind::Variable(n) => write!(f, "var.{n}"),
            NodeKind::Local(n) => write!(f, "local.{n}"),
            NodeKind::Output(n) => write!(f, "output.{n}"),
            NodeKind::Resource(Mode::Managed, t, n) => write!(f, "{t}.{n}"),
            NodeKind::Resource(Mode::Data, t, n) => write!(f, "data.{t}.{n}"),
            NodeKind::ModuleCall(n) => write!(f, "module.{n}"),
            NodeKind::Provider(n, None) => write!(f, "provider.{n}"),
            NodeKind::Provider(n, Some(a)) => write!(f, "provider.{n}.{a}"),
        }
    }
}

/// Why one node depends on another: where the reference is written, if anywhere.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub span: Option<Span>,
}

/// Nodes with edges from a dependent to each node it depends on.
pub struct ConfigGraph {
    pub graph: DiGraph<Node, Edge>,
    pub index: HashMap<Node, NodeIndex>,
}

impl ConfigGraph {
    pub fn node(&self, node: &Node) -> Option<NodeIndex> {
        self.index.get(node).copied()
    }

    /// The nodes in an order where each comes after everything it depends on.
    pub fn order(&self) -> Vec<NodeIndex> {
        let mut order = petgraph::algo::toposort(&self.graph, None).unwrap_or_default();
        order.reverse();
        order
    }

    pub fn dependencies(&self, n: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.neighbors_directed(n, petgraph::Direction::Outgoing)
    }

    pub fn dependents(&self, n: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.neighbors_directed(n, petgraph::Direction::Incoming)
    }

    /// The resource nodes a node depends on, looking through variables, locals,
    /// outputs and module calls: what state records as a resource's dependencies.
    pub fn resource_dependencies(&self, n: NodeIndex) -> BTreeSet<NodeIndex> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<NodeIndex> = self.dependencies(n).collect();
        while let Some(d) = stack.pop() {
            if !seen.insert(d) {
                continue;
            }
            match self.graph[d].kind {
                NodeKind::Resource(..) => {
                    out.insert(d);
                }
                NodeKind::Provider(..) => {}
                _ => stack.extend(self.dependencies(d)),
            }
        }
        out
    }
}

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
        for r in node.module.resources.values() {
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
                link(
                    &mut edges,
                    NodeKind::Variable(name.clone()),
                    v.error_message.references(),
                    vec![],
                    RefContext::Validation,
                    &mut r,
                );
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

#[derive(Clone, Copy)]
enum RefContext {
    Plain,
    Validation,
    Resource { count: bool, for_each: bool },
}

struct Resolver<'a> {
    tree: &'a ModuleTree,
    path: &'a ModulePath,
    diags: &'a mut Diagnostics,
}

const KEYWORD_ROOTS: &[&str] = &["var", "local", "module", "data", "each", "count", "path", "self", "terraform"];

impl Resolver<'_> {
    fn module(&self) -> &crate::config::Module {
        &self.tree.get(self.path).expect("walked path exists").module
    }

    fn node(&self, kind: NodeKind) -> Node {
        Node { module: self.path.clone(), kind }
    }

    fn resolve(&mut self, r: &Reference, ctx: RefContext) -> Vec<(Node, Span)> {
        let m = self.module();
        let where_ = if self.path.0.is_empty() { "the root module".to_string() } else { self.path.to_string() };
        match r.root.as_str() {
            "var" => {
                let Some((name, span)) = r.attr(0) else { return self.whole_object(r, "var") };
                if m.variables.contains_key(name) {
                    return vec![(self.node(NodeKind::Variable(name.to_string())), r.span)];
                }
                let hint = did_you_mean(name, m.variables.keys().map(String::as_str));
                self.diags.push(
                    Diagnostic::error(
                        "Reference to undeclared input variable",
                        format!("An input variable named \"{name}\" is not declared in {where_}.{hint} Declare it with a variable \"{name}\" {{}} block."),
                    )
                    .at(r.span.to(span)),
                );
                vec![]
            }
            "local" => {
                let Some((name, span)) = r.attr(0) else { return self.whole_object(r, "local") };
                if m.locals.contains_key(name) {
                    return vec![(self.node(NodeKind::Local(name.to_string())), r.span)];
                }
                let hint = did_you_mean(name, m.locals.keys().map(String::as_str));
                self.diags.push(
                    Diagnostic::error(
                        "Reference to undeclared local value",
                        format!("A local value named \"{name}\" is not declared in {where_}.{hint}"),
                    )
                    .at(r.span.to(span)),
                );
                vec![]
            }
            "module" => {
                let Some((name, span)) = r.attr(0) else { return self.whole_object(r, "module") };
                if !m.module_calls.contains_key(name) {
                    let hint = did_you_mean(name, m.module_calls.keys().map(String::as_str));
                    self.diags.push(
                        Diagnostic::error(
                            "Reference to undeclared module",
                            format!("No module call named \"{name}\" is declared in {where_}.{hint}"),
                        )
                        .at(r.span.to(span)),
                    );
                    return vec![];
                }
                let child_path = self.path.child(name);
                let Some(child) = self.tree.get(&child_path) else { return vec![] };
                // module.NAME.OUTPUT or module.NAME[KEY].OUTPUT
                let output = r.steps.iter().skip(1).find_map(|s| match s {
                    crate::syntax::RefStep::Attr(n, sp) => Some((n.clone(), *sp)),
                    _ => None,
                });
                match output {
                    Some((out, out_span)) => {
                        if child.module.outputs.contains_key(&out) {
                            vec![(Node { module: child_path, kind: NodeKind::Output(out) }, r.span)]
                        } else {
                            let hint = did_you_mean(&out, child.module.outputs.keys().map(String::as_str));
                            self.diags.push(
                                Diagnostic::error(
                                    "Unsupported attribute",
                                    format!("Module \"{name}\" has no output named \"{out}\".{hint}"),
                                )
                                .at(out_span),
                            );
                            vec![]
                        }
                    }
                    None => child
                        .module
                        .outputs
                        .keys()
                        .map(|o| (Node { module: child_path.clone(), kind: NodeKind::Output(o.clone()) }, r.span))
                        .collect(),
                }
            }
            "data" => {
                let (Some((t, _)), Some((n, span))) = (r.attr(0), r.attr(1)) else {
                    self.diags.push(
                        Diagnostic::error(
                            "Invalid data resource reference",
                            "A data source is referred to as data.TYPE.NAME.",
                        )
                        .at(r.span),
                    );
                    return vec![];
                };
                self.resource(Mode::Data, t, n, r.span.to(span), &where_)
            }
            "each" => {
                if !matches!(ctx, RefContext::Resource { for_each: true, .. }) {
                    self.diags.push(
                        Diagnostic::error(
                            "Reference to \"each\" in context without for_each",
                            "each.key and each.value are only available in blocks that set for_each.",
                        )
                        .at(r.span),
                    );
                } else if !matches!(r.attr(0), Some(("key" | "value", _))) {
                    self.diags.push(
                        Diagnostic::error("Invalid \"each\" attribute", "each has the attributes key and value.")
                            .at(r.span),
                    );
                }
                vec![]
            }
            "count" => {
                if !matches!(ctx, RefContext::Resource { count: true, .. }) {
                    self.diags.push(
                        Diagnostic::error(
                            "Reference to \"count\" in non-counted context",
                            "count.index is only available in blocks that set count.",
                        )
                        .at(r.span),
                    );
                } else if !matches!(r.attr(0), Some(("index", _))) {
                    self.diags.push(
                        Diagnostic::error("Invalid \"count\" attribute", "count has one attribute: index.").at(r.span),
                    );
                }
                vec![]
            }
            "path" => {
                if !matches!(r.attr(0), Some(("module" | "root" | "cwd", _))) {
                    self.diags.push(
                        Diagnostic::error(
                            "Invalid \"path\" attribute",
                            "path has the attributes module, root and cwd.",
                        )
                        .at(r.span),
                    );
                }
                vec![]
            }
            "self" | "terraform" => {
                self.diags.push(
                    Diagnostic::error(
                        format!("Invalid reference to \"{}\"", r.root),
                        format!("\"{}\" is not available in Gantry configurations.", r.root),
                    )
                    .at(r.span),
                );
                vec![]
            }
            _ if matches!(ctx, RefContext::Validation) => vec![],
            type_name => {
                let Some((n, span)) = r.attr(0) else {
                    let names: Vec<&str> = KEYWORD_ROOTS.to_vec();
                    let hint = did_you_mean(type_name, names);
                    self.diags.push(
                        Diagnostic::error(
                            "Invalid reference",
                            format!("\"{type_name}\" is not a known name.{hint} A resource is referred to as TYPE.NAME, e.g. local_cluster.main."),
                        )
                        .at(r.span),
                    );
                    return vec![];
                };
                self.resource(Mode::Managed, type_name, n, r.span.to(span), &where_)
            }
        }
    }

    fn whole_object(&mut self, r: &Reference, root: &str) -> Vec<(Node, Span)> {
        self.diags.push(
            Diagnostic::error(
                "Invalid reference",
                format!(
                    "The \"{root}\" object cannot be accessed directly; name one of its attributes, e.g. {root}.NAME."
                ),
            )
            .at(r.span),
        );
        vec![]
    }

    fn resource(&mut self, mode: Mode, t: &str, n: &str, span: Span, where_: &str) -> Vec<(Node, Span)> {
        let m = self.module();
        if m.resources.contains_key(&(mode, t.to_string(), n.to_string())) {
            return vec![(self.node(NodeKind::Resource(mode, t.to_string(), n.to_string())), span)];
        }
        let candidates: Vec<String> = m
            .resources
            .values()
            .filter(|r| r.mode == mode)
            .map(|r| r.local_name())
            .chain(if mode == Mode::Managed { vec!["var.".to_string() + n, "local.".to_string() + n] } else { vec![] })
            .collect();
        let wanted = if mode == Mode::Data { format!("data.{t}.{n}") } else { format!("{t}.{n}") };
        let hint = did_you_mean(&wanted, candidates.iter().map(String::as_str));
        let what = if mode == Mode::Data { "data resource" } else { "managed resource" };
        self.diags.push(
            Diagnostic::error(
                "Reference to undeclared resource",
                format!("A {what} \"{t}\" \"{n}\" has not been declared in {where_}.{hint}"),
            )
            .at(span),
        );
        vec![]
    }

    fn resolve_depends_on(&mut self, r: &Reference) -> Vec<(Node, Span)> {
        match r.root.as_str() {
            "module" => {
                let Some((name, span)) = r.attr(0) else { return self.whole_object(r, "module") };
                if self.module().module_calls.contains_key(name) {
                    // Depending on a module means depending on everything it outputs.
                    return self
                        .resolve(
                            &Reference { root: r.root.clone(), steps: r.steps[..1].to_vec(), span: r.span },
                            RefContext::Plain,
                        )
                        .into_iter()
                        .chain(std::iter::once((self.node(NodeKind::ModuleCall(name.to_string())), span)))
                        .collect();
                }
                self.resolve(r, RefContext::Plain)
            }
            "var" | "local" | "each" | "count" | "path" => {
                self.diags.push(
                    Diagnostic::error(
                        "Invalid depends_on reference",
                        "depends_on lists resources and modules, e.g. depends_on = [local_cluster.main].",
                    )
                    .at(r.span),
                );
                vec![]
            }
            _ => self.resolve(r, RefContext::Plain),
        }
    }
}

/// Finds each cycle and reports it as the chain of nodes, pointing at each reference.
fn report_cycles(g: &ConfigGraph, sources: &crate::diag::SourceMap, diags: &mut Diagnostics) {
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
