//! The debug log, as Terraform's `TF_LOG`: `GANTRY_LOG=trace|debug|info|warn|error`
//! turns it on (unset: off) and writes it to stderr, or to the file
//! `GANTRY_LOG_PATH` names (appended to).
//!
//! Only Gantry's own crates log, plus the AWS SDK's retry decisions: a client
//! library's lower levels log requests and responses, and no value may reach a log.

use std::io::Write;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

const OWN_TARGETS: [&str; 5] =
    ["gantry", "gantry_core", "gantry_provider_local", "gantry_provider_kubernetes", "gantry_provider_aws"];

/// The SDK's retry strategy: one line per retry and why, with no request in it.
const SDK_RETRIES: &str = "aws_smithy_runtime::client::retries";

/// Sets the log up from the environment. A bad setting is reported on stderr and
/// leaves the log off, rather than stopping the command.
pub fn init() {
    let Some(level) = std::env::var("GANTRY_LOG").ok().filter(|v| !v.trim().is_empty()) else { return };
    let level = match level.trim().to_ascii_lowercase().as_str() {
        "off" => return,
        "trace" => LevelFilter::TRACE,
        "debug" => LevelFilter::DEBUG,
        "info" => LevelFilter::INFO,
        "warn" => LevelFilter::WARN,
        "error" => LevelFilter::ERROR,
        other => {
            eprintln!(
                "Warning: GANTRY_LOG={other} is not a level; use trace, debug, info, warn or error. Logging is off."
            );
            return;
        }
    };
    let mut targets = Targets::new().with_target(SDK_RETRIES, level.min(LevelFilter::DEBUG));
    for t in OWN_TARGETS {
        targets = targets.with_target(t, level);
    }
    let fmt = tracing_subscriber::fmt::layer().with_ansi(false).with_target(true);
    let path = std::env::var_os("GANTRY_LOG_PATH").filter(|p| !p.is_empty());
    let result = match path {
        Some(path) => match std::fs::OpenOptions::new().create(true).append(true).open(&path) {
            Ok(file) => tracing_subscriber::registry()
                .with(fmt.with_writer(std::sync::Mutex::new(file)).with_filter(targets))
                .try_init(),
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "Warning: cannot open GANTRY_LOG_PATH {}: {e}. Logging is off.",
                    std::path::Path::new(&path).display()
                );
                return;
            }
        },
        None => tracing_subscriber::registry().with(fmt.with_writer(std::io::stderr).with_filter(targets)).try_init(),
    };
    if let Err(e) = result {
        eprintln!("Warning: cannot start the log: {e}");
    }
}
