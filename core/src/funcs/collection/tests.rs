//! The collection functions, mostly on the examples in Terraform's documentation.

use super::super::testutil::*;
use crate::value::Value;

#[test]
fn alltrue_anytrue() {
    assert_eq!(call_ok("alltrue", vec![l(vec![s("true"), b(true)])]), b(true));
    assert_eq!(call_ok("alltrue", vec![l(vec![b(true), b(false)])]), b(false));
    assert_eq!(call_ok("alltrue", vec![l(vec![])]), b(true));
    assert_eq!(call_ok("alltrue", vec![l(vec![b(true), Value::Null])]), b(false));
    assert_eq!(call_ok("anytrue", vec![l(vec![s("true")])]), b(true));
    assert_eq!(call_ok("anytrue", vec![l(vec![b(true), b(false)])]), b(true));
    assert_eq!(call_ok("anytrue", vec![l(vec![])]), b(false));
    assert_eq!(call_err("anytrue", vec![l(vec![n(1.0)])]).arg, Some(0));
}

#[test]
fn chunklist_examples() {
    let abcde = sl(&["a", "b", "c", "d", "e"]);
    assert_eq!(
        call_ok("chunklist", vec![abcde.clone(), n(2.0)]),
        l(vec![sl(&["a", "b"]), sl(&["c", "d"]), sl(&["e"])])
    );
    assert_eq!(
        call_ok("chunklist", vec![abcde.clone(), n(1.0)]),
        l(vec![sl(&["a"]), sl(&["b"]), sl(&["c"]), sl(&["d"]), sl(&["e"])])
    );
    assert_eq!(call_ok("chunklist", vec![abcde.clone(), n(0.0)]), l(vec![abcde.clone()]));
    assert_eq!(call_err("chunklist", vec![abcde, n(-1.0)]).arg, Some(1));
}

#[test]
fn coalesce_examples() {
    assert_eq!(call_ok("coalesce", vec![s("a"), s("b")]), s("a"));
    assert_eq!(call_ok("coalesce", vec![s(""), s("b")]), s("b"));
    assert_eq!(call_ok("coalesce", vec![n(1.0), n(2.0)]), n(1.0));
    assert_eq!(call_ok("coalesce", vec![Value::Null, n(1.0), s("hello")]), s("1"));
    assert_eq!(call_err("coalesce", vec![Value::Null, s("")]).message, "no non-null, non-empty-string arguments");
}

#[test]
fn coalescelist_examples() {
    assert_eq!(call_ok("coalescelist", vec![sl(&["a", "b"]), sl(&["c", "d"])]), sl(&["a", "b"]));
    assert_eq!(call_ok("coalescelist", vec![l(vec![]), sl(&["c", "d"])]), sl(&["c", "d"]));
    assert!(call_err("coalescelist", vec![l(vec![]), l(vec![])]).message.contains("no non-null"));
    assert!(call_err("coalescelist", vec![l(vec![]), Value::Null, nl(&[1.0])]).message.contains("must be lists"));
    assert_eq!(call_err("coalescelist", vec![l(vec![]), s("x")]).arg, Some(1));
}

#[test]
fn compact_concat() {
    assert_eq!(call_ok("compact", vec![l(vec![s("a"), s(""), s("b"), Value::Null, s("c")])]), sl(&["a", "b", "c"]));
    assert_eq!(call_ok("concat", vec![sl(&["a", ""]), sl(&["b", "c"])]), sl(&["a", "", "b", "c"]));
    assert!(call_err("concat", vec![]).message.contains("at least one argument"));
    assert_eq!(call_err("concat", vec![sl(&["a"]), s("b")]).arg, Some(1));
}

#[test]
fn contains_distinct() {
    assert_eq!(call_ok("contains", vec![sl(&["a", "b", "c"]), s("a")]), b(true));
    assert_eq!(call_ok("contains", vec![sl(&["a", "b", "c"]), s("d")]), b(false));
    // The searched value is not converted to the element type, as in Terraform.
    assert_eq!(call_ok("contains", vec![nl(&[1.0, 2.0]), s("2")]), b(false));
    assert_eq!(call_ok("contains", vec![l(vec![n(1.0), s("a")]), s("1")]), b(true));
    assert_eq!(call_ok("distinct", vec![l(vec![n(1.0), s("1")])]), sl(&["1"]));
    assert_eq!(call_ok("distinct", vec![sl(&["a", "b", "a", "c", "d", "b"])]), sl(&["a", "b", "c", "d"]));
    assert_eq!(call_err("distinct", vec![s("a")]).arg, Some(0));
}

#[test]
fn element_examples() {
    let abc = sl(&["a", "b", "c"]);
    assert_eq!(call_ok("element", vec![abc.clone(), n(1.0)]), s("b"));
    assert_eq!(call_ok("element", vec![abc.clone(), n(3.0)]), s("a"));
    assert_eq!(call_ok("element", vec![abc.clone(), n(2.0)]), s("c"));
    assert_eq!(call_err("element", vec![abc, n(-1.0)]).arg, Some(1));
    assert!(call_err("element", vec![l(vec![]), n(0.0)]).message.contains("empty list"));
}

#[test]
fn flatten_examples() {
    assert_eq!(call_ok("flatten", vec![l(vec![sl(&["a", "b"]), l(vec![]), sl(&["c"])])]), sl(&["a", "b", "c"]));
    assert_eq!(
        call_ok("flatten", vec![l(vec![l(vec![sl(&["a", "b"]), l(vec![])]), sl(&["c"])])]),
        sl(&["a", "b", "c"])
    );
}

#[test]
fn index_examples() {
    assert_eq!(call_ok("index", vec![sl(&["a", "b", "c"]), s("b")]), n(1.0));
    assert_eq!(call_err("index", vec![sl(&["a", "b", "c"]), s("z")]).message, "item not found");
}

#[test]
fn keys_values() {
    let m = o(&[("a", n(1.0)), ("c", n(2.0)), ("d", n(3.0))]);
    assert_eq!(call_ok("keys", vec![m]), sl(&["a", "c", "d"]));
    let m = o(&[("a", n(3.0)), ("c", n(2.0)), ("d", n(1.0))]);
    assert_eq!(call_ok("values", vec![m]), nl(&[3.0, 2.0, 1.0]));
    assert_eq!(call_err("keys", vec![sl(&["a"])]).arg, Some(0));
}

#[test]
fn length_examples() {
    assert_eq!(call_ok("length", vec![l(vec![])]), n(0.0));
    assert_eq!(call_ok("length", vec![sl(&["a", "b"])]), n(2.0));
    assert_eq!(call_ok("length", vec![o(&[("a", s("b"))])]), n(1.0));
    assert_eq!(call_ok("length", vec![s("hello")]), n(5.0));
    assert_eq!(call_ok("length", vec![s("👾🕹️")]), n(2.0));
    assert_eq!(call_err("length", vec![n(5.0)]).arg, Some(0));
}

#[test]
fn lookup_examples() {
    let m = o(&[("a", s("ay")), ("b", s("bee"))]);
    assert_eq!(call_ok("lookup", vec![m.clone(), s("a"), s("what?")]), s("ay"));
    assert_eq!(call_ok("lookup", vec![m.clone(), s("c"), s("what?")]), s("what?"));
    assert_eq!(call_ok("lookup", vec![m.clone(), s("b")]), s("bee"));
    assert_eq!(call_err("lookup", vec![m, s("c")]).message, "lookup failed to find key \"c\"");
}

#[test]
fn matchkeys_examples() {
    assert_eq!(
        call_ok(
            "matchkeys",
            vec![sl(&["i-123", "i-abc", "i-def"]), sl(&["us-west", "us-east", "us-east"]), sl(&["us-east"])]
        ),
        sl(&["i-abc", "i-def"])
    );
    assert!(call_err("matchkeys", vec![sl(&["a"]), sl(&[]), sl(&[])]).message.contains("should be equal"));
}

#[test]
fn merge_examples() {
    assert_eq!(
        call_ok("merge", vec![o(&[("a", s("b")), ("c", s("d"))]), o(&[("e", s("f")), ("c", s("z"))])]),
        o(&[("a", s("b")), ("c", s("z")), ("e", s("f"))])
    );
    assert_eq!(
        call_ok("merge", vec![o(&[("a", s("b"))]), Value::Null, o(&[("e", s("f"))])]),
        o(&[("a", s("b")), ("e", s("f"))])
    );
    assert_eq!(call_err("merge", vec![o(&[]), sl(&[])]).arg, Some(1));
}

#[test]
fn one_examples() {
    assert_eq!(call_ok("one", vec![l(vec![])]), Value::Null);
    assert_eq!(call_ok("one", vec![sl(&["hello"])]), s("hello"));
    assert!(call_err("one", vec![sl(&["hello", "goodbye"])]).message.contains("zero or one"));
}

#[test]
fn range_examples() {
    assert_eq!(call_ok("range", vec![n(3.0)]), nl(&[0.0, 1.0, 2.0]));
    assert_eq!(call_ok("range", vec![n(1.0), n(4.0)]), nl(&[1.0, 2.0, 3.0]));
    assert_eq!(call_ok("range", vec![n(1.0), n(8.0), n(2.0)]), nl(&[1.0, 3.0, 5.0, 7.0]));
    assert_eq!(call_ok("range", vec![n(1.0), n(4.0), n(0.5)]), nl(&[1.0, 1.5, 2.0, 2.5, 3.0, 3.5]));
    assert_eq!(call_ok("range", vec![n(4.0), n(1.0)]), nl(&[4.0, 3.0, 2.0]));
    assert_eq!(call_ok("range", vec![n(10.0), n(5.0), n(-2.0)]), nl(&[10.0, 8.0, 6.0]));
    assert_eq!(call_ok("range", vec![n(0.0)]), nl(&[]));
    // A literal 0.1 has 512 bits, so its sums print as decimals (a float's would not).
    let tenth = Value::Number("0.1".parse().unwrap());
    assert_eq!(call_ok("range", vec![n(0.0), n(0.5), tenth]), nl(&[0.0, 0.1, 0.2, 0.3, 0.4]));
    assert_eq!(call_ok("range", vec![n(0.0), n(0.5), n(0.1)]).to_string(), "[0, 0.1, 0.2, 0.30000000000000004, 0.4]");
    assert!(call_err("range", vec![n(1.0), n(4.0), n(0.0)]).message.contains("zero"));
    assert!(call_err("range", vec![n(1.0), n(4.0), n(-1.0)]).message.contains("positive"));
    assert!(call_err("range", vec![n(1_000_000.0)]).message.contains("more than 1024"));
    assert!(call_err("range", vec![n(0.0), n(1.0), n(1e-300)]).message.contains("more than 1024"));
}

#[test]
fn reverse_example() {
    assert_eq!(call_ok("reverse", vec![nl(&[1.0, 2.0, 3.0])]), nl(&[3.0, 2.0, 1.0]));
}

#[test]
fn set_functions() {
    assert_eq!(call_ok("setintersection", vec![sl(&["a", "b"]), sl(&["b", "c"]), sl(&["b", "d"])]), sl(&["b"]));
    assert_eq!(call_ok("setsubtract", vec![sl(&["a", "b", "c"]), sl(&["a", "c"])]), sl(&["b"]));
    assert_eq!(call_ok("setunion", vec![sl(&["a", "b"]), sl(&["b", "c"]), sl(&["d"])]), sl(&["a", "b", "c", "d"]));
    assert_eq!(call_ok("setunion", vec![sl(&["b", "a"]), l(vec![n(1.0)])]), sl(&["1", "a", "b"]));
    assert_eq!(call_err("setsubtract", vec![sl(&["a"]), s("a")]).arg, Some(1));
}

#[test]
fn setproduct_examples() {
    assert_eq!(
        call_ok("setproduct", vec![sl(&["development", "staging", "production"]), sl(&["app1", "app2"])]),
        l(vec![
            sl(&["development", "app1"]),
            sl(&["development", "app2"]),
            sl(&["staging", "app1"]),
            sl(&["staging", "app2"]),
            sl(&["production", "app1"]),
            sl(&["production", "app2"]),
        ])
    );
    assert_eq!(call_ok("setproduct", vec![sl(&["a"]), sl(&[])]), l(vec![]));
    let big = l((0..1000).map(|i| n(f64::from(i))).collect());
    assert!(call_err("setproduct", vec![big.clone(), big.clone(), big]).message.contains("more than"));
}

#[test]
fn slice_examples() {
    assert_eq!(call_ok("slice", vec![sl(&["a", "b", "c", "d"]), n(1.0), n(3.0)]), sl(&["b", "c"]));
    assert_eq!(call_err("slice", vec![sl(&["a"]), n(0.0), n(2.0)]).arg, Some(2));
    assert_eq!(call_err("slice", vec![sl(&["a", "b"]), n(2.0), n(1.0)]).arg, Some(1));
}

#[test]
fn sort_examples() {
    assert_eq!(call_ok("sort", vec![sl(&["e", "d", "a", "x"])]), sl(&["a", "d", "e", "x"]));
    assert_eq!(call_ok("sort", vec![nl(&[10.0, 9.0])]), sl(&["10", "9"]));
    assert_eq!(call_err("sort", vec![l(vec![Value::Null])]).arg, Some(0));
}

#[test]
fn sum_examples() {
    assert_eq!(call_ok("sum", vec![nl(&[10.0, 13.0, 6.0, 4.5])]), n(33.5));
    assert_eq!(call_err("sum", vec![l(vec![])]).message, "cannot sum an empty list");
    assert_eq!(call_err("sum", vec![sl(&["x"])]).arg, Some(0));
}

#[test]
fn transpose_example() {
    assert_eq!(
        call_ok("transpose", vec![o(&[("a", sl(&["1", "2"])), ("b", sl(&["2", "3"]))])]),
        o(&[("1", sl(&["a"])), ("2", sl(&["a", "b"])), ("3", sl(&["b"]))])
    );
    assert_eq!(call_err("transpose", vec![o(&[("a", s("1"))])]).arg, Some(0));
}

#[test]
fn zipmap_examples() {
    assert_eq!(call_ok("zipmap", vec![sl(&["a", "b"]), nl(&[1.0, 2.0])]), o(&[("a", n(1.0)), ("b", n(2.0))]));
    assert_eq!(
        call_ok("zipmap", vec![sl(&["a", "b"]), l(vec![sl(&["x"]), sl(&["y"])])]),
        o(&[("a", sl(&["x"])), ("b", sl(&["y"]))])
    );
    assert!(call_err("zipmap", vec![sl(&["a"]), nl(&[])]).message.contains("does not match"));
}
