//! Decoding a file's top-level blocks into the model. The blocks decoded here configure the
//! module itself (settings, variables, locals, outputs, providers) rather than add resources.

use super::checks::{check_body, check_labels, duplicate, literal_bool, literal_string, unexpected_block};
use super::model::{BackendConfig, Local, Module, Output, ProviderConfig, Settings, Validation, Variable};
use super::resources::{decode_module_call, decode_moved, decode_resource, depends_on};
use crate::addr::Mode;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::syntax::{Block, Body};
use crate::types::Type;

const TOP_LEVEL_BLOCKS: &[&str] = &[
    "gantry", "variable", "locals", "output", "provider", "resource", "data", "module", "moved", "import", "removed",
    "check",
];

pub(super) fn decode_module_body(body: &Body, module: &mut Module, diags: &mut Diagnostics) {
    for attr in &body.attributes {
        diags.push(
            Diagnostic::error(
                "Unsupported argument",
                format!(
                    "An argument named \"{}\" is not expected at the top level of a file. Top-level values belong in a locals block: locals {{ {} = ... }}.",
                    attr.name, attr.name
                ),
            )
            .at(attr.name_span),
        );
    }
    for block in &body.blocks {
        match block.kind.as_str() {
            "gantry" => decode_settings(block, module, diags),
            "variable" => decode_variable(block, module, diags),
            "locals" => {
                check_labels(block, &[], diags);
                for nested in &block.body.blocks {
                    diags.push(unexpected_block(nested, "locals"));
                }
                for attr in &block.body.attributes {
                    if let Some(prev) = module.locals.get(&attr.name) {
                        diags.push(duplicate("local value", &attr.name, attr.name_span, prev.span));
                        continue;
                    }
                    module.locals.insert(
                        attr.name.clone(),
                        Local { name: attr.name.clone(), expr: attr.expr.clone(), span: attr.name_span },
                    );
                }
            }
            "output" => decode_output(block, module, diags),
            "provider" => decode_provider(block, module, diags),
            "resource" => decode_resource(block, Mode::Managed, module, diags),
            "data" => decode_resource(block, Mode::Data, module, diags),
            "module" => decode_module_call(block, module, diags),
            "moved" => decode_moved(block, module, diags),
            "import" => super::removed_import::decode_import(block, module, diags),
            "removed" => super::removed_import::decode_removed(block, module, diags),
            "check" => super::check_blocks::decode_check(block, module, diags),
            other => {
                let hint = did_you_mean(other, TOP_LEVEL_BLOCKS.iter().copied());
                diags.push(
                    Diagnostic::error(
                        "Unsupported block type",
                        format!(
                            "Blocks of type \"{other}\" are not expected here.{hint} A configuration file holds gantry, variable, locals, output, provider, resource, data, module, moved, import, removed and check blocks."
                        ),
                    )
                    .at(block.kind_span),
                );
            }
        }
    }
}

fn decode_settings(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    check_labels(block, &[], diags);
    check_body(&block.body, "gantry", &["required_version"], &["backend", "required_providers", "encryption"], diags);
    let mut encryption = None;
    for b in block.body.blocks_of("encryption") {
        if encryption.is_some() {
            diags.push(
                Diagnostic::error(
                    "Duplicate encryption configuration",
                    "A configuration has at most one encryption block.",
                )
                .at(b.kind_span),
            );
            continue;
        }
        encryption = Some(super::encryption::decode_encryption(b, diags));
    }
    let mut backend = None;
    for b in block.body.blocks_of("backend") {
        if !check_labels(b, &["type"], diags) {
            continue;
        }
        if backend.is_some() {
            diags.push(
                Diagnostic::error("Duplicate backend configuration", "A configuration has at most one backend.")
                    .at(b.header_span()),
            );
            continue;
        }
        backend = Some(BackendConfig { kind: b.labels[0].value.clone(), body: b.body.clone(), span: b.header_span() });
    }
    if module.settings.is_some() {
        diags.push(
            Diagnostic::error("Duplicate gantry block", "Settings belong in one gantry block per module.")
                .at(block.kind_span),
        );
        return;
    }
    module.settings = Some(Settings { backend, encryption, span: block.kind_span });
}

fn decode_variable(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].value.clone();
    let span = block.header_span();
    if !crate::value::is_identifier(&name) {
        diags.push(Diagnostic::error("Invalid variable name", "A name must start with a letter or underscore and may contain letters, digits, underscores and dashes.").at(block.labels[0].span));
        return;
    }
    if ["source", "version", "providers", "count", "for_each", "lifecycle", "depends_on"].contains(&name.as_str()) {
        diags.push(
            Diagnostic::error(
                "Invalid variable name",
                format!("\"{name}\" is reserved for module call arguments; choose another name."),
            )
            .at(block.labels[0].span),
        );
    }
    check_body(
        &block.body,
        "variable",
        &["type", "default", "description", "sensitive", "nullable"],
        &["validation"],
        diags,
    );
    let ty = match block.body.attribute("type") {
        Some(attr) => match crate::types::parse_type(&attr.expr) {
            Ok(t) => t,
            Err(d) => {
                diags.push(d);
                Type::Any
            }
        },
        None => Type::Any,
    };
    let default = block.body.attribute("default").map(|a| a.expr.clone());
    if let Some(default_expr) = &default {
        match crate::eval::eval_constant(default_expr) {
            Ok(v) => {
                if let Err(e) = crate::types::convert(&v, &ty) {
                    diags.push(
                        Diagnostic::error("Invalid default value for variable", format!("This default does not fit the variable's type {ty}: {e}."))
                            .at(default_expr.span),
                    );
                }
            }
            Err(_) => diags.push(
                Diagnostic::error("Variables not allowed", "A variable's default must be a literal value; it cannot refer to other variables or resources. Use a local value instead.")
                    .at(default_expr.span),
            ),
        }
    }
    let mut validations = Vec::new();
    for v in block.body.blocks_of("validation") {
        check_labels(v, &[], diags);
        check_body(&v.body, "validation", &["condition", "error_message"], &[], diags);
        match (v.body.attribute("condition"), v.body.attribute("error_message")) {
            (Some(c), Some(m)) => {
                for r in c.expr.references() {
                    let ok = r.root == "var" && r.attr(0).is_some_and(|(n, _)| n == name);
                    if !ok && r.root != "path" {
                        diags.push(
                            Diagnostic::error(
                                "Invalid reference in variable validation",
                                format!("The condition for variable \"{name}\" can only refer to the variable itself, using var.{name}."),
                            )
                            .at(r.span),
                        );
                    }
                }
                validations.push(Validation { condition: c.expr.clone(), error_message: m.expr.clone() })
            }
            _ => diags.push(
                Diagnostic::error(
                    "Incomplete validation block",
                    "A validation block needs both condition and error_message.",
                )
                .at(v.kind_span),
            ),
        }
    }
    let variable = Variable {
        name: name.clone(),
        ty,
        default,
        description: literal_string(&block.body, "description", diags),
        sensitive: literal_bool(&block.body, "sensitive", diags),
        nullable: block.body.attribute("nullable").is_none() || literal_bool(&block.body, "nullable", diags),
        validations,
        span,
    };
    if let Some(prev) = module.variables.get(&name) {
        diags.push(duplicate("variable", &name, span, prev.span));
        return;
    }
    module.variables.insert(name, variable);
}

fn decode_output(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].value.clone();
    let span = block.header_span();
    check_body(&block.body, "output", &["value", "sensitive", "description", "depends_on"], &[], diags);
    let Some(value) = block.body.attribute("value") else {
        diags.push(
            Diagnostic::error("Missing required argument", format!("Output \"{name}\" needs a value: value = ..."))
                .at(span),
        );
        return;
    };
    let output = Output {
        name: name.clone(),
        expr: value.expr.clone(),
        sensitive: literal_bool(&block.body, "sensitive", diags),
        description: literal_string(&block.body, "description", diags),
        depends_on: depends_on(&block.body, diags),
        span,
    };
    if let Some(prev) = module.outputs.get(&name) {
        diags.push(duplicate("output", &name, span, prev.span));
        return;
    }
    module.outputs.insert(name, output);
}

fn decode_provider(block: &Block, module: &mut Module, diags: &mut Diagnostics) {
    if !check_labels(block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].value.clone();
    let alias = literal_string(&block.body, "alias", diags);
    let mut body = block.body.clone();
    body.attributes.retain(|a| a.name != "alias");
    if module.providers.iter().any(|p| p.name == name && p.alias == alias) {
        let what = match &alias {
            Some(a) => format!("{name}.{a}"),
            None => name.clone(),
        };
        diags.push(
            Diagnostic::error(
                "Duplicate provider configuration",
                format!("Provider \"{what}\" is configured twice. Give the second one an alias: alias = \"other\"."),
            )
            .at(block.header_span()),
        );
        return;
    }
    module.providers.push(ProviderConfig {
        name,
        name_span: block.labels[0].span,
        alias,
        body,
        span: block.header_span(),
    });
}
