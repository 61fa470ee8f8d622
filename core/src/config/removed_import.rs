//! Decoding `import` and `removed` blocks: statements about objects that exist outside the
//! configuration (to adopt) or inside state (to let go), checked here for shape only.

use super::checks::{check_body, check_labels, literal_bool};
use super::model::{Import, Module, Removed};
use crate::addr::{InstanceKey, ModuleInstance};
use crate::diag::{Diagnostic, Diagnostics};
use crate::syntax::{Block, ExprKind, RefStep};
use crate::value::Value;

pub(super) fn decode_import(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    check_labels(block, &[], diags);
    check_body(&block.body, "import", &["to", "id", "for_each", "provider"], &[], diags);
    let (Some(to), Some(id)) = (block.body.attribute("to"), block.body.attribute("id")) else {
        diags.push(
            Diagnostic::error(
                "Invalid import block",
                "An import block needs to and id: import { to = aws_s3_bucket.logs  id = \"logs-bucket\" }.",
            )
            .at(block.kind_span),
        );
        return;
    };
    // `to` is a resource address whose key alone may be an expression.
    let (target, key) = match &to.expr.kind {
        ExprKind::Index(inner, key) => (inner.as_ref(), Some(key.as_ref().clone())),
        _ => (&to.expr, None),
    };
    let parsed = target.as_reference().and_then(|r| resource_in_module(&r));
    let Some((to_module, type_name, name)) = parsed else {
        let detail = if target.as_reference().is_some_and(|r| r.root == "data") {
            "Only managed resources can be imported."
        } else {
            "to must be the address of a resource, e.g. to = aws_s3_bucket.logs, to = aws_s3_bucket.logs[each.key] or to = module.storage.aws_s3_bucket.logs."
        };
        diags.push(Diagnostic::error("Invalid import address", detail).at(to.expr.span));
        return;
    };
    let provider = block.body.attribute("provider").and_then(|attr| match attr.expr.as_reference() {
        Some(r) if r.steps.len() <= 1 => Some((r.root.clone(), r.attr(0).map(|(a, _)| a.to_string()), attr.expr.span)),
        _ => {
            diags.push(
                Diagnostic::error(
                    "Invalid provider reference",
                    "provider is written as NAME or NAME.ALIAS, e.g. provider = aws.west.",
                )
                .at(attr.expr.span),
            );
            None
        }
    });
    let import = Import {
        to_module,
        to_type: type_name,
        to_name: name,
        to_key: key,
        to_span: to.expr.span,
        id: id.expr.clone(),
        for_each: block.body.attribute("for_each").map(|a| a.expr.clone()),
        provider,
        span: block.kind_span,
    };
    if import.for_each.is_none() && import.to_key.as_ref().is_none_or(|k| matches!(k.kind, ExprKind::Literal(_))) {
        let same = |other: &Import| {
            other.for_each.is_none()
                && other.to_module == import.to_module
                && other.to_type == import.to_type
                && other.to_name == import.to_name
                && other.to_key.as_ref().map(|k| &k.kind) == import.to_key.as_ref().map(|k| &k.kind)
        };
        if module.imports.iter().any(same) {
            let addr = import.target_name();
            diags.push(
                Diagnostic::error(
                    format!("Duplicate import configuration for \"{addr}\""),
                    format!("An import block for the resource \"{addr}\" was already declared. A resource can have only one import block."),
                )
                .at(import.to_span),
            );
            return;
        }
    }
    module.imports.push(import);
}

/// `module.a["k"].TYPE.NAME` → (module instance, TYPE, NAME); module keys must be literals.
fn resource_in_module(r: &crate::syntax::Reference) -> Option<(ModuleInstance, String, String)> {
    let mut names: Vec<(String, Option<InstanceKey>)> = Vec::new();
    let mut tokens = vec![(r.root.clone(), None)];
    for step in &r.steps {
        match step {
            RefStep::Attr(n, _) => tokens.push((n.clone(), None)),
            RefStep::Index(v, _) => {
                let key = match v {
                    Value::Number(n) if n.to_i64().is_some_and(|i| i >= 0) => InstanceKey::Int(n.to_i64().unwrap_or(0)),
                    Value::String(s) => InstanceKey::Str(s.clone()),
                    _ => return None,
                };
                let last = tokens.last_mut()?;
                if last.1.is_some() {
                    return None;
                }
                last.1 = Some(key);
            }
            RefStep::Dynamic(_) => return None,
        }
    }
    let mut rest = tokens.as_slice();
    while let [(module, None), (name, key), tail @ ..] = rest {
        if module != "module" {
            break;
        }
        names.push((name.clone(), key.clone()));
        rest = tail;
    }
    let [(type_name, None), (name, None)] = rest else { return None };
    if ["data", "module", "var", "local", "each", "count", "path"].contains(&type_name.as_str()) {
        return None;
    }
    let mut mi = ModuleInstance::root();
    for (n, k) in names {
        mi = mi.child(&n, k.unwrap_or_default());
    }
    Some((mi, type_name.clone(), name.clone()))
}

pub(super) fn decode_removed(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    check_labels(block, &[], diags);
    check_body(&block.body, "removed", &["from"], &["lifecycle", "provisioner", "connection"], diags);
    let Some(from) = block.body.attribute("from") else {
        diags.push(
            Diagnostic::error(
                "Invalid removed block",
                "A removed block needs from: removed { from = aws_s3_bucket.logs }.",
            )
            .at(block.kind_span),
        );
        return;
    };
    let reference = from.expr.as_reference().filter(|r| {
        // An instance key is not allowed: a removed block speaks of a whole resource or module call.
        r.steps.iter().all(|s| matches!(s, crate::syntax::RefStep::Attr(..))) && r.root != "data"
    });
    let Some(reference) =
        reference.filter(|r| if r.root == "module" { !r.steps.is_empty() } else { r.steps.len() == 1 })
    else {
        diags.push(
            Diagnostic::error(
                "Invalid removed address",
                "from must name a managed resource or a module call without an instance key, e.g. from = aws_s3_bucket.logs or from = module.network.",
            )
            .at(from.expr.span),
        );
        return;
    };
    let mut destroy = true;
    for lc in block.body.blocks_of("lifecycle") {
        check_body(&lc.body, "lifecycle", &["destroy"], &[], diags);
        if lc.body.attribute("destroy").is_some() {
            destroy = literal_bool(&lc.body, "destroy", diags);
        }
    }
    module.removed.push(Removed { from: reference, destroy, span: block.kind_span });
}
