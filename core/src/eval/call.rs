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
        let sources = self.sources;
        let render = |text: &str, vars: &Map| -> Result<Value, String> {
            let file = match sources {
                Some(s) => s.add(Path::new("<template>"), text.to_string()),
                None => crate::diag::FileId(0),
            };
            let parts = crate::syntax::parse_template(file, text).map_err(|d| d.summary)?;
            let scope = MapScope(vars);
            let mut inner = Evaluator::new(&scope, Path::new("."), None);
            inner.template(&parts, Span::default()).map_err(|d| format!("{}: {}", d.summary, d.detail))
        };
        let ctx = crate::funcs::FuncContext { base_dir: &self.base_dir, render_template: &render };
        crate::funcs::call(name, values, &ctx).map_err(|e| {
            let at = e.arg.and_then(|i| args.get(i)).map(|a| a.span).unwrap_or(span);
            Diagnostic::error("Invalid function argument", format!("Call to {name}() failed: {}", e.message)).at(at)
        })
    }
}
