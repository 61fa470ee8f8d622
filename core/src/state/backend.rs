//! The backend registry: which `StateStore` a configuration's
//! `gantry { backend "NAME" { … } }` block opens. `local` is built in; other
//! backends are registered by their crates, as providers are.
//!
//! Every backend keeps one state per workspace, as Terraform's do. The contract:
//! - [`BackendSettings::workspace`] names the workspace whose state `open` returns
//!   (`default` unless one was selected). Opening a workspace that has no state yet
//!   is not an error: its state reads as `None`, and a workspace exists once a state
//!   has been written to it (`workspace new` writes an empty one).
//! - [`BackendFactory::workspaces`] lists the workspaces that have a state; the
//!   registry adds `default`, which always exists, and sorts the rest.
//! - [`BackendFactory::delete_workspace`] removes a workspace's state, journal and
//!   lock. The registry never passes it `default`; refusing to delete the current
//!   workspace, or one whose state still holds resources, is the caller's job
//!   (see [`super::workspace`]), the same for every backend.
//! - The default workspace's state lives where it did before workspaces existed, so
//!   a configuration that never selects one sees no change.

use super::workspace::DEFAULT_WORKSPACE;
use super::{LocalStore, StateStore};
use crate::config::BackendConfig;
use crate::diag::{Diagnostic, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The state file of the local backend when the block names none (or there is no block).
pub const DEFAULT_STATE_FILE: &str = "gantry.state.json";

/// Where the local backend keeps the states of workspaces other than `default`, one
/// folder per workspace (Terraform's `terraform.tfstate.d`).
pub const DEFAULT_WORKSPACE_DIR: &str = "gantry.state.d";

/// What a backend is opened with: the block's attributes, each evaluated as a constant
/// (backend settings cannot refer to variables: the state must be found before
/// anything is evaluated), and the root module's directory, against which relative
/// paths resolve.
#[derive(Debug, Clone)]
pub struct BackendSettings {
    pub attributes: BTreeMap<String, serde_json::Value>,
    pub root_dir: PathBuf,
    /// The workspace whose state to open; `default` unless one was selected.
    pub workspace: String,
}

impl Default for BackendSettings {
    fn default() -> Self {
        BackendSettings { attributes: BTreeMap::new(), root_dir: PathBuf::new(), workspace: DEFAULT_WORKSPACE.into() }
    }
}

impl BackendSettings {
    /// Whether the settings name the default workspace, whose state lives where it
    /// did before workspaces existed.
    pub fn is_default_workspace(&self) -> bool {
        self.workspace.is_empty() || self.workspace == DEFAULT_WORKSPACE
    }
}

/// Makes the store of one kind of backend.
pub trait BackendFactory: Send + Sync {
    /// The label of the backend block: `local`, `s3`.
    fn name(&self) -> &str;
    /// Opens the store of `settings.workspace`; refuses settings it does not understand.
    fn open(&self, settings: &BackendSettings) -> Result<Box<dyn StateStore>, BackendError>;
    /// The workspaces that have a state (in any order; `default` may be left out).
    /// `settings.workspace` is not read.
    fn workspaces(&self, settings: &BackendSettings) -> Result<Vec<String>, BackendError>;
    /// Removes the state, journal and lock of workspace `name`, which is never `default`.
    /// Removing one that does not exist is not an error.
    fn delete_workspace(&self, settings: &BackendSettings, name: &str) -> Result<(), BackendError>;
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("the \"{name}\" backend is not available in this build; available backends: {}", available.join(", "))]
    Unknown { name: String, available: Vec<String>, span: Option<Span> },
    /// An argument that is not a constant.
    #[error("backend \"{backend}\" argument \"{argument}\": {detail}")]
    NotConstant { backend: String, argument: String, detail: String, span: Span },
    /// The factory refused the settings or could not open the store.
    #[error("{message}")]
    Invalid { message: String, span: Option<Span> },
}

impl BackendError {
    pub fn invalid(message: impl Into<String>) -> BackendError {
        BackendError::Invalid { message: message.into(), span: None }
    }

    /// Where in the configuration the problem is, when it comes from a backend block.
    pub fn span(&self) -> Option<Span> {
        match self {
            BackendError::Unknown { span, .. } | BackendError::Invalid { span, .. } => *span,
            BackendError::NotConstant { span, .. } => Some(*span),
        }
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        let d = match self {
            BackendError::Unknown { name, available, .. } => Diagnostic::error(
                "Unsupported backend",
                format!(
                    "The \"{name}\" backend is not available in this build. Available backends: {}.{}",
                    available.join(", "),
                    crate::diag::did_you_mean(name, available.iter().map(String::as_str))
                ),
            ),
            BackendError::NotConstant { .. } => {
                Diagnostic::error("Backend settings must be constants", self.to_string())
            }
            BackendError::Invalid { message, .. } => {
                Diagnostic::error("Invalid backend configuration", message.clone())
            }
        };
        d.at_opt(self.span())
    }

    fn at(self, block: Span) -> BackendError {
        match self {
            BackendError::Unknown { name, available, span } => {
                BackendError::Unknown { name, available, span: span.or(Some(block)) }
            }
            BackendError::Invalid { message, span } => BackendError::Invalid { message, span: span.or(Some(block)) },
            e @ BackendError::NotConstant { .. } => e,
        }
    }
}

/// The backends a build knows, by name.
pub struct BackendRegistry {
    factories: BTreeMap<String, Arc<dyn BackendFactory>>,
}

impl Default for BackendRegistry {
    fn default() -> Self {
        BackendRegistry::new()
    }
}

impl BackendRegistry {
    /// A registry with the built-in `local` backend.
    pub fn new() -> BackendRegistry {
        let mut r = BackendRegistry { factories: BTreeMap::new() };
        r.register(Arc::new(LocalBackend));
        r
    }

    /// Adds a backend; one registered under a name already present replaces it.
    pub fn register(&mut self, factory: Arc<dyn BackendFactory>) {
        self.factories.insert(factory.name().to_string(), factory);
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.factories.keys().map(String::as_str)
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn BackendFactory>> {
        self.factories.get(name)
    }

    /// Opens the default workspace's store a root module's backend block asks for;
    /// without a block, the local file beside the configuration.
    pub fn open(&self, backend: Option<&BackendConfig>, root_dir: &Path) -> Result<Box<dyn StateStore>, BackendError> {
        self.open_workspace(backend, root_dir, DEFAULT_WORKSPACE)
    }

    /// Opens the store of one workspace.
    pub fn open_workspace(
        &self,
        backend: Option<&BackendConfig>,
        root_dir: &Path,
        workspace: &str,
    ) -> Result<Box<dyn StateStore>, BackendError> {
        let (factory, settings) = self.settings(backend, root_dir, workspace)?;
        factory.open(&settings).map_err(|e| at_block(e, backend))
    }

    /// The workspaces of a backend: `default` first, then the others by name.
    pub fn workspaces(&self, backend: Option<&BackendConfig>, root_dir: &Path) -> Result<Vec<String>, BackendError> {
        let (factory, settings) = self.settings(backend, root_dir, DEFAULT_WORKSPACE)?;
        let mut names = factory.workspaces(&settings).map_err(|e| at_block(e, backend))?;
        names.retain(|n| n != DEFAULT_WORKSPACE && !n.is_empty());
        names.sort();
        names.dedup();
        names.insert(0, DEFAULT_WORKSPACE.to_string());
        Ok(names)
    }

    /// Removes a workspace's state; `default` cannot be removed.
    pub fn delete_workspace(
        &self,
        backend: Option<&BackendConfig>,
        root_dir: &Path,
        name: &str,
    ) -> Result<(), BackendError> {
        if name == DEFAULT_WORKSPACE || name.is_empty() {
            return Err(BackendError::invalid("the default workspace cannot be deleted"));
        }
        let (factory, settings) = self.settings(backend, root_dir, DEFAULT_WORKSPACE)?;
        factory.delete_workspace(&settings, name).map_err(|e| at_block(e, backend))
    }

    /// The factory a block names and the settings it is given: each attribute evaluated as a constant.
    fn settings(
        &self,
        backend: Option<&BackendConfig>,
        root_dir: &Path,
        workspace: &str,
    ) -> Result<(&Arc<dyn BackendFactory>, BackendSettings), BackendError> {
        let workspace = workspace.to_string();
        let Some(block) = backend else {
            let settings = BackendSettings { attributes: BTreeMap::new(), root_dir: root_dir.into(), workspace };
            return Ok((self.get("local").ok_or_else(|| self.unknown("local", None))?, settings));
        };
        let Some(factory) = self.factories.get(&block.kind) else {
            return Err(self.unknown(&block.kind, Some(block.span)));
        };
        let mut attributes = BTreeMap::new();
        for a in &block.body.attributes {
            let value = crate::eval::eval_constant(&a.expr).map_err(|d| BackendError::NotConstant {
                backend: block.kind.clone(),
                argument: a.name.clone(),
                detail: d.detail,
                span: a.span,
            })?;
            attributes.insert(a.name.clone(), value.to_json());
        }
        Ok((factory, BackendSettings { attributes, root_dir: root_dir.into(), workspace }))
    }

    /// Opens a backend by name with settings already evaluated.
    pub fn open_named(&self, name: &str, settings: &BackendSettings) -> Result<Box<dyn StateStore>, BackendError> {
        match self.factories.get(name) {
            Some(f) => f.open(settings),
            None => Err(self.unknown(name, None)),
        }
    }

    fn unknown(&self, name: &str, span: Option<Span>) -> BackendError {
        BackendError::Unknown { name: name.to_string(), available: self.names().map(str::to_string).collect(), span }
    }
}

fn at_block(e: BackendError, backend: Option<&BackendConfig>) -> BackendError {
    match backend {
        Some(block) => e.at(block.span),
        None => e,
    }
}

/// `backend "local" { path = "…", workspace_dir = "…" }`: a JSON file, relative to the
/// root module, for the default workspace; `WORKSPACE_DIR/NAME/gantry.state.json` for
/// the others, as Terraform lays them out.
pub struct LocalBackend;

impl LocalBackend {
    fn text<'a>(settings: &'a BackendSettings, name: &str, default: &'a str) -> Result<&'a str, BackendError> {
        match settings.attributes.get(name) {
            None | Some(serde_json::Value::Null) => Ok(default),
            Some(serde_json::Value::String(p)) if !p.is_empty() => Ok(p.as_str()),
            Some(other) => Err(BackendError::invalid(format!(
                "backend \"local\" argument \"{name}\" must be a file name, not {other}"
            ))),
        }
    }

    fn check_arguments(settings: &BackendSettings) -> Result<(), BackendError> {
        match settings.attributes.keys().find(|k| !["path", "workspace_dir"].contains(&k.as_str())) {
            Some(k) => Err(BackendError::invalid(format!(
                "backend \"local\" has no argument \"{k}\"; it takes path, workspace_dir"
            ))),
            None => Ok(()),
        }
    }

    fn workspace_dir(settings: &BackendSettings) -> Result<PathBuf, BackendError> {
        Ok(settings.root_dir.join(Self::text(settings, "workspace_dir", DEFAULT_WORKSPACE_DIR)?))
    }
}

impl BackendFactory for LocalBackend {
    fn name(&self) -> &str {
        "local"
    }

    fn open(&self, settings: &BackendSettings) -> Result<Box<dyn StateStore>, BackendError> {
        Self::check_arguments(settings)?;
        let path = Self::text(settings, "path", DEFAULT_STATE_FILE)?;
        if settings.is_default_workspace() {
            return Ok(Box::new(LocalStore::new(settings.root_dir.join(path))));
        }
        let dir = Self::workspace_dir(settings)?.join(&settings.workspace);
        Ok(Box::new(LocalStore::new(dir.join(DEFAULT_STATE_FILE))))
    }

    /// Every folder in the workspace folder is a workspace, as in Terraform.
    fn workspaces(&self, settings: &BackendSettings) -> Result<Vec<String>, BackendError> {
        Self::check_arguments(settings)?;
        let dir = Self::workspace_dir(settings)?;
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(BackendError::invalid(format!("cannot list {}: {e}", dir.display()))),
        };
        Ok(entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect())
    }

    fn delete_workspace(&self, settings: &BackendSettings, name: &str) -> Result<(), BackendError> {
        Self::check_arguments(settings)?;
        super::workspace::validate_name(name).map_err(|e| BackendError::invalid(e.to_string()))?;
        let dir = Self::workspace_dir(settings)?.join(name);
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(BackendError::invalid(format!("cannot delete {}: {e}", dir.display())))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Diagnostics, SourceMap};
    use crate::state::State;
    use std::sync::Mutex;

    fn backend_block(dir: &Path, text: &str) -> (Option<BackendConfig>, SourceMap) {
        std::fs::write(dir.join("main.hcl"), text).unwrap();
        let sources = SourceMap::default();
        let mut diags = Diagnostics::default();
        let module = crate::config::load_module(dir, &sources, &mut diags).expect("the module loads");
        assert!(!diags.has_errors(), "{diags:?}");
        (module.settings.and_then(|s| s.backend), sources)
    }

    #[test]
    fn local_is_built_in_and_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let registry = BackendRegistry::new();
        assert_eq!(registry.names().collect::<Vec<_>>(), ["local"]);
        let store = registry.open(None, dir.path()).unwrap();
        assert_eq!(store.describe(), dir.path().join("gantry.state.json").display().to_string());

        let (block, _) =
            backend_block(dir.path(), "gantry {\n  backend \"local\" {\n    path = \"state/x.json\"\n  }\n}\n");
        let store = registry.open(block.as_ref(), dir.path()).unwrap();
        store.write(&State::new()).unwrap();
        assert!(dir.path().join("state/x.json").exists());
    }

    #[test]
    fn unknown_backend_names_the_available_ones_at_the_block() {
        let dir = tempfile::tempdir().unwrap();
        let (block, sources) =
            backend_block(dir.path(), "gantry {\n  backend \"pg\" {\n    conn_str = \"x\"\n  }\n}\n");
        let err = match BackendRegistry::new().open(block.as_ref(), dir.path()) {
            Err(e) => e,
            Ok(_) => panic!("pg is not registered"),
        };
        assert!(
            matches!(&err, BackendError::Unknown { name, available, .. } if name == "pg" && available == &["local"])
        );
        let text = crate::diag::render(&err.to_diagnostic(), &sources, false);
        assert!(text.starts_with("Error: Unsupported backend\n  --> "), "{text}");
        assert!(text.contains("main.hcl:2:3"), "{text}");
        assert!(text.contains("Available backends: local."), "{text}");
    }

    #[test]
    fn non_constant_settings_are_refused_at_the_argument() {
        let dir = tempfile::tempdir().unwrap();
        let (block, _) =
            backend_block(dir.path(), "variable \"p\" {}\ngantry {\n  backend \"local\" {\n    path = var.p\n  }\n}\n");
        let err = BackendRegistry::new().open(block.as_ref(), dir.path()).err().expect("a variable is refused");
        assert!(matches!(err, BackendError::NotConstant { ref argument, .. } if argument == "path"), "{err}");
    }

    #[test]
    fn local_workspaces_live_in_their_own_folders_and_default_stays_put() {
        let dir = tempfile::tempdir().unwrap();
        let registry = BackendRegistry::new();
        assert_eq!(registry.workspaces(None, dir.path()).unwrap(), ["default"]);
        let default = registry.open_workspace(None, dir.path(), "default").unwrap();
        assert_eq!(default.describe(), dir.path().join("gantry.state.json").display().to_string());
        let staging = registry.open_workspace(None, dir.path(), "staging").unwrap();
        assert_eq!(
            staging.describe(),
            dir.path().join("gantry.state.d/staging/gantry.state.json").display().to_string()
        );
        assert!(staging.read().unwrap().is_none(), "a workspace without state reads as none");
        staging.write(&State::new()).unwrap();
        registry.open_workspace(None, dir.path(), "b").unwrap().write(&State::new()).unwrap();
        assert_eq!(registry.workspaces(None, dir.path()).unwrap(), ["default", "b", "staging"]);
        registry.delete_workspace(None, dir.path(), "staging").unwrap();
        assert!(!dir.path().join("gantry.state.d/staging").exists());
        assert_eq!(registry.workspaces(None, dir.path()).unwrap(), ["default", "b"]);
        assert!(registry.delete_workspace(None, dir.path(), "default").is_err());
        assert!(registry.delete_workspace(None, dir.path(), "..").is_err(), "no escaping the workspace folder");
        assert!(dir.path().join("gantry.state.d/b").exists());
    }

    #[test]
    fn local_workspace_dir_and_unknown_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let registry = BackendRegistry::new();
        let (block, _) =
            backend_block(dir.path(), "gantry {\n  backend \"local\" {\n    workspace_dir = \"ws\"\n  }\n}\n");
        let store = registry.open_workspace(block.as_ref(), dir.path(), "a").unwrap();
        assert_eq!(store.describe(), dir.path().join("ws/a/gantry.state.json").display().to_string());
        let (block, _) = backend_block(dir.path(), "gantry {\n  backend \"local\" {\n    paht = \"x\"\n  }\n}\n");
        let err = registry.open(block.as_ref(), dir.path()).err().expect("a misspelt argument is refused");
        assert!(err.to_string().contains("has no argument \"paht\""), "{err}");
    }

    #[test]
    fn the_registry_lists_default_first_then_the_others_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let mut registry = BackendRegistry::new();
        registry.register(Arc::new(Recording(Mutex::new(None))));
        let (block, _) = backend_block(dir.path(), "gantry {\n  backend \"memory\" {}\n}\n");
        assert_eq!(registry.workspaces(block.as_ref(), dir.path()).unwrap(), ["default", "a", "b"]);
    }

    /// Records the settings it was opened with.
    struct Recording(Mutex<Option<BackendSettings>>);

    impl BackendFactory for Recording {
        fn name(&self) -> &str {
            "memory"
        }
        fn open(&self, settings: &BackendSettings) -> Result<Box<dyn StateStore>, BackendError> {
            if settings.attributes.contains_key("fail") {
                return Err(BackendError::invalid("told to fail"));
            }
            *self.0.lock().unwrap() = Some(settings.clone());
            Ok(Box::new(LocalStore::new(settings.root_dir.join("memory.json"))))
        }
        fn workspaces(&self, _: &BackendSettings) -> Result<Vec<String>, BackendError> {
            Ok(vec!["b".into(), "default".into(), "a".into()])
        }
        fn delete_workspace(&self, _: &BackendSettings, _: &str) -> Result<(), BackendError> {
            Ok(())
        }
    }

    #[test]
    fn a_registered_factory_is_used_with_evaluated_settings() {
        let dir = tempfile::tempdir().unwrap();
        let factory = Arc::new(Recording(Mutex::new(None)));
        let mut registry = BackendRegistry::new();
        registry.register(factory.clone());
        assert_eq!(registry.names().collect::<Vec<_>>(), ["local", "memory"]);
        let (block, _) = backend_block(
            dir.path(),
            "gantry {\n  backend \"memory\" {\n    name  = \"a-${\"b\"}\"\n    size  = 1 + 2\n  }\n}\n",
        );
        let store = registry.open(block.as_ref(), dir.path()).unwrap();
        assert_eq!(store.describe(), dir.path().join("memory.json").display().to_string());
        let seen = factory.0.lock().unwrap().clone().expect("the factory was asked");
        assert_eq!(seen.attributes["name"], "a-b");
        assert_eq!(seen.attributes["size"], 3.0);
        assert_eq!(seen.root_dir, dir.path());
        assert_eq!(seen.workspace, "default");

        let (block, _) = backend_block(dir.path(), "gantry {\n  backend \"memory\" {\n    fail = true\n  }\n}\n");
        let err = registry.open(block.as_ref(), dir.path()).err().expect("the factory refuses");
        assert_eq!(err.to_string(), "told to fail");
        assert_eq!(err.span(), block.map(|b| b.span), "the refusal points at the block");
    }
}
