//! Robustness properties: random bytes, random HCL token sequences, mutated configurations,
//! deep nesting and pathological evaluations never panic (or overflow the stack in) the parser,
//! formatter, evaluator, loader or validator. Everything is deterministic (fixed seeds).
//!
//! The generators live in `generators/`, shared with `core/examples/fuzz_loader.rs`, which runs them in a
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

mod generators;
use generators::*;

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
            interrupt: Default::default(),
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
            // Out-of-range literals (`1e999999999999`) are rejected by the parser; the rest is evaluated.
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

/// Locals that each wrap the one before in 60 brackets would nest a value 180,000 levels deep,
/// which overflowed the stack of whatever walked it next; such a value is an error instead.
#[test]
fn locals_that_nest_a_value_without_end_are_an_error() {
    let mut root = String::from("locals {\n  l0 = 1\n");
    for i in 1..3_000 {
        root.push_str(&format!("  l{i} = {}local.l{}{}\n", "[".repeat(60), i - 1, "]".repeat(60)));
    }
    root.push_str("}\noutput \"o\" {\n  value = local.l2999\n}\n");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.hcl"), &root).expect("write main.hcl");
    let registry = Registry::default();
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let config = engine::load(dir.path(), &registry, &sources, &mut diags).expect("loads");
    let settings = WalkSettings {
        registry: &registry,
        working_dir: dir.path().to_path_buf(),
        inputs: Default::default(),
        parallelism: 4,
        hook: &NoHook,
        interrupt: Default::default(),
    };
    let diags = runtime().block_on(engine::validate(&config, &settings));
    assert!(diags.iter().any(|d| d.summary == "Value too deeply nested"), "{:?}", diags.0.first());
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
                interrupt: Default::default(),
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
