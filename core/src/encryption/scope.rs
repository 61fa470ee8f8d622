//! What expressions in the encryption block can see: root input variables, and the addresses
//! of the key providers and methods declared beside them. Nothing from resources, locals or
//! data sources: the state must be readable before any of those exist.
//!
//! Every variable is marked sensitive here, as OpenTofu treats the whole encryption block, so
//! that no diagnostic the evaluator makes can show a passphrase.

use crate::config::{EncryptionConfig, Module};
use crate::diag::{did_you_mean, Diagnostic, Span};
use crate::eval::Scope;
use crate::value::Value;
use std::collections::BTreeMap;

/// The root module's input values as `engine::collect_inputs` gathers them: value and where it was set.
pub type Inputs = BTreeMap<String, (Value, Option<Span>)>;

/// Which roots an expression may name; each block allows only what it can use.
#[derive(Clone, Copy)]
pub(crate) struct Allowed {
    pub key_providers: bool,
    pub methods: bool,
}

pub(crate) struct EncryptionScope<'a> {
    pub module: &'a Module,
    pub config: &'a EncryptionConfig,
    /// `None` when checking without values (validate): every variable is unknown.
    pub inputs: Option<&'a Inputs>,
    pub allowed: Allowed,
}

pub(crate) fn key_provider_addr(kind: &str, name: &str) -> String {
    format!("key_provider.{kind}.{name}")
}

pub(crate) fn method_addr(kind: &str, name: &str) -> String {
    format!("method.{kind}.{name}")
}

impl EncryptionScope<'_> {
    fn variable(&self, name: &str, span: Span) -> Result<Value, Diagnostic> {
        let Some(var) = self.module.variables.get(name) else {
            let hint = did_you_mean(name, self.module.variables.keys().map(String::as_str));
            return Err(Diagnostic::error(
                "Reference to undeclared input variable",
                format!("The encryption block refers to var.{name}, but the root module declares no variable \"{name}\".{hint}"),
            )
            .at(span));
        };
        let Some(inputs) = self.inputs else { return Ok(Value::Unknown) };
        let given = inputs.get(name).map(|(v, _)| v.clone()).filter(|v| !v.is_null() || var.nullable);
        let value = match (given, &var.default) {
            (Some(v), _) => v,
            (None, Some(d)) => crate::eval::eval_constant(d).unwrap_or(Value::Null),
            (None, None) => {
                return Err(Diagnostic::error(
                    "No value for required variable",
                    format!(
                        "The encryption block needs var.{name}, which is not set and has no default. Set it with -var {name}=VALUE, a gantry.vars.hcl file, -var-file, or the environment variable GANTRY_VAR_{name}."
                    ),
                )
                .at(span))
            }
        };
        let value = crate::types::convert(&value, &var.ty).map_err(|_| {
            Diagnostic::error(
                "Invalid value for input variable",
                format!("The value given for variable \"{name}\" is not a {} (the value is not shown: the encryption block treats its inputs as secret).", var.ty),
            )
            .at(span)
        })?;
        Ok(value.mark_sensitive())
    }

    fn declared(
        &self,
        what: &str,
        root: &str,
        attrs: &[(&str, Span)],
        span: Span,
    ) -> Result<(Value, usize), Diagnostic> {
        let (items, addr): (_, fn(&str, &str) -> String) = match root {
            "key_provider" => (&self.config.key_providers, key_provider_addr),
            _ => (&self.config.methods, method_addr),
        };
        let (Some((kind, _)), Some((name, name_span))) = (attrs.first(), attrs.get(1)) else {
            return Err(Diagnostic::error(
                format!("Invalid {what} reference"),
                format!("A {what} is referred to by its type and name: {root}.TYPE.NAME."),
            )
            .at(span));
        };
        if items.iter().any(|i| i.kind == *kind && i.name == *name) {
            return Ok((Value::string(addr(kind, name)), 2));
        }
        let declared: Vec<String> = items.iter().map(|i| addr(&i.kind, &i.name)).collect();
        let hint = did_you_mean(&addr(kind, name), declared.iter().map(String::as_str));
        Err(Diagnostic::error(
            format!("Reference to undeclared {what}"),
            format!("There is no {root} \"{kind}\" \"{name}\" block in the encryption block.{hint}"),
        )
        .at(span.to(*name_span)))
    }
}

impl Scope for EncryptionScope<'_> {
    fn resolve(&self, root: &str, attrs: &[(&str, Span)], span: Span) -> Result<(Value, usize), Diagnostic> {
        match root {
            "var" => match attrs.first() {
                Some((name, name_span)) => Ok((self.variable(name, span.to(*name_span))?, 1)),
                None => Err(Diagnostic::error("Invalid variable reference", "Name the variable: var.NAME.").at(span)),
            },
            "key_provider" if self.allowed.key_providers => self.declared("key provider", root, attrs, span),
            "method" if self.allowed.methods => self.declared("encryption method", root, attrs, span),
            "key_provider" | "method" => Err(Diagnostic::error(
                "Invalid reference in encryption block",
                format!(
                    "{root}.* cannot be used here. A method's keys refer to a key provider (keys = key_provider.TYPE.NAME), and a state or plan block's method refers to a method (method = method.TYPE.NAME); key providers themselves take values and variables."
                ),
            )
            .at(span)),
            other => Err(Diagnostic::error(
                "Invalid reference in encryption block",
                format!(
                    "\"{other}\" cannot be referred to in the encryption block: it is evaluated before anything else, from constants and root input variables (var.NAME) only."
                ),
            )
            .at(span)),
        }
    }
}
