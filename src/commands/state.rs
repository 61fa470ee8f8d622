//! `gantry state list|show|rm|mv` and `gantry force-unlock`: state inspection and
//! surgery. These parse only the root module, to find the backend.

use super::{read_state, store_at, EXIT_ERROR};
use crate::args::StateCommand;
use crate::views::{self, Style};
use anyhow::{anyhow, Result};
use gantry_core::addr::ResourceInstanceAddr;
use gantry_core::engine::ResourceAddrPattern;
use gantry_core::state::{ops, try_lock, LockError, LockGuard, StateOpError, StateStore};
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
            println!("# {}:", r.address);
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
