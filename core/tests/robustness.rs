//! Robustness properties: random bytes, random HCL token sequences, mutated configurations,
//! deep nesting and pathological evaluations never panic (or overflow the stack in) the parser,
//! formatter, evaluator, loader or validator. Everything is deterministic (fixed seeds).
//!
//! The generators are shared (by copy) with `core/examples/fuzz_loader.rs`, which runs them in a
//! long loop: `cargo run --release -p gantry-core --example fuzz_loader -- SECONDS`.

use gantry_core::diag::{Diagnostics, FileId, SourceMap};
use gantry_core::engine::{self, NoHook, WalkSettings};
use gantry_core::eval::eval_constant;
use gantry_core::format::format_source;
use gantry_core::provider::Registry;
use gantry_core::syntax::{parse_expression, parse_file};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Generators (keep in sync with core/examples/fuzz_loader.rs)
// ---------------------------------------------------------------------------------------------

/// SplitMix64: small, deterministic, good enough for generating test input.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Random bytes, biased toward HCL punctuation, turned into a string lossily.
fn random_bytes(rng: &mut Rng) -> String {
    const INTERESTING: &[u8] = b"{}[]()<>=!:?.,*%$\"'\\#/-+&|~ \t\n\r0123456789abcxyz_EOT";
    let len = rng.below(300);
    let mut bytes = Vec::with_capacity(len);
    for _ in 0..len {
        let b = match rng.below(4) {
            0 => rng.next_u64() as u8,
            1 => 0x20 + rng.below(0x5f) as u8,
            _ => *rng.pick(INTERESTING),
        };
        bytes.push(b);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

const TOKENS: &[&str] = &[
    "resource",
    "variable",
    "locals",
    "output",
    "module",
    "data",
    "provider",
    "gantry",
    "for",
    "in",
    "if",
    "endif",
    "else",
    "endfor",
    "null",
    "true",
    "false",
    "count",
    "each",
    "self",
    "var",
    "local",
    "path",
    "terraform",
    "for_each",
    "depends_on",
    "lifecycle",
    "source",
    "default",
    "type",
    "value",
    "validation",
    "condition",
    "error_message",
    "count.index",
    "each.key",
    "each.value",
    "var.x",
    "local.a",
    "module.m.out",
    "string",
    "number",
    "bool",
    "list(string)",
    "map(number)",
    "object({a=string})",
    "optional(string, \"x\")",
    "a",
    "b",
    "x",
    "foo_bar",
    "_",
    "0",
    "1",
    "-1",
    "3.14",
    "1e9",
    "1e309",
    "0x10",
    "\"\"",
    "\"a\"",
    "\"${var.x}\"",
    "\"${\"",
    "\"}\"",
    "\"%{if true}x%{endif}\"",
    "\"%{for a in [1,2]}${a}%{endfor}\"",
    "\"${a}${b}\"",
    "\"\\n\\t\\u00e9\\\\\"",
    "\"$${x}\"",
    "\"%%{x}\"",
    "\"unterminated",
    "\"${",
    "%{",
    "${",
    "}",
    "<<EOT\nhello ${x}\nEOT\n",
    "<<-EOT\n  x\n  EOT\n",
    "<<EOT",
    "EOT",
    "\n",
    "\n",
    "\n",
    " ",
    "=",
    "==",
    "!=",
    ":",
    "?",
    "...",
    "[*]",
    ".*",
    "[0]",
    "[\"k\"]",
    ".",
    ",",
    "+",
    "-",
    "*",
    "/",
    "%",
    "&&",
    "||",
    "!",
    "<",
    ">",
    "<=",
    ">=",
    "=>",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "#comment\n",
    "// c\n",
    "/* block */",
    "/*",
    "*/",
    "range(3)",
    "length([])",
    "format(\"%5d\", 1)",
    "upper(\"x\")",
    "jsonencode({})",
    "tostring(1)",
    "max(",
    "concat(",
    "try(",
    "can(",
    "coalesce(",
    "lookup(",
    "merge(",
    "zipmap(",
    "flatten(",
    "element(",
    "split(\",\",",
    "join(\"-\",",
    "file(\"x\")",
    "abs",
    "é",
    "\u{0}",
    "\u{feff}",
    "🦀",
];

/// A random sequence of HCL tokens.
fn random_tokens(rng: &mut Rng) -> String {
    let n = rng.below(50);
    let mut out = String::new();
    for _ in 0..n {
        out.push_str(*rng.pick(TOKENS));
        if rng.chance(60) {
            out.push(' ');
        }
    }
    out
}

/// A random, roughly well-formed expression built from tokens, to reach the evaluator more often.
fn random_expr(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.chance(30) {
        return rng
            .pick(&[
                "1",
                "0",
                "-2.5",
                "1e9",
                "true",
                "false",
                "null",
                "\"s\"",
                "\"${1 + 2}\"",
                "\"%{if true}y%{endif}\"",
                "[]",
                "{}",
                "range(3)",
                "range(1e9)",
                "\"x\"",
                "[1, 2, 3]",
                "{a = 1, b = \"c\"}",
                "upper(\"é\")",
            ])
            .to_string();
    }
    let a = random_expr(rng, depth - 1);
    let b = random_expr(rng, depth - 1);
    match rng.below(14) {
        0 => format!("({a} {} {b})", rng.pick(&["+", "-", "*", "/", "%", "==", "!=", "<", ">", "&&", "||"])),
        1 => format!("[{a}, {b}]"),
        2 => format!("{{ k = {a}, \"{}\" = {b} }}", rng.below(5)),
        3 => format!("[for v in {a} : {b}]"),
        4 => format!("{{for k, v in {a} : k => {b}...}}"),
        5 => format!("({a} ? {b} : {a})"),
        6 => format!("\"${{{a}}}-%{{ for x in {b} }}${{x}}%{{ endfor }}\""),
        7 => format!("{a}[{b}]"),
        8 => format!("{a}[*].x"),
        9 => format!(
            "{}({a}, {b})",
            rng.pick(&[
                "max",
                "min",
                "concat",
                "merge",
                "format",
                "join",
                "coalesce",
                "lookup",
                "element",
                "zipmap",
                "setproduct",
                "flatten",
                "keys",
                "values",
                "length",
                "tostring",
                "tonumber",
                "try",
                "can",
                "jsonencode",
                "jsondecode",
                "substr",
                "replace",
                "split",
                "slice",
                "range",
                "chunklist",
            ])
        ),
        10 => format!("!{a}"),
        11 => format!("-{a}"),
        12 => format!("{a}.{}", rng.pick(&["k", "0", "a", "*"])),
        _ => format!("[{a}, {b}]..."),
    }
}

const SEED_ROOT: &[&str] = &[
    r#"
variable "region" {
  type    = string
  default = "us-east-1"
  validation {
    condition     = length(var.region) > 2
    error_message = "Region too short."
  }
}

variable "sizes" {
  type    = map(number)
  default = { small = 1, large = 4 }
}

locals {
  name   = "gantry-${var.region}"
  tags   = { owner = "ml", env = "dev" }
  names  = [for k, v in var.sizes : "${k}-${v}" if v > 0]
  lookup = { for n in local.names : n => upper(n) }
  total  = sum(values(var.sizes))
}

resource "local_file" "count" {
  count    = 3
  filename = "out-${count.index}.txt"
  content  = format("%s %05d", local.name, count.index)
}

resource "local_file" "each" {
  for_each = var.sizes
  filename = "${each.key}.txt"
  content  = <<-EOT
    size ${each.value}
    %{ for t, v in local.tags }${t}=${v}
    %{ endfor }
  EOT
  depends_on = [local_file.count]
}

module "child" {
  source = "./modules/child"
  input  = local.name
  count  = 2
}

output "names" {
  value = local.names
}

output "child" {
  value = module.child[*].echo
}
"#,
    r#"
gantry {
  required_version = ">= 0.1"
}

variable "n" {
  type    = number
  default = 2
}

variable "obj" {
  type = object({ a = string, b = optional(list(number), [1, 2]) })
  default = { a = "x" }
}

locals {
  squares = [for i in range(var.n) : i * i]
  merged  = merge({ a = 1 }, { b = 2 }, { for i, s in local.squares : tostring(i) => s })
  cond    = var.n > 1 ? "many" : "few"
  j       = jsonencode({ list = local.squares, obj = var.obj })
  splat   = [for o in [{ id = 1 }, { id = 2 }] : o][*].id
}

data "local_file" "read" {
  filename = "${path.module}/main.hcl"
}

resource "local_file" "x" {
  for_each = toset(["a", "b"])
  filename = "${each.value}.txt"
  content  = try(data.local_file.read.content, "none")
  lifecycle {
    create_before_destroy = true
    ignore_changes        = [content]
  }
}

module "one" {
  source   = "./modules/child"
  for_each = { a = "1", b = "2" }
  input    = each.value
}

output "cond" {
  value     = local.cond
  sensitive = false
}

output "j" {
  value = local.j
}
"#,
];

const SEED_CHILD: &[&str] = &[r#"
variable "input" {
  type = string
}

locals {
  doubled = "${var.input}${var.input}"
}

output "echo" {
  value = local.doubled
}
"#];

/// Splits source text into rough tokens (runs of word characters, whitespace, or single symbols).
fn rough_tokens(src: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = src.as_bytes();
    let class = |b: u8| {
        if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
            0
        } else if b.is_ascii_whitespace() {
            1
        } else {
            2
        }
    };
    for i in 1..=bytes.len() {
        if i == bytes.len() || class(bytes[i]) != class(bytes[start]) || class(bytes[start]) == 2 {
            if let Some(t) = src.get(start..i) {
                out.push(t);
                start = i;
            }
        }
    }
    out
}

/// Applies 1-4 random mutations (byte or token level) to a seed.
fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut text = src.to_string();
    for _ in 0..1 + rng.below(4) {
        if rng.chance(50) {
            // Byte level.
            let mut bytes = text.into_bytes();
            let len = bytes.len().max(1);
            let a = rng.below(len).min(bytes.len());
            let max_span = if rng.chance(80) { 8 } else { 200 };
            let span = 1 + rng.below(max_span);
            let b = (a + span).min(bytes.len());
            match rng.below(5) {
                0 => {
                    bytes.drain(a..b);
                }
                1 => {
                    let piece = bytes[a..b].to_vec();
                    let at = rng.below(bytes.len() + 1);
                    bytes.splice(at..at, piece);
                }
                2 => {
                    let c = rng.below(len).min(bytes.len());
                    let d = (c + span).min(bytes.len());
                    if b <= c {
                        let first = bytes[a..b].to_vec();
                        let second = bytes[c..d].to_vec();
                        bytes.splice(c..d, first);
                        bytes.splice(a..b, second);
                    }
                }
                3 => {
                    if a < bytes.len() {
                        bytes[a] = rng.next_u64() as u8;
                    }
                }
                _ => {
                    let tok = rng.pick(TOKENS).as_bytes().to_vec();
                    bytes.splice(a..a, tok);
                }
            }
            text = String::from_utf8_lossy(&bytes).into_owned();
        } else {
            // Token level.
            let mut toks: Vec<String> = rough_tokens(&text).into_iter().map(str::to_string).collect();
            if toks.is_empty() {
                toks.push(rng.pick(TOKENS).to_string());
            }
            let i = rng.below(toks.len());
            let n = (1 + rng.below(6)).min(toks.len() - i);
            match rng.below(5) {
                0 => {
                    toks.drain(i..i + n);
                }
                1 => {
                    let piece: Vec<String> = toks[i..i + n].to_vec();
                    let at = rng.below(toks.len() + 1);
                    toks.splice(at..at, piece);
                }
                2 => {
                    let j = rng.below(toks.len());
                    toks.swap(i, j);
                }
                3 => toks[i] = rng.pick(TOKENS).to_string(),
                _ => toks.insert(i, random_expr(rng, 3)),
            }
            text = toks.concat();
        }
    }
    text
}

/// Deep-nesting input: `kind` picks the shape; returns an expression of `depth` levels.
fn deep_expr(kind: usize, depth: usize) -> String {
    let (open, leaf, close): (&str, &str, &str) = match kind % 10 {
        0 => ("[", "1", "]"),
        1 => ("(", "1", ")"),
        2 => ("{a = ", "1", "}"),
        3 => ("abs(", "1", ")"),
        4 => ("true ? ", "1", " : 2"),
        5 => ("!", "true", ""),
        6 => ("-", "1", ""),
        7 => ("\"${", "1", "}\""),
        8 => ("[for x in ", "[1]", " : x]"),
        _ => ("1 + ", "1", ""),
    };
    let mut s = String::with_capacity(depth * (open.len() + close.len()) + leaf.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(leaf);
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

/// Deeply nested blocks in a file body.
fn deep_blocks(depth: usize) -> String {
    let mut s = String::new();
    for _ in 0..depth {
        s.push_str("b {\n");
    }
    for _ in 0..depth {
        s.push_str("}\n");
    }
    s
}

fn big_list(n: usize) -> String {
    let mut s = String::from("[");
    for i in 0..n {
        s.push_str(&i.to_string());
        s.push_str(", ");
    }
    s.push(']');
    s
}

const PATHOLOGICAL: &[&str] = &[
    "range(1e9)",
    "range(-1e9)",
    "range(0, 1e308, 1e-308)",
    "range(1, 2, 0)",
    "length(range(1e6))",
    "[for i in range(1e6) : i]",
    "{for i in range(1e5) : tostring(i) => i}",
    "[for i in range(1000) : [for j in range(1000) : j]]",
    "format(\"%1000000000s\", \"x\")",
    "format(\"%10000s\", \"x\")",
    "format(\"%.1000000000f\", 1)",
    "join(\"\", [for i in range(1000) : format(\"%10000s\", \"x\")])",
    "indent(1000000000, \"a\\nb\")",
    "setproduct(range(1000), range(1000), range(1000))",
    "flatten([for i in range(1000) : range(1000)])",
    "chunklist(range(1e6), 0)",
    "substr(\"abc\", -1e18, 1e18)",
    "pow(10, 1e9)",
    "1e309 * 1e309",
    "0 / 0",
    "1 % 0",
    "strrev(format(\"%10000s\", \"é\"))",
    "formatlist(\"%s\", range(1e6))",
    "cidrsubnets(\"10.0.0.0/8\", 24, 24, 24)",
    "cidrsubnet(\"10.0.0.0/8\", 1e9, 1)",
    "regexall(\"(a*)*b\", format(\"%30s\", \"a\"))",
    "replace(format(\"%10000s\", \"x\"), \" \", \"${\\\"yy\\\"}\")",
    "jsondecode(format(\"%10000s\", \"[\"))",
    "tonumber(\"1e999999\")",
    "parseint(\"zzzzzzzzzzzzzzzzzzzzzzzz\", 36)",
];

/// A root module whose locals form a chain `a0 -> a1 -> ... -> a{n-1}`.
fn locals_chain(n: usize) -> String {
    let mut s = String::from("locals {\n");
    for i in 0..n - 1 {
        s.push_str(&format!("  a{i} = local.a{} + 1\n", i + 1));
    }
    s.push_str(&format!("  a{} = 0\n}}\n\noutput \"x\" {{\n  value = local.a0\n}}\n", n - 1));
    s
}

/// Parses as a file, as an expression (evaluating it when it parses) and formats it.
fn check_text(src: &str) {
    let file = FileId(0);
    let _ = parse_file(file, src);
    if let Ok(expr) = parse_expression(file, src) {
        let _ = eval_constant(&expr);
    }
    let _ = format_source(src);
    let wrapped = format!("x = {src}\n");
    let _ = parse_file(file, &wrapped);
}

/// Writes a root module (and a child module) to `dir`, then runs `engine::load` and `engine::validate`.
fn check_config(rt: &tokio::runtime::Runtime, dir: &Path, root: &str, child: &str) {
    let child_dir = dir.join("modules").join("child");
    std::fs::create_dir_all(&child_dir).expect("create module dir");
    std::fs::write(dir.join("main.hcl"), root).expect("write main.hcl");
    std::fs::write(child_dir.join("main.hcl"), child).expect("write child main.hcl");
    if calls_itself(dir) || calls_itself(&child_dir) {
        // Known, reported hang (see `module_calling_itself_with_count_validates`): skipped.
        return;
    }
    let registry = Registry::default();
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    if let Some(config) = engine::load(dir, &registry, &sources, &mut diags) {
        let settings = WalkSettings {
            registry: &registry,
            working_dir: dir.to_path_buf(),
            inputs: Default::default(),
            parallelism: 4,
            hook: &NoHook,
        };
        let _ = rt.block_on(engine::validate(&config, &settings));
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes in all)", &s[..end], s.len())
}

/// Runs `f`, failing the test with the input in the message when it panics.
fn no_panic(what: &str, input: &str, f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        panic!("{what} panicked ({msg}) on input:\n{:?}", shorten(input, 4000));
    }
}

// ---------------------------------------------------------------------------------------------
// (a) random bytes
// ---------------------------------------------------------------------------------------------

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(0xB17E5);
    for i in 0..10_000 {
        let src = random_bytes(&mut rng);
        no_panic(&format!("random bytes #{i}"), &src, || check_text(&src));
    }
}

// ---------------------------------------------------------------------------------------------
// (b) random token sequences
// ---------------------------------------------------------------------------------------------

#[test]
fn random_token_sequences_never_panic() {
    let mut rng = Rng::new(0x70CE45);
    for i in 0..10_000 {
        let src = random_tokens(&mut rng);
        no_panic(&format!("token sequence #{i}"), &src, || check_text(&src));
    }
}

#[test]
fn random_expressions_parse_and_evaluate_without_panic() {
    let mut rng = Rng::new(0xE4A1);
    let mut evaluated = 0;
    for i in 0..5_000 {
        let src = random_expr(&mut rng, 4);
        no_panic(&format!("expression #{i}"), &src, || check_text(&src));
        if parse_expression(FileId(0), &src).is_ok() {
            evaluated += 1;
        }
    }
    // The generator is meant to reach the evaluator, not just the parser.
    assert!(evaluated > 2_500, "only {evaluated} of 5000 generated expressions parsed");
}

// ---------------------------------------------------------------------------------------------
// (c) mutated seed configurations through load + validate
// ---------------------------------------------------------------------------------------------

#[test]
fn seed_configurations_load_and_validate() {
    // The unmutated seeds are realistic: they parse, and loading them reaches validate.
    let rt = runtime();
    for (i, root) in SEED_ROOT.iter().enumerate() {
        assert!(parse_file(FileId(0), root).is_ok(), "seed {i} does not parse");
        let dir = tempfile::tempdir().expect("temp dir");
        no_panic(&format!("seed config {i}"), root, || check_config(&rt, dir.path(), root, SEED_CHILD[0]));
    }
}

#[test]
fn mutated_configurations_never_panic_load_or_validate() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng::new(0xC0F16);
    for i in 0..1_500 {
        let seed = SEED_ROOT[rng.below(SEED_ROOT.len())];
        let root = mutate(&mut rng, seed);
        let child = if rng.chance(30) { mutate(&mut rng, SEED_CHILD[0]) } else { SEED_CHILD[0].to_string() };
        let input = format!("root:\n{root}\nchild:\n{child}");
        no_panic(&format!("mutated config #{i}"), &input, || {
            check_config(&rt, dir.path(), &root, &child);
            check_text(&root);
        });
    }
}

// ---------------------------------------------------------------------------------------------
// (d) deep nesting and big collections
// ---------------------------------------------------------------------------------------------

const KIND_NAMES: &[&str] = &[
    "brackets",
    "parentheses",
    "objects",
    "function calls",
    "conditionals",
    "not",
    "negation",
    "template interpolations",
    "for expressions",
    "binary operators",
];

/// Each shape, 10,000 deep, as an expression, as an attribute in a file, evaluated and formatted:
/// each returns (Ok or Err) on the test thread's default stack. The parser rejects nesting deeper than
/// 64 (128 for a chain of binary operators), so the depths around those limits are the ones that
/// reach lowering, evaluation and dropping of the deepest trees.
#[test]
fn deep_nesting_returns_without_stack_overflow() {
    for depth in [10_000, 1_000, 129, 128, 65, 64, 63, 32] {
        for (kind, name) in KIND_NAMES.iter().enumerate() {
            let src = deep_expr(kind, depth);
            let input = format!("{name} {depth} deep");
            no_panic(&input, &src, || {
                let expr = parse_expression(FileId(0), &src);
                let evaluated = expr.as_ref().ok().map(eval_constant);
                // Returns a value or an error: both are fine, as long as it returns.
                assert!(expr.is_ok() || expr.is_err());
                if let Some(v) = evaluated {
                    assert!(v.is_ok() || v.is_err());
                }
                let file = parse_file(FileId(0), &format!("x = {src}\n"));
                assert!(file.is_ok() || file.is_err());
                let _ = format_source(&format!("x = {src}\n"));
            });
        }
        let blocks = deep_blocks(depth);
        no_panic(&format!("blocks {depth} deep"), &blocks, || {
            let r = parse_file(FileId(0), &blocks);
            assert!(r.is_ok() || r.is_err());
            let _ = format_source(&blocks);
        });
    }
}

#[test]
fn deep_nesting_in_a_configuration_returns() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    for depth in [10_000, 128, 64, 63] {
        for (kind, name) in KIND_NAMES.iter().enumerate() {
            let root =
                format!("locals {{\n  x = {}\n}}\n\noutput \"x\" {{\n  value = local.x\n}}\n", deep_expr(kind, depth));
            no_panic(&format!("config with {name} {depth} deep"), &root, || {
                check_config(&rt, dir.path(), &root, SEED_CHILD[0])
            });
        }
    }
}

#[test]
fn fifty_thousand_element_list_returns() {
    let src = big_list(50_000);
    no_panic("50,000-element list", &src, || {
        let expr = parse_expression(FileId(0), &src);
        if let Ok(e) = &expr {
            let v = eval_constant(e);
            assert!(v.is_ok() || v.is_err());
        }
        let file = parse_file(FileId(0), &format!("x = {src}\n"));
        assert!(file.is_ok() || file.is_err());
        let _ = format_source(&format!("x = {src}\n"));
    });
}

// ---------------------------------------------------------------------------------------------
// (e) pathological evaluations terminate quickly
// ---------------------------------------------------------------------------------------------

/// Generous: debug build, busy 2-core machine. A hang would take far longer.
const QUICK: Duration = Duration::from_secs(15);

#[test]
fn pathological_evaluations_terminate_quickly() {
    for src in PATHOLOGICAL {
        let started = Instant::now();
        no_panic("pathological evaluation", src, || {
            // `1e309` is rejected by the parser; everything else parses and is evaluated.
            if let Ok(expr) = parse_expression(FileId(0), src) {
                let _ = eval_constant(&expr);
            }
        });
        let took = started.elapsed();
        assert!(took < QUICK, "{src} took {took:?}");
    }
}

#[test]
fn long_locals_chain_loads_and_validates() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let root = locals_chain(2_000);
    let started = Instant::now();
    no_panic("2,000-long locals chain", &root, || check_config(&rt, dir.path(), &root, SEED_CHILD[0]));
    let took = started.elapsed();
    assert!(took < QUICK, "locals chain took {took:?}");
}

/// A literal string argument: `s` escaped for an HCL quoted string.
fn hcl_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Decoders given 10,000-deep documents (1,000 for indented YAML, which grows quadratically), a big CSV
/// or a YAML alias bomb return (Ok or Err) quickly.
#[test]
fn decoders_of_deep_or_explosive_documents_return() {
    let deep_json = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_json_obj = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let deep_yaml_flow = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_yaml_block: String = (0..1_000).map(|i| format!("{}- \n", " ".repeat(i * 2))).collect();
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", ")));
    }
    let cases = [
        format!("jsondecode({})", hcl_string(&deep_json)),
        format!("jsondecode({})", hcl_string(&deep_json_obj)),
        format!("yamldecode({})", hcl_string(&deep_yaml_flow)),
        format!("yamldecode({})", hcl_string(&deep_yaml_block)),
        format!("yamldecode({})", hcl_string(&bomb)),
        format!("csvdecode({})", hcl_string(&format!("a,b\n{}", "1,2\n".repeat(50_000)))),
    ];
    for src in &cases {
        let started = Instant::now();
        no_panic("decoder", src, || {
            let expr = parse_expression(FileId(0), src).unwrap_or_else(|d| panic!("does not parse: {}", d.summary));
            let v = eval_constant(&expr);
            assert!(v.is_ok() || v.is_err());
        });
        let took = started.elapsed();
        assert!(took < QUICK, "{} took {took:?}", shorten(src, 200));
    }
}

/// Loads (and, with `validate`, validates) `root` (a module that calls itself) on another thread;
/// returns how long it took, or `None` if it did not return within `limit` (the thread is left
/// behind, still running).
fn load_self_calling(root: &str, limit: Duration) -> Option<Duration> {
    run_self_calling(root, limit, false)
}

fn run_self_calling(root: &str, limit: Duration, validate: bool) -> Option<Duration> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.hcl"), root).expect("write main.hcl");
    let path = dir.path().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let started = Instant::now();
        let registry = Registry::default();
        let sources = SourceMap::default();
        let mut diags = Diagnostics::default();
        let config = engine::load(&path, &registry, &sources, &mut diags);
        if let (true, Some(config)) = (validate, &config) {
            let settings = WalkSettings {
                registry: &registry,
                working_dir: path.clone(),
                inputs: Default::default(),
                parallelism: 4,
                hook: &NoHook,
            };
            let _ = runtime().block_on(engine::validate(config, &settings));
        }
        drop(config);
        let _ = tx.send(started.elapsed());
    });
    let took = rx.recv_timeout(limit).ok();
    if took.is_none() {
        std::mem::forget(dir);
    }
    took
}

#[test]
fn module_calling_itself_returns() {
    let root = "module \"again\" {\n  source = \"./\"\n}\n";
    let took = load_self_calling(root, QUICK);
    assert!(took.is_some(), "loading a module that calls itself did not return within {QUICK:?}:\n{root}");
}

/// Regression: two calls of the module itself once made `load_tree` walk a binary tree of module
/// calls down to its depth limit (about 2^33 loads). A module that calls itself is now an error.
/// Input, as the root `main.hcl`:
///
/// ```hcl
/// module "a" { source = "./" }
/// module "b" { source = "./" }
/// ```
#[test]
fn module_calling_itself_twice_returns() {
    let root = "module \"a\" {\n  source = \"./\"\n}\n\nmodule \"b\" {\n  source = \"./\"\n}\n";
    let took = load_self_calling(root, QUICK);
    assert!(took.is_some(), "loading a module that calls itself twice did not return within {QUICK:?}:\n{root}");
}

/// Regression: a module that calls itself with `count = 2` once loaded to depth 32 and then
/// expanded about 2^32 module instances in validate (the fuzz loop reached 24 GB). Input, as the
/// root `main.hcl`, then load + validate:
///
/// ```hcl
/// module "a" {
///   source = "./"
///   count  = 2
/// }
/// ```
#[test]
fn module_calling_itself_with_count_validates() {
    let root = "module \"a\" {\n  source = \"./\"\n  count  = 2\n}\n";
    let took = run_self_calling(root, QUICK, true);
    assert!(
        took.is_some(),
        "validating a module that calls itself with count = 2 did not return within {QUICK:?}:\n{root}"
    );
}

/// A module that calls itself once without count/for_each: load and validate return.
#[test]
fn module_calling_itself_once_validates() {
    for root in ["module \"a\" {\n  source = \"./\"\n}\n", "module \"a\" {\n  source = \"./\"\n  count  = 1\n}\n"] {
        let took = run_self_calling(root, QUICK, true);
        assert!(took.is_some(), "load + validate did not return within {QUICK:?}:\n{root}");
    }
}

/// Whether a module call in `dir` has a source that is `dir` itself or one of its ancestors.
fn calls_itself(dir: &Path) -> bool {
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let Some(module) = gantry_core::config::load_module(dir, &sources, &mut diags) else {
        return false;
    };
    let Ok(here) = dir.canonicalize() else {
        return false;
    };
    module
        .module_calls
        .values()
        .any(|call| dir.join(&call.source).canonicalize().is_ok_and(|target| here.starts_with(&target)))
}
