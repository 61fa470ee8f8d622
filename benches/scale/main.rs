//! Gantry's scale benchmark: every shape of the performance targets, run through the
//! release `gantry` binary as a user would run it, with medians of repeated runs and
//! each command's peak memory. Where a `terraform` binary is on PATH the provider-free
//! shape also runs through it, on the same generated files, and the ratio is printed.
//!
//! `cargo bench -p gantry --bench scale` runs every case; naming cases after `--`
//! (`fan`, `apply`, `count`, `latency`, `startup`) runs only those. Prints a Markdown
//! table; `docs/performance.md` holds the figures of the last recorded run.

mod measure;
mod shapes;

use measure::{repeat, run, setup, terraform, Figures, Run};
use std::path::Path;

const GANTRY: &str = env!("CARGO_BIN_EXE_gantry");

/// One line of the table.
struct Row {
    case: String,
    n: usize,
    gantry: Figures,
    target: String,
    met: bool,
    terraform: Option<Figures>,
}

fn print_header() {
    println!("| case | N | Gantry (median) | peak memory | target | Terraform | Terraform ÷ Gantry |");
    println!("|---|---:|---:|---:|---|---:|---:|");
}

fn print(row: &Row) {
    let (tf, ratio) = match row.terraform {
        Some(t) => (format!("{:.3} s, {:.0} MB", t.secs, t.peak_mb), format!("{:.1}×", t.secs / row.gantry.secs)),
        None => ("—".into(), "—".into()),
    };
    println!(
        "| {} | {} | {:.3} s ({} runs) | {:.0} MB | {} ({}) | {tf} | {ratio} |",
        row.case,
        row.n,
        row.gantry.secs,
        row.gantry.runs,
        row.gantry.peak_mb,
        row.target,
        if row.met { "met" } else { "missed" },
    );
}

fn gantry() -> &'static Path {
    Path::new(GANTRY)
}

/// The fan-in/fan-out module shape: plan without refresh at 1,000, 5,000 and 10,000
/// values, validate at 10,000, and the outputs of both tools compared at 100.
fn fan_in_fan_out(rows: &mut Vec<Row>) {
    let tf = terraform();
    if let Some(tf) = &tf {
        outputs_agree_with_terraform(tf, 100);
    }
    let mut plans = Vec::new();
    for n in [1000, 5000, 10000] {
        let tmp = tempfile::tempdir().unwrap();
        shapes::fan_in_fan_out(tmp.path(), n, "hcl");
        let g = repeat(tmp.path(), gantry(), &["plan", "-refresh=false"], 5);
        let t = tf.as_ref().map(|tf| {
            let tdir = tempfile::tempdir().unwrap();
            shapes::fan_in_fan_out(tdir.path(), n, "tf");
            setup(tdir.path(), tf, &["init", "-input=false", "-backend=false"]);
            repeat(tdir.path(), tf, &["plan", "-refresh=false", "-input=false", "-lock=false"], 3)
        });
        let met = n != 10000 || (g.secs <= 0.5 && g.peak_mb <= 100.0);
        rows.push(Row {
            case: "plan, fan-in/fan-out modules, -refresh=false".into(),
            n,
            gantry: g,
            target: if n == 10000 { "≤ 0.5 s, ≤ 100 MB".into() } else { "—".into() },
            met,
            terraform: t,
        });
        if n == 10000 {
            let v = repeat(tmp.path(), gantry(), &["validate"], 5);
            let t = tf.as_ref().map(|tf| {
                let tdir = tempfile::tempdir().unwrap();
                shapes::fan_in_fan_out(tdir.path(), n, "tf");
                setup(tdir.path(), tf, &["init", "-input=false", "-backend=false"]);
                repeat(tdir.path(), tf, &["validate"], 3)
            });
            rows.push(Row {
                case: "validate, fan-in/fan-out modules".into(),
                n,
                gantry: v,
                target: format!("≤ half of plan ({:.3} s)", g.secs / 2.0),
                met: v.secs <= g.secs / 2.0,
                terraform: t,
            });
        }
        plans.push(g.secs);
    }
    let growth = plans[2] / plans[0];
    println!(
        "fan-in/fan-out plan growth from 1,000 to 10,000 values: {growth:.1}× (target ≤ 12×: {})",
        verdict(growth <= 12.0)
    );
}

/// Both tools apply the shape at `n` values (outputs only, no resources) and must
/// report the same output values.
fn outputs_agree_with_terraform(tf: &Path, n: usize) {
    let (g, t) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    shapes::fan_in_fan_out(g.path(), n, "hcl");
    shapes::fan_in_fan_out(t.path(), n, "tf");
    setup(g.path(), gantry(), &["apply", "-auto-approve"]);
    setup(t.path(), tf, &["init", "-input=false", "-backend=false"]);
    setup(t.path(), tf, &["apply", "-auto-approve", "-input=false", "-lock=false"]);
    let values = |json: String| -> serde_json::Value {
        let all: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&json).unwrap();
        all.into_iter().map(|(k, v)| (k, v["value"].clone())).collect()
    };
    let ours = values(setup(g.path(), gantry(), &["output", "-json"]));
    let theirs = values(setup(t.path(), tf, &["output", "-json"]));
    assert_eq!(ours, theirs, "Gantry's outputs differ from Terraform's at N={n}");
    println!("outputs at N={n}: equal to Terraform's ({} outputs)", ours.as_object().map_or(0, |o| o.len()));
}

/// Apply of N independent resources with no latency, then a no-change plan (refresh
/// included) with the largest state.
fn apply_and_replan(rows: &mut Vec<Row>, kept: &mut Vec<tempfile::TempDir>) {
    let mut applies = Vec::new();
    for n in [1000, 4000, 10000] {
        let runs: Vec<Run> = (0..3)
            .map(|_| {
                let tmp = tempfile::tempdir().unwrap();
                shapes::networks(tmp.path(), n);
                let r = run(tmp.path(), gantry(), &["apply", "-auto-approve"]);
                kept.push(tmp);
                r
            })
            .collect();
        let f = Figures::of(&runs);
        applies.push(f.secs);
        let (target, met) = match n {
            4000 => ("≤ 4.5× the 1,000 figure".to_string(), f.secs <= 4.5 * applies[0]),
            10000 => ("< 5 s".to_string(), f.secs < 5.0),
            _ => ("—".to_string(), true),
        };
        rows.push(Row { case: "apply on local, no latency".into(), n, gantry: f, target, met, terraform: None });
    }
    let state_of_10k = kept.last().unwrap().path();
    let f = repeat(state_of_10k, gantry(), &["plan", "-detailed-exitcode"], 5);
    rows.push(Row {
        case: "plan, resources in state, no changes, refresh included".into(),
        n: 10000,
        gantry: f,
        target: "≤ 0.5 s, ≤ 150 MB".into(),
        met: f.secs <= 0.5 && f.peak_mb <= 150.0,
        terraform: None,
    });
}

fn count_100k(rows: &mut Vec<Row>) {
    let tmp = tempfile::tempdir().unwrap();
    shapes::counted_clusters(tmp.path(), 100_000);
    let f = repeat(tmp.path(), gantry(), &["plan"], 3);
    rows.push(Row {
        case: "plan, one resource with count, empty state".into(),
        n: 100_000,
        gantry: f,
        target: "≤ 1 s, ≤ 300 MB".into(),
        met: f.secs <= 1.0 && f.peak_mb <= 300.0,
        terraform: None,
    });
}

/// Apply of a saved plan: 500 resources in chains 5 deep, 100 ms per operation. The bound
/// is the critical path: the chain depth, or the waves the parallelism allows, whichever is longer.
fn latency(rows: &mut Vec<Row>, kept: &mut Vec<tempfile::TempDir>) {
    let (resources, depth, latency) = (500, 5, 0.1);
    for parallelism in [50, 10] {
        let runs: Vec<Run> = (0..3)
            .map(|_| {
                let tmp = tempfile::tempdir().unwrap();
                shapes::chains(tmp.path(), resources, depth, 100);
                setup(tmp.path(), gantry(), &["plan", "-out", "plan.bin"]);
                let flag = format!("-parallelism={parallelism}");
                let args: Vec<&str> =
                    if parallelism == 10 { vec!["apply", "plan.bin"] } else { vec!["apply", &flag, "plan.bin"] };
                let r = run(tmp.path(), gantry(), &args);
                kept.push(tmp);
                r
            })
            .collect();
        let f = Figures::of(&runs);
        let waves = (resources as f64 / parallelism as f64).ceil().max(depth as f64);
        let bound = waves * latency;
        let label = if parallelism == 10 { "the default, 10".to_string() } else { parallelism.to_string() };
        rows.push(Row {
            case: format!("apply saved plan, depth {depth}, 100 ms per operation, parallelism {label}"),
            n: resources,
            gantry: f,
            target: format!("≤ 1.1 × {bound:.2} s bound"),
            met: f.secs <= 1.1 * bound,
            terraform: None,
        });
    }
}

fn startup(rows: &mut Vec<Row>) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let f = repeat(repo, gantry(), &["--help"], 21);
    rows.push(Row {
        case: "gantry --help".into(),
        n: 1,
        gantry: f,
        target: "≤ 10 ms".into(),
        met: f.secs <= 0.010,
        terraform: None,
    });
    let f = repeat(repo, gantry(), &["validate", "examples/quickstart"], 21);
    rows.push(Row {
        case: "gantry validate examples/quickstart".into(),
        n: 1,
        gantry: f,
        target: "≤ 20 ms".into(),
        met: f.secs <= 0.020,
        terraform: None,
    });
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "missed"
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(measure::HELPER) {
        measure::helper(&args[1..]);
    }
    // Terraform must not reach for the network or ask questions.
    std::env::set_var("CHECKPOINT_DISABLE", "1");
    std::env::set_var("TF_IN_AUTOMATION", "1");
    let chosen: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    let wants = |case: &str| chosen.is_empty() || chosen.contains(&case);
    println!(
        "Gantry {} on {} cores; Terraform: {}",
        env!("CARGO_PKG_VERSION"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        terraform().map_or("not on PATH".to_string(), |t| setup(Path::new("."), &t, &["version"])
            .lines()
            .next()
            .unwrap_or_default()
            .to_string())
    );
    let mut rows = Vec::new();
    if wants("fan") {
        fan_in_fan_out(&mut rows);
    }
    if wants("count") {
        count_100k(&mut rows);
    }
    // Before the apply series, and no folder removed until every case has run: ext4 searches
    // past the inodes freed in the last minutes when it allocates one, so thousands of files
    // removed just before a case would be charged to that case.
    let mut kept = Vec::new();
    if wants("latency") {
        latency(&mut rows, &mut kept);
    }
    if wants("apply") {
        apply_and_replan(&mut rows, &mut kept);
    }
    if wants("startup") {
        startup(&mut rows);
    }
    print_header();
    rows.iter().for_each(print);
}
