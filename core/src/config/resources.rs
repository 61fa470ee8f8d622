//! Decoding the blocks that become nodes of the resource graph or address them: resource, data,
//! module and moved blocks, and the depends_on lists they share with outputs.

use super::checks::{check_body, check_labels, duplicate, literal_bool, unexpected_block};
use super::model::{Lifecycle, Module, ModuleCall, Moved, Resource};
use crate::addr::Mode;
use crate::diag::{Diagnostic, Diagnostics};
use crate::syntax::{Block, Body, ExprKind, Reference};
use crate::value::Value;

pub(super) fn depends_on(body: &Body, diags: &mut Diagnostics) -> Vec<Reference> {
    let Some(attr) = body.attribute("depends_on") else { return Vec::new() };
    let ExprKind::List(items) = &attr.expr.kind else {
        diags.push(
            Diagnostic::error(
                "Invalid depends_on",
                "depends_on is a list of references, e.g. depends_on = [local_cluster.main].",
            )
            .at(attr.expr.span),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_reference() {
            Some(r) => out.push(r),
            None => diags.push(
                Diagnostic::error(
                    "Invalid depends_on reference",
                    "Each element of depends_on must be a reference to a resource or module, not an expression.",
                )
                .at(item.span),
            ),
        }
    }
    out
}

const RESOURCE_META: &[&str] = &["count", "for_each", "depends_on", "provider", "lifecycle"];

pub(super) fn decode_resource(block: &Block, mode: Mode, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["type", "name"], diags) {
        return;
    }
    let type_name = block.labels[0].value.clone();
    let name = block.labels[1].value.clone();
    if !crate::value::is_identifier(&name) {
        diags.push(Diagnostic::error("Invalid resource name", "A name must start with a letter or underscore and may contain letters, digits, underscores and dashes.").at(block.labels[1].span));
        return;
    }
    let body = &block.body;
    let count = body.attribute("count").map(|a| a.expr.clone());
    let for_each = body.attribute("for_each").map(|a| a.expr.clone());
    if let (Some(_), Some(fe)) = (&count, &for_each) {
        diags.push(
            Diagnostic::error(
                "Invalid combination of \"count\" and \"for_each\"",
                "A resource may use count or for_each, not both.",
            )
            .at(fe.span),
        );
    }
    let provider = body.attribute("provider").and_then(|attr| match attr.expr.as_reference() {
        Some(r) if r.steps.len() <= 1 => Some((r.root.clone(), r.attr(0).map(|(a, _)| a.to_string()), attr.expr.span)),
        _ => {
            diags.push(
                Diagnostic::error(
                    "Invalid provider reference",
                    "provider is written as NAME or NAME.ALIAS, e.g. provider = kubernetes.gpu.",
                )
                .at(attr.expr.span),
            );
            None
        }
    });
    let mut lifecycle = Lifecycle::default();
    for lc in body.blocks_of("lifecycle") {
        if mode == Mode::Data {
            diags.push(
                Diagnostic::error("Unsupported block type", "Data sources have no lifecycle block.").at(lc.kind_span),
            );
            continue;
        }
        check_body(&lc.body, "lifecycle", &["create_before_destroy", "prevent_destroy", "ignore_changes"], &[], diags);
        lifecycle.create_before_destroy = literal_bool(&lc.body, "create_before_destroy", diags);
        lifecycle.prevent_destroy = literal_bool(&lc.body, "prevent_destroy", diags);
        if let Some(attr) = lc.body.attribute("ignore_changes") {
            match &attr.expr.kind {
                ExprKind::Variable(all) if all == "all" => lifecycle.ignore_all_changes = true,
                ExprKind::List(items) => {
                    for item in items {
                        match item.as_reference() {
                            Some(r) if r.steps.is_empty() => lifecycle.ignore_changes.push(r.root),
                            _ => match &item.kind {
                                ExprKind::Literal(Value::String(s)) => lifecycle.ignore_changes.push(s.clone()),
                                _ => diags.push(
                                    Diagnostic::error("Invalid ignore_changes", "Each element is an attribute name of this resource, e.g. ignore_changes = [labels].")
                                        .at(item.span),
                                ),
                            },
                        }
                    }
                }
                _ => diags.push(
                    Diagnostic::error("Invalid ignore_changes", "ignore_changes is a list of attribute names, or all.")
                        .at(attr.expr.span),
                ),
            }
        }
    }
    let mut config_body = body.clone();
    config_body.attributes.retain(|a| !RESOURCE_META.contains(&a.name.as_str()));
    config_body.blocks.retain(|b| b.kind != "lifecycle");
    let resource = Resource {
        mode,
        type_name: type_name.clone(),
        name: name.clone(),
        provider,
        count,
        for_each,
        depends_on: depends_on(body, diags),
        lifecycle,
        body: config_body,
        span: block.span,
        header_span: block.header_span(),
        type_span: block.labels[0].span,
    };
    let key = (mode, type_name, name);
    if module.resources.contains_key(&key) {
        let what = if mode == Mode::Data { "data source" } else { "resource" };
        diags.push(
            Diagnostic::error(
                format!("Duplicate {what} configuration"),
                format!(
                    "A {what} \"{}\" \"{}\" was already declared in this module. Each needs a unique name.",
                    key.1, key.2
                ),
            )
            .at(block.header_span()),
        );
        return;
    }
    module.resources.insert(key, resource);
}

pub(super) fn decode_module_call(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].value.clone();
    let span = block.header_span();
    for nested in &block.body.blocks {
        diags.push(unexpected_block(nested, "module"));
    }
    let Some(source_attr) = block.body.attribute("source") else {
        diags.push(
            Diagnostic::error(
                "Missing required argument",
                format!("Module \"{name}\" needs a source: source = \"./modules/NAME\"."),
            )
            .at(span),
        );
        return;
    };
    let source = match &source_attr.expr.kind {
        ExprKind::Literal(Value::String(s)) => s.clone(),
        ExprKind::Template(parts) if parts.len() == 1 => match &parts[0] {
            crate::syntax::TemplatePart::Literal(s) => s.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    if source.is_empty() {
        diags.push(
            Diagnostic::error(
                "Invalid module source",
                "source must be a literal string path, e.g. \"./modules/gpu-node-pool\".",
            )
            .at(source_attr.expr.span),
        );
        return;
    }
    let count = block.body.attribute("count").map(|a| a.expr.clone());
    let for_each = block.body.attribute("for_each").map(|a| a.expr.clone());
    if let (Some(_), Some(fe)) = (&count, &for_each) {
        diags.push(
            Diagnostic::error(
                "Invalid combination of \"count\" and \"for_each\"",
                "A module call may use count or for_each, not both.",
            )
            .at(fe.span),
        );
    }
    let inputs = block
        .body
        .attributes
        .iter()
        .filter(|a| !["source", "version", "count", "for_each", "depends_on", "providers"].contains(&a.name.as_str()))
        .map(|a| (a.name.clone(), a.clone()))
        .collect();
    let call = ModuleCall {
        name: name.clone(),
        source,
        source_span: source_attr.expr.span,
        count,
        for_each,
        depends_on: depends_on(&block.body, diags),
        inputs,
        span: block.span,
        header_span: span,
    };
    if let Some(prev) = module.module_calls.get(&name) {
        diags.push(duplicate("module call", &name, span, prev.header_span));
        return;
    }
    module.module_calls.insert(name, call);
}

pub(super) fn decode_moved(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    check_labels(block, &[], diags);
    check_body(&block.body, "moved", &["from", "to"], &[], diags);
    let get = |name: &str, diags: &mut Diagnostics| -> Option<Reference> {
        let attr = block.body.attribute(name)?;
        match attr.expr.as_reference() {
            Some(r) => Some(r),
            None => {
                diags.push(
                    Diagnostic::error(
                        "Invalid address",
                        format!("{name} must be a resource address, e.g. {name} = local_node_pool.old."),
                    )
                    .at(attr.expr.span),
                );
                None
            }
        }
    };
    match (get("from", diags), get("to", diags)) {
        (Some(from), Some(to)) => module.moved.push(Moved { from, to, span: block.kind_span }),
        _ => diags
            .push(Diagnostic::error("Incomplete moved block", "A moved block needs from and to.").at(block.kind_span)),
    }
}
