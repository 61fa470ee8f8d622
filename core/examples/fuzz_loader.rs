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
//! The generators are the robustness tests' own (`core/tests/generators/`), included by path.

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

#[path = "../tests/generators/mod.rs"]
mod generators;
use generators::*;

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
            interrupt: Default::default(),
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
                interrupt: Default::default(),
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
