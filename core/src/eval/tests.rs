//! The evaluator as a whole, against a small scope of variables, including unknown and
//! sensitive ones.

use super::*;
use crate::diag::FileId;

struct TestScope(Map);
impl Scope for TestScope {
    fn resolve(&self, root: &str, attrs: &[(&str, Span)], span: Span) -> Result<(Value, usize), Diagnostic> {
        if root == "var" {
            let (name, _) = attrs.first().ok_or_else(|| Diagnostic::error("bad", "").at(span))?;
            return self
                .0
                .get(*name)
                .cloned()
                .map(|v| (v, 1))
                .ok_or_else(|| Diagnostic::error("Reference to undeclared input variable", "").at(span));
        }
        Err(Diagnostic::error("Unknown root", root.to_string()).at(span))
    }
}

fn eval(src: &str) -> Result<Value, Diagnostic> {
    let vars = Value::object([
        ("n", Value::number(3)),
        ("pools", Value::object([("a100", Value::number(8)), ("t4", Value::number(1))])),
        ("secret", Value::string("hunter2").mark_sensitive()),
        ("later", Value::Unknown),
    ]);
    let Value::Object(map) = vars else { unreachable!() };
    let scope = TestScope(map);
    let expr = crate::syntax::parse_expression(FileId(0), src).unwrap();
    Evaluator::new(&scope, Path::new("."), None).eval(&expr)
}

#[test]
fn evaluates_expressions() {
    let cases = [
        ("1 + 2 * var.n", Value::number(7)),
        ("var.n > 2 ? \"big\" : \"small\"", Value::string("big")),
        ("\"n=${var.n}\"", Value::string("n=3")),
        ("[for k, v in var.pools : k if v > 1]", Value::List(vec![Value::string("a100")])),
        ("{for k, v in var.pools : v => k}", Value::object([("1", Value::string("t4")), ("8", Value::string("a100"))])),
        ("[{a = 1}, {a = 2}][*].a", Value::List(vec![Value::number(1), Value::number(2)])),
        ("var.pools[\"t4\"]", Value::number(1)),
        ("\"%{for k, v in var.pools}${k};%{endfor}\"", Value::string("a100;t4;")),
        ("\"%{if var.n == 3}yes%{else}no%{endif}\"", Value::string("yes")),
        ("can(var.pools.missing)", Value::Bool(false)),
        ("try(var.pools.missing, \"fallback\")", Value::string("fallback")),
        ("!true || false", Value::Bool(false)),
        (
            "{for s in [\"a\", \"b\", \"a\"] : s => s...}",
            Value::object([
                ("a", Value::List(vec![Value::string("a"), Value::string("a")])),
                ("b", Value::List(vec![Value::string("b")])),
            ]),
        ),
    ];
    for (src, expected) in cases {
        assert_eq!(eval(src).unwrap(), expected, "{src}");
    }
}

#[test]
fn unknown_propagates() {
    for src in
        ["var.later + 1", "\"x-${var.later}\"", "var.later.attr", "var.later ? 1 : 2", "[for x in var.later : x]"]
    {
        assert_eq!(eval(src).unwrap(), Value::Unknown, "{src}");
    }
}

#[test]
fn sensitive_marks_follow_the_value() {
    assert!(eval("\"pw=${var.secret}\"").unwrap().is_sensitive());
    assert!(eval("[var.secret][*]").unwrap().is_sensitive() || eval("[var.secret][*]").unwrap().contains_sensitive());
    assert!(eval("var.secret == \"x\"").unwrap().is_sensitive());
}

#[test]
fn errors_point_at_the_problem_with_suggestions() {
    let err = eval("var.pools.a10").unwrap_err();
    assert_eq!(err.summary, "Unsupported attribute");
    assert!(err.detail.contains("Did you mean \"a100\"?"), "{}", err.detail);
    let err = eval("lenght([])").unwrap_err();
    assert_eq!(err.summary, "Call to unknown function");
    assert!(err.detail.contains("\"length\""), "{}", err.detail);
    assert_eq!(eval("[1][5]").unwrap_err().summary, "Invalid index");
    assert_eq!(eval("1 / 0").unwrap().to_string(), "+Inf");
    assert_eq!(eval("(1/0) - (1/0)").unwrap_err().summary, "Operation failed");
}

#[test]
fn no_evaluation_error_shows_a_sensitive_value() {
    let cases = [
        ("var.pools[var.secret]", "Invalid index"),
        ("[1, 2][var.secret]", "Invalid index"),
        ("sensitive([1, 2])[5]", "Invalid index"),
        ("sensitive({hunter2 = 1}).hunte", "Unsupported attribute"),
        ("var.secret + 1", "Invalid operand"),
        ("-var.secret", "Invalid operand"),
        ("{for x in [var.secret, var.secret] : x => 1}", "Duplicate object key"),
        ("tonumber(var.secret)", "Invalid function argument"),
        ("cidrhost(var.secret, 1)", "Invalid function argument"),
        ("regex(\"(${var.secret}\", \"x\")", "Invalid function argument"),
        ("try(tonumber(var.secret))", "No expression succeeded"),
    ];
    for (src, summary) in cases {
        let err = eval(src).unwrap_err();
        assert_eq!(err.summary, summary, "{src}: {}", err.detail);
        assert!(!err.detail.contains("hunter2"), "{src} showed the secret: {}", err.detail);
        assert!(
            err.detail.contains("(sensitive value)") || summary == "Unsupported attribute",
            "{src}: {}",
            err.detail
        );
    }
    // Without the mark the same errors do quote the value, so the cases above test the hiding.
    assert!(eval("var.pools[\"hunter2\"]").unwrap_err().detail.contains("hunter2"));
    assert!(eval("tonumber(\"hunter2\")").unwrap_err().detail.contains("hunter2"));
    assert!(eval("{hunter2 = 1}.hunte").unwrap_err().detail.contains("Did you mean \"hunter2\"?"));
}

#[test]
fn a_sensitive_key_marks_what_it_picks_and_the_object_it_names() {
    let picked = eval("{hunter2 = 1}[var.secret]").unwrap();
    assert_eq!(picked, Value::number(1).mark_sensitive());
    assert!(eval("{(var.secret) = 1}").unwrap().is_sensitive());
    assert!(eval("{for x in [var.secret] : x => 1}").unwrap().is_sensitive());
}

#[test]
fn templatefile_cannot_call_itself() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.tpl"), "a ${templatefile(\"b.tpl\", {})}").unwrap();
    std::fs::write(dir.path().join("b.tpl"), "b\n ${templatefile(\"a.tpl\", {})}").unwrap();
    let sources = SourceMap::default();
    let expr = crate::syntax::parse_expression(FileId(0), "templatefile(\"a.tpl\", {})").unwrap();
    let err = Evaluator::new(&EmptyScope, dir.path(), Some(&sources)).eval(&expr).unwrap_err();
    assert_eq!(err.summary, "Invalid function argument");
    assert!(err.detail.contains("Recursive templatefile call"), "{}", err.detail);
    assert!(err.detail.contains("a.tpl:1:5"), "the template's own position: {}", err.detail);
}

#[test]
fn a_template_error_names_the_file_and_hides_a_sensitive_variable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.tpl"), "n = ${v + 1}").unwrap();
    let sources = SourceMap::default();
    let run = |src: &str| {
        let expr = crate::syntax::parse_expression(FileId(0), src).unwrap();
        Evaluator::new(&EmptyScope, dir.path(), Some(&sources)).eval(&expr).unwrap_err().detail
    };
    let plain = run("templatefile(\"t.tpl\", { v = \"hunter2\" })");
    assert!(plain.contains("\"hunter2\" is not a number"), "{plain}");
    for src in [
        "templatefile(\"t.tpl\", { v = sensitive(\"hunter2\") })",
        "templatefile(\"t.tpl\", sensitive({ v = \"hunter2\" }))",
    ] {
        let detail = run(src);
        assert!(!detail.contains("hunter2"), "{detail}");
        assert!(detail.contains("error rendering template \"t.tpl\": "), "the path is not secret: {detail}");
        assert!(detail.contains("t.tpl:1:7: Invalid operand"), "{detail}");
        assert!(detail.contains("the string (sensitive value) is not a number"), "{detail}");
    }
}
