//! Long-running robustness fuzzer for the loader, parser, formatter and evaluator.
//!
//! `cargo run --release -p gantry-core --example fuzz_loader -- SECONDS` (default 60) feeds
//! random bytes, random HCL token sequences, mutated seed configurations, deeply nested input
//! and pathological evaluations to `parse_file`, `parse_expression`, `format_source`,
//! `eval_constant` and `engine::load` + `engine::validate`, catching panics per input. It prints
//! `iterations N, panics P, longest input ms M` and exits with 1 if any input panicked.
//!
//! A second argument sets the PRNG seed. A watchdog ends the run with exit code 2, printing the input, if one input runs for over
//! 60 s. `-- probe KIND DEPTH` and `-- report` print what deep-nesting input and the seeds reach.
//!
//! The generators are copied from `core/tests/robustness.rs` (an example cannot import a test).

use gantry_core::diag::{Diagnostics, FileId, SourceMap};
use gantry_core::engine::{self, NoHook, WalkSettings};
use gantry_core::eval::eval_constant;
use gantry_core::format::format_source;
use gantry_core::provider::Registry;
use gantry_core::syntax::{parse_expression, parse_file};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Generators (keep in sync with core/tests/robustness.rs)
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

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// Parses as a file, as an expression (evaluating it when it parses) and formats it.
fn check_text(src: &str) {
    if DRY.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
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
    if DRY.load(std::sync::atomic::Ordering::Relaxed) {
        for line in root.lines().chain(child.lines()) {
            if line.contains("source") && !line.contains("./modules/child\"") {
                println!("DRY source line: {line:?}");
            }
        }
        return;
    }
    let child_dir = dir.join("modules").join("child");
    std::fs::create_dir_all(&child_dir).expect("create module dir");
    std::fs::write(dir.join("main.hcl"), root).expect("write main.hcl");
    std::fs::write(child_dir.join("main.hcl"), child).expect("write child main.hcl");
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

/// Milliseconds since the start at which the current input began (0 = none running).
static STARTED_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

// ---------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------

static CURRENT: Mutex<String> = Mutex::new(String::new());
static DRY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

fn set_current(desc: String) {
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = desc;
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

fn main() {
    // `-- probe KIND DEPTH [file|expr|eval|format]`: run one deep-nesting input (no panic catching),
    // to find the depth at which something overflows the stack.
    if std::env::args().nth(1).as_deref() == Some("report") {
        report();
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("probe") {
        let kind: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(0);
        let depth: usize = std::env::args().nth(3).and_then(|a| a.parse().ok()).unwrap_or(10_000);
        let what = std::env::args().nth(4).unwrap_or_else(|| "all".into());
        let src = if kind == 10 { deep_blocks(depth) } else { deep_expr(kind, depth) };
        let file = FileId(0);
        if what == "file" || what == "all" {
            let r = parse_file(file, &format!("x = {src}\n"));
            println!("parse_file: {}", if r.is_ok() { "ok" } else { "err" });
            drop(r);
            if kind == 10 {
                let r = parse_file(file, &src);
                println!("parse_file blocks: {}", if r.is_ok() { "ok" } else { "err" });
            }
        }
        if what == "expr" || what == "eval" || what == "all" {
            let r = parse_expression(file, &src);
            println!("parse_expression: {}", if r.is_ok() { "ok" } else { "err" });
            if let Ok(e) = &r {
                if what != "expr" {
                    println!("eval: {}", if eval_constant(e).is_ok() { "ok" } else { "err" });
                }
            }
            drop(r);
            println!("dropped");
        }
        if what == "format" || what == "all" {
            println!("format: {}", if format_source(&format!("x = {src}\n")).is_ok() { "ok" } else { "err" });
        }
        return;
    }
    let seconds: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(60);
    let seed: u64 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(0x6A17_2026);
    let deep_max: usize = std::env::var("FUZZ_DEEP_MAX").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);

    std::panic::set_hook(Box::new(|info| {
        let input = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
        let msg = info.to_string();
        eprintln!("PANIC: {msg}\n  input: {:?}", shorten(&input, 2000));
        PANICS.lock().unwrap_or_else(|e| e.into_inner()).push((msg, input));
    }));

    if std::env::var_os("FUZZ_DRY").is_some() {
        DRY.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let tmp = std::env::temp_dir().join(format!("gantry-fuzz-loader-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");

    let program_start = Instant::now();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(1));
        let started = STARTED_MS.load(std::sync::atomic::Ordering::Relaxed);
        let now = program_start.elapsed().as_millis() as u64;
        if started != 0 && now.saturating_sub(started) > 60_000 {
            let input = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
            eprintln!("HANG: one input has run for over 60 s:\n  input: {:?}", shorten(&input, 4000));
            println!("hang after {} s; see stderr", now / 1000);
            std::process::exit(2);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut rng = Rng::new(seed);
    let mut iterations: u64 = 0;
    let mut panics: u64 = 0;
    let mut longest = Duration::ZERO;
    let mut longest_desc = String::new();
    let mut last_report = Instant::now();

    while Instant::now() < deadline {
        let which = rng.below(100);
        let started = Instant::now();
        STARTED_MS.store(program_start.elapsed().as_millis() as u64 + 1, std::sync::atomic::Ordering::Relaxed);
        let desc;
        let result = match which {
            0..=24 => {
                let src = random_bytes(&mut rng);
                desc = format!("bytes: {src:?}");
                set_current(desc.clone());
                catch_unwind(AssertUnwindSafe(|| check_text(&src)))
            }
            25..=49 => {
                let src = if rng.chance(50) { random_tokens(&mut rng) } else { random_expr(&mut rng, 4) };
                desc = format!("tokens: {src:?}");
                set_current(desc.clone());
                catch_unwind(AssertUnwindSafe(|| check_text(&src)))
            }
            50..=89 => {
                let seed_src = rng_pick_seed(&mut rng, SEED_ROOT);
                let root = mutate(&mut rng, seed_src);
                let child = if rng.chance(30) { mutate(&mut rng, SEED_CHILD[0]) } else { SEED_CHILD[0].to_string() };
                desc = format!("config root: {root:?}\nchild: {child:?}");
                set_current(desc.clone());
                catch_unwind(AssertUnwindSafe(|| check_config(&rt, &tmp, &root, &child)))
            }
            90..=95 => {
                let kind = rng.below(11);
                let depth = 1 + rng.below(deep_max);
                desc = format!("deep kind {kind} depth {depth}");
                set_current(desc.clone());
                catch_unwind(AssertUnwindSafe(|| {
                    if kind == 10 {
                        let _ = parse_file(FileId(0), &deep_blocks(depth));
                    } else {
                        check_text(&deep_expr(kind, depth));
                    }
                }))
            }
            96 => {
                if rng.chance(50) {
                    let n = 1 + rng.below(50_000);
                    desc = format!("big list of {n}");
                    set_current(desc.clone());
                    catch_unwind(AssertUnwindSafe(|| check_text(&big_list(n))))
                } else {
                    let n = 2 + rng.below(2_000);
                    desc = format!("locals chain of {n}");
                    set_current(desc.clone());
                    catch_unwind(AssertUnwindSafe(|| check_config(&rt, &tmp, &locals_chain(n), SEED_CHILD[0])))
                }
            }
            _ => {
                let src = rng.pick(PATHOLOGICAL).to_string();
                let src = if rng.chance(50) { src } else { format!("[{src}, {}]", random_expr(&mut rng, 2)) };
                desc = format!("pathological: {src:?}");
                set_current(desc.clone());
                catch_unwind(AssertUnwindSafe(|| check_text(&src)))
            }
        };
        STARTED_MS.store(0, std::sync::atomic::Ordering::Relaxed);
        let took = started.elapsed();
        if took > longest {
            longest = took;
            longest_desc = shorten(&desc, 300);
        }
        iterations += 1;
        if result.is_err() {
            panics += 1;
        }
        if last_report.elapsed() > Duration::from_secs(60) {
            eprintln!("... {iterations} iterations, {panics} panics, longest {} ms", longest.as_millis());
            last_report = Instant::now();
        }
    }

    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("slowest input: {longest_desc}");
    let recorded = PANICS.lock().map(|p| p.len()).unwrap_or(0);
    if recorded > 0 {
        eprintln!("{recorded} panic(s) recorded; first: {:?}", PANICS.lock().ok().and_then(|p| p.first().cloned()));
    }
    println!("iterations {iterations}, panics {panics}, longest input ms {}", longest.as_millis());
    if panics > 0 {
        std::process::exit(1);
    }
}

fn rng_pick_seed(rng: &mut Rng, seeds: &[&'static str]) -> &'static str {
    seeds[rng.below(seeds.len())]
}

/// `-- report`: what the generators reach (parse depth limits, seed diagnostics), for tuning.
fn report() {
    for kind in 0..11 {
        let mut max_ok = 0;
        for depth in 1..400 {
            let src = if kind == 10 { deep_blocks(depth) } else { format!("x = {}\n", deep_expr(kind, depth)) };
            if parse_file(FileId(0), &src).is_ok() {
                max_ok = depth;
            }
        }
        let eval = if kind < 10 {
            parse_expression(FileId(0), &deep_expr(kind, max_ok))
                .map(|e| format!("{:?}", eval_constant(&e).map(|_| ()).map_err(|d| d.summary)))
                .unwrap_or_else(|d| format!("expr parse err {}", d.summary))
        } else {
            String::new()
        };
        println!("kind {kind}: parses up to depth {max_ok}; eval there: {eval}");
    }
    let big = big_list(50_000);
    println!(
        "big list: {:?}",
        parse_expression(FileId(0), &big).map(|e| eval_constant(&e).is_ok()).map_err(|d| d.summary)
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let tmp = std::env::temp_dir().join(format!("gantry-fuzz-report-{}", std::process::id()));
    let mut roots: Vec<String> = SEED_ROOT.iter().map(|s| s.to_string()).collect();
    roots.push(locals_chain(2_000));
    roots.push(locals_chain(3));
    for root in &roots {
        let child_dir = tmp.join("modules").join("child");
        std::fs::create_dir_all(&child_dir).expect("create module dir");
        std::fs::write(tmp.join("main.hcl"), root).expect("write");
        std::fs::write(child_dir.join("main.hcl"), SEED_CHILD[0]).expect("write");
        let registry = Registry::default();
        let sources = SourceMap::default();
        let mut diags = Diagnostics::default();
        let config = engine::load(&tmp, &registry, &sources, &mut diags);
        println!("--- load: config {}; {} diags", config.is_some(), diags.0.len());
        for d in diags.iter().take(8) {
            println!("  {}: {}", d.summary, d.detail);
        }
        if let Some(config) = config {
            let settings = WalkSettings {
                registry: &registry,
                working_dir: tmp.clone(),
                inputs: Default::default(),
                parallelism: 4,
                hook: &NoHook,
            };
            let t = Instant::now();
            let d = rt.block_on(engine::validate(&config, &settings));
            println!("  validate: {} diags in {:?}", d.0.len(), t.elapsed());
            for d in d.iter().take(8) {
                println!("  {}: {}", d.summary, d.detail);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
