//! Command-line arguments. Flags are written the Terraform way (`-auto-approve`,
//! `-refresh=false`); [`normalize`] turns them into the `--long` form clap parses.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "gantry", version, about = "Declarative provisioner for ML clusters", disable_help_subcommand = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Disable colour in output.
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
        #[arg(long)]
        json: bool,
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
    /// Seconds to wait for a state lock held by another run (0 fails at once).
    #[arg(long = "lock-timeout", default_value_t = 0)]
    pub lock_timeout: u64,
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
}

/// The flags of [`PlanOutputArgs`], accepted by apply and destroy only to refuse them
/// with a message saying where they belong: silently ignoring `-out` would leave the
/// user believing a plan was saved.
#[derive(Args, Debug, Clone)]
pub struct PlanOnlyFlags {
    #[arg(long, hide = true)]
    out: Option<PathBuf>,
    #[arg(long, hide = true)]
    json: bool,
    #[arg(long = "detailed-exitcode", hide = true)]
    detailed_exitcode: bool,
}

impl PlanOnlyFlags {
    /// An error naming the first plan-only flag given to `command`, if any.
    pub fn check(&self, command: &str) -> Result<(), String> {
        let (flag, hint) = if self.out.is_some() {
            let plan = if command == "destroy" { "gantry plan -destroy -out FILE" } else { "gantry plan -out FILE" };
            ("-out", format!("to apply a saved plan, save it with {plan}, then run gantry apply FILE"))
        } else if self.json {
            ("-json", "to see the plan as JSON, run gantry plan -json".to_string())
        } else if self.detailed_exitcode {
            ("-detailed-exitcode", "to learn whether there are changes, run gantry plan -detailed-exitcode".to_string())
        } else {
            return Ok(());
        };
        Err(format!("gantry {command} does not take {flag}, which is an option of gantry plan; {hint}"))
    }
}

/// `-parallelism N`: a walk with no slots would never start anything.
fn parse_parallelism(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("\"{s}\" is not a whole number; it must be at least 1")),
    }
}

/// Accepts Terraform's single-dash long flags: `-auto-approve` → `--auto-approve`.
pub fn normalize(args: impl Iterator<Item = String>) -> Vec<String> {
    args.enumerate()
        .map(
            |(i, a)| {
                if i > 0 && a.starts_with('-') && !a.starts_with("--") && a.len() > 2 {
                    format!("-{a}")
                } else {
                    a
                }
            },
        )
        .collect()
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
