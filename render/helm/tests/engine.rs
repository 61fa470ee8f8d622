//! Go `text/template` semantics, case by case, as Go's exec_test.go and
//! parse_test.go document them (expectations ported as data).

use gantry_helm::template::render_string;
use gantry_helm::value::Value;

fn data() -> Value {
    let j = serde_json::json!({
        "s": "hello", "empty": "", "i": 7, "zero": 0, "t": true, "f": false,
        "list": [1, 2, 3], "strs": ["b", "a"], "nil": null,
        "m": {"b": 2, "a": 1}, "nested": {"x": {"y": "deep"}},
        "float": 1.5, "big": 1000000.0, "fl": [1.0, 2.5],
    });
    Value::from_json_with(&j, false)
}

/// (template, expected output) — `Err(fragment)` when it must fail with that text.
const CASES: &[(&str, Result<&str, &str>)] = &[
    // Text, actions, fields, printing.
    ("plain text", Ok("plain text")),
    ("{{.s}}", Ok("hello")),
    ("{{.nested.x.y}}", Ok("deep")),
    ("{{.missing}}", Ok("<no value>")),
    ("{{.nil}}", Ok("<no value>")),
    ("{{.list}}", Ok("[1 2 3]")),
    ("{{.m}}", Ok("map[a:1 b:2]")),
    ("{{.float}} {{.big}} {{.fl}}", Ok("1.5 1e+06 [1 2.5]")),
    ("{{.missing.x}}", Err("nil pointer evaluating interface {}.x")),
    ("{{.s.x}}", Err("can't evaluate field x in type interface {}")),
    ("{{.m.a 1}}", Err("a is not a method but has arguments")),
    // Trimming.
    ("a  {{- .s -}}  b", Ok("ahellob")),
    ("a\n\t{{- .s}}\n", Ok("ahello\n")),
    ("{{- /* comment */ -}} x", Ok("x")),
    ("{{/* a comment */}}y", Ok("y")),
    ("{{3 -}} {{- 4}}", Ok("34")),
    // Constants.
    ("{{1}} {{-2}} {{0x1F}} {{0o17}} {{017}} {{1e3}} {{1.5}} {{'a'}} {{true}}", Ok("1 -2 31 15 15 1000 1.5 97 true")),
    ("{{\"a\\tb\"}}|{{`raw\\n`}}", Ok("a\tb|raw\\n")),
    ("{{nil}}", Err("nil is not a command")),
    // if / else if / else, truthiness of zero values.
    ("{{if .t}}T{{else}}F{{end}}", Ok("T")),
    ("{{if .zero}}T{{else if .empty}}E{{else if .list}}L{{end}}", Ok("L")),
    ("{{if .m}}m{{end}}{{if .nil}}n{{end}}{{if .missing}}x{{end}}{{if .f}}f{{end}}", Ok("m")),
    ("{{if 0.0}}a{{else}}b{{end}}", Ok("b")),
    // with / else.
    ("{{with .nested.x}}{{.y}}{{end}}", Ok("deep")),
    ("{{with .missing}}x{{else}}none{{end}}", Ok("none")),
    ("{{with $x := .s}}{{$x}}{{.}}{{end}}", Ok("hellohello")),
    ("{{with .empty}}a{{else with .s}}{{.}}{{end}}", Ok("hello")),
    // range over slices, maps (sorted keys), ints; else; break/continue.
    ("{{range .list}}{{.}},{{end}}", Ok("1,2,3,")),
    ("{{range $i, $e := .strs}}{{$i}}={{$e}} {{end}}", Ok("0=b 1=a ")),
    ("{{range $k, $v := .m}}{{$k}}{{$v}}{{end}}", Ok("a1b2")),
    ("{{range .m}}{{.}}{{end}}", Ok("12")),
    ("{{range .nil}}x{{else}}empty{{end}}", Ok("empty")),
    ("{{range 3}}{{.}}{{end}}", Ok("012")),
    ("{{range .list}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}", Ok("1")),
    ("{{range .list}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", Ok("13")),
    ("{{range .s}}{{end}}", Err("range can't iterate over hello")),
    ("{{break}}", Err("{{break}} outside {{range}}")),
    // Variables and scoping.
    ("{{$x := 1}}{{$x}}{{$x = 2}}{{$x}}", Ok("12")),
    ("{{$x := 1}}{{range .list}}{{$x = .}}{{end}}{{$x}}", Ok("3")),
    ("{{with .s}}{{$.i}}{{end}}", Ok("7")),
    ("{{if true}}{{$y := 1}}{{end}}{{$y}}", Err("undefined variable \"$y\"")),
    ("{{$x.a}}", Err("undefined variable \"$x\"")),
    // Pipelines and parentheses.
    ("{{.s | printf \"%s!\"}}", Ok("hello!")),
    ("{{\"x\" | printf \"%s-%s\" \"y\"}}", Ok("y-x")),
    ("{{(index .m \"a\")}}", Ok("1")),
    ("{{(.nested).x.y}}", Ok("deep")),
    ("{{.s | 1}}", Err("can't give argument to non-function 1")),
    // define / template / block.
    ("{{define \"T\"}}[{{.}}]{{end}}{{template \"T\" .s}}{{template \"T\"}}", Ok("[hello][<no value>]")),
    ("{{block \"B\" .i}}<{{.}}>{{end}}", Ok("<7>")),
    ("{{template \"nope\"}}", Err("no template \"nope\" associated with template \"t\"")),
    // and / or short-circuit; not.
    ("{{and 1 0 .missing.x}}", Ok("0")),
    ("{{or 0 \"\" .s .missing.x}}", Ok("hello")),
    ("{{and .t .s}} {{or .zero .empty}} {{not .t}} {{not .nil}}", Ok("hello  false true")),
    // Comparison with Go's type rules.
    ("{{eq 1 1}} {{eq .s \"hello\"}} {{eq 1 2 3 1}} {{ne 1 2}}", Ok("true true true true")),
    ("{{eq .missing \"x\"}}", Ok("false")),
    ("{{eq 1 1.0}}", Err("incompatible types for comparison")),
    ("{{eq .list .list}}", Err("non-comparable types")),
    ("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}}", Ok("true true true false")),
    ("{{lt 1 \"a\"}}", Err("incompatible types for comparison")),
    ("{{lt .nil 1}}", Err("invalid type for comparison")),
    // len, index, slice.
    ("{{len .list}} {{len .s}} {{len .m}}", Ok("3 5 2")),
    ("{{len 3}}", Err("len of type int64")),
    (
        "{{index .list 1}} {{index .m \"b\"}} {{index .nested \"x\" \"y\"}} {{index .m \"zz\"}}",
        Ok("2 2 deep <no value>"),
    ),
    ("{{index .list 5}}", Err("error calling index: index out of range: 5")),
    ("{{index .nil 1}}", Err("index of untyped nil")),
    ("{{slice .list 1}} {{slice .list 0 2}} {{slice .s 1 3}}", Ok("[2 3] [1 2] el")),
    // print family and fmt verbs.
    ("{{print 1 2 \"a\" \"b\" 3}}", Ok("1 2ab3")),
    ("{{println 1 \"a\"}}", Ok("1 a\n")),
    (
        "{{printf \"%d|%5d|%-5d|%05d|%x|%X|%o|%b|%c\" 42 42 42 42 255 255 8 5 65}}",
        Ok("42|   42|42   |00042|ff|FF|10|101|A"),
    ),
    (
        "{{printf \"%s|%q|%v|%10s|%-4s|%.2s\" \"go\" \"go\" \"go\" \"go\" \"go\" \"golang\"}}",
        Ok("go|\"go\"|go|        go|go  |go"),
    ),
    (
        "{{printf \"%f|%.2f|%5.1f|%e|%g|%v\" 3.14159 3.14159 3.14159 1234.5678 0.000012 2.0}}",
        Ok("3.141590|3.14|  3.1|1.234568e+03|1.2e-05|2"),
    ),
    (
        "{{printf \"%t %v %v %T %T\" true .m .list .s .m}}",
        Ok("true map[a:1 b:2] [1 2 3] string map[string]interface {}"),
    ),
    (
        "{{printf \"%d\" \"x\"}}|{{printf \"%s\" 1}}|{{printf \"%d\"}}|{{printf \"x\" 1}}",
        Ok("%!d(string=x)|%!s(int64=1)|%!d(MISSING)|x%!(EXTRA int64=1)"),
    ),
    ("{{printf \"%v %s\" .nil .nil}}|{{printf \"%%\"}}|{{printf \"%x\" \"hi\"}}", Ok("<nil> %!s(<nil>)|%|6869")),
    // html, js, urlquery.
    ("{{html \"<a href='x'>&</a>\"}}", Ok("&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;")),
    ("{{js \"it's \\\"q\\\" <b>\"}}", Ok("it\\'s \\\"q\\\" \\u003Cb\\u003E")),
    ("{{urlquery \"a b&c=d/é\"}}", Ok("a+b%26c%3Dd%2F%C3%A9")),
    // Parse errors name the line.
    ("line1\n{{.s", Err("template: t:2: unclosed action")),
    ("{{if .t}}x", Err("unexpected EOF")),
    ("{{end}}", Err("unexpected {{end}}")),
    ("{{nofunc 1}}", Err("function \"nofunc\" not defined")),
    ("{{.s}}\n  {{.missing.x}}", Err("template: t:2:4: executing \"t\" at <.missing.x>")),
];

#[test]
fn go_text_template_semantics() {
    let d = data();
    let mut bad = Vec::new();
    for (tpl, want) in CASES {
        let got = render_string("t", tpl, &d);
        let ok = match (want, &got) {
            (Ok(w), Ok(g)) => w == g,
            (Err(frag), Err(e)) => e.contains(frag),
            _ => false,
        };
        if !ok {
            bad.push(format!("{tpl:?}\n   want {want:?}\n   got  {got:?}"));
        }
    }
    assert!(bad.is_empty(), "{} of {} cases differ from Go:\n{}", bad.len(), CASES.len(), bad.join("\n"));
}

#[test]
fn recursion_is_bounded() {
    let t = "{{define \"r\"}}{{include \"r\" .}}{{end}}{{include \"r\" .}}";
    let e = render_string("t", t, &Value::Nil).unwrap_err();
    assert!(e.contains("rendering template has a nested reference name: r"), "{e}");
    let t = "{{define \"r\"}}{{template \"r\" .}}{{end}}{{template \"r\" .}}";
    let e = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || render_string("t", t, &Value::Nil).unwrap_err())
        .unwrap()
        .join()
        .unwrap();
    assert!(e.contains("exceeded maximum template depth (1500)"), "{e}");
    let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
    let e = render_string("t", &format!("{{{{{deep}}}}}"), &Value::Nil).unwrap_err();
    assert!(e.contains("parentheses nest deeper than 200"), "{e}");
    let deep = "{{if 1}}".repeat(300);
    let e = render_string("t", &deep, &Value::Nil).unwrap_err();
    assert!(e.contains("control structures nest deeper than 200"), "{e}");
}

#[test]
fn set_mutates_shared_maps() {
    let t = "{{$d := dict \"a\" 1}}{{$_ := set $d \"b\" 2}}{{$d}} {{$e := $d}}{{$_ := unset $e \"a\"}}{{$d}}";
    assert_eq!(render_string("t", t, &Value::Nil).unwrap(), "map[a:1 b:2] map[b:2]");
    // A map that contains itself serialises without recursing forever.
    let t = "{{$d := dict}}{{$_ := set $d \"self\" $d}}{{len (toJson $d)}}";
    assert!(render_string("t", t, &Value::Nil).is_ok());
}

/// Random token soup never panics or hangs the engine: every outcome is Ok or Err.
#[test]
fn arbitrary_input_never_panics() {
    const PIECES: &[&str] = &[
        "{{",
        "}}",
        "{{-",
        " -}}",
        "if",
        "else",
        "end",
        "range",
        "with",
        "define",
        "template",
        "block",
        "\"x\"",
        "`r`",
        "'c'",
        "$",
        "$x",
        ":=",
        "=",
        ".",
        ".a",
        ".a.b",
        "(",
        ")",
        "|",
        "1",
        "-2",
        "3.5",
        "0x1",
        "nil",
        "true",
        "printf",
        "\"%d %s %v\"",
        "index",
        "slice",
        "len",
        "and",
        "or",
        "not",
        "eq",
        "lt",
        "include",
        "tpl",
        "toYaml",
        "default",
        "dict",
        "list",
        "set",
        "until",
        "substr",
        "trunc",
        " ",
        "\n",
        "é",
        "/*",
        "*/",
        "break",
        "continue",
        ",",
        "repeat",
        "regexFind",
        "\"(\"",
    ];
    let data = data();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..3000 {
        let mut t = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = 1 + (seed % 24) as usize;
        for _ in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            t.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            if seed % 3 == 0 {
                t.push(' ');
            }
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render_string("t", &t, &data)));
        assert!(r.is_ok(), "panicked on {t:?}");
    }
}
