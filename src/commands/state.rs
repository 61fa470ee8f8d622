//! `gantry state list|show|rm|mv` and `gantry force-unlock`: state inspection and
//! surgery. These parse only the root module, to find the backend.

use super::{read_state, store_at, EXIT_ERROR};
use crate::args::StateCommand;
use crate::views::{self, Style};
use anyhow::{anyhow, Result};
use gantry_core::addr::ResourceInstanceAddr;
use gantry_core::engine::ResourceAddrPattern;
use gantry_core::state::{ops, try_lock, LockError, LockGuard, State, StateOpError, StateStore};
use std::path::Path;

pub fn run(cmd: StateCommand, style: &Style) -> Result<u8> {
    match cmd {
        StateCommand::List { dir } => {
            let state = read_state(store_at(&dir, &[], style)?.as_ref())?;
            for r in &state.resources {
                println!("{}", r.address);
            }
            Ok(0)
        }
        StateCommand::Show { address, dir } => {
            let state = read_state(store_at(&dir, &[], style)?.as_ref())?;
            let addr: ResourceInstanceAddr = address.parse()?;
            let Some(r) = state.get(&addr) else {
                eprintln!("Error: No instance found for the given address: {addr}");
                return Ok(EXIT_ERROR);
            };
            println!("# {}:{}", r.address, if r.tainted { " (tainted)" } else { "" });
            println!(
                "resource \"{}\" \"{}\" {}",
                addr.resource.type_name,
                addr.resource.name,
                views::block(&r.value(), 0)
            );
            Ok(0)
        }
        StateCommand::Rm { addresses, dir } => {
            let patterns = addresses.iter().map(|a| ResourceAddrPattern::parse(a)).collect::<Result<Vec<_>, _>>()?;
            let store = store_at(&dir, &[], style)?;
            let lock = lock_now(store.as_ref(), "state rm")?;
            match ops::remove(&lock, &patterns) {
                Ok(removed) => {
                    for m in &removed {
                        println!("Removed {m}");
                    }
                    println!("Successfully removed {} resource instance(s).", removed.len());
                    Ok(0)
                }
                Err(e) => op_failed(e),
            }
        }
        StateCommand::Pull { dir } => {
            let store = store_at(&dir, &[], style)?;
            let state = ops::pull(store.as_ref()).map_err(|e| anyhow!(e))?;
            println!("{}", String::from_utf8_lossy(&state.to_bytes()));
            Ok(0)
        }
        StateCommand::Push { file, force, dir } => {
            let bytes = if file.as_os_str() == "-" {
                let mut b = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
                b
            } else {
                std::fs::read(&file).map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?
            };
            let pushed =
                State::from_bytes(&bytes).map_err(|e| anyhow!("{} is not a Gantry state: {e}", file.display()))?;
            let store = store_at(&dir, &[], style)?;
            let lock = lock_now(store.as_ref(), "state push")?;
            match ops::push(&lock, pushed, force) {
                Ok(written) => {
                    println!("Pushed the state ({} resource instance(s)).", written.resources.len());
                    Ok(0)
                }
                Err(
                    e @ (StateOpError::OtherLineage { .. }
                    | StateOpError::OlderSerial { .. }
                    | StateOpError::PendingChanges(_)),
                ) => {
                    eprintln!("{} Failed to push the state: {e}.", style.bold("Error:"));
                    Ok(EXIT_ERROR)
                }
                Err(e) => op_failed(e),
            }
        }
        StateCommand::Mv { from, to, dir } => {
            let from: ResourceInstanceAddr = from.parse()?;
            let to: ResourceInstanceAddr = to.parse()?;
            let store = store_at(&dir, &[], style)?;
            let lock = lock_now(store.as_ref(), "state mv")?;
            match ops::move_instance(&lock, &from, &to) {
                Ok(()) => {
                    println!("Move \"{from}\" to \"{to}\"\nSuccessfully moved 1 object(s).");
                    Ok(0)
                }
                Err(e) => op_failed(e),
            }
        }
    }
}

/// `gantry taint ADDR` and `gantry untaint ADDR`.
pub fn taint(address: &str, dir: &Path, tainted: bool, style: &Style) -> Result<u8> {
    let addr: ResourceInstanceAddr = address.parse()?;
    let store = store_at(dir, &[], style)?;
    let lock = lock_now(store.as_ref(), if tainted { "taint" } else { "untaint" })?;
    match ops::set_tainted(&lock, &addr, tainted) {
        Ok(()) if tainted => {
            println!("Resource instance {addr} has been marked as tainted; the next apply replaces it.");
            Ok(0)
        }
        Ok(()) => {
            println!("Resource instance {addr} has been successfully untainted.");
            Ok(0)
        }
        Err(e @ StateOpError::NotTainted(_)) => {
            eprintln!("{} {e}.", style.bold("Error:"));
            Ok(EXIT_ERROR)
        }
        Err(e) => op_failed(e),
    }
}

pub fn force_unlock(id: &str, dir: &Path, force: bool, style: &Style) -> Result<u8> {
    let store = super::backend_at(dir, style)?;
    if !force {
        println!(
            "{}\n  Gantry will remove the lock on the state {}.\n  This lets other runs change the state even though the run that took the lock may still be using it.\n  Only 'yes' will be accepted to confirm.\n",
            style.bold("Do you really want to force-unlock?"),
            store.describe()
        );
        print!("  Enter a value: ");
        std::io::Write::flush(&mut std::io::stdout())?;
        let mut answer = String::new();
        std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut answer)?;
        if answer.trim() != "yes" {
            println!("\nforce-unlock cancelled.");
            return Ok(EXIT_ERROR);
        }
    }
    let removed = ops::force_unlock(store.as_ref(), id).map_err(|e| anyhow!(e))?;
    println!(
        "Removed the lock {} (operation {}, held by {}, created {}).\n{}",
        removed.id,
        removed.operation,
        removed.who,
        removed.created,
        style.bold("Gantry state has been successfully unlocked!")
    );
    Ok(0)
}

/// The lock for state surgery, which does not wait: these commands are run by hand.
fn lock_now<'a>(store: &'a dyn StateStore, operation: &str) -> Result<LockGuard<'a>> {
    try_lock(store, operation).map_err(|e| match e {
        LockError::Held(holder) => anyhow!("Error acquiring the state lock: {holder}"),
        LockError::Store(e) => anyhow!(e),
    })
}

fn op_failed(e: StateOpError) -> Result<u8> {
    match e {
        StateOpError::NoMatch(addr) => {
            eprintln!("Error: No instance found for the given address: {addr}");
            Ok(EXIT_ERROR)
        }
        other => Err(anyhow!(other)),
    }
}
