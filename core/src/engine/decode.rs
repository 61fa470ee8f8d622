//! Decodes a block body into an object value shaped by a provider's schema,
//! reporting unknown arguments, missing required ones and wrong types.

use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::eval::Evaluator;
use crate::provider::{BlockSchema, Nesting};
use crate::syntax::Body;
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
                format!("\"{}\" is a block, not an argument: write it as {} {{ ... }} without the =.", attr.name, attr.name)
            } else {
                let candidates = schema.attributes.iter().filter(|(_, a)| a.optional || a.required).map(|(k, _)| k.as_str());
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
                    format!("The argument \"{name}\" is required in {what}, but no definition was found. Add {name} = ..."),
                )
                .at(subject),
            );
        }
        out.insert(name.clone(), Value::Null);
    }
    for block in &body.blocks {
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
            diags.push(Diagnostic::error("Extraneous label for block", format!("A {} block has no labels.", block.kind)).at(block.header_span()));
        }
    }
    for (name, nested) in &schema.blocks {
        let blocks: Vec<&crate::syntax::Block> = body.blocks_of(name).collect();
        let nested_what = format!("a {name} block");
        // A block written as an argument was reported above; do not also call it missing.
        if blocks.len() < nested.min_items && body.attribute(name).is_none() {
            diags.push(
                Diagnostic::error(
                    "Insufficient blocks",
                    format!("At least {} \"{name}\" block(s) are required in {what}: add {name} {{ ... }}.", nested.min_items),
                )
                .at(subject),
            );
        }
        if let Some(max) = nested.max_items {
            if blocks.len() > max {
                diags.push(
                    Diagnostic::error("Too many blocks", format!("No more than {max} \"{name}\" block(s) are allowed in {what}."))
                        .at(blocks[max].kind_span),
                );
            }
        }
        let value = match nested.nesting {
            Nesting::Single => match blocks.first() {
                Some(b) => decode_body(&b.body, b.header_span(), &nested.block, &nested_what, ev, diags),
                None => Value::Null,
            },
            Nesting::List => {
                Value::List(blocks.iter().map(|b| decode_body(&b.body, b.header_span(), &nested.block, &nested_what, ev, diags)).collect())
            }
        };
        out.insert(name.clone(), value);
    }
    Value::Object(out)
}
