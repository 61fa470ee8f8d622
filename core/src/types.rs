//! Type constraints (`list(object({ name = string, size = optional(number, 1) }))`)
//! and the conversions Terraform applies when a value meets one.

use crate::diag::{Diagnostic, Span};
use crate::redact::{shown_text, SENSITIVE_VALUE};
use crate::syntax::{Expr, ExprKind, ObjectKeyExpr};
use crate::value::{format_number, quote, Map, Value};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, ObjectAttr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectAttr {
    pub ty: Type,
    pub optional: bool,
    pub default: Option<Value>,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(attrs) => {
                f.write_str("object({")?;
                for (i, (k, a)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if a.optional {
                        write!(f, "{k} = optional({})", a.ty)?;
                    } else {
                        write!(f, "{k} = {}", a.ty)?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}

const TYPE_HINT: &str = "A type is one of string, number, bool, any, list(T), set(T), map(T), tuple([T, ...]) or object({ name = T, ... }).";

/// Reads a type constraint written as an expression, e.g. the `type` argument of a variable.
pub fn parse_type(expr: &Expr) -> Result<Type, Diagnostic> {
    parse_type_inner(expr, false).map(|(t, _)| t)
}

fn invalid(span: Span, what: String) -> Diagnostic {
    Diagnostic::error("Invalid type specification", format!("{what} {TYPE_HINT}")).at(span)
}

fn parse_type_inner(expr: &Expr, allow_optional: bool) -> Result<(Type, Option<(bool, Option<Value>)>), Diagnostic> {
    match &expr.kind {
        ExprKind::Variable(name) => {
            let t = match name.as_str() {
                "any" => Type::Any,
                "string" => Type::String,
                "number" => Type::Number,
                "bool" => Type::Bool,
                "list" | "set" | "map" => {
                    return Err(invalid(
                        expr.span,
                        format!("The type \"{name}\" needs an element type, e.g. {name}(string)."),
                    ))
                }
                other => {
                    let hint = crate::diag::did_you_mean(other, ["any", "string", "number", "bool"]);
                    return Err(invalid(expr.span, format!("\"{other}\" is not a type.{hint}")));
                }
            };
            Ok((t, None))
        }
        ExprKind::Call { name, args, .. } => {
            let one = |args: &[Expr]| -> Result<Type, Diagnostic> {
                match args {
                    [a] => parse_type(a),
                    _ => Err(invalid(expr.span, format!("{name}(...) takes exactly one element type."))),
                }
            };
            let t = match name.as_str() {
                "list" => Type::List(Box::new(one(args)?)),
                "set" => Type::Set(Box::new(one(args)?)),
                "map" => Type::Map(Box::new(one(args)?)),
                "tuple" => match args.as_slice() {
                    [Expr { kind: ExprKind::List(items), .. }] => {
                        Type::Tuple(items.iter().map(parse_type).collect::<Result<_, _>>()?)
                    }
                    _ => return Err(invalid(expr.span, "tuple(...) takes a list of types.".into())),
                },
                "object" => match args.as_slice() {
                    [Expr { kind: ExprKind::Object(items), .. }] => {
                        let mut attrs = BTreeMap::new();
                        for (key, value) in items {
                            let key = match key {
                                ObjectKeyExpr::Ident(k) => k.clone(),
                                ObjectKeyExpr::Expr(e) => match &e.kind {
                                    ExprKind::Literal(Value::String(s)) => s.clone(),
                                    _ => {
                                        return Err(invalid(
                                            e.span,
                                            "Object attribute names must be plain names.".into(),
                                        ))
                                    }
                                },
                            };
                            let (ty, opt) = parse_type_inner(value, true)?;
                            let (optional, default) = opt.unwrap_or((false, None));
                            attrs.insert(key, ObjectAttr { ty, optional, default });
                        }
                        Type::Object(attrs)
                    }
                    _ => return Err(invalid(expr.span, "object(...) takes an object of attribute types.".into())),
                },
                "optional" if allow_optional => {
                    let (ty, default) = match args.as_slice() {
                        [t] => (parse_type(t)?, None),
                        [t, d] => {
                            let ty = parse_type(t)?;
                            let d = crate::eval::eval_constant(d)?;
                            let d = convert(&d, &ty).map_err(|e| {
                                Diagnostic::error("Invalid default value for optional attribute", e).at(d_span(args))
                            })?;
                            (ty, Some(d))
                        }
                        _ => {
                            return Err(invalid(
                                expr.span,
                                "optional(...) takes a type and an optional default.".into(),
                            ))
                        }
                    };
                    return Ok((ty, Some((true, default))));
                }
                "optional" => {
                    return Err(invalid(
                        expr.span,
                        "optional(...) is only allowed for an attribute of object(...).".into(),
                    ))
                }
                other => return Err(invalid(expr.span, format!("\"{other}\" is not a type constructor."))),
            };
            Ok((t, None))
        }
        _ => Err(invalid(expr.span, "This is not a type.".into())),
    }
}

fn d_span(args: &[Expr]) -> Span {
    args.get(1).map(|e| e.span).unwrap_or_default()
}

/// Converts a value to the given type as Terraform would: strings and numbers and bools
/// convert where the text allows, lists become sets, objects fill optional attributes.
/// The error says what was wrong, for a diagnostic's detail.
/// Nothing inside a sensitive value is quoted: neither its text nor its keys.
pub fn convert(value: &Value, ty: &Type) -> Result<Value, String> {
    convert_at(value, ty, &mut String::new(), false)
}

fn convert_at(value: &Value, ty: &Type, path: &mut String, sensitive: bool) -> Result<Value, String> {
    let at = |path: &String| if path.is_empty() { String::new() } else { format!(" at {path}") };
    match value {
        Value::Unknown => return Ok(Value::Unknown),
        Value::Null => return Ok(Value::Null),
        Value::Sensitive(inner) => return convert_at(inner, ty, path, true).map(Value::mark_sensitive),
        _ => {}
    }
    let mismatch = |expected: &str| format!("{expected} required{}, but got {}", at(path), value.type_name());
    match ty {
        Type::Any => Ok(value.clone()),
        Type::String => match value {
            Value::String(_) => Ok(value.clone()),
            Value::Number(n) => Ok(Value::String(format_number(n))),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            _ => Err(mismatch("a string is")),
        },
        Type::Number => match value {
            Value::Number(_) => Ok(value.clone()),
            Value::String(s) => s.parse::<crate::value::Number>().map(Value::Number).map_err(|_| {
                format!("a number is required{}, but got the string {}", at(path), shown_text(quote(s), sensitive))
            }),
            _ => Err(mismatch("a number is")),
        },
        Type::Bool => match value {
            Value::Bool(_) => Ok(value.clone()),
            Value::String(s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(s) if s == "false" => Ok(Value::Bool(false)),
            _ => Err(mismatch("a bool is")),
        },
        Type::List(elem) | Type::Set(elem) => {
            let items = match value {
                Value::List(items) => items,
                _ => return Err(mismatch(if matches!(ty, Type::Set(_)) { "a set is" } else { "a list is" })),
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                out.push(convert_at(item, elem, path, sensitive)?);
                path.truncate(len);
            }
            if matches!(ty, Type::Set(_)) {
                out = crate::value::normalize_set(out);
            }
            Ok(Value::List(out))
        }
        Type::Tuple(types) => {
            let items = match value {
                Value::List(items) => items,
                _ => return Err(mismatch("a tuple is")),
            };
            if items.len() != types.len() {
                return Err(format!(
                    "a tuple of {} elements is required{}, but got {}",
                    types.len(),
                    at(path),
                    items.len()
                ));
            }
            let mut out = Vec::new();
            for (i, (item, t)) in items.iter().zip(types).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                out.push(convert_at(item, t, path, sensitive)?);
                path.truncate(len);
            }
            Ok(Value::List(out))
        }
        Type::Map(elem) => {
            let map = match value {
                Value::Object(m) => m,
                _ => return Err(mismatch("a map is")),
            };
            let mut out = Map::new();
            for (k, v) in map {
                let len = path.len();
                path.push_str(&format!("[{}]", shown_text(quote(k), sensitive)));
                out.insert(k.clone(), convert_at(v, elem, path, sensitive)?);
                path.truncate(len);
            }
            Ok(Value::Object(out))
        }
        Type::Object(attrs) => {
            let map = match value {
                Value::Object(m) => m,
                _ => return Err(mismatch("an object is")),
            };
            let mut out = Map::new();
            for (name, attr) in attrs {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                match map.get(name) {
                    Some(v) if !v.is_null() => {
                        out.insert(name.clone(), convert_at(v, &attr.ty, path, sensitive)?);
                    }
                    _ if attr.optional => {
                        let default = attr.default.clone().unwrap_or(Value::Null);
                        out.insert(name.clone(), default);
                    }
                    Some(_) => {
                        out.insert(name.clone(), Value::Null);
                    }
                    None => {
                        let name_shown = path.clone();
                        path.truncate(len);
                        return Err(format!("attribute \"{name_shown}\" is required"));
                    }
                }
                path.truncate(len);
            }
            // Terraform drops attributes the type does not declare; say so instead, since it is usually a typo.
            if let Some(extra) = map.keys().find(|k| !attrs.contains_key(*k)) {
                if sensitive {
                    return Err(format!("an attribute is not expected{}: {SENSITIVE_VALUE}", at(path)));
                }
                let hint = crate::diag::did_you_mean(extra, attrs.keys().map(String::as_str));
                return Err(format!("attribute \"{extra}\" is not expected{}.{hint}", at(path)));
            }
            Ok(Value::Object(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    fn ty(src: &str) -> Type {
        let expr = crate::syntax::parse_expression(FileId(0), src).unwrap();
        parse_type(&expr).unwrap()
    }

    #[test]
    fn parses_nested_types() {
        assert_eq!(ty("list(string)"), Type::List(Box::new(Type::String)));
        assert_eq!(
            ty("object({ name = string, size = optional(number, 1) })").to_string(),
            "object({name = string, size = optional(number)})"
        );
    }

    #[test]
    fn fills_optional_defaults_and_converts() {
        let t = ty("map(object({ gpus = optional(number, 1), spot = optional(bool) }))");
        let v = Value::object([("a100", Value::object([("gpus", Value::string("8"))]))]);
        let converted = convert(&v, &t).unwrap();
        assert_eq!(
            converted,
            Value::object([("a100", Value::object([("gpus", Value::number(8)), ("spot", Value::Null)]))])
        );
    }

    #[test]
    fn reports_missing_and_unexpected_attributes() {
        let t = ty("object({ name = string })");
        assert_eq!(convert(&Value::object::<&str>([]), &t).unwrap_err(), "attribute \"name\" is required");
        let err =
            convert(&Value::object([("name", Value::string("x")), ("nmae", Value::string("y"))]), &t).unwrap_err();
        assert!(err.contains("\"nmae\" is not expected"), "{err}");
    }

    #[test]
    fn sets_are_sorted_and_deduplicated() {
        let v = Value::List(vec![Value::string("b"), Value::string("a"), Value::string("b")]);
        assert_eq!(convert(&v, &ty("set(string)")).unwrap(), Value::List(vec![Value::string("a"), Value::string("b")]));
    }

    #[test]
    fn errors_inside_a_sensitive_value_quote_nothing_of_it() {
        let plain = convert(&Value::string("hunter2"), &Type::Number).unwrap_err();
        assert!(plain.contains("hunter2"), "{plain}");
        let secret = convert(&Value::string("hunter2").mark_sensitive(), &Type::Number).unwrap_err();
        assert_eq!(secret, "a number is required, but got the string (sensitive value)");
        let m = Value::object([("hunter2", Value::string("x"))]).mark_sensitive();
        let err = convert(&m, &ty("map(number)")).unwrap_err();
        assert!(!err.contains("hunter2") && !err.contains("\"x\""), "{err}");
        let err = convert(&m, &ty("object({ hunter = string })")).unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn wrong_primitive_is_an_error() {
        assert!(convert(&Value::string("abc"), &Type::Number).is_err());
        assert!(convert(&Value::List(vec![]), &Type::String).is_err());
    }
}
