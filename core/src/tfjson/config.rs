//! `configuration`: the module tree as written, for tools that look at how a
//! value was set rather than what it is. Each argument is an expression object:
//! `constant_value` for a literal, `references` (every static traversal, from
//! the longest to the object it names) otherwise, as Terraform's jsonconfig
//! writes them. Expressions that are neither come out as `{}`, which the
//! format allows.

use super::provider_name;
use crate::config::{Module, ModuleTree};
use crate::syntax::{Body, Expr, ExprKind, ObjectKeyExpr, RefStep, Reference, TemplatePart};
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeSet;

/// `hidden` names root variables whose defaults are left out besides the sensitive ones.
pub fn configuration(tree: &ModuleTree, hidden: &BTreeSet<String>) -> Json {
    let mut providers = Map::new();
    for (_, node) in tree.walk() {
        for p in &node.module.providers {
            let key = config_key(&p.name, p.alias.as_deref());
            let mut doc = Map::new();
            doc.insert("name".into(), json!(p.name));
            doc.insert("full_name".into(), json!(provider_name(&p.name)));
            if let Some(alias) = &p.alias {
                doc.insert("alias".into(), json!(alias));
            }
            doc.insert("expressions".into(), Json::Object(expressions(&p.body)));
            providers.entry(key).or_insert(Json::Object(doc));
        }
        for r in node.module.resources.values() {
            let key = resource_provider(r);
            let name = key.split('.').next().unwrap_or_default().to_string();
            providers.entry(key).or_insert_with(|| json!({"name": name, "full_name": provider_name(&name)}));
        }
    }
    json!({ "provider_config": providers, "root_module": module(tree, hidden) })
}

fn config_key(name: &str, alias: Option<&str>) -> String {
    match alias {
        Some(a) => format!("{name}.{a}"),
        None => name.to_string(),
    }
}

/// The provider configuration a resource uses: its `provider` argument, else the provider
/// its type is named after.
fn resource_provider(r: &crate::config::Resource) -> String {
    match &r.provider {
        Some((name, alias, _)) => config_key(name, alias.as_deref()),
        None => r.type_name.split('_').next().unwrap_or_default().to_string(),
    }
}

fn module(tree: &ModuleTree, hidden: &BTreeSet<String>) -> Json {
    let m: &Module = &tree.module;
    let mut doc = Map::new();
    let outputs: Map<String, Json> = m
        .outputs
        .values()
        .map(|o| {
            let mut d = Map::new();
            if o.sensitive {
                d.insert("sensitive".into(), json!(true));
            }
            d.insert("expression".into(), expression(&o.expr));
            if let Some(text) = &o.description {
                d.insert("description".into(), json!(text));
            }
            if !o.depends_on.is_empty() {
                d.insert("depends_on".into(), json!(o.depends_on.iter().map(reference_text).collect::<Vec<_>>()));
            }
            (o.name.clone(), Json::Object(d))
        })
        .collect();
    if !outputs.is_empty() {
        doc.insert("outputs".into(), Json::Object(outputs));
    }
    let resources: Vec<Json> = m.resources.values().map(resource).collect();
    if !resources.is_empty() {
        doc.insert("resources".into(), Json::Array(resources));
    }
    let calls: Map<String, Json> = m
        .module_calls
        .values()
        .map(|c| {
            let mut d = Map::new();
            d.insert("source".into(), json!(c.source));
            let inputs: Map<String, Json> = c.inputs.iter().map(|(k, a)| (k.clone(), expression(&a.expr))).collect();
            d.insert("expressions".into(), Json::Object(inputs));
            repetition(&mut d, c.count.as_ref(), c.for_each.as_ref());
            if let Some(child) = tree.children.get(&c.name) {
                d.insert("module".into(), module(child, &BTreeSet::new()));
            }
            if !c.depends_on.is_empty() {
                d.insert("depends_on".into(), json!(c.depends_on.iter().map(reference_text).collect::<Vec<_>>()));
            }
            (c.name.clone(), Json::Object(d))
        })
        .collect();
    if !calls.is_empty() {
        doc.insert("module_calls".into(), Json::Object(calls));
    }
    let variables: Map<String, Json> = m
        .variables
        .values()
        .map(|v| {
            let mut d = Map::new();
            // A sensitive default is a secret written in the configuration: it stays there.
            if !v.sensitive && !hidden.contains(&v.name) {
                if let Some(value) = v.default.as_ref().and_then(constant) {
                    d.insert("default".into(), value);
                }
            }
            if let Some(text) = &v.description {
                d.insert("description".into(), json!(text));
            }
            if v.sensitive {
                d.insert("sensitive".into(), json!(true));
            }
            (v.name.clone(), Json::Object(d))
        })
        .collect();
    if !variables.is_empty() {
        doc.insert("variables".into(), Json::Object(variables));
    }
    Json::Object(doc)
}

fn resource(r: &crate::config::Resource) -> Json {
    let mut d = Map::new();
    d.insert("address".into(), json!(r.local_name()));
    d.insert("mode".into(), json!(if r.mode == crate::addr::Mode::Data { "data" } else { "managed" }));
    d.insert("type".into(), json!(r.type_name));
    d.insert("name".into(), json!(r.name));
    d.insert("provider_config_key".into(), json!(resource_provider(r)));
    d.insert("expressions".into(), Json::Object(expressions(&r.body)));
    d.insert("schema_version".into(), json!(0));
    repetition(&mut d, r.count.as_ref(), r.for_each.as_ref());
    if !r.depends_on.is_empty() {
        d.insert("depends_on".into(), json!(r.depends_on.iter().map(reference_text).collect::<Vec<_>>()));
    }
    Json::Object(d)
}

fn repetition(d: &mut Map<String, Json>, count: Option<&Expr>, for_each: Option<&Expr>) {
    if let Some(e) = count {
        d.insert("count_expression".into(), expression(e));
    }
    if let Some(e) = for_each {
        d.insert("for_each_expression".into(), expression(e));
    }
}

/// A body's arguments, and its nested blocks as lists of bodies. `dynamic` blocks are
/// left out, as Terraform leaves them.
fn expressions(body: &Body) -> Map<String, Json> {
    let mut out: Map<String, Json> = body.attributes.iter().map(|a| (a.name.clone(), expression(&a.expr))).collect();
    for b in body.blocks.iter().filter(|b| b.kind != "dynamic") {
        let entry = out.entry(b.kind.clone()).or_insert_with(|| Json::Array(Vec::new()));
        if let Json::Array(items) = entry {
            items.push(Json::Object(expressions(&b.body)));
        }
    }
    out
}

fn expression(e: &Expr) -> Json {
    let mut d = Map::new();
    if let Some(value) = constant(e) {
        d.insert("constant_value".into(), value);
    }
    let mut refs: Vec<String> = Vec::new();
    for r in e.references() {
        for text in reference_texts(&r) {
            if !refs.contains(&text) {
                refs.push(text);
            }
        }
    }
    if !refs.is_empty() {
        d.insert("references".into(), json!(refs));
    }
    Json::Object(d)
}

/// The value of a literal expression. Only literals: evaluating anything else here could
/// call a function (`file`) outside the plan's evaluation.
fn constant(e: &Expr) -> Option<Json> {
    if !is_literal(e) {
        return None;
    }
    crate::eval::eval_constant(e).ok().map(|v| v.to_json())
}

fn is_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Literal(_) => true,
        ExprKind::Template(parts) => parts.iter().all(|p| matches!(p, TemplatePart::Literal(_))),
        ExprKind::List(items) => items.iter().all(is_literal),
        ExprKind::Object(entries) => entries.iter().all(|(k, v)| {
            matches!(k, ObjectKeyExpr::Ident(_))
                || matches!(k, ObjectKeyExpr::Expr(k) if is_literal(k)) && is_literal(v)
        }),
        ExprKind::Paren(inner) | ExprKind::Unary(_, inner) => is_literal(inner),
        _ => false,
    }
}

/// A reference as text, at its full static length.
fn reference_text(r: &Reference) -> String {
    reference_texts(r).into_iter().next().unwrap_or_else(|| r.root.clone())
}

/// A reference as Terraform lists it: the full traversal, each shorter prefix down to the
/// object it names, then that object without its instance key.
fn reference_texts(r: &Reference) -> Vec<String> {
    let steps: Vec<&RefStep> = r.steps.iter().take_while(|s| !matches!(s, RefStep::Dynamic(_))).collect();
    let text = |n: usize| {
        let mut out = r.root.clone();
        for s in &steps[..n] {
            match s {
                RefStep::Attr(name, _) => {
                    out.push('.');
                    out.push_str(name);
                }
                RefStep::Index(v, _) => out.push_str(&format!("[{v}]")),
                RefStep::Dynamic(_) => {}
            }
        }
        out
    };
    let indexed = |at: usize| matches!(steps.get(at), Some(RefStep::Index(..)));
    // How many steps name the object itself, and how many of those before its key.
    let (subject, unkeyed) = match r.root.as_str() {
        "self" => (0, None),
        "var" | "local" | "count" | "each" | "path" | "terraform" => (1, None),
        "data" => (2 + usize::from(indexed(2)), indexed(2).then_some(2)),
        "module" => {
            let keyed = indexed(1);
            let name_len = 1 + usize::from(keyed);
            let output = usize::from(matches!(steps.get(name_len), Some(RefStep::Attr(..))));
            (name_len + output, (keyed || output == 1).then_some(1))
        }
        _ => (1 + usize::from(indexed(1)), indexed(1).then_some(1)),
    };
    let subject = subject.min(steps.len());
    let mut out: Vec<String> = (subject..=steps.len()).rev().map(text).collect();
    if let Some(n) = unkeyed.filter(|n| *n <= steps.len() && *n < subject) {
        out.push(text(n));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Json {
        let expr = crate::syntax::parse_expression(crate::diag::FileId(0), src).expect("parses");
        expression(&expr)
    }

    #[test]
    fn references_list_every_prefix_down_to_the_object() {
        assert_eq!(
            refs("aws_eks_cluster.main.name")["references"],
            json!(["aws_eks_cluster.main.name", "aws_eks_cluster.main"])
        );
        assert_eq!(
            refs("aws_subnet.s[0].id")["references"],
            json!(["aws_subnet.s[0].id", "aws_subnet.s[0]", "aws_subnet.s"])
        );
        assert_eq!(refs("module.net.vpc_id")["references"], json!(["module.net.vpc_id", "module.net"]));
        assert_eq!(refs("var.n + 1")["references"], json!(["var.n"]));
        assert_eq!(refs("\"${count.index}\"")["references"], json!(["count.index"]));
    }

    #[test]
    fn literals_have_a_constant_value_and_calls_do_not() {
        assert_eq!(refs("{ a = [1, \"x\"] }")["constant_value"], json!({"a": [1, "x"]}));
        assert_eq!(refs("file(\"secret.txt\")"), json!({}));
    }
}
