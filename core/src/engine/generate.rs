//! `plan -generate-config-out=FILE`: resource blocks written from the objects that import
//! blocks without a resource block would adopt. Each object is read through its provider's
//! import and written back as configuration: every attribute the configuration may set, none
//! that only the provider sets, sensitive ones as `null # sensitive`, formatted as `gantry fmt`
//! formats.

use super::evaluate::Evaluation;
use super::providers::{provider_key, seed_values_from_state, Providers};
use super::values::Repetition;
use super::{Config, WalkSettings};
use crate::addr::{Mode, ModuleInstance};
use crate::diag::{Diagnostic, Diagnostics};
use crate::provider::{BlockSchema, Nesting};
use crate::state::State;
use crate::value::Value;
use std::fmt::Write as _;

/// The import blocks whose target has no resource block: those `-generate-config-out` writes.
pub fn imports_needing_config(config: &Config) -> Vec<&crate::config::Import> {
    let module = &config.tree.module;
    module
        .imports
        .iter()
        .filter(|i| {
            let key = (Mode::Managed, i.to_type.clone(), i.to_name.clone());
            config.tree.get(&i.to_module.static_path()).is_none_or(|t| !t.module.resources.contains_key(&key))
        })
        .collect()
}

/// The file's text, or `None` when there is nothing to generate; diagnostics say what failed.
pub async fn generate_config(
    config: &Config,
    settings: &WalkSettings<'_>,
    state: &State,
) -> (Option<String>, Diagnostics) {
    let imports = imports_needing_config(config);
    if imports.is_empty() {
        return (None, Diagnostics::default());
    }
    let ev = Evaluation::new(config, settings, false);
    let providers = Providers::default();
    seed_values_from_state(&ev, state);
    super::walk::walk(&ev, &providers, |_| async {}).await;
    let mut out = String::from(
        "# __generated__ by Gantry\n# Please review these resources and move them into your main configuration files.\n",
    );
    for import in imports {
        let addr = import.target_name();
        if !import.to_module.0.is_empty() {
            ev.diag(
                Diagnostic::error(
                    "Configuration for import target does not exist",
                    format!("Resource {addr} not found. Only resources within the root module are eligible for config generation."),
                )
                .at(import.to_span),
            );
            continue;
        }
        if import.for_each.is_some() || import.to_key.is_some() {
            ev.diag(
                Diagnostic::error(
                    "Configuration for import target does not exist",
                    "The given import block is not compatible with config generation. The -generate-config-out option cannot be used with import blocks which use for_each, or resources which use for_each or count.",
                )
                .at(import.to_span),
            );
            continue;
        }
        let Some(id) = import_id(&ev, import) else { continue };
        let Some(schema) = settings.registry.type_schema(Mode::Managed, &import.to_type) else {
            ev.diag(
                Diagnostic::error(
                    "Invalid resource type",
                    format!("No provider has a resource type \"{}\".", import.to_type),
                )
                .at(import.to_span),
            );
            continue;
        };
        let names: Vec<&str> = settings.registry.names().collect();
        let (name, alias) = match &import.provider {
            Some((n, a, _)) => (n.clone(), a.clone()),
            None => (crate::graph::implied_provider(&import.to_type, &names), None),
        };
        providers.visit(&ev, &name, alias.as_deref());
        let provider = providers.get(&provider_key(&name, alias.as_deref()));
        let ready = match &provider {
            Some(p) => providers.ready(&ev, p, Some(import.span)).await,
            None => false,
        };
        let Some(provider) = provider.filter(|_| ready) else {
            ev.diag(
                Diagnostic::error(
                    format!("Cannot import {addr}"),
                    format!("Provider \"{name}\" could not be configured; its configuration must be known without applying anything."),
                )
                .at(import.span),
            );
            continue;
        };
        let request = crate::provider::ImportRequest { type_name: &import.to_type, id: &id };
        let object = match provider.provider.import(request).await {
            Ok(Some(v)) => v,
            Ok(None) => {
                ev.diag(
                    Diagnostic::error(
                        "Cannot import non-existent remote object",
                        format!("The provider found no {} with ID \"{id}\".", import.to_type),
                    )
                    .at(import.span),
                );
                continue;
            }
            Err(e) => {
                ev.diag(
                    Diagnostic::error(format!("Failed to import {addr}"), format!("{}: {}", e.summary, e.detail))
                        .at(import.span),
                );
                continue;
            }
        };
        let _ = write!(
            out,
            "\n# __generated__ by Gantry from {}\nresource \"{}\" \"{}\" {{\n",
            hcl_string(&id),
            import.to_type,
            import.to_name
        );
        write_body(&mut out, schema, &object, 1);
        out.push_str("}\n");
    }
    let diags = ev.take_diags();
    if diags.has_errors() {
        return (None, diags);
    }
    let formatted = crate::format::format_source(&out).unwrap_or(out);
    (Some(formatted), diags)
}

fn import_id(ev: &Evaluation<'_>, import: &crate::config::Import) -> Option<String> {
    match ev.eval(&ev.values(), &ModuleInstance::root(), Repetition::None, &import.id) {
        Ok(Value::String(s)) if !s.is_empty() => Some(s),
        Ok(_) => {
            ev.diag(
                Diagnostic::error("Invalid import id argument", "The import ID must be a string known when planning.")
                    .at(import.id.span),
            );
            None
        }
        Err(d) => {
            ev.diag(d);
            None
        }
    }
}

/// Writes what the configuration may set of `object`, attributes first, then nested blocks.
fn write_body(out: &mut String, schema: &BlockSchema, object: &Value, depth: usize) {
    let pad = "  ".repeat(depth);
    let fields = object.as_object();
    for (name, attr) in &schema.attributes {
        let value = fields.and_then(|f| f.get(name)).cloned().unwrap_or(Value::Null);
        // Only the provider sets these; written, they would be errors.
        if attr.computed && (!attr.optional || value.is_null()) {
            continue;
        }
        if attr.sensitive {
            let _ = writeln!(out, "{pad}{name} = null # sensitive");
        } else {
            let _ = writeln!(out, "{pad}{name} = {}", hcl_value(&value));
        }
    }
    for (name, nested) in &schema.blocks {
        let value = fields.and_then(|f| f.get(name)).cloned().unwrap_or(Value::Null);
        let items = match (&nested.nesting, value) {
            (Nesting::Single, v @ Value::Object(_)) => vec![v],
            (Nesting::List, Value::List(items)) => items,
            _ => Vec::new(),
        };
        for item in items {
            let _ = writeln!(out, "{pad}{name} {{");
            write_body(out, &nested.block, &item, depth + 1);
            let _ = writeln!(out, "{pad}}}");
        }
    }
}

/// A value as an HCL literal that evaluates back to it.
fn hcl_value(v: &Value) -> String {
    match v {
        Value::String(s) => hcl_string(s),
        Value::List(items) => format!("[{}]", items.iter().map(hcl_value).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let items: Vec<String> = map.iter().map(|(k, v)| format!("{} = {}", hcl_string(k), hcl_value(v))).collect();
            if items.is_empty() {
                "{}".into()
            } else {
                format!("{{ {} }}", items.join(", "))
            }
        }
        Value::Sensitive(_) => "null # sensitive".into(),
        Value::Unknown => "null".into(),
        other => other.to_string(),
    }
}

/// A quoted string in which `${` and `%{` stay literal text.
fn hcl_string(s: &str) -> String {
    crate::value::quote(s).replace("${", "$${").replace("%{", "%%{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_that_look_like_templates_stay_literal() {
        assert_eq!(hcl_string("a${b}%{c}\"d\""), "\"a$${b}%%{c}\\\"d\\\"\"");
        let v = Value::object([("k", Value::List(vec![Value::number(1), Value::string("x")]))]);
        assert_eq!(hcl_value(&v), "{ \"k\" = [1, \"x\"] }");
    }
}
