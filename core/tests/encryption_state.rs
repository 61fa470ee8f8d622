//! How the state side is meant to use encryption, through the public API only: the store
//! encrypts what `State::to_bytes` gives before writing and decrypts before
//! `State::from_bytes`, keeping serial and lineage readable as OpenTofu does. A thin wrapper
//! for this test alone; the store itself is not changed here.

use gantry_core::diag::{Diagnostics, SourceMap};
use gantry_core::encryption::{from_config, Codec, EncryptionError, KeyProviderRegistry, Target};
use gantry_core::state::State;
use gantry_core::value::Value;
use std::path::{Path, PathBuf};

/// A state file written through a codec.
struct EncryptedFile {
    path: PathBuf,
    codec: std::sync::Arc<Codec>,
}

impl EncryptedFile {
    fn write(&self, state: &State) -> Result<(), EncryptionError> {
        let fields = serde_json::Map::from_iter([
            ("serial".to_string(), serde_json::json!(state.serial)),
            ("lineage".to_string(), serde_json::json!(state.lineage)),
        ]);
        let bytes = self.codec.encrypt_with_fields(&state.to_bytes(), fields)?;
        gantry_core::state::write_atomic(&self.path, &bytes).unwrap();
        Ok(())
    }

    fn read(&self) -> Result<State, EncryptionError> {
        let plain = self.codec.decrypt(&std::fs::read(&self.path).unwrap())?;
        Ok(State::from_bytes(&plain).expect("decrypted state parses"))
    }
}

fn state_codec(dir: &Path, hcl: &str, passphrase: &str) -> std::sync::Arc<Codec> {
    std::fs::write(dir.join("main.hcl"), hcl).unwrap();
    let mut diags = Diagnostics::default();
    let module = gantry_core::config::load_module(dir, &SourceMap::default(), &mut diags).unwrap();
    assert!(!diags.has_errors(), "{diags:?}");
    let inputs = [("p".to_string(), (Value::string(passphrase), None))].into();
    from_config(&module, &inputs, &KeyProviderRegistry::new()).unwrap().unwrap().state.unwrap()
}

const ENCRYPTED: &str = "variable \"p\" {}\ngantry {\n  encryption {\n    key_provider \"pbkdf2\" \"k\" {\n      passphrase = var.p\n      iterations = 200000\n    }\n    method \"aes_gcm\" \"m\" {\n      keys = key_provider.pbkdf2.k\n    }\n    method \"unencrypted\" \"migrate\" {}\n    state {\n      method   = method.aes_gcm.m\n      enforced = true\n      fallback {\n        method = method.unencrypted.migrate\n      }\n    }\n  }\n}\n";

#[test]
fn an_unencrypted_state_is_migrated_and_then_only_the_passphrase_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gantry.state.json");
    let mut state = State::new();
    state.serial = 7;
    std::fs::write(&path, state.to_bytes()).unwrap();

    let file =
        EncryptedFile { path: path.clone(), codec: state_codec(dir.path(), ENCRYPTED, "state-passphrase-for-tests") };
    file.codec.prepare().expect("the writing key is made before anything changes");
    let mut migrated = file.read().expect("the plain state is read through the unencrypted fallback");
    migrated.serial += 1;
    file.write(&migrated).unwrap();

    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(stored["serial"], 8, "serial stays readable");
    assert_eq!(stored["lineage"], state.lineage.as_str());
    assert!(stored.get("resources").is_none() && stored["encryption_version"] == "v0", "{stored}");
    assert_eq!(file.read().unwrap().serial, 8);

    let before = std::fs::read(&path).unwrap();
    let wrong =
        EncryptedFile { path: path.clone(), codec: state_codec(dir.path(), ENCRYPTED, "another-passphrase-entirely") };
    let err = wrong.read().unwrap_err();
    assert!(matches!(err, EncryptionError::CannotDecrypt { target: Target::State, .. }), "{err}");
    assert!(err.to_string().starts_with("the state cannot be decrypted with the configured key"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "a failed read leaves the file alone");
}
