//! Client-side encryption of state and plan files, after OpenTofu 1.7's: the root module's
//! `gantry { encryption { … } }` names key providers (where keys come from: `pbkdf2` from a
//! passphrase, `aws_kms` from KMS, registered by `providers/aws`) and methods (`aes_gcm`,
//! `unencrypted` for migrations), and the `state` and `plan` blocks pick a method and the
//! fallbacks that may also read. Encrypted files use OpenTofu's envelope (`envelope.rs`).
//!
//! The entry point is [`from_config`], which gives one [`Codec`] per configured target; the
//! codecs work on bytes, so a store or a plan file wraps what it writes and reads in one place:
//! `codec.encrypt(&plain)?` before writing, `codec.decrypt(&stored)?` after reading. Keys are
//! made on first use and kept for the run; [`Codec::prepare`] makes the writing key at once.

mod aes_gcm;
mod codec;
mod config;
mod envelope;
mod error;
mod key_provider;
mod pbkdf2;
mod scope;

pub use codec::Codec;
pub use envelope::is_encrypted;
pub use error::{EncryptionError, Target};
pub use key_provider::{
    Key, KeyProvider, KeyProviderError, KeyProviderFactory, KeyProviderRegistry, KeyProviderSettings, SettingError,
};
pub use pbkdf2::{DEFAULT_ITERATIONS, MIN_ITERATIONS, MIN_PASSPHRASE_LENGTH};
pub use scope::Inputs;

use crate::config::Module;
use crate::diag::Diagnostics;
use std::collections::BTreeSet;

/// What a configuration encrypts: a codec for each target that has a block.
#[derive(Debug)]
pub struct Encryption {
    /// Shared, because the state store that wraps the backend keeps it for the whole run.
    pub state: Option<std::sync::Arc<Codec>>,
    pub plan: Option<Codec>,
    /// Warnings to show with the run's other diagnostics (an `unencrypted` method in use).
    pub warnings: Diagnostics,
}

/// The encryption the root module configures, evaluated with the run's root input values
/// (`engine::collect_inputs`, or `engine::module_inputs` when only the root module is loaded).
/// `Ok(None)` when the module has no encryption block. Opens the key providers but derives
/// no key and calls no KMS: that happens when a codec is first used.
///
/// `Err` holds every problem, each with its position; none of them shows a passphrase.
pub fn from_config(
    root: &Module,
    inputs: &Inputs,
    registry: &KeyProviderRegistry,
) -> Result<Option<Encryption>, Diagnostics> {
    let Some(config) = root.settings.as_ref().and_then(|s| s.encryption.as_ref()) else { return Ok(None) };
    config::Builder { module: root, config, inputs: Some(inputs), registry, diags: Diagnostics::default() }
        .build()
        .map(Some)
}

/// The problems `from_config` would find without knowing the input values, for `validate`:
/// unknown types and arguments, references that name nothing, an enforced unencrypted method.
pub fn check(root: &Module, registry: &KeyProviderRegistry) -> Diagnostics {
    let Some(config) = root.settings.as_ref().and_then(|s| s.encryption.as_ref()) else {
        return Diagnostics::default();
    };
    match (config::Builder { module: root, config, inputs: None, registry, diags: Diagnostics::default() }).build() {
        Ok(e) => e.warnings,
        Err(d) => d,
    }
}

/// The root variables the encryption block reads: their values are keys or passphrases, so
/// callers never show them (in JSON output of a plan, in a refusal to apply a saved plan).
pub fn referenced_variables(root: &Module) -> BTreeSet<String> {
    let Some(config) = root.settings.as_ref().and_then(|s| s.encryption.as_ref()) else { return BTreeSet::new() };
    let mut exprs = Vec::new();
    for item in config.key_providers.iter().chain(&config.methods) {
        exprs.extend(item.body.attributes.iter().map(|a| &a.expr));
    }
    for target in [&config.state, &config.plan].into_iter().flatten() {
        let mut level = Some(target);
        while let Some(t) = level {
            exprs.extend(&t.method);
            level = t.fallback.as_deref();
        }
    }
    exprs
        .into_iter()
        .flat_map(|e| e.references())
        .filter(|r| r.root == "var")
        .filter_map(|r| r.attr(0).map(|(n, _)| n.to_string()))
        .collect()
}

#[cfg(test)]
mod tests;
