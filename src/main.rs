//! The `gantry` command: parses arguments and hands each command to its module in
//! `commands/`, which calls the engine and renders the results.

// `println!`, `print!`, `eprintln!` and `eprint!` in this binary write through `streamed`, so
// that a reader that has gone (`gantry show | head`) ends the output instead of panicking.
// They are declared before the modules so that every module uses them.
macro_rules! println {
    () => { $crate::streamed::to_stdout(format_args!("\n")) };
    ($($t:tt)*) => { $crate::streamed::to_stdout(format_args!("{}\n", format_args!($($t)*))) };
}
macro_rules! print {
    ($($t:tt)*) => { $crate::streamed::to_stdout(format_args!($($t)*)) };
}
macro_rules! eprintln {
    () => { $crate::streamed::to_stderr(format_args!("\n")) };
    ($($t:tt)*) => { $crate::streamed::to_stderr(format_args!("{}\n", format_args!($($t)*))) };
}
#[allow(unused_macros)] // Unused today; declared so that a later `eprint!` cannot reach std's.
macro_rules! eprint {
    ($($t:tt)*) => { $crate::streamed::to_stderr(format_args!($($t)*)) };
}

mod args;
mod commands;
mod logging;
mod progress;
mod streamed;
mod views;

use args::{Cli, Command};
use clap::Parser;
use commands::EXIT_ERROR;
use gantry_core::encryption::KeyProviderRegistry;
use gantry_core::engine::Interrupt;
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
    r.register(gantry_provider_helm::HelmFactory::arc());
    r.register(gantry_provider_kustomization::KustomizationFactory::arc());
    #[cfg(feature = "aws")]
    r.register(gantry_provider_aws::AwsFactory::arc());
    #[cfg(not(feature = "aws"))]
    r.leave_out("aws", LEFT_OUT_AWS);
    r
}

/// How to get the aws provider, the s3 backend and the aws_kms key provider into a build
/// made without them.
#[cfg(not(feature = "aws"))]
const LEFT_OUT_AWS: &str = "it comes with the default cargo features: cargo install --path . (or add --features aws)";

/// The state backends of this build; `local` is built into the registry.
fn backends() -> BackendRegistry {
    #[allow(unused_mut)] // Without the aws feature, nothing is added to the built-in local backend.
    let mut r = BackendRegistry::new();
    #[cfg(feature = "aws")]
    r.register(gantry_provider_aws::backend::S3BackendFactory::arc());
    r.register(gantry_provider_kubernetes::backend::KubernetesBackendFactory::arc());
    r.register(gantry_backend_pg::PgBackendFactory::arc());
    r
}

/// The interrupts this run has received, shared with the engine.
fn interrupt() -> Interrupt {
    static INTERRUPT: std::sync::OnceLock<Interrupt> = std::sync::OnceLock::new();
    INTERRUPT.get_or_init(Interrupt::default).clone()
}

/// Set while apply carries out changes: then the first interrupt lets the operations
/// in progress finish and the second cancels them; at any other time the first one
/// stops the command at once (plan, refresh and the prompt change nothing).
static APPLYING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn applying(on: bool) {
    APPLYING.store(on, std::sync::atomic::Ordering::SeqCst);
}

fn is_applying() -> bool {
    APPLYING.load(std::sync::atomic::Ordering::SeqCst)
}

/// Counts SIGINT and SIGTERM and says what each one does.
async fn listen_for_interrupts() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
        return;
    };
    loop {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        let n = interrupt().raise();
        match (n, is_applying()) {
            (1, true) => eprintln!(
                "\nInterrupt received. Gantry starts no new changes and waits for those in progress to finish, then records them and releases the lock.\nInterrupt again to cancel the changes in progress."
            ),
            (2, true) => eprintln!(
                "\nSecond interrupt received: cancelling the changes in progress. Each stays recorded in the journal, and the next plan or apply finds out what it did."
            ),
            (1, false) => eprintln!("\nInterrupt received: stopping."),
            _ => {}
        }
    }
}

/// Resolves when an interrupt should stop the command where it is: the first one
/// outside apply's changes, or a third one at any time.
async fn stop_now() {
    let interrupt = interrupt();
    loop {
        let n = interrupt.count();
        if n >= 3 || (n >= 1 && !is_applying()) {
            return;
        }
        interrupt.reached(n + 1).await;
    }
}

/// The key provider types of this build for state and plan encryption; `pbkdf2` is built in.
fn key_providers() -> KeyProviderRegistry {
    #[allow(unused_mut)]
    let mut r = KeyProviderRegistry::new();
    #[cfg(feature = "aws")]
    r.register(gantry_provider_aws::kms::KmsKeyProviderFactory::arc());
    r
}

fn main() -> ExitCode {
    logging::init();
    let argv = args::normalize(std::env::args());
    let cli = match Cli::try_parse_from(&argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    // The command's name only: its arguments may carry -var values.
    tracing::debug!(
        version = env!("CARGO_PKG_VERSION"),
        command = argv.get(1).map(String::as_str).unwrap_or(""),
        "gantry started"
    );
    let style =
        Style { color: !cli.no_color && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() };
    // Before anything reads a path, so that every relative path means the same as started there.
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            eprintln!(
                "{} Invalid -chdir option: cannot change to {}: {e}.\n\n-chdir takes the directory that holds the configuration, for example -chdir=infra.",
                style.bold("Error:"),
                dir.display()
            );
            return ExitCode::from(EXIT_ERROR);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    runtime.spawn(listen_for_interrupts());
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = run(cli.command, &style, &argv) => outcome,
            // Dropping the command's future releases the lock it holds.
            () = stop_now() => Err(anyhow::anyhow!("interrupted; Gantry stopped before changing anything more")),
        }
    });
    // A prompt still waiting for input must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match outcome {
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
    if let Command::Plan { plan, .. } | Command::Apply { plan, .. } | Command::Destroy { plan, .. } = &command {
        commands::COMPACT_WARNINGS.store(plan.compact_warnings, std::sync::atomic::Ordering::Relaxed);
    }
    match command {
        Command::Version { json } => commands::version::run(json),
        Command::Completion { shell } => {
            let mut cli = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cli, "gantry", &mut std::io::stdout());
            Ok(0)
        }
        Command::Init(dir) => commands::init::run(&dir.dir, style),
        Command::Validate { dir, json, .. } => commands::validate::run(&dir.dir, json, raw, style).await,
        Command::Fmt { dir, check, diff } => commands::fmt::run(&dir.dir, check, diff),
        Command::Docs { provider, update, check } => commands::docs::run(&provider, update.as_deref(), check),
        Command::Graph(dir) => commands::graph::run(&dir.dir, style),
        Command::Plan { plan, output } => commands::plan::run(plan, output, raw, style).await,
        Command::Apply { plan, plan_only, auto_approve, parallelism, json } => {
            plan_only.check("apply").map_err(anyhow::Error::msg)?;
            commands::apply::run(plan, auto_approve, parallelism, false, json, raw, style).await
        }
        Command::Destroy { plan, plan_only, auto_approve, parallelism, json } => {
            plan_only.check("destroy").map_err(anyhow::Error::msg)?;
            commands::apply::run(plan, auto_approve, parallelism, true, json, raw, style).await
        }
        Command::Show { path, json, .. } => commands::show::show(path, json, raw, style),
        Command::Output { name, json, raw, dir } => commands::show::output(&dir, name, json, raw, style),
        Command::State(cmd) => commands::state::run(cmd, style),
        Command::Import { address, id, dir, .. } => commands::import::run(&dir, &address, &id, raw, style).await,
        Command::Console { dir, .. } => commands::console::run(&dir.dir, raw, style).await,
        Command::Taint { address, dir } => commands::state::taint(&address, &dir, true, style),
        Command::Untaint { address, dir } => commands::state::taint(&address, &dir, false, style),
        Command::Workspace(cmd) => commands::workspace::run(cmd, style).await,
        Command::ForceUnlock { id, dir, force } => commands::state::force_unlock(&id, &dir, force, style),
    }
}
