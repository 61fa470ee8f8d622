//! Command-line arguments. Flags are written the Terraform way (`-auto-approve`,
//! `-refresh=false`); [`normalize`] turns them into the `--long` form clap parses.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "gantry", about = "Declarative provisioner for ML clusters", disable_version_flag = true)]
pub struct Cli {
    /// Switch to this directory before running the command, as if started there.
    #[arg(long, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
    /// Disable colour in output.
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the Gantry version (also `gantry -version`).
    Version {
        /// Print the version as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script: `source <(gantry completion bash)`.
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Prepare a configuration directory: check it loads and create its working folder.
    Init(DirArg),
    /// Check a configuration for errors without contacting any provider.
    Validate {
        #[command(flatten)]
        dir: DirArg,
        /// Print diagnostics as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Rewrite configuration files in canonical format.
    Fmt {
        #[command(flatten)]
        dir: DirArg,
        /// Only check; exit 3 if any file would change.
        #[arg(long)]
        check: bool,
        /// Show what would change.
        #[arg(long)]
        diff: bool,
    },
    /// Print a provider's schema reference as Markdown, or bring a page's copy up to date.
    Docs {
        /// The provider: local, kubernetes, aws.
        provider: String,
        /// Replace the schema reference section of this Markdown page instead of printing it.
        #[arg(long)]
        update: Option<PathBuf>,
        /// With -update: change nothing, exit 3 if the page's section is stale.
        #[arg(long)]
        check: bool,
    },
    /// Print the resource graph in DOT format.
    Graph(DirArg),
    /// Show what apply would change.
    Plan {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        output: PlanOutputArgs,
    },
    /// Make the infrastructure match the configuration (or a saved plan).
    Apply {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        plan_only: PlanOnlyFlags,
        /// Skip the confirmation prompt.
        #[arg(long = "auto-approve")]
        auto_approve: bool,
        /// How many operations run at once (at least 1).
        #[arg(long, default_value_t = 10, value_parser = parse_parallelism)]
        parallelism: usize,
        /// Print progress as Terraform's machine-readable UI: one JSON event per line.
        #[arg(long)]
        json: bool,
    },
    /// Destroy everything this configuration manages.
    Destroy {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        plan_only: PlanOnlyFlags,
        #[arg(long = "auto-approve")]
        auto_approve: bool,
        #[arg(long, default_value_t = 10, value_parser = parse_parallelism)]
        parallelism: usize,
        /// Print progress as machine-readable JSON events, one per line.
        #[arg(long)]
        json: bool,
    },
    /// Show the state, or a saved plan.
    Show {
        /// A saved plan file, or a configuration directory (default: .).
        path: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        /// Values for the variables an encrypted plan's key provider reads.
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Print output values from the state.
    Output {
        name: Option<String>,
        #[arg(long, conflicts_with = "raw")]
        json: bool,
        /// Print one output's string, number or bool as it is, with no quotes or newline, for scripts.
        #[arg(long, requires = "name")]
        raw: bool,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Inspect and edit the state.
    #[command(subcommand)]
    State(StateCommand),
    /// Bring an existing object under management: record it in state at ADDR.
    Import {
        address: String,
        id: String,
        /// The configuration directory (default: the current directory).
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Evaluate expressions against the configuration and state, one a line (`exit` ends it).
    Console {
        #[command(flatten)]
        dir: DirArg,
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Mark an instance for replacement by the next plan.
    Taint {
        address: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Clear the mark `taint` set.
    Untaint {
        address: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Manage workspaces: several states of one configuration.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Release a lock left by a run that died.
    #[command(name = "force-unlock")]
    ForceUnlock {
        id: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// List the resource instances in state.
    List {
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Show one instance's attributes.
    Show {
        address: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Forget instances without destroying them.
    Rm {
        addresses: Vec<String>,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Move an instance to another address.
    Mv {
        from: String,
        to: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Print the stored state (journal included) as JSON.
    Pull {
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Replace the stored state with a state file ("-" reads standard input).
    Push {
        file: PathBuf,
        /// Push even another lineage, an older serial, or over unresolved changes.
        #[arg(long)]
        force: bool,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum WorkspaceCommand {
    /// Create a workspace and select it.
    New {
        name: String,
        #[command(flatten)]
        lock: LockArgs,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Select the workspace later commands use.
    Select {
        name: String,
        /// Create the workspace if it does not exist.
        #[arg(long = "or-create")]
        or_create: bool,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// List the workspaces; the selected one is marked with *.
    List {
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Print the name of the selected workspace.
    Show {
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Delete a workspace and its state.
    Delete {
        name: String,
        /// Delete even when its state still tracks resources (they are forgotten, not destroyed).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

/// `-lock` and `-lock-timeout` of the commands that only write state.
#[derive(Args, Debug, Clone)]
pub struct LockArgs {
    /// How long to wait for a state lock held by another run: 30s, 5m (0 fails at once).
    #[arg(long = "lock-timeout", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// Take the state lock (default true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub lock: bool,
}

impl LockArgs {
    /// The lock timeout, or `None` when `-lock=false`.
    pub fn timeout(&self) -> Option<std::time::Duration> {
        self.lock.then_some(self.lock_timeout)
    }
}

#[derive(Args, Debug, Clone)]
pub struct DirArg {
    /// The configuration directory (default: the current directory).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Args, Debug, Clone, Default)]
pub struct VarArgs {
    /// Set a variable: -var 'name=value'. Repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// Read variables from a file of `name = value` lines. Repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_file: Vec<PathBuf>,
}

/// What to plan: shared by plan, apply and destroy.
#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// The configuration directory, or (for apply) a saved plan file.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Limit the plan to these resources and what they depend on.
    #[arg(long)]
    pub target: Vec<String>,
    /// Plan to replace these instances even if nothing forces it.
    #[arg(long)]
    pub replace: Vec<String>,
    /// Read live state before planning (default true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub refresh: bool,
    /// Plan to destroy everything.
    #[arg(long)]
    pub destroy: bool,
    /// Only record in state what refresh finds changed outside Gantry; change no object.
    #[arg(long = "refresh-only")]
    pub refresh_only: bool,
    /// How long to wait for a state lock held by another run: 30s, 5m, 1m30s (0 fails at once).
    #[arg(long = "lock-timeout", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// Take the state lock (default true). -lock=false is for when you know no other run can write.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub lock: bool,
    /// Ask for input (default true). -input=false makes an unapproved apply an error instead of a prompt.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub input: bool,
    /// Print warnings as a short list of their summaries.
    #[arg(long = "compact-warnings")]
    pub compact_warnings: bool,
}

/// What to do with a plan; only `plan` has these.
#[derive(Args, Debug, Clone)]
pub struct PlanOutputArgs {
    /// Save the plan to this file for a later `gantry apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 with no changes, 2 with changes, 1 on error.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Write resource blocks for import blocks that have none to this new file, and plan with them.
    #[arg(long = "generate-config-out", value_name = "FILE")]
    pub generate_config_out: Option<PathBuf>,
}

/// The flags of [`PlanOutputArgs`], accepted by apply and destroy only to refuse them
/// with a message saying where they belong: silently ignoring `-out` would leave the
/// user believing a plan was saved.
#[derive(Args, Debug, Clone)]
pub struct PlanOnlyFlags {
    #[arg(long, hide = true)]
    out: Option<PathBuf>,
    #[arg(long = "detailed-exitcode", hide = true)]
    detailed_exitcode: bool,
}

impl PlanOnlyFlags {
    /// An error naming the first plan-only flag given to `command`, if any.
    pub fn check(&self, command: &str) -> Result<(), String> {
        let (flag, hint) = if self.out.is_some() {
            let plan = if command == "destroy" { "gantry plan -destroy -out FILE" } else { "gantry plan -out FILE" };
            ("-out", format!("to apply a saved plan, save it with {plan}, then run gantry apply FILE"))
        } else if self.detailed_exitcode {
            ("-detailed-exitcode", "to learn whether there are changes, run gantry plan -detailed-exitcode".to_string())
        } else {
            return Ok(());
        };
        Err(format!("gantry {command} does not take {flag}, which is an option of gantry plan; {hint}"))
    }
}

/// `-lock-timeout`: a Go-style duration as Terraform takes it (`500ms`, `30s`, `5m`, `1h`,
/// `1m30s`); a bare number is seconds, as earlier Gantry releases took it.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let text = s.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    let bad = || format!("\"{s}\" is not a duration; write it as 30s, 5m or 1m30s");
    let mut total = 0f64;
    let mut rest = text;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        let unit_len = rest[digits..].find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len() - digits);
        let unit = &rest[digits..digits + unit_len];
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += number * scale;
        rest = &rest[digits + unit_len..];
    }
    Ok(std::time::Duration::from_secs_f64(total))
}

/// `-parallelism N`: a walk with no slots would never start anything.
fn parse_parallelism(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("\"{s}\" is not a whole number; it must be at least 1")),
    }
}

/// Accepts Terraform's single-dash long flags: `-auto-approve` → `--auto-approve`, and
/// its global `-version`/`-v` for the `version` command.
pub fn normalize(args: impl Iterator<Item = String>) -> Vec<String> {
    let mut args: Vec<String> = args.collect();
    if args.len() == 2 && matches!(args[1].as_str(), "-version" | "--version" | "-v") {
        args[1] = "version".into();
    }
    let dashed = args
        .into_iter()
        .enumerate()
        .map(
            |(i, a)| {
                if i > 0 && a.starts_with('-') && !a.starts_with("--") && a.len() > 2 {
                    format!("-{a}")
                } else {
                    a
                }
            },
        )
        .collect();
    dir_flag_to_positional(dashed)
}

/// Commands whose directory is their last positional argument.
const POSITIONAL_DIR: &[&str] =
    &["init", "validate", "fmt", "graph", "plan", "apply", "destroy", "show", "import", "console"];

/// Every command takes `-dir DIR`, as the state commands do, so that a script can name the
/// directory one way everywhere; for the commands that take it positionally, the flag's
/// value becomes their last positional argument.
fn dir_flag_to_positional(args: Vec<String>) -> Vec<String> {
    let mut at = 1;
    while at < args.len() && args[at].starts_with('-') {
        // The one global flag whose value may be a separate argument.
        at += if args[at] == "--chdir" { 2 } else { 1 };
    }
    if at >= args.len() || !POSITIONAL_DIR.contains(&args[at].as_str()) {
        return args;
    }
    let mut out = args[..=at].to_vec();
    let mut dirs = Vec::new();
    let mut rest = args.into_iter().skip(at + 1);
    while let Some(a) = rest.next() {
        match a.strip_prefix("--dir") {
            Some("") => match rest.next() {
                Some(dir) => dirs.push(dir),
                None => out.push(a),
            },
            Some(v) if v.starts_with('=') => dirs.push(v[1..].to_string()),
            _ => out.push(a),
        }
    }
    // Two directories (a flag and a positional, or two flags) stay two, for clap to refuse.
    out.extend(dirs);
    out
}

/// The `-var` and `-var-file` options in the order given, which decides precedence.
/// A `-var` without `NAME=VALUE` is an error rather than a variable set to "".
pub fn ordered_vars(raw: &[String]) -> Result<Vec<gantry_core::engine::CliVar>, String> {
    let mut out = Vec::new();
    let mut it = raw.iter().peekable();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f == "--var" || f == "--var-file" => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let value = match (flag.as_str(), inline) {
            ("--var" | "--var-file", Some(v)) => v,
            ("--var" | "--var-file", None) => match it.next() {
                Some(v) => v.clone(),
                None => break,
            },
            _ => continue,
        };
        if flag == "--var" {
            let Some((name, val)) = value.split_once('=').filter(|(name, _)| !name.trim().is_empty()) else {
                let example = if value.trim().is_empty() || value.contains('=') { "region" } else { value.trim() };
                return Err(format!(
                    "invalid -var option \"{value}\": expected NAME=VALUE, for example -var '{example}=VALUE'"
                ));
            };
            out.push(gantry_core::engine::CliVar::Assign(name.trim().to_string(), val.to_string()));
        } else {
            out.push(gantry_core::engine::CliVar::File(PathBuf::from(value)));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_are_read_as_go_and_terraform_write_them() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)), "a bare number is seconds");
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "s", "5x", "1m30", "soon", "-5s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} is not a duration");
        }
    }

    fn normalized(args: &[&str]) -> Vec<String> {
        super::normalize(std::iter::once("gantry").chain(args.iter().copied()).map(String::from))
    }

    #[test]
    fn dir_as_a_flag_becomes_the_positional_directory_of_the_plan_family() {
        assert_eq!(normalized(&["plan", "-dir", "infra", "-var", "a=b"]), ["gantry", "plan", "--var", "a=b", "infra"]);
        assert_eq!(normalized(&["-chdir", "x", "apply", "-dir=infra"]), ["gantry", "--chdir", "x", "apply", "infra"]);
        assert_eq!(normalized(&["import", "-dir", "d", "a.b", "id"]), ["gantry", "import", "a.b", "id", "d"]);
        // The state commands take -dir as a flag already.
        assert_eq!(normalized(&["state", "list", "-dir", "d"]), ["gantry", "state", "list", "--dir", "d"]);
        assert_eq!(normalized(&["output", "-dir=d"]), ["gantry", "output", "--dir=d"]);
        // A flag that merely starts with --dir is not it.
        assert_eq!(normalized(&["plan", "--directory"]), ["gantry", "plan", "--directory"]);
    }
}
