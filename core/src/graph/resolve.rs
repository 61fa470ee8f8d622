//! Resolving one reference to the nodes it names, in the module it is written in, so that a name
//! that is undeclared, or not available where it is written, is reported in one place.

use super::model::{Node, NodeKind};
use crate::addr::{Mode, ModulePath};
use crate::config::ModuleTree;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, Span};
use crate::syntax::Reference;

#[derive(Clone, Copy)]
pub(super) enum RefContext {
    Plain,
    Validation,
    Resource { count: bool, for_each: bool },
}

pub(super) struct Resolver<'a> {
    pub(super) tree: &'a ModuleTree,
    pub(super) path: &'a ModulePath,
    pub(super) diags: &'a mut Diagnostics,
}

const KEYWORD_ROOTS: &[&str] =
    &["var", "local", "module", "data", "each", "count", "path", "gantry", "self", "terraform"];

impl Resolver<'_> {
    fn module(&self) -> &crate::config::Module {
        &self.tree.get(self.path).expect("walked path exists").module
    }

    fn node(&self, kind: NodeKind) -> Node {
        Node { module: self.path.clone(), kind }
    }

    pub(super) fn resolve(&mut self, r: &Reference, ctx: RefContext) -> Vec<(Node, Span)> {
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
            "gantry" => {
                if !matches!(r.attr(0), Some(("workspace", _))) {
                    self.diags.push(
                        Diagnostic::error("Invalid \"gantry\" attribute", "gantry has one attribute: workspace.")
                            .at(r.span),
                    );
                }
                vec![]
            }
            "terraform" if matches!(r.attr(0), Some(("workspace", _))) => {
                self.diags.push(
                    Diagnostic::error(
                        "Invalid reference to \"terraform\"",
                        "\"terraform\" is not available in Gantry configurations; the selected workspace is gantry.workspace.",
                    )
                    .at(r.span),
                );
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

    pub(super) fn resolve_depends_on(&mut self, r: &Reference) -> Vec<(Node, Span)> {
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
            "var" | "local" | "each" | "count" | "path" | "gantry" => {
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
