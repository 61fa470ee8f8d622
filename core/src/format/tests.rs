use super::format_source;
use hcl_edit::expr::{Array, FuncArgs, Object};
use hcl_edit::structure::Body;
use hcl_edit::visit_mut::{self, VisitMut};

/// Clears the whitespace `hcl-edit` keeps before a closing bracket, the only layout that takes
/// part in its `PartialEq` (decor is ignored there).
struct ClearTrailing;

impl VisitMut for ClearTrailing {
    fn visit_array_mut(&mut self, node: &mut Array) {
        node.set_trailing("");
        visit_mut::visit_array_mut(self, node);
    }

    fn visit_object_mut(&mut self, node: &mut Object) {
        node.set_trailing("");
        visit_mut::visit_object_mut(self, node);
    }

    fn visit_func_args_mut(&mut self, node: &mut FuncArgs) {
        node.set_trailing("");
        visit_mut::visit_func_args_mut(self, node);
    }
}

fn parse_normalised(src: &str) -> Body {
    let mut body = hcl_edit::parser::parse_body(src).unwrap_or_else(|e| panic!("does not parse: {e}\n---\n{src}\n---"));
    ClearTrailing.visit_body_mut(&mut body);
    body
}

/// The debug check behind every test: formatting is idempotent and changes only layout.
fn check_format(src: &str) -> String {
    let out = format_source(src).unwrap_or_else(|e| panic!("format failed: {e}\n{src}"));
    let again = format_source(&out).unwrap_or_else(|e| panic!("output does not parse: {e}\n{out}"));
    assert_eq!(again, out, "not idempotent for input:\n{src}");
    assert!(
        parse_normalised(src) == parse_normalised(&out),
        "formatting changed the meaning of:\n{src}\n--- into ---\n{out}"
    );
    out
}

/// (name, input, expected output)
const CASES: &[(&str, &str, &str)] = &[
    (
        "misindented nested blocks",
        r#"resource "aws_instance" "web" {
ami = "ami-123"
      tags {
  Name = "web"
            }
   }
"#,
        r#"resource "aws_instance" "web" {
  ami = "ami-123"
  tags {
    Name = "web"
  }
}
"#,
    ),
    (
        "block header normalised",
        "resource   \"a\"\t\"b\"{\n}\nlocals{\n}\nempty   {   }\n",
        "resource \"a\" \"b\" {\n}\nlocals {\n}\nempty {}\n",
    ),
    (
        "equals aligned in a run",
        r#"variable "x" {
  type = string
  default = "a"
  description="the x"
}
"#,
        r#"variable "x" {
  type        = string
  default     = "a"
  description = "the x"
}
"#,
    ),
    (
        "run broken by a blank line",
        "a = 1\nbbb   = 2\n\ncc = 3\nd = 4\n",
        "a   = 1\nbbb = 2\n\ncc = 3\nd  = 4\n",
    ),
    (
        "run broken by a block and a multi-line value",
        "a = 1\nblk {\n}\nbb = 2\nlist = [\n  1,\n]\nccc = 3\n",
        "a = 1\nblk {\n}\nbb = 2\nlist = [\n  1,\n]\nccc = 3\n",
    ),
    (
        "alignment inside an object constructor",
        r#"tags = {
Name = "web"
    Environment = "prod"
  "quoted key" = 1
  other: 2
  x = {a=1}
}
"#,
        r#"tags = {
  Name         = "web"
  Environment  = "prod"
  "quoted key" = 1
  other: 2
  x = { a = 1 }
}
"#,
    ),
    (
        "heredocs untouched",
        r#"resource "x" "y" {
user_data = <<EOF
  #!/bin/bash
    echo "{ = }"  
EOF
    script = <<-EOT
        indented ${var.x} {
      EOT
after = 1
}
"#,
        r#"resource "x" "y" {
  user_data = <<EOF
  #!/bin/bash
    echo "{ = }"  
EOF
  script    = <<-EOT
        indented ${var.x} {
      EOT
  after     = 1
}
"#,
    ),
    (
        "comments of all three kinds",
        r#"# top comment   
   // slash comment
  /* block
   comment */
foo {
      # inside
  a = 1 # trailing
  bbb = 2   // other trailing

  /* inline */ c = 3
  d = [ # after bracket
  1, /* one */
  ]
}
"#,
        r#"# top comment
// slash comment
/* block
   comment */
foo {
  # inside
  a   = 1 # trailing
  bbb = 2 // other trailing

  /* inline */ c = 3
  d = [ # after bracket
    1, /* one */
  ]
}
"#,
    ),
    (
        "strings with brackets, equals and hashes",
        r##"blk {
a="{"
  b   =   "}"
c = "x = y # not a comment // nor this"
 d = "${foo("}")} /* still string"
e = "esc \" { quote"
f = "$${literal} %%{x}"
}
"##,
        r##"blk {
  a = "{"
  b = "}"
  c = "x = y # not a comment // nor this"
  d = "${foo("}")} /* still string"
  e = "esc \" { quote"
  f = "$${literal} %%{x}"
}
"##,
    ),
    (
        "one-line blocks",
        "foo {a=1}\nbar { b = \"}\" }\nbaz {\n  nested {x=1}\n}\n",
        "foo { a = 1 }\nbar { b = \"}\" }\nbaz {\n  nested { x = 1 }\n}\n",
    ),
    (
        "trailing whitespace",
        "a = 1   \n   \nb = 2\t\nc {  \n}  \n",
        "a = 1\n\nb = 2\nc {\n}\n",
    ),
    ("missing final newline", "a = 1", "a = 1\n"),
    ("extra final newlines", "a = 1\n\n\n\n", "a = 1\n"),
    ("empty file", "\n\n  \n", ""),
    (
        "tabs for indentation",
        "foo {\n\tbar {\n\t\ta\t=\t1\n\t\tbb = 2\n\t}\n}\n",
        "foo {\n  bar {\n    a  = 1\n    bb = 2\n  }\n}\n",
    ),
    (
        "blank lines kept inside blocks",
        "foo {\n\n  a = 1\n\n\n  b = 2\n\n}\n",
        "foo {\n\n  a = 1\n\n\n  b = 2\n\n}\n",
    ),
    (
        "for expressions",
        r#"locals {
names = [
for s in var.list :
upper(s)
if s != ""
]
m = {for k, v in var.map : k => v...}
t = [for x in [1, 2]: x]
}
"#,
        r#"locals {
  names = [
    for s in var.list :
    upper(s)
    if s != ""
  ]
  m = { for k, v in var.map : k => v... }
  t = [for x in [1, 2]: x]
}
"#,
    ),
    (
        "function call spanning lines",
        r#"x = merge(
var.a,
      {
b = 1
},
)
y = jsonencode({
    a = [1,2]
  })
"#,
        r#"x = merge(
  var.a,
  {
    b = 1
  },
)
y = jsonencode({
  a = [1, 2]
})
"#,
    ),
    (
        "operator and bracket spacing",
        "a=foo( 1 ,2 )\nb = - 1\nc = !var.x&&var.y\nd = a*b+c%2\ne = x ? y : z\nf = var.m [ \"k\" ]\ng = var.l[ * ].id\nh = a-b\ni = 1 - -2\nj = provider::p::f( 1 )\nk = a.b . c\nl = 1.5e+3\n",
        "a = foo(1, 2)\nb = -1\nc = !var.x && var.y\nd = a * b + c % 2\ne = x ? y : z\nf = var.m[\"k\"]\ng = var.l[*].id\nh = a-b\ni = 1 - -2\nj = provider::p::f(1)\nk = a.b.c\nl = 1.5e+3\n",
    ),
    (
        "keywords and odd spacing (hclwrite turns `in (` and `if (` into `in(` and `if(`)",
        "a = [for x in var.l : x if (x > 1)]\nb = \"abc\" [0]\nc = { for k in (var.m) : k => k }\nd = f( a... )\n",
        "a = [for x in var.l : x if(x > 1)]\nb = \"abc\" [0]\nc = { for k in(var.m) : k => k }\nd = f(a...)\n",
    ),
    (
        "trailing comments aligned",
        "a = 1 # one\nbbbb = \"x\" # two\nc {} # three\n",
        "a    = 1   # one\nbbbb = \"x\" # two\nc {}       # three\n",
    ),
    (
        "multi-line string interpolation kept as is",
        "x = \"${foo(\n    1,\n  2)}\"\ny = 1\n",
        "x = \"${foo(\n    1,\n  2)}\"\ny = 1\n",
    ),
    (
        "crlf line endings",
        "foo {\r\n   a = 1\r\n}\r\n",
        "foo {\r\n  a = 1\r\n}\r\n",
    ),
    (
        "non-ascii text",
        "é = \"ünïcødé {\"\nfoo {\n      bar = \"日本\" # コメント\n}\n",
        "é = \"ünïcødé {\"\nfoo {\n  bar = \"日本\" # コメント\n}\n",
    ),
];

#[test]
fn format_cases() {
    let mut failures = Vec::new();
    for (name, input, expected) in CASES {
        let out = check_format(input);
        if out != *expected {
            failures.push(format!("case `{name}`\n--- expected ---\n{expected}--- got ---\n{out}"));
        }
        // The canonical form is a fixed point.
        assert_eq!(check_format(expected), *expected, "case `{name}` expected output");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn format_invalid_input_is_an_error() {
    let invalid = [
        "foo {",
        "a = ",
        "a = \"unterminated",
        "x = <<EOF\nno end\n",
        "}",
        "a = [1, 2",
        "/* open comment",
        "a = 1 2",
        "\u{0}",
        "a = \"${\"",
    ];
    for src in invalid {
        assert!(format_source(src).is_err(), "accepted invalid input {src:?}");
    }
}

/// Deterministic xorshift generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn ws(&mut self) -> &'static str {
        self.pick(&["", " ", " ", "  ", "\t", " \t "])
    }
}

fn gen_expr(rng: &mut Rng, depth: usize, out: &mut String) {
    let choice = if depth > 2 { rng.below(4) } else { rng.below(11) };
    match choice {
        0 => out.push_str(rng.pick(&["1", "42", "3.14", "1e3", "true", "null"])),
        1 => out.push_str(rng.pick(&[
            r#""plain""#,
            r#""a = b""#,
            r#""{ } [ ] #x //y /*z*/""#,
            r#""${var.x}-${local.y}""#,
            r#""%{ if a }b%{ endif }""#,
            r#""esc \" \\ $${x}""#,
        ])),
        2 => out.push_str(rng.pick(&["var.a", "local.b-c", "x[0]", "x.*.y", "a[*].b"])),
        3 => {
            out.push_str(rng.pick(&["-", "!"]));
            out.push_str(rng.ws());
            out.push_str("var.x");
        }
        4 | 5 => {
            // Array, possibly over several lines.
            let multi = rng.below(2) == 0;
            out.push('[');
            let n = rng.below(3);
            for i in 0..n {
                out.push_str(if multi { "\n" } else { rng.ws() });
                out.push_str(rng.ws());
                gen_expr(rng, depth + 1, out);
                if i + 1 < n || rng.below(2) == 0 {
                    out.push_str(rng.ws());
                    out.push(',');
                }
            }
            out.push_str(if multi { "\n" } else { rng.ws() });
            out.push(']');
        }
        6 | 7 => {
            // Object constructor: one item per line or comma separated.
            let multi = rng.below(2) == 0;
            out.push('{');
            let n = rng.below(4);
            for i in 0..n {
                out.push_str(if multi { "\n" } else { rng.ws() });
                out.push_str(rng.ws());
                out.push_str(rng.pick(&["k", "long_key", "\"q k\"", "(var.k)"]));
                out.push_str(rng.ws());
                out.push_str(rng.pick(&["=", "=", ":"]));
                out.push_str(rng.ws());
                gen_expr(rng, depth + 1, out);
                if !multi && i + 1 < n {
                    out.push(',');
                }
                if multi && rng.below(4) == 0 {
                    out.push_str(" # c");
                }
            }
            out.push_str(if multi { "\n" } else { rng.ws() });
            out.push('}');
        }
        8 => {
            // Function call, arguments possibly on separate lines.
            let multi = rng.below(2) == 0;
            out.push_str(rng.pick(&["max(", "merge(", "f ("]));
            let n = 1 + rng.below(3);
            for i in 0..n {
                if multi {
                    out.push('\n');
                }
                out.push_str(rng.ws());
                gen_expr(rng, depth + 1, out);
                if i + 1 < n {
                    out.push(',');
                }
            }
            out.push_str(if multi { ",\n" } else { "" });
            out.push(')');
        }
        9 => {
            let object = rng.below(2) == 0;
            out.push_str(if object { "{for " } else { "[for " });
            out.push_str("x in ");
            gen_expr(rng, depth + 1, out);
            out.push_str(rng.pick(&[" : ", ":", " :\n"]));
            if object {
                out.push_str("x => x");
                out.push_str(rng.pick(&["}", " }", "\n}"]));
            } else {
                out.push_str("x if x != 0");
                out.push_str(rng.pick(&["]", " ]", "\n]"]));
            }
        }
        _ => {
            gen_expr(rng, depth + 1, out);
            out.push_str(rng.ws());
            out.push_str(rng.pick(&["+", "*", "==", "&&", "-", "/"]));
            out.push_str(rng.ws());
            gen_expr(rng, depth + 1, out);
        }
    }
}

fn gen_body(rng: &mut Rng, depth: usize, out: &mut String) {
    let n = rng.below(6);
    for _ in 0..n {
        for _ in 0..rng.below(4) {
            out.push_str(rng.pick(&[" ", "\t", "  "]));
        }
        match rng.below(if depth > 2 { 5 } else { 8 }) {
            0..=2 => {
                out.push_str(rng.pick(&["a", "bb", "long_name", "x-y"]));
                out.push_str(rng.ws());
                out.push('=');
                out.push_str(rng.ws());
                gen_expr(rng, 0, out);
            }
            3 => out.push_str(rng.pick(&["# note", "// note {", "/* a\n  b */", ""])),
            4 => {
                out.push_str("h = <<");
                out.push_str(rng.pick(&["EOF\n  body {\n", "-EOT\n    ${x}\n  "]));
                out.push_str(if out.ends_with("  ") { "EOT" } else { "EOF" });
            }
            5 => {
                out.push_str("one");
                out.push_str(rng.ws());
                out.push('{');
                out.push_str(rng.ws());
                out.push_str("x = 1");
                out.push_str(rng.ws());
                out.push('}');
            }
            _ => {
                out.push_str(rng.pick(&["resource \"a\" \"b\"", "block", "dynamic  \"x\""]));
                out.push_str(rng.ws());
                out.push_str("{\n");
                gen_body(rng, depth + 1, out);
                out.push_str(rng.ws());
                out.push('}');
            }
        }
        out.push_str(rng.pick(&["", " ", "\t", " # end"]));
        out.push_str(rng.pick(&["\n", "\n", "\n\n", "\n  \n"]));
    }
}

#[test]
fn format_is_idempotent_and_preserves_meaning() {
    let mut inputs: Vec<String> =
        CASES.iter().flat_map(|(_, input, expected)| [input.to_string(), expected.to_string()]).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut valid = 0;
    for _ in 0..400 {
        let mut doc = String::new();
        gen_body(&mut rng, 0, &mut doc);
        if hcl_edit::parser::parse_body(&doc).is_ok() {
            valid += 1;
            inputs.push(doc);
        }
    }
    assert!(valid > 200, "generator produced only {valid} valid documents");
    for input in &inputs {
        check_format(input);
    }
}

#[test]
fn format_never_panics() {
    // Truncations of valid documents cut through strings, heredocs and multi-byte characters;
    // whatever parses must format, the rest must be an error.
    let odd = [
        "\u{feff}a = 1\n",
        "a = 1\r",
        "a\u{c}=\u{b}1\n",
        "a\u{a0}= 1\n",
        "x = <<EOF\nEOF\n",
        "x = <<EOF\r\n  y\r\n  EOF\r\n",
        "x = \"${\"}\"}\"\n",
        "x = \"%{ for a in b }${a}%{ endfor }\"\n",
        "a = 1 /* unterminated",
        "# only a comment",
        "b {\n}\n\n\n# end\n\n",
    ];
    for src in odd {
        if format_source(src).is_ok() {
            check_format(src);
        }
    }
    let doc = CASES.iter().map(|(_, input, _)| *input).collect::<String>();
    for (i, _) in doc.char_indices().step_by(7) {
        let prefix = &doc[..i];
        if format_source(prefix).is_ok() {
            check_format(prefix);
        }
    }
}
