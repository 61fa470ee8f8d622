//! Workspaces: several states for one configuration, as in Terraform. Which one a
//! run uses is remembered in the working folder (`.gantry/environment`, Terraform's
//! `.terraform/environment`) and overridden by `GANTRY_WORKSPACE` (`TF_WORKSPACE`).
//! Where each workspace's state lives is the backend's business (see
//! [`super::backend`]); the rules below are the same for every backend.

use super::{lock, LockError, State, StateError, StateStore};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The workspace that always exists and cannot be deleted.
pub const DEFAULT_WORKSPACE: &str = "default";
/// The environment variable that selects the workspace, over the working folder's choice.
pub const WORKSPACE_ENV: &str = "GANTRY_WORKSPACE";
/// The working folder, beside the configuration, that `gantry init` creates.
pub const WORKING_DIR: &str = ".gantry";
/// The file in the working folder that names the selected workspace.
pub const ENVIRONMENT_FILE: &str = "environment";

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(
        "The workspace name \"{0}\" is not allowed. The name must contain only URL safe characters (letters, digits and - _ . ~ $ & + : = @), no path separators, and not be \".\" or \"..\"."
    )]
    InvalidName(String),
    #[error(
        "The workspace name \"{0}\" set in {WORKSPACE_ENV} is not allowed. The name must contain only URL safe characters, and no path separators."
    )]
    InvalidEnvName(String),
    #[error("Workspace \"{0}\" already exists.")]
    Exists(String),
    #[error("Workspace \"{0}\" doesn't exist.\n\nYou can create this workspace with the \"new\" subcommand, or select it with \"select -or-create\".")]
    Missing(String),
    #[error("Cannot delete the default workspace: it always exists.")]
    DeleteDefault,
    #[error("Workspace \"{0}\" is your active workspace.\n\nYou cannot delete the currently active workspace. Please switch to another workspace and try again.")]
    DeleteCurrent(String),
    #[error("Workspace \"{name}\" is currently tracking the following resource instances:\n{}\nDeleting this workspace would cause Gantry to lose track of any associated remote objects, which would then require you to delete them manually outside of Gantry. You should destroy these objects with Gantry before deleting the workspace.\n\nIf you want to delete this workspace anyway, and have Gantry forget about these managed objects, use the -force option.", .resources.iter().map(|r| format!("  - {r}\n")).collect::<String>())]
    HasResources { name: String, resources: Vec<String> },
    #[error("The workspace is selected by {WORKSPACE_ENV}=\"{0}\"; unset {WORKSPACE_ENV} to select another one.")]
    SetByEnv(String),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("cannot remember the selected workspace in {path}: {error}")]
    Remember { path: PathBuf, error: std::io::Error },
}

/// Whether `name` may name a workspace: what a URL path segment keeps unescaped (as
/// Terraform checks it), and never `.` or `..`, which would be folders in the local backend.
pub fn validate_name(name: &str) -> Result<(), WorkspaceError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.~$&+:=@".contains(c);
    if name.is_empty() || name == "." || name == ".." || !name.chars().all(allowed) {
        return Err(WorkspaceError::InvalidName(name.to_string()));
    }
    Ok(())
}

fn environment_file(root_dir: &Path) -> PathBuf {
    root_dir.join(WORKING_DIR).join(ENVIRONMENT_FILE)
}

/// The selected workspace: `from_env` (the value of [`WORKSPACE_ENV`]) when set, else
/// the one remembered in the working folder, else `default`.
pub fn selected(root_dir: &Path, from_env: Option<&str>) -> Result<String, WorkspaceError> {
    if let Some(name) = from_env.filter(|n| !n.is_empty()) {
        return match validate_name(name) {
            Ok(()) => Ok(name.to_string()),
            Err(_) => Err(WorkspaceError::InvalidEnvName(name.to_string())),
        };
    }
    let remembered = std::fs::read_to_string(environment_file(root_dir)).unwrap_or_default();
    let name = remembered.trim();
    if name.is_empty() {
        return Ok(DEFAULT_WORKSPACE.to_string());
    }
    validate_name(name)?;
    Ok(name.to_string())
}

/// Remembers `name` as the selected workspace in the working folder.
pub fn remember(root_dir: &Path, name: &str) -> Result<(), WorkspaceError> {
    validate_name(name)?;
    let path = environment_file(root_dir);
    super::write_atomic(&path, name.as_bytes()).map_err(|error| WorkspaceError::Remember { path, error })
}

/// Creates workspace `name` by writing an empty state to `store` (the store of that
/// workspace), under its lock unless `lock_timeout` is `None`. `existing` is the
/// backend's list of workspaces.
pub async fn create(
    store: &dyn StateStore,
    existing: &[String],
    name: &str,
    lock_timeout: Option<Duration>,
) -> Result<(), WorkspaceError> {
    validate_name(name)?;
    if existing.iter().any(|w| w == name) {
        return Err(WorkspaceError::Exists(name.to_string()));
    }
    let _guard = match lock_timeout {
        Some(timeout) => Some(lock(store, "workspace new", timeout).await?),
        None => None,
    };
    if store.read()?.is_none() {
        store.write(&State::new())?;
    }
    Ok(())
}

/// Checks that workspace `name` may be deleted: not `default`, not `current`, and (unless
/// `force`) its state holds no resources. The state is read under its lock unless
/// `lock_timeout` is `None`; the lock is released before the backend deletes the
/// workspace, since deleting removes the lock too.
pub async fn check_deletable(
    store: &dyn StateStore,
    existing: &[String],
    name: &str,
    current: &str,
    force: bool,
    lock_timeout: Option<Duration>,
) -> Result<(), WorkspaceError> {
    validate_name(name)?;
    if name == DEFAULT_WORKSPACE {
        return Err(WorkspaceError::DeleteDefault);
    }
    if !existing.iter().any(|w| w == name) {
        return Err(WorkspaceError::Missing(name.to_string()));
    }
    if name == current {
        return Err(WorkspaceError::DeleteCurrent(name.to_string()));
    }
    let _guard = match lock_timeout {
        Some(timeout) => Some(lock(store, "workspace delete", timeout).await?),
        None => None,
    };
    if force {
        return Ok(());
    }
    let resources: Vec<String> = match store.read() {
        Ok(state) => state.map(|s| s.resources.iter().map(|r| r.address.to_string()).collect()).unwrap_or_default(),
        Err(e) => return Err(e.into()),
    };
    if !resources.is_empty() {
        return Err(WorkspaceError::HasResources { name: name.to_string(), resources });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_url_safe_path_segments() {
        for ok in ["default", "a", "prod-eu_1", "v1.2", "x~y", "a@b", "k=v"] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a b", "a\\b", "é", "a%20", "a?b", "a#b", "a,b", "a;b"] {
            assert!(matches!(validate_name(bad), Err(WorkspaceError::InvalidName(_))), "{bad}");
        }
    }

    #[test]
    fn the_environment_overrides_the_remembered_choice_which_overrides_default() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(selected(dir.path(), None).unwrap(), "default");
        remember(dir.path(), "staging").unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join(".gantry/environment")).unwrap(), "staging");
        assert_eq!(selected(dir.path(), None).unwrap(), "staging");
        assert_eq!(selected(dir.path(), Some("")).unwrap(), "staging");
        assert_eq!(selected(dir.path(), Some("prod")).unwrap(), "prod");
        assert!(matches!(selected(dir.path(), Some("a/b")), Err(WorkspaceError::InvalidEnvName(_))));
    }
}
