//! Function calls. `can` and `try` need their arguments unevaluated, so they live here rather
//! than in the function table; everything else is dispatched to `crate::funcs`.

use super::scope::MapScope;
use super::Evaluator;
use crate::diag::{Diagnostic, Span};
use crate::syntax::Expr;
use crate::value::{Map, Value};
use std::path::Path;

impl Evaluator<'_> {
    pub(super) fn call(
        &mut self,
        name: &str,
        args: &[Expr],
        expand_final: bool,
        span: Span,
    ) -> Result<Value, Diagnostic> {
        match name {
            "can" => {
                let [arg] = args else {
                    return Err(
                        Diagnostic::error("Wrong number of arguments", "can() takes exactly one expression.").at(span)
                    );
                };
                return Ok(match self.eval(arg) {
                    Ok(v) if v.contains_unknown() => Value::Unknown,
                    Ok(_) => Value::Bool(true),
                    Err(_) => Value::Bool(false),
                });
            }
            "try" => {
                if args.is_empty() {
                    return Err(
                        Diagnostic::error("Wrong number of arguments", "try() needs at least one expression.").at(span)
                    );
                }
                let mut last_err = None;
                for arg in args {
                    match self.eval(arg) {
                        Ok(v) => return Ok(v),
                        Err(e) => last_err = Some(e),
                    }
                }
                let detail = last_err.map(|e| e.detail).unwrap_or_default();
                return Err(Diagnostic::error(
                    "No expression succeeded",
                    format!("Every argument of try() failed; the last failed with: {detail}"),
                )
                .at(span));
            }
            _ => {}
        }
        if !crate::funcs::exists(name) {
            let hint = crate::diag::did_you_mean(name, crate::funcs::names());
            return Err(Diagnostic::error(
                "Call to unknown function",
                format!("There is no function named \"{name}\".{hint}"),
            )
            .at(span));
        }
        if name == "templatestring" {
            if let Some(first) = args.first() {
                let detail = match &first.kind {
                    crate::syntax::ExprKind::Literal(_) | crate::syntax::ExprKind::Template(_) => Some("templatestring is only for rendering templates retrieved dynamically from elsewhere, and so does not support providing a literal template; consider using a template string expression instead."),
                    _ if !is_reference(first) => Some("must be a direct reference to a single string from elsewhere, containing valid Terraform template syntax."),
                    _ => None,
                };
                if let Some(detail) = detail {
                    return Err(Diagnostic::error(
                        "Invalid function argument",
                        format!("Invalid value for \"template\" parameter: invalid template expression: {detail}"),
                    )
                    .at(first.span));
                }
            }
        }
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(self.eval(arg)?);
        }
        if expand_final {
            match values.pop().map(|v| (v.is_sensitive(), v.unmarked().clone())) {
                Some((_, Value::Unknown)) => return Ok(Value::Unknown),
                Some((sensitive, Value::List(items))) => {
                    values.extend(items.into_iter().map(|v| if sensitive { v.mark_sensitive() } else { v }))
                }
                _ => {
                    return Err(Diagnostic::error(
                        "Invalid expanding argument value",
                        "The expanding argument (marked by ...) must be a list.",
                    )
                    .at(args.last().map(|a| a.span).unwrap_or(span)))
                }
            }
        }
        if (name == "templatefile" || name == "templatestring") && self.in_template {
            // A template that renders a template could include itself without end; Terraform refuses it too.
            return Err(Diagnostic::error(
                "Recursive templatefile call",
                "Cannot recursively call templatefile from inside a templatefile call. Render the inner template in the configuration and pass the result to this template as a variable.",
            )
            .at(span));
        }
        let sources = self.sources;
        let base_dir = self.base_dir.clone();
        // `funcs::call` hands the function its arguments unmarked; the template is rendered with
        // the marks, so that its errors hide sensitive variables as every other evaluation does.
        let marked_vars: Option<Map> =
            (name == "templatefile" || name == "templatestring").then(|| match values.get(1) {
                Some(v) => {
                    let whole = v.is_sensitive();
                    let map = v.as_object().cloned().unwrap_or_default();
                    map.into_iter().map(|(k, v)| (k, if whole { v.mark_sensitive() } else { v })).collect()
                }
                None => Map::new(),
            });
        let render = |path: &Path, text: &str, vars: &Map| -> Result<Value, String> {
            let vars = marked_vars.as_ref().unwrap_or(vars);
            let file = match sources {
                Some(s) => s.add(path, text.to_string()),
                None => crate::diag::FileId(0),
            };
            // The template's own position leads the message, since the diagnostic points at the call.
            let located = |d: Diagnostic| {
                let at = d.subject.zip(sources).and_then(|(span, s)| {
                    let f = s.get(span.file)?;
                    let p = f.pos(span.start);
                    Some(format!("{}:{}:{}: ", f.name, p.line, p.column))
                });
                let detail = if d.detail.is_empty() { String::new() } else { format!(": {}", d.detail) };
                format!("{}{}{detail}", at.unwrap_or_default(), d.summary)
            };
            let parts = crate::syntax::parse_template(file, text).map_err(located)?;
            let scope = MapScope(vars);
            let mut inner = Evaluator::new(&scope, &base_dir, sources);
            inner.in_template = true;
            inner.template(&parts, Span::default()).map_err(located)
        };
        let ctx = crate::funcs::FuncContext { base_dir: &self.base_dir, render_template: &render };
        crate::funcs::call(name, values, &ctx).map_err(|e| {
            let at = e.arg.and_then(|i| args.get(i)).map(|a| a.span).unwrap_or(span);
            Diagnostic::error("Invalid function argument", format!("Call to {name}() failed: {}", e.message)).at(at)
        })
    }
}

/// A reference to a value from elsewhere (`local.t`, `data.x.y.body`, `var.t[0]`), the only
/// kind of argument Terraform's templatestring takes as its template.
fn is_reference(expr: &Expr) -> bool {
    use crate::syntax::ExprKind;
    match &expr.kind {
        ExprKind::Variable(_) => true,
        ExprKind::GetAttr(base, _) => is_reference(base),
        ExprKind::Index(base, _) => is_reference(base),
        _ => false,
    }
}
