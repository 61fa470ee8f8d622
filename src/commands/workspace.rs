//! `gantry workspace new|select|list|show|delete`: several states of one configuration.
//! These parse only the root module, to find the backend; the rules are core's
//! (`state::workspace`), the listing and deleting the backend's.

use super::{backend_block_at, backend_failed, selected_workspace, workspace_store_at};
use crate::args::WorkspaceCommand;
use crate::views::Style;
use anyhow::Result;
use gantry_core::state::workspace::{self, WorkspaceError, WORKSPACE_ENV};
use std::path::Path;

pub async fn run(cmd: WorkspaceCommand, style: &Style) -> Result<u8> {
    let message = match cmd {
        WorkspaceCommand::Show { dir } => {
            println!("{}", selected_workspace(&dir)?);
            return Ok(0);
        }
        WorkspaceCommand::List { dir } => {
            let current = selected_workspace(&dir)?;
            for name in list(&dir, style)? {
                let mark = if name == current { "*" } else { " " };
                println!("{mark} {name}");
            }
            println!();
            return Ok(0);
        }
        WorkspaceCommand::New { name, lock, dir } => new(&dir, &name, lock.timeout(), style).await?,
        WorkspaceCommand::Select { name, or_create, dir } => select(&dir, &name, or_create, style).await?,
        WorkspaceCommand::Delete { name, force, lock, dir } => {
            delete(&dir, &name, force, lock.timeout(), style).await?
        }
    };
    println!("{}", style.bold(&message));
    Ok(0)
}

fn list(dir: &Path, style: &Style) -> Result<Vec<String>> {
    let (backend, sources) = backend_block_at(dir);
    crate::backends().workspaces(backend.as_ref(), dir).map_err(|e| backend_failed(e, &sources, style))
}

fn refuse_if_set_by_env() -> Result<(), WorkspaceError> {
    match std::env::var(WORKSPACE_ENV) {
        Ok(name) if !name.is_empty() => Err(WorkspaceError::SetByEnv(name)),
        _ => Ok(()),
    }
}

async fn new(dir: &Path, name: &str, lock: Option<std::time::Duration>, style: &Style) -> Result<String> {
    refuse_if_set_by_env()?;
    workspace::validate_name(name)?;
    let existing = list(dir, style)?;
    let store = workspace_store_at(dir, name, &[], style)?;
    workspace::create(store.as_ref(), &existing, name, lock).await?;
    workspace::remember(dir, name)?;
    Ok(format!(
        "Created and switched to workspace \"{name}\"!\n\nYou're now on a new, empty workspace. Workspaces isolate their state, so if you run \"gantry plan\" Gantry will not see any existing state for this configuration."
    ))
}

async fn select(dir: &Path, name: &str, or_create: bool, style: &Style) -> Result<String> {
    refuse_if_set_by_env()?;
    workspace::validate_name(name)?;
    let existing = list(dir, style)?;
    if !existing.iter().any(|w| w == name) {
        if !or_create {
            return Err(WorkspaceError::Missing(name.to_string()).into());
        }
        let store = workspace_store_at(dir, name, &[], style)?;
        workspace::create(store.as_ref(), &existing, name, Some(std::time::Duration::ZERO)).await?;
    }
    workspace::remember(dir, name)?;
    Ok(format!("Switched to workspace \"{name}\"."))
}

async fn delete(
    dir: &Path,
    name: &str,
    force: bool,
    lock: Option<std::time::Duration>,
    style: &Style,
) -> Result<String> {
    workspace::validate_name(name)?;
    let existing = list(dir, style)?;
    let current = selected_workspace(dir)?;
    let store = workspace_store_at(dir, name, &[], style)?;
    workspace::check_deletable(store.as_ref(), &existing, name, &current, force, lock).await?;
    drop(store);
    let (backend, sources) = backend_block_at(dir);
    crate::backends().delete_workspace(backend.as_ref(), dir, name).map_err(|e| backend_failed(e, &sources, style))?;
    Ok(format!("Deleted workspace \"{name}\"!"))
}
