//! The evaluator every phase shares: the values produced so far, and how a
//! variable, local, output, module call, expansion or resource body is
//! evaluated in one module instance. Validate, plan and apply differ only in
//! what they do with resources; everything else is evaluated here, the same way.
//!
//! Each `visit_*` returns whether that node itself succeeded (it reported no
//! error), so a failed node is known by its own result and not by a global count.

use super::decode;
use super::values::{self, Expansion, Repetition, Values};
use super::{Config, WalkSettings};
use crate::addr::{ModuleInstance, ModulePath};
use crate::config::Resource;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::Evaluator;
use crate::provider::BlockSchema;
use crate::value::Value;
use std::sync::{Mutex, RwLock};

/// The most instances of one module call, across all instances of its parent.
const MAX_MODULE_INSTANCES: usize = 100_000;

pub(crate) struct Evaluation<'a> {
    pub config: &'a Config,
    pub settings: &'a WalkSettings<'a>,
    pub values: RwLock<Values>,
    pub diags: Mutex<Diagnostics>,
    /// Validation evaluates without inputs or providers: unknown `count`, `for_each` and
    /// required variables are not errors there.
    pub validating: bool,
}

impl<'a> Evaluation<'a> {
    pub fn new(config: &'a Config, settings: &'a WalkSettings<'a>, validating: bool) -> Evaluation<'a> {
        Evaluation {
            config,
            settings,
            values: RwLock::new(Values::default()),
            diags: Mutex::new(Diagnostics::default()),
            validating,
        }
    }

    pub fn diag(&self, d: Diagnostic) {
        self.diags.lock().unwrap_or_else(|e| e.into_inner()).push(d);
    }

    pub fn diag_all(&self, ds: Diagnostics) {
        self.diags.lock().unwrap_or_else(|e| e.into_inner()).extend(ds);
    }

    /// Reports `ds` and says whether they held no error.
    pub fn report(&self, ds: Diagnostics) -> bool {
        let ok = !ds.has_errors();
        self.diag_all(ds);
        ok
    }

    pub fn take_diags(&self) -> Diagnostics {
        std::mem::take(&mut *self.diags.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn values(&self) -> std::sync::RwLockReadGuard<'_, Values> {
        self.values.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn values_mut(&self) -> std::sync::RwLockWriteGuard<'_, Values> {
        self.values.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn module(&self, path: &ModulePath) -> &'a crate::config::Module {
        &self.config.tree.get(path).expect("graph nodes name loaded modules").module
    }

    pub fn scope<'s>(&self, values: &'s Values, mi: &'s ModuleInstance, rep: Repetition) -> values::InstanceScope<'s> {
        values::InstanceScope {
            values,
            module: mi,
            repetition: rep,
            module_dir: self.module(&mi.static_path()).dir.clone(),
            root_dir: self.config.root_dir.clone(),
            workspace: self.config.workspace.clone(),
            var_override: None,
            inputs_unknown: false,
        }
    }

    pub fn eval(
        &self,
        values: &Values,
        mi: &ModuleInstance,
        rep: Repetition,
        expr: &crate::syntax::Expr,
    ) -> Result<Value, Diagnostic> {
        let scope = self.scope(values, mi, rep);
        let dir = scope.module_dir.clone();
        Evaluator::new(&scope, &dir, Some(&self.config.sources)).eval(expr)
    }

    /// The repetition (`each`/`count`) that a module instance's calling expressions see.
    fn call_repetition(&self, values: &Values, mi: &ModuleInstance) -> Repetition {
        let (Some(parent), Some(step)) = (mi.parent(), mi.0.last()) else { return Repetition::None };
        values
            .module_expansions
            .get(&(parent, step.name.clone()))
            .map(|e| e.repetition(&step.key))
            .unwrap_or(Repetition::None)
    }

    /// A variable's value in one module instance: the root's inputs or the caller's argument, else its default.
    fn raw_variable(
        &self,
        mi: &ModuleInstance,
        name: &str,
        ok: &mut bool,
    ) -> (Option<Value>, Option<crate::diag::Span>) {
        let values = self.values();
        let Some(parent) = mi.parent() else {
            return match self.settings.inputs.get(name) {
                Some((v, span)) => (Some(v.clone()), *span),
                None => (None, None),
            };
        };
        let call_name = &mi.0.last().expect("child instance").name;
        let call = &self.module(&parent.static_path()).module_calls[call_name];
        let Some(attr) = call.inputs.get(name) else { return (None, None) };
        let rep = self.call_repetition(&values, mi);
        match self.eval(&values, &parent, rep, &attr.expr) {
            Ok(v) => (Some(v), Some(attr.expr.span)),
            Err(d) => {
                *ok = false;
                self.diag(d);
                (Some(Value::Unknown), Some(attr.expr.span))
            }
        }
    }

    pub fn visit_variable(&self, path: &ModulePath, name: &str) -> bool {
        let var = &self.module(path).variables[name];
        let mut ok = true;
        let instances = self.values().instances_of(path);
        for mi in instances {
            let (raw, span) = self.raw_variable(&mi, name, &mut ok);
            let from_default = !matches!(&raw, Some(v) if !(v.is_null() && !var.nullable));
            let value = match raw {
                Some(v) if !(v.is_null() && !var.nullable) => v,
                _ => match &var.default {
                    Some(d) => crate::eval::eval_constant(d).unwrap_or(Value::Null),
                    None if mi.is_root() && !self.validating => {
                        ok = false;
                        self.diag(
                            Diagnostic::error(
                                "No value for required variable",
                                format!(
                                    "The root module input variable \"{name}\" is not set, and has no default value. Set it with -var {name}=VALUE, a gantry.vars.hcl file, -var-file, or the environment variable GANTRY_VAR_{name}."
                                ),
                            )
                            .at(var.span),
                        );
                        Value::Unknown
                    }
                    None => Value::Unknown,
                },
            };
            // Marked before the conversion, so that its error cannot quote the value.
            let value = if var.sensitive { value.mark_sensitive() } else { value };
            let value = match crate::types::convert(&value, &var.ty) {
                Ok(v) => v,
                // The loader already reported a default that does not fit the type.
                Err(_) if from_default => Value::Unknown,
                Err(e) => {
                    ok = false;
                    self.diag(
                        Diagnostic::error(
                            "Invalid value for input variable",
                            format!("The value given for variable \"{name}\" is not suitable: {e}."),
                        )
                        .at(span.unwrap_or(var.span)),
                    );
                    Value::Unknown
                }
            };
            ok &= self.check_validations(&mi, name, var, &value, span);
            self.values_mut().vars.entry(mi.clone()).or_default().insert(name.to_string(), value);
        }
        ok
    }

    /// Validation conditions see the new value.
    fn check_validations(
        &self,
        mi: &ModuleInstance,
        name: &str,
        var: &crate::config::Variable,
        value: &Value,
        span: Option<crate::diag::Span>,
    ) -> bool {
        let mut ok = true;
        for validation in &var.validations {
            let values = self.values();
            let mut scope = self.scope(&values, mi, Repetition::None);
            scope.var_override = Some((name, value));
            let dir = scope.module_dir.clone();
            let mut ev = Evaluator::new(&scope, &dir, Some(&self.config.sources));
            let condition = ev.eval(&validation.condition);
            if let Ok(c) = &condition {
                let is_bool = matches!(c.unmarked(), Value::Bool(_) | Value::Unknown | Value::Null)
                    || matches!(c.unmarked(), Value::String(s) if s == "true" || s == "false");
                if !is_bool {
                    ok = false;
                    self.diag(
                        Diagnostic::error(
                            "Invalid variable validation result",
                            format!(
                                "The validation condition of variable \"{name}\" must be a bool, but it is a {}.",
                                c.type_name()
                            ),
                        )
                        .at(validation.condition.span),
                    );
                    continue;
                }
            }
            let condition = condition.map(|c| match c.unmarked() {
                Value::String(s) => Value::Bool(s == "true"),
                _ => c,
            });
            match condition {
                Ok(c) if c.as_bool() == Some(false) => {
                    ok = false;
                    // The author's message is shown unless it is made from a sensitive value, as in Terraform.
                    let message = match ev.eval(&validation.error_message) {
                        Ok(m) if m.contains_sensitive() => {
                            "The value is not valid (the error message is hidden because it refers to a sensitive value).".to_string()
                        }
                        Ok(m) => m.as_str().map(str::to_string).unwrap_or_else(|| "The value is not valid.".into()),
                        Err(_) => "The value is not valid.".into(),
                    };
                    self.diag(
                        Diagnostic::error(
                            "Invalid value for variable",
                            format!("{message}\nThis was checked by the validation rule of variable \"{name}\"."),
                        )
                        .at(span.unwrap_or(var.span)),
                    );
                }
                Ok(_) => {}
                Err(d) => {
                    ok = false;
                    self.diag(d);
                }
            }
        }
        ok
    }

    pub fn visit_local(&self, path: &ModulePath, name: &str) -> bool {
        let local = &self.module(path).locals[name];
        let mut ok = true;
        let instances = self.values().instances_of(path);
        for mi in instances {
            let v = self.eval(&self.values(), &mi, Repetition::None, &local.expr);
            let v = v.unwrap_or_else(|d| {
                ok = false;
                self.diag(d);
                Value::Unknown
            });
            self.values_mut().locals.entry(mi).or_default().insert(name.to_string(), v);
        }
        ok
    }

    pub fn visit_output(&self, path: &ModulePath, name: &str) -> bool {
        let out = &self.module(path).outputs[name];
        let mut ok = true;
        let instances = self.values().instances_of(path);
        for mi in instances {
            let v = match self.eval(&self.values(), &mi, Repetition::None, &out.expr) {
                Ok(v) if out.sensitive => v.mark_sensitive(),
                Ok(v) if v.contains_sensitive() => {
                    ok = false;
                    self.diag(
                        Diagnostic::error(
                            "Output refers to sensitive values",
                            format!("Output \"{name}\" contains sensitive data, so it must say so: add `sensitive = true` to the output block, or wrap the value in nonsensitive() if it is not secret. Terraform requires the same, so that no secret leaves a module by accident."),
                        )
                        .at(out.expr.span),
                    );
                    Value::Unknown
                }
                Ok(v) => v,
                Err(d) => {
                    ok = false;
                    self.diag(d);
                    Value::Unknown
                }
            };
            self.values_mut().outputs.entry(mi).or_default().insert(name.to_string(), v);
        }
        ok
    }

    pub fn visit_module_call(&self, path: &ModulePath, name: &str) -> bool {
        let call = &self.module(path).module_calls[name];
        let mut children = Vec::new();
        let mut ok = true;
        let instances = self.values().instances_of(path);
        for mi in instances {
            let exp = self.expansion(&mi, call.count.as_ref(), call.for_each.as_ref(), &format!("module.{name}"));
            ok &= exp.is_some();
            let exp = exp.unwrap_or(Expansion::Count(0));
            children.extend(exp.keys().into_iter().map(|key| mi.child(name, key)));
            self.values_mut().module_expansions.insert((mi, name.to_string()), exp);
            if children.len() > MAX_MODULE_INSTANCES {
                break;
            }
        }
        if children.len() > MAX_MODULE_INSTANCES {
            ok = false;
            self.diag(
                Diagnostic::error(
                    "Too many module instances",
                    format!(
                        "module.{name} expands to {} instances in all (count and for_each multiply through nested modules); the limit is {MAX_MODULE_INSTANCES}.",
                        children.len()
                    ),
                )
                .at(call.header_span),
            );
            children.clear();
        }
        self.values_mut().module_instances.insert(path.child(name), children);
        ok
    }

    /// True for `var.NAME` where the variable is declared a list or tuple, which for_each refuses.
    fn is_list_variable(&self, mi: &ModuleInstance, expr: &crate::syntax::Expr) -> bool {
        use crate::syntax::ExprKind;
        let ExprKind::GetAttr(base, name) = &expr.kind else { return false };
        if !matches!(&base.kind, ExprKind::Variable(v) if v == "var") {
            return false;
        }
        self.module(&mi.static_path())
            .variables
            .get(name)
            .is_some_and(|v| matches!(v.ty, crate::types::Type::List(_) | crate::types::Type::Tuple(_)))
    }

    /// How `count` or `for_each` expands in one module instance; `None` (reported) when it cannot.
    pub fn expansion(
        &self,
        mi: &ModuleInstance,
        count: Option<&crate::syntax::Expr>,
        for_each: Option<&crate::syntax::Expr>,
        what: &str,
    ) -> Option<Expansion> {
        let result = match (count, for_each) {
            (Some(expr), _) => self
                .eval(&self.values(), mi, Repetition::None, expr)
                .and_then(|v| super::expand::count_expansion(&v, self.validating, what).map_err(|d| d.at(expr.span))),
            (None, Some(expr)) if super::expand::makes_a_tuple(expr) || self.is_list_variable(mi, expr) => Err(Diagnostic::error(
                "Invalid for_each argument",
                "The \"for_each\" argument must be a map, or set of strings, and this is a tuple (a list in brackets or a [for ...] expression), whose order and duplicates would decide the instance keys. Convert it with toset(), or build a map with a {for ...} expression.",
            )
            .at(expr.span)),
            (None, Some(expr)) => self.eval(&self.values(), mi, Repetition::None, expr).and_then(|v| {
                super::expand::for_each_expansion(&v, self.validating, what).map_err(|d| d.at(expr.span))
            }),
            (None, None) => Ok(Expansion::Single),
        };
        // Validate checks each block once, with `count.index` and `each` unknown, as
        // Terraform's does: a known value is still checked, but not expanded. A block with
        // no instances keeps its own, more lenient check.
        let result = match result {
            Ok(Expansion::Count(n)) if self.validating && n > 0 => Ok(Expansion::Unknown),
            Ok(Expansion::ForEach(items)) if self.validating && !items.is_empty() => Ok(Expansion::Unknown),
            other => other,
        };
        result.map_err(|d| self.diag(d)).ok()
    }

    /// Decodes a resource body in one instance's scope; the flag says it had no error.
    pub fn decode_resource(
        &self,
        mi: &ModuleInstance,
        rep: Repetition,
        res: &Resource,
        schema: &BlockSchema,
        what: &str,
    ) -> (Value, bool) {
        let values = self.values();
        self.decode_in(self.scope(&values, mi, rep), res, schema, what)
    }

    /// Checks a resource that has no instances once, with every input unknown, so that its mistakes are found.
    pub fn check_without_instances(&self, mi: &ModuleInstance, res: &Resource, schema: &BlockSchema, what: &str) {
        let values = self.values();
        let scope = values::InstanceScope { inputs_unknown: true, ..self.scope(&values, mi, Repetition::Unknown) };
        self.decode_in(scope, res, schema, what);
    }

    fn decode_in(
        &self,
        scope: values::InstanceScope<'_>,
        res: &Resource,
        schema: &BlockSchema,
        what: &str,
    ) -> (Value, bool) {
        let dir = scope.module_dir.clone();
        let mut ev = Evaluator::new(&scope, &dir, Some(&self.config.sources));
        let mut diags = Diagnostics::default();
        let v = decode::decode_body(&res.body, res.header_span, schema, what, &mut ev, &mut diags);
        let diags = Diagnostics(
            diags.into_iter().map(|d| if d.address.is_none() { d.with_address(what) } else { d }).collect(),
        );
        let ok = self.report(diags);
        (v, ok)
    }
}
