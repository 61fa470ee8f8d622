//! Input generators shared by the robustness tests and the long-running fuzz loop
//! (`core/examples/fuzz_loader.rs`), so that both exercise exactly the same inputs.

// Each user calls a different subset.
#![allow(dead_code)]

/// SplitMix64: small, deterministic, good enough for generating test input.
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Random bytes, biased toward HCL punctuation, turned into a string lossily.
pub fn random_bytes(rng: &mut Rng) -> String {
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

pub const TOKENS: &[&str] = &[
    "resource",
    "variable",
    "locals",
    "output",
    "module",
    "data",
    "provider",
    "gantry",
    "dynamic",
    "content",
    "iterator",
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
pub fn random_tokens(rng: &mut Rng) -> String {
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
pub fn random_expr(rng: &mut Rng, depth: usize) -> String {
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

pub const SEED_ROOT: &[&str] = &[
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
    r#"
variable "taints" {
  default = [{ key = "a", effect = "NO_SCHEDULE" }, { key = "b", effect = "NO_EXECUTE" }]
}

resource "local_node_pool" "p" {
  cluster_name    = "c"
  node_group_name = "p"
  instance_types  = ["m6i.large"]
  scaling_config {
    min_size     = 0
    max_size     = 2
    desired_size = 1
  }
  dynamic "taint" {
    for_each = var.taints
    iterator = t
    content {
      key    = t.value.key
      value  = "${t.key}"
      effect = t.value.effect
    }
  }
  taint {
    key    = "z"
    effect = "NO_SCHEDULE"
  }
}
"#,
];

pub const SEED_CHILD: &[&str] = &[r#"
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
pub fn rough_tokens(src: &str) -> Vec<&str> {
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
pub fn mutate(rng: &mut Rng, src: &str) -> String {
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
pub fn deep_expr(kind: usize, depth: usize) -> String {
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
pub fn deep_blocks(depth: usize) -> String {
    let mut s = String::new();
    for _ in 0..depth {
        s.push_str("b {\n");
    }
    for _ in 0..depth {
        s.push_str("}\n");
    }
    s
}

pub fn big_list(n: usize) -> String {
    let mut s = String::from("[");
    for i in 0..n {
        s.push_str(&i.to_string());
        s.push_str(", ");
    }
    s.push(']');
    s
}

pub const PATHOLOGICAL: &[&str] = &[
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
    // Numbers at the edges of Gantry's range (about 10^±39456) and beyond it.
    "1e39000 * 1e39000",
    "tostring(1e39000)",
    "tostring(1e-39000 / 3)",
    "tostring(-1e-39400)",
    "format(\"%.10000f\", 1e-39000)",
    "format(\"%.10000e\", 1/3)",
    "format(\"%x\", 1e39000)",
    "floor(1e39000 + 0.5)",
    "1e39000 % 7",
    "1e39000 % 1e-39000",
    "tonumber(\"1e-999999999999\")",
    "1e999999999999",
    "parseint(format(\"%99999s\", \"1\"), 10)",
    "sum([for i in range(1000) : 1e39000])",
];

/// A root module whose locals form a chain `a0 -> a1 -> ... -> a{n-1}`.
pub fn locals_chain(n: usize) -> String {
    let mut s = String::from("locals {\n");
    for i in 0..n - 1 {
        s.push_str(&format!("  a{i} = local.a{} + 1\n", i + 1));
    }
    s.push_str(&format!("  a{} = 0\n}}\n\noutput \"x\" {{\n  value = local.a0\n}}\n", n - 1));
    s
}
