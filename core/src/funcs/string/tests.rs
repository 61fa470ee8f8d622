//! The string functions, mostly on the examples in Terraform's documentation.

use super::super::testutil::*;
use super::graphemes;

fn f(spec: &str, args: Vec<crate::value::Value>) -> String {
    let mut all = vec![s(spec)];
    all.extend(args);
    match call_ok("format", all) {
        crate::value::Value::String(x) => x,
        other => panic!("not a string: {other:?}"),
    }
}

#[test]
fn chomp_examples() {
    assert_eq!(call_ok("chomp", vec![s("hello\n")]), s("hello"));
    assert_eq!(call_ok("chomp", vec![s("hello\r\n")]), s("hello"));
    assert_eq!(call_ok("chomp", vec![s("hello\n\n")]), s("hello"));
    assert_eq!(call_ok("chomp", vec![s("hello")]), s("hello"));
}

#[test]
fn format_examples() {
    assert_eq!(f("Hello, %s!", vec![s("Ander")]), "Hello, Ander!");
    assert_eq!(f("There are %d lights", vec![n(4.0)]), "There are 4 lights");
    assert_eq!(f("%#v", vec![s("hello")]), "\"hello\"");
    assert_eq!(f("%#v", vec![b(true)]), "true");
    assert_eq!(f("%#v", vec![n(1.0)]), "1");
    assert_eq!(f("%#v", vec![o(&[("a", n(1.0))])]), "{\"a\":1}");
    assert_eq!(f("%#v", vec![l(vec![b(true)])]), "[true]");
    assert_eq!(f("%#v", vec![crate::value::Value::Null]), "null");
    assert_eq!(f("%.2f", vec![n(1.23456)]), "1.23");
    assert_eq!(f("%f", vec![n(1.5)]), "1.500000");
    assert_eq!(f("%5d|%-5d|%05d", vec![n(42.0), n(42.0), n(-42.0)]), "   42|42   |-0042");
    assert_eq!(f("%+d %x %X %o %b", vec![n(5.0), n(255.0), n(255.0), n(8.0), n(5.0)]), "+5 ff FF 10 101");
    assert_eq!(f("%q", vec![s("a\"b")]), "\"a\\\"b\"");
    assert_eq!(f("%t %v %v", vec![b(false), s("x"), n(2.5)]), "false x 2.5");
    assert_eq!(f("100%%", vec![]), "100%");
    assert_eq!(f("%[2]s %[1]s %s", vec![s("a"), s("b")]), "b a b");
    assert_eq!(f("%e", vec![n(1234.5678)]), "1.234568e+03");
    assert_eq!(f("%g", vec![n(0.00001)]), "1e-05");
    assert_eq!(f("%8.3s|", vec![s("abcdef")]), "     abc|");
    assert_eq!(f("%s", vec![n(7.0)]), "7");
    assert_eq!(f("%x|%05s|%-4d|", vec![s("255"), s("ab"), n(-0.0)]), "ff|000ab|0   |");
    assert_eq!(f("%v %v", vec![n(1e6), n(123456.0)]), "1e+06 123456");
    assert_eq!(f("%.1s|%3s|", vec![s("🤔🤷"), s("é")]), "🤔|  é|");
}

#[test]
fn format_errors() {
    assert!(call_err("format", vec![s("%d"), s("x")]).message.contains("number required"));
    assert!(call_err("format", vec![s("%d"), n(1.5)]).message.contains("an integer is required"));
    assert!(call_err("format", vec![s("%s %s"), s("x")]).message.contains("not enough arguments"));
    assert_eq!(call_err("format", vec![s("%s"), s("x"), s("y")]).arg, Some(2));
    assert!(call_err("format", vec![s("%z"), s("x")]).message.contains("unsupported format verb"));
    assert!(call_err("format", vec![s("%999999999d"), n(1.0)]).message.contains("too large"));
    assert!(call_err("format", vec![s("abc %")]).message.contains("ends in the middle"));
}

#[test]
fn formatlist_examples() {
    assert_eq!(
        call_ok("formatlist", vec![s("Hello, %s!"), sl(&["Valentina", "Ander", "Olivia", "Sam"])]),
        sl(&["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"])
    );
    assert_eq!(
        call_ok("formatlist", vec![s("%s, %s!"), s("Salutations"), sl(&["Valentina", "Ander"])]),
        sl(&["Salutations, Valentina!", "Salutations, Ander!"])
    );
    assert_eq!(call_ok("formatlist", vec![s("%s"), s("x")]), sl(&["x"]));
    assert!(call_err("formatlist", vec![s("%s%s"), sl(&["a"]), sl(&["a", "b"])]).message.contains("inconsistent"));
}

#[test]
fn indent_example() {
    assert_eq!(call_ok("indent", vec![n(2.0), s("[\n  foo,\n  bar,\n]")]), s("[\n    foo,\n    bar,\n  ]"));
    assert!(call_err("indent", vec![n(1e9), s("x")]).message.contains("spaces"));
}

#[test]
fn join_examples() {
    assert_eq!(call_ok("join", vec![s("-"), sl(&["foo", "bar", "baz"])]), s("foo-bar-baz"));
    assert_eq!(call_ok("join", vec![s(", "), sl(&["foo", "bar", "baz"])]), s("foo, bar, baz"));
    assert_eq!(call_ok("join", vec![s(", "), sl(&["foo"])]), s("foo"));
    assert_eq!(call_ok("join", vec![s(","), sl(&["a"]), nl(&[1.0, 2.0])]), s("a,1,2"));
    assert_eq!(call_err("join", vec![s(","), l(vec![crate::value::Value::Null])]).arg, Some(1));
}

#[test]
fn lower_upper_title() {
    assert_eq!(call_ok("lower", vec![s("HELLO")]), s("hello"));
    assert_eq!(call_ok("lower", vec![s("АЛЛО!")]), s("алло!"));
    assert_eq!(call_ok("upper", vec![s("hello")]), s("HELLO"));
    assert_eq!(call_ok("upper", vec![s("алло!")]), s("АЛЛО!"));
    assert_eq!(call_ok("title", vec![s("hello world")]), s("Hello World"));
    assert_eq!(call_ok("title", vec![s("foo-bar_baz")]), s("Foo-Bar_baz"));
}

#[test]
fn regex_examples() {
    assert_eq!(call_ok("regex", vec![s("[a-z]+"), s("53453453.345345aaabbbccc23454")]), s("aaabbbccc"));
    assert_eq!(call_ok("regex", vec![s(r"(\d\d\d\d)-(\d\d)-(\d\d)"), s("2019-02-01")]), sl(&["2019", "02", "01"]));
    assert_eq!(
        call_ok(
            "regex",
            vec![s("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?"), s("https://terraform.io/docs/")]
        ),
        o(&[("authority", s("terraform.io")), ("scheme", s("https"))])
    );
    assert_eq!(
        call_err("regex", vec![s("[a-z]+"), s("53453453.34534523454")]).message,
        "pattern did not match any part of the given string"
    );
    assert_eq!(call_err("regex", vec![s("("), s("x")]).arg, Some(0));
    assert!(call_err("regex", vec![s("(?P<a>x)(y)"), s("xy")]).message.contains("mix"));
}

#[test]
fn regexall_examples() {
    assert_eq!(call_ok("regexall", vec![s("[a-z]+"), s("1234abcd5678efgh9")]), sl(&["abcd", "efgh"]));
    assert_eq!(call_ok("regexall", vec![s("[a-z]+"), s("123")]), l(vec![]));
    assert_eq!(call_ok("regexall", vec![s(r"(\d)(\w)"), s("1a2b")]), l(vec![sl(&["1", "a"]), sl(&["2", "b"])]));
}

#[test]
fn replace_examples() {
    assert_eq!(call_ok("replace", vec![s("1 + 2 + 3"), s("+"), s("-")]), s("1 - 2 - 3"));
    assert_eq!(call_ok("replace", vec![s("hello world"), s("/w.*d/"), s("everybody")]), s("hello everybody"));
    assert_eq!(call_ok("replace", vec![s("hello world"), s("/(h)(e)/"), s("$2$1")]), s("ehllo world"));
    assert_eq!(call_ok("replace", vec![s("a/b"), s("/"), s("-")]), s("a-b"));
    assert_eq!(call_err("replace", vec![s("x"), s("/(/"), s("y")]).arg, Some(1));
}

#[test]
fn split_examples() {
    assert_eq!(call_ok("split", vec![s(","), s("foo,bar,baz")]), sl(&["foo", "bar", "baz"]));
    assert_eq!(call_ok("split", vec![s(","), s("foo")]), sl(&["foo"]));
    assert_eq!(call_ok("split", vec![s(","), s("")]), sl(&[""]));
    assert_eq!(call_ok("split", vec![s(""), s("ab")]), sl(&["a", "b"]));
}

#[test]
fn startswith_endswith() {
    assert_eq!(call_ok("startswith", vec![s("hello world"), s("hello")]), b(true));
    assert_eq!(call_ok("startswith", vec![s("hello world"), s("world")]), b(false));
    assert_eq!(call_ok("endswith", vec![s("hello world"), s("world")]), b(true));
    assert_eq!(call_ok("endswith", vec![s("hello world"), s("hello")]), b(false));
}

#[test]
fn strrev_examples() {
    assert_eq!(call_ok("strrev", vec![s("hello")]), s("olleh"));
    assert_eq!(call_ok("strrev", vec![s("a ☃")]), s("☃ a"));
    assert_eq!(call_ok("strrev", vec![s("ae\u{301}")]), s("e\u{301}a"));
    assert_eq!(graphemes("👾🕹️"), vec!["👾", "🕹️"]);
}

#[test]
fn substr_examples() {
    assert_eq!(call_ok("substr", vec![s("hello world"), n(1.0), n(4.0)]), s("ello"));
    assert_eq!(call_ok("substr", vec![s("🤔🤷"), n(0.0), n(1.0)]), s("🤔"));
    assert_eq!(call_ok("substr", vec![s("hello world"), n(-5.0), n(-1.0)]), s("world"));
    assert_eq!(call_ok("substr", vec![s("hello world"), n(6.0), n(10.0)]), s("world"));
    assert_eq!(call_ok("substr", vec![s("hello"), n(10.0), n(2.0)]), s(""));
    assert_eq!(call_err("substr", vec![s("hello"), n(1.5), n(2.0)]).arg, Some(1));
}

#[test]
fn trim_family() {
    assert_eq!(call_ok("trim", vec![s("?!hello?!"), s("!?")]), s("hello"));
    assert_eq!(call_ok("trim", vec![s("foobar"), s("far")]), s("oob"));
    assert_eq!(call_ok("trim", vec![s("   hello! world.!  "), s("! ")]), s("hello! world."));
    assert_eq!(call_ok("trimprefix", vec![s("helloworld"), s("hello")]), s("world"));
    assert_eq!(call_ok("trimprefix", vec![s("helloworld"), s("cat")]), s("helloworld"));
    assert_eq!(call_ok("trimsuffix", vec![s("helloworld"), s("world")]), s("hello"));
    assert_eq!(call_ok("trimsuffix", vec![s("helloworld"), s("cat")]), s("helloworld"));
    assert_eq!(call_ok("trimspace", vec![s("  hello\n\n")]), s("hello"));
    assert_eq!(call_err("trimspace", vec![l(vec![])]).arg, Some(0));
}
