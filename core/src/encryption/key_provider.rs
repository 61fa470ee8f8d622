//! Key providers: where a method's keys come from. A `key_provider "TYPE" "NAME" { … }` block
//! is opened by the factory registered for TYPE; `pbkdf2` is built in, and other crates
//! register theirs (`aws_kms` by `providers/aws`), the way backends are registered, so that
//! `core` stays free of cloud SDKs.

use std::collections::BTreeMap;
use std::sync::Arc;

/// Key material, wiped from memory when dropped.
pub type Key = zeroize::Zeroizing<Vec<u8>>;

/// A configured key provider. Calls may block (a KMS request); they are made only when a
/// file is actually encrypted or decrypted, and each result is reused for the rest of the run.
pub trait KeyProvider: Send + Sync {
    /// A key to encrypt with, and the metadata stored beside the data (never secret: a salt,
    /// an encrypted data key) from which [`KeyProvider::decryption_key`] finds the key again.
    fn encryption_key(&self) -> Result<(Key, Vec<u8>), KeyProviderError>;
    /// The key that data stored with `meta` was encrypted with.
    fn decryption_key(&self, meta: &[u8]) -> Result<Key, KeyProviderError>;
}

/// A key provider's failure, as the user should read it. It must not contain key material or
/// the passphrase.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct KeyProviderError(pub String);

/// What a key provider block is opened with: its name and its arguments, evaluated (with
/// sensitive marks removed) and converted to JSON.
#[derive(Clone, Default)]
pub struct KeyProviderSettings {
    pub name: String,
    pub attributes: BTreeMap<String, serde_json::Value>,
}

// Settings hold passphrases; printing them anywhere would defeat the point.
impl std::fmt::Debug for KeyProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyProviderSettings")
            .field("name", &self.name)
            .field("attributes", &self.attributes.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl KeyProviderSettings {
    pub fn string(&self, name: &str) -> Result<Option<&str>, SettingError> {
        match self.attributes.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(other) => {
                Err(SettingError::at(name, format!("\"{name}\" must be a string, not {}", json_kind(other))))
            }
        }
    }

    /// A whole number in `min..=max`, or `default` when the argument is absent.
    pub fn integer(&self, name: &str, default: u64, min: u64, max: u64) -> Result<u64, SettingError> {
        match self.attributes.get(name) {
            None | Some(serde_json::Value::Null) => Ok(default),
            Some(serde_json::Value::Number(n)) => match n.as_f64() {
                Some(v) if v.fract() == 0.0 && v >= min as f64 && v <= max as f64 => Ok(v as u64),
                _ => Err(SettingError::at(
                    name,
                    format!("\"{name}\" must be a whole number from {min} to {max}, not {n}"),
                )),
            },
            Some(other) => {
                Err(SettingError::at(name, format!("\"{name}\" must be a number, not {}", json_kind(other))))
            }
        }
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a bool",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Why a factory refused a block: the argument at fault (its expression is what the
/// diagnostic points at), or none for the block as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingError {
    pub argument: Option<String>,
    pub message: String,
}

impl SettingError {
    pub fn at(argument: &str, message: impl Into<String>) -> SettingError {
        SettingError { argument: Some(argument.to_string()), message: message.into() }
    }

    pub fn block(message: impl Into<String>) -> SettingError {
        SettingError { argument: None, message: message.into() }
    }
}

/// Opens the key providers of one type.
pub trait KeyProviderFactory: Send + Sync {
    /// The type label: `pbkdf2`, `aws_kms`.
    fn name(&self) -> &str;
    /// Every argument the block takes, so that a misspelt one is reported with a suggestion
    /// before `open` is asked.
    fn arguments(&self) -> &[&str];
    /// Checks the settings and makes the provider. Makes no network calls and derives no key:
    /// that happens on first use.
    fn open(&self, settings: &KeyProviderSettings) -> Result<Box<dyn KeyProvider>, SettingError>;
}

/// The key provider types a build knows, by name.
pub struct KeyProviderRegistry {
    factories: BTreeMap<String, Arc<dyn KeyProviderFactory>>,
}

impl Default for KeyProviderRegistry {
    fn default() -> Self {
        KeyProviderRegistry::new()
    }
}

impl KeyProviderRegistry {
    /// A registry with the built-in `pbkdf2`.
    pub fn new() -> KeyProviderRegistry {
        let mut r = KeyProviderRegistry { factories: BTreeMap::new() };
        r.register(Arc::new(super::pbkdf2::Pbkdf2Factory));
        r
    }

    /// Adds a type; one registered under a name already present replaces it.
    pub fn register(&mut self, factory: Arc<dyn KeyProviderFactory>) {
        self.factories.insert(factory.name().to_string(), factory);
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.factories.keys().map(String::as_str)
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn KeyProviderFactory>> {
        self.factories.get(name)
    }
}
