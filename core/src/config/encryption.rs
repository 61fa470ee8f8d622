//! Decoding `gantry { encryption { … } }` into the model: the shape of the blocks only (labels,
//! duplicates, which arguments and blocks may appear where). Which key provider and method
//! types exist, and what their arguments mean, is `crate::encryption`'s business, because key
//! providers are registered by other crates.

use super::checks::{check_body, check_labels, literal_bool};
use super::model::{EncryptionConfig, EncryptionItem, EncryptionTarget};
use crate::diag::{Diagnostic, Diagnostics};
use crate::syntax::Block;

pub(super) fn decode_encryption(block: &Block, diags: &mut Diagnostics) -> EncryptionConfig {
    check_labels(block, &[], diags);
    check_body(&block.body, "encryption", &[], &["key_provider", "method", "state", "plan"], diags);
    let mut config = EncryptionConfig {
        key_providers: Vec::new(),
        methods: Vec::new(),
        state: None,
        plan: None,
        span: block.kind_span,
    };
    for b in &block.body.blocks {
        match b.kind.as_str() {
            "key_provider" => push_item(b, "key provider", &mut config.key_providers, diags),
            "method" => push_item(b, "encryption method", &mut config.methods, diags),
            "state" | "plan" => {
                check_labels(b, &[], diags);
                let slot = if b.kind == "state" { &mut config.state } else { &mut config.plan };
                if slot.is_some() {
                    diags.push(
                        Diagnostic::error(
                            format!("Duplicate {} block", b.kind),
                            format!("An encryption block has at most one {} block.", b.kind),
                        )
                        .at(b.kind_span),
                    );
                    continue;
                }
                *slot = Some(decode_target(b, true, diags));
            }
            // check_body reported it.
            _ => {}
        }
    }
    config
}

fn push_item(block: &Block, what: &str, items: &mut Vec<EncryptionItem>, diags: &mut Diagnostics) {
    if !check_labels(block, &["type", "name"], diags) {
        return;
    }
    let (kind, name) = (&block.labels[0], &block.labels[1]);
    if !crate::value::is_identifier(&name.value) {
        diags.push(
            Diagnostic::error(
                format!("Invalid {what} name"),
                "A name must start with a letter or underscore and may contain letters, digits, underscores and dashes.",
            )
            .at(name.span),
        );
        return;
    }
    if items.iter().any(|i| i.kind == kind.value && i.name == name.value) {
        diags.push(
            Diagnostic::error(
                format!("Duplicate {what}"),
                format!(
                    "The {what} {} \"{}\" \"{}\" was already declared; names must be unique per type.",
                    block.kind, kind.value, name.value
                ),
            )
            .at(block.header_span()),
        );
        return;
    }
    items.push(EncryptionItem {
        kind: kind.value.clone(),
        kind_span: kind.span,
        name: name.value.clone(),
        body: block.body.clone(),
        span: block.header_span(),
    });
}

/// `outer` is the state or plan block itself; a fallback may not say `enforced`, because
/// enforcement is about what is written, and only the outer method writes.
fn decode_target(block: &Block, outer: bool, diags: &mut Diagnostics) -> EncryptionTarget {
    let attrs: &[&str] = if outer { &["method", "enforced"] } else { &["method"] };
    check_body(&block.body, &block.kind, attrs, &["fallback"], diags);
    let mut fallbacks = block.body.blocks_of("fallback");
    let fallback = fallbacks.next().map(|f| {
        check_labels(f, &[], diags);
        Box::new(decode_target(f, false, diags))
    });
    for extra in fallbacks {
        diags.push(
            Diagnostic::error(
                "Duplicate fallback block",
                "A block has at most one fallback; to allow more methods for reading, nest another fallback inside it.",
            )
            .at(extra.kind_span),
        );
    }
    let method = block.body.attribute("method").map(|a| a.expr.clone());
    if method.is_none() {
        diags.push(
            Diagnostic::error(
                "Missing required argument",
                format!("A {} block needs the method it uses: method = method.TYPE.NAME.", block.kind),
            )
            .at(block.kind_span),
        );
    }
    EncryptionTarget {
        method,
        enforced: outer && literal_bool(&block.body, "enforced", diags),
        fallback,
        span: block.kind_span,
    }
}
