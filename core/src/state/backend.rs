//! The backend registry: which `StateStore` a configuration's
//! `gantry { backend "NAME" { … } }` block opens. `local` is built in; other
//! backends are registered by their crates, as providers are.

use super::{LocalStore, StateStore};
use crate::config::BackendConfig;
use crate::diag::{Diagnostic, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The state file of the local backend when the block names none (or there is no block).
pub const DEFAULT_STATE_FILE: &str = "gantry.state.json";

/// What a backend is opened with: the block's attributes, each evaluated as a constant
/// (backend settings cannot refer to variables: the state must be found before
/// anything is evaluated), and the root module's directory, against which relative
/// paths resolve.
#[derive(Debug, Clone, Default)]
pub struct BackendSettings {
    pub attributes: BTreeMap<String, serde_json::Value>,
    pub root_dir: PathBuf,
}

/// Makes the store of one kind of backend.
pub trait BackendFactory: Send + Sync {
    /// The label of the backend block: `local`, `s3`.
    fn name(&self) -> &str;
    /// Opens the store the settings describe; refuses settings it does not understand.
    fn open(&self, settings: &BackendSettings) -> Result<Box<dyn StateStore>, BackendError>;
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

    /// Opens the store a root module's backend block asks for; without a block, the
    /// local file beside the configuration.
    pub fn open(&self, backend: Option<&BackendConfig>, root_dir: &Path) -> Result<Box<dyn StateStore>, BackendError> {
        let Some(block) = backend else {
            return self
                .open_named("local", &BackendSettings { attributes: BTreeMap::new(), root_dir: root_dir.into() });
        };
        if !self.factories.contains_key(&block.kind) {
            return Err(self.unknown(&block.kind, Some(block.span)));
        }
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
        self.open_named(&block.kind, &BackendSettings { attributes, root_dir: root_dir.into() })
            .map_err(|e| e.at(block.span))
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

/// `backend "local" { path = "…" }`: a JSON file, relative to the root module.
pub struct LocalBackend;

impl BackendFactory for LocalBackend {
    fn name(&self) -> &str {
        "local"
    }

    fn open(&self, settings: &BackendSettings) -> Result<Box<dyn StateStore>, BackendError> {
        let path = match settings.attributes.get("path") {
            None | Some(serde_json::Value::Null) => DEFAULT_STATE_FILE,
            Some(serde_json::Value::String(p)) if !p.is_empty() => p.as_str(),
            Some(other) => {
                return Err(BackendError::invalid(format!(
                    "backend \"local\" argument \"path\" must be a file name, not {other}"
                )))
            }
        };
        Ok(Box::new(LocalStore::new(settings.root_dir.join(path))))
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

        let (block, _) = backend_block(dir.path(), "gantry {\n  backend \"memory\" {\n    fail = true\n  }\n}\n");
        let err = registry.open(block.as_ref(), dir.path()).err().expect("the factory refuses");
        assert_eq!(err.to_string(), "told to fail");
        assert_eq!(err.span(), block.map(|b| b.span), "the refusal points at the block");
    }
}
