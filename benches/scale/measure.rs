//! Timing and peak memory of one command. Each run goes through a helper process (this
//! benchmark's own binary, re-run as `__measure`) whose only child is the measured
//! command: the kernel's "largest child reaped" figure for the helper is then exactly
//! that command's peak resident memory, with no unsafe code and no sampling.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

pub const HELPER: &str = "__measure";

/// One measured run.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub secs: f64,
    pub peak_mb: f64,
}

/// The median time of several runs and the largest peak among them.
#[derive(Clone, Copy, Debug)]
pub struct Figures {
    pub secs: f64,
    pub peak_mb: f64,
    pub runs: usize,
}

impl Figures {
    pub fn of(runs: &[Run]) -> Figures {
        let mut times: Vec<f64> = runs.iter().map(|r| r.secs).collect();
        times.sort_by(f64::total_cmp);
        let secs = match times.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => times[n / 2],
            n => (times[n / 2 - 1] + times[n / 2]) / 2.0,
        };
        Figures { secs, peak_mb: runs.iter().map(|r| r.peak_mb).fold(0.0, f64::max), runs: runs.len() }
    }
}

/// Runs `program args` in `dir` once; panics with the command's error output when it fails,
/// since a figure for a failed command would be meaningless.
pub fn run(dir: &Path, program: &Path, args: &[&str]) -> Run {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg(HELPER)
        .arg(dir)
        .arg(program)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    match (
        out.status.success(),
        words.next().and_then(|w| w.parse::<f64>().ok()),
        words.next().and_then(|w| w.parse::<f64>().ok()),
    ) {
        (true, Some(secs), Some(kb)) => Run { secs, peak_mb: kb / 1024.0 },
        _ => panic!("{} {} failed in {}", program.display(), args.join(" "), dir.display()),
    }
}

/// Runs the same command `runs` times in `dir`.
pub fn repeat(dir: &Path, program: &Path, args: &[&str], runs: usize) -> Figures {
    let all: Vec<Run> = (0..runs).map(|_| run(dir, program, args)).collect();
    Figures::of(&all)
}

/// The helper's side: `__measure DIR PROGRAM ARGS...`. Prints `SECONDS PEAK_KB`; on failure
/// prints the command's output to stderr and exits non-zero.
pub fn helper(args: &[String]) -> ! {
    let (dir, program, rest) = (&args[0], &args[1], &args[2..]);
    let started = Instant::now();
    let out = Command::new(program).args(rest).current_dir(dir).stdin(Stdio::null()).output();
    let secs = started.elapsed().as_secs_f64();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            eprintln!("cannot run {program}: {e}");
            std::process::exit(1);
        }
    };
    if !out.status.success() {
        eprintln!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        std::process::exit(1);
    }
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    println!("{secs} {}", usage.max_rss());
    std::process::exit(0);
}

/// A `terraform` to compare against: `GANTRY_BENCH_TERRAFORM`, or the first on PATH.
pub fn terraform() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GANTRY_BENCH_TERRAFORM") {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join("terraform")).find(|p| p.is_file())
}

/// Runs a command for its effect (set-up, not measured) and returns its standard output.
pub fn setup(dir: &Path, program: &Path, args: &[&str]) -> String {
    let out = Command::new(program).args(args).current_dir(dir).stdin(Stdio::null()).output().unwrap();
    if !out.status.success() {
        panic!(
            "{} {} failed in {}:\n{}{}",
            program.display(),
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}
