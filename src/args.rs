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
    Plan(PlanArgs),
    /// Make the infrastructure match the configuration (or a saved plan).
    Apply {
        #[command(flatten)]
        plan: PlanArgs,
        /// Skip the confirmation prompt.
        #[arg(long = "auto-approve")]
        auto_approve: bool,
        /// How many operations run at once.
        #[arg(long, default_value_t = 10)]
        parallelism: usize,
    },
    /// Destroy everything this configuration manages.
    Destroy {
        #[command(flatten)]
        plan: PlanArgs,
        #[arg(long = "auto-approve")]
        auto_approve: bool,
        #[arg(long, default_value_t = 10)]
        parallelism: usize,
    },
    /// Show the state, or a saved plan.
    Show {
        /// A saved plan file, or a configuration directory (default: .).
        path: Option<PathBuf>,
        #[arg(long)]
        json: bool,
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

#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// The configuration directory, or (for apply) a saved plan file.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Save the plan to this file for a later `gantry apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 with no changes, 2 with changes, 1 on error.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
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
pub fn ordered_vars(raw: &[String]) -> Vec<gantry_core::engine::CliVar> {
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
            let (name, val) = value.split_once('=').unwrap_or((value.as_str(), ""));
            out.push(gantry_core::engine::CliVar::Assign(name.trim().to_string(), val.to_string()));
        } else {
            out.push(gantry_core::engine::CliVar::File(PathBuf::from(value)));
        }
    }
    out
}
