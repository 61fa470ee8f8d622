//! The `gantry` command: parses arguments and hands each command to its module in
//! `commands/`, which calls the engine and renders the results.

mod args;
mod commands;
mod views;

use args::{Cli, Command};
use clap::Parser;
use commands::EXIT_ERROR;
use gantry_core::encryption::KeyProviderRegistry;
use gantry_core::provider::Registry;
use gantry_core::state::BackendRegistry;
use std::io::IsTerminal;
use std::process::ExitCode;
use views::Style;

fn registry() -> Registry {
    let mut r = Registry::default();
    r.register(gantry_provider_local::LocalFactory::arc());
    r.register(std::sync::Arc::new(
        gantry_provider_kubernetes::KubernetesFactory::new()
            .with_simulator(gantry_provider_local::KubernetesSimulator::arc()),
    ));
    r.register(gantry_provider_aws::AwsFactory::arc());
    r
}

/// The state backends of this build; `local` is built into the registry.
fn backends() -> BackendRegistry {
    let mut r = BackendRegistry::new();
    r.register(gantry_provider_aws::backend::S3BackendFactory::arc());
    r
}

/// The key provider types of this build for state and plan encryption; `pbkdf2` is built in.
fn key_providers() -> KeyProviderRegistry {
    let mut r = KeyProviderRegistry::new();
    r.register(gantry_provider_aws::kms::KmsKeyProviderFactory::arc());
    r
}

fn main() -> ExitCode {
    let argv = args::normalize(std::env::args());
    let cli = match Cli::try_parse_from(&argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    let style =
        Style { color: !cli.no_color && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match runtime.block_on(run(cli.command, &style, &argv)) {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.is::<commands::Reported>() => ExitCode::from(EXIT_ERROR),
        Err(e) => {
            eprintln!("{} {e:#}", style.bold("Error:"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `raw` is the whole normalised command line: `-var` and `-var-file` are read from it
/// in the order given, which clap does not keep across the two flags.
async fn run(command: Command, style: &Style, raw: &[String]) -> anyhow::Result<u8> {
    match command {
        Command::Init(dir) => commands::init::run(&dir.dir, style),
        Command::Validate { dir, json, .. } => commands::validate::run(&dir.dir, json, raw, style).await,
        Command::Fmt { dir, check, diff } => commands::fmt::run(&dir.dir, check, diff),
        Command::Graph(dir) => commands::graph::run(&dir.dir, style),
        Command::Plan { plan, output } => commands::plan::run(plan, output, raw, style).await,
        Command::Apply { plan, plan_only, auto_approve, parallelism } => {
            plan_only.check("apply").map_err(anyhow::Error::msg)?;
            commands::apply::run(plan, auto_approve, parallelism, false, raw, style).await
        }
        Command::Destroy { plan, plan_only, auto_approve, parallelism } => {
            plan_only.check("destroy").map_err(anyhow::Error::msg)?;
            commands::apply::run(plan, auto_approve, parallelism, true, raw, style).await
        }
        Command::Show { path, json, .. } => commands::show::show(path, json, raw, style),
        Command::Output { name, json, dir } => commands::show::output(&dir, name, json, style),
        Command::State(cmd) => commands::state::run(cmd, style),
        Command::Import { address, id, dir, .. } => commands::import::run(&dir, &address, &id, raw, style).await,
        Command::ForceUnlock { id, dir } => commands::state::force_unlock(&id, &dir, style),
    }
}
