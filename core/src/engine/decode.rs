//! Decodes a block body into an object value shaped by a provider's schema,
//! reporting unknown arguments, missing required ones and wrong types.

use crate::diag::Span;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::eval::Evaluator;
use crate::provider::{BlockSchema, Nesting};
use crate::syntax::{dynamic_iterator, Block, Body};
use crate::value::{Map, Value};

/// Returns the decoded object; problems go to `diags` and leave the attribute null.
/// `subject` is where a missing argument is reported: the header of the block being decoded.
pub fn decode_body(
    body: &Body,
    subject: crate::diag::Span,
    schema: &BlockSchema,
    what: &str,
    ev: &mut Evaluator<'_>,
    diags: &mut Diagnostics,
) -> Value {
    let mut out = Map::new();
    for attr in &body.attributes {
        let Some(attr_schema) = schema.attributes.get(&attr.name) else {
            let is_block = schema.blocks.contains_key(&attr.name);
            let detail = if is_block {
                format!(
                    "\"{}\" is a block, not an argument: write it as {} {{ ... }} without the =.",
                    attr.name, attr.name
                )
            } else {
                let candidates =
                    schema.attributes.iter().filter(|(_, a)| a.optional || a.required).map(|(k, _)| k.as_str());
                let hint = did_you_mean(&attr.name, candidates);
                format!("An argument named \"{}\" is not expected in {what}.{hint}", attr.name)
            };
            diags.push(Diagnostic::error("Unsupported argument", detail).at(attr.name_span));
            continue;
        };
        if attr_schema.computed && !attr_schema.optional && !attr_schema.required {
            diags.push(
                Diagnostic::error(
                    "Invalid argument",
                    format!("\"{}\" is set by the provider and cannot be configured; remove it.", attr.name),
                )
                .at(attr.name_span),
            );
            continue;
        }
        let value = match ev.eval(&attr.expr) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match crate::types::convert(&value, &attr_schema.ty) {
            Ok(v) => {
                let v = if attr_schema.sensitive && !v.is_null() { v.mark_sensitive() } else { v };
                out.insert(attr.name.clone(), v);
            }
            Err(e) => diags.push(
                Diagnostic::error(
                    "Incorrect attribute value type",
                    format!("Inappropriate value for attribute \"{}\": {e}.", attr.name),
                )
                .at(attr.expr.span),
            ),
        }
    }
    for (name, attr_schema) in &schema.attributes {
        if out.contains_key(name) {
            continue;
        }
        let present = body.attribute(name).is_some() || body.blocks_of(name).next().is_some();
        if attr_schema.required && !present {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!(
                        "The argument \"{name}\" is required in {what}, but no definition was found. Add {name} = ..."
                    ),
                )
                .at(subject),
            );
        }
        out.insert(name.clone(), Value::Null);
    }
    for block in &body.blocks {
        if block.kind == "dynamic" {
            check_dynamic(block, schema, what, diags);
            continue;
        }
        if !schema.blocks.contains_key(&block.kind) {
            let detail = if schema.attributes.contains_key(&block.kind) {
                format!("\"{}\" is an argument, not a block: write it as {} = {{ ... }}.", block.kind, block.kind)
            } else {
                let hint = did_you_mean(&block.kind, schema.blocks.keys().map(String::as_str));
                format!("Blocks of type \"{}\" are not expected in {what}.{hint}", block.kind)
            };
            diags.push(Diagnostic::error("Unsupported block type", detail).at(block.kind_span));
        }
        if !block.labels.is_empty() {
            diags.push(
                Diagnostic::error("Extraneous label for block", format!("A {} block has no labels.", block.kind))
                    .at(block.header_span()),
            );
        }
    }
    for (name, nested) in &schema.blocks {
        let nested_what = format!("a {name} block");
        // Literal blocks and those `dynamic "NAME"` generates, in source order; None once a for_each is unknown.
        let mut decoded: Option<Vec<(Value, Span)>> = Some(Vec::new());
        for b in &body.blocks {
            if b.kind == *name {
                let v = decode_body(&b.body, b.header_span(), &nested.block, &nested_what, ev, diags);
                if let Some(d) = decoded.as_mut() {
                    d.push((v, b.kind_span));
                }
            } else if b.kind == "dynamic" && b.labels.first().is_some_and(|l| l.value == *name) {
                match expand_dynamic(b, &nested.block, &nested_what, ev, diags) {
                    Some(generated) => {
                        if let Some(d) = decoded.as_mut() {
                            d.extend(generated.into_iter().map(|v| (v, b.kind_span)));
                        }
                    }
                    None => decoded = None,
                }
            }
        }
        let Some(blocks) = decoded else {
            out.insert(name.clone(), Value::Unknown);
            continue;
        };
        // A block written as an argument was reported above; do not also call it missing.
        if blocks.len() < nested.min_items && body.attribute(name).is_none() {
            diags.push(
                Diagnostic::error(
                    "Insufficient blocks",
                    format!(
                        "At least {} \"{name}\" block(s) are required in {what}: add {name} {{ ... }}.",
                        nested.min_items
                    ),
                )
                .at(subject),
            );
        }
        if let Some(max) = nested.max_items {
            if blocks.len() > max {
                diags.push(
                    Diagnostic::error(
                        "Too many blocks",
                        format!("No more than {max} \"{name}\" block(s) are allowed in {what}."),
                    )
                    .at(blocks[max].1),
                );
            }
        }
        let mut values = blocks.into_iter().map(|(v, _)| v);
        let value = match nested.nesting {
            Nesting::Single => values.next().unwrap_or(Value::Null),
            Nesting::List => Value::List(values.collect()),
        };
        out.insert(name.clone(), value);
    }
    Value::Object(out)
}

/// The static shape of a `dynamic "NAME" { for_each = ..., iterator = ..., content { ... } }` block.
fn check_dynamic(block: &Block, schema: &BlockSchema, what: &str, diags: &mut Diagnostics) {
    let Some(label) = block.labels.first() else {
        diags.push(
            Diagnostic::error(
                "Missing block label",
                "A dynamic block is labelled with the block type it generates: dynamic \"taint\" { ... }.",
            )
            .at(block.header_span()),
        );
        return;
    };
    if block.labels.len() > 1 {
        diags.push(
            Diagnostic::error(
                "Extraneous label for block",
                "A dynamic block has one label: the block type it generates.",
            )
            .at(block.labels[1].span),
        );
    }
    if !schema.blocks.contains_key(&label.value) {
        let hint = did_you_mean(&label.value, schema.blocks.keys().map(String::as_str));
        diags.push(
            Diagnostic::error(
                "Unsupported block type",
                format!(
                    "Blocks of type \"{}\" are not expected in {what}, so dynamic cannot generate them.{hint}",
                    label.value
                ),
            )
            .at(label.span),
        );
    }
    for attr in &block.body.attributes {
        if attr.name != "for_each" && attr.name != "iterator" {
            let hint = did_you_mean(&attr.name, ["for_each", "iterator"]);
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!("A dynamic block takes for_each, iterator and one content block.{hint}"),
                )
                .at(attr.name_span),
            );
        }
    }
    if let Some(it) = block.body.attribute("iterator") {
        if dynamic_iterator(block).is_none() {
            diags.push(
                Diagnostic::error("Invalid dynamic iterator", "iterator must be a bare name, e.g. iterator = t.")
                    .at(it.expr.span),
            );
        }
    }
    if block.body.attribute("for_each").is_none() {
        diags.push(
            Diagnostic::error(
                "Missing required argument",
                "A dynamic block needs for_each: the collection to generate one block per element of.",
            )
            .at(block.header_span()),
        );
    }
    let contents: Vec<&Block> = block.body.blocks.iter().filter(|b| b.kind == "content").collect();
    for b in block.body.blocks.iter().filter(|b| b.kind != "content") {
        diags.push(
            Diagnostic::error("Unsupported block type", "A dynamic block holds one content block and nothing else.")
                .at(b.kind_span),
        );
    }
    if contents.len() != 1 {
        let at = contents.get(1).map(|b| b.kind_span).unwrap_or(block.header_span());
        diags.push(
            Diagnostic::error("Invalid dynamic block", "A dynamic block needs exactly one content { ... } block.")
                .at(at),
        );
    }
}

/// The blocks a `dynamic` block generates, decoded; None while its for_each is unknown.
/// Its structure was checked by [`check_dynamic`]; a broken one generates nothing.
fn expand_dynamic(
    block: &Block,
    schema: &BlockSchema,
    what: &str,
    ev: &mut Evaluator<'_>,
    diags: &mut Diagnostics,
) -> Option<Vec<Value>> {
    let (Some(for_each), Some(iterator), Some(content)) =
        (block.body.attribute("for_each"), dynamic_iterator(block), block.body.blocks_of("content").next())
    else {
        return Some(Vec::new());
    };
    let collection = match ev.eval(&for_each.expr) {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            return Some(Vec::new());
        }
    };
    if collection.is_null() {
        diags.push(
            Diagnostic::error(
                "Invalid dynamic for_each value",
                "for_each is null; use [] or {} to generate no blocks.",
            )
            .at(for_each.expr.span),
        );
        return Some(Vec::new());
    }
    let pairs = match ev.pairs(&collection, for_each.expr.span) {
        Ok(Some(pairs)) => pairs,
        Ok(None) => {
            // Still check the content once, so that validate finds its mistakes before the collection is known.
            ev.with_bound(&iterator, Value::Unknown, |ev| {
                decode_body(&content.body, content.header_span(), schema, what, ev, diags)
            });
            return None;
        }
        Err(d) => {
            diags.push(d);
            return Some(Vec::new());
        }
    };
    let generated = pairs
        .into_iter()
        .map(|(key, value)| {
            let element = Value::object([("key", key), ("value", value)]);
            ev.with_bound(&iterator, element, |ev| {
                decode_body(&content.body, content.header_span(), schema, what, ev, diags)
            })
        })
        .collect();
    Some(generated)
}
