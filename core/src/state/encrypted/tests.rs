use super::*;
use crate::diag::{Diagnostics, SourceMap};
use crate::encryption::{KeyProviderRegistry, MIN_ITERATIONS};
use crate::state::journal::{Intent, Operation, Record};
use crate::state::LocalStore;
use crate::value::Value;

const PASSPHRASE: &str = "state-passphrase-for-unit-tests";

fn codec(passphrase: &str, fallback: &str) -> Arc<Codec> {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "variable \"p\" {{}}\ngantry {{\n  encryption {{\n    key_provider \"pbkdf2\" \"k\" {{\n      passphrase = var.p\n      iterations = {MIN_ITERATIONS}\n    }}\n    method \"aes_gcm\" \"m\" {{\n      keys = key_provider.pbkdf2.k\n    }}\n    method \"unencrypted\" \"plain\" {{}}\n    state {{\n      method = method.aes_gcm.m\n{fallback}    }}\n  }}\n}}\n"
    );
    std::fs::write(dir.path().join("main.hcl"), text).unwrap();
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let module = crate::config::load_module(dir.path(), &sources, &mut diags).expect("loads");
    let inputs = [("p".to_string(), (Value::string(passphrase), None))].into_iter().collect();
    let encryption = crate::encryption::from_config(&module, &inputs, &KeyProviderRegistry::new())
        .unwrap_or_else(|d| panic!("{d:?}"))
        .expect("an encryption block");
    encryption.state.expect("a state block")
}

fn intent(id: &str) -> Intent {
    Intent {
        id: id.into(),
        address: "local_cluster.a".parse().unwrap(),
        operation: Operation::Create,
        provider: "local".into(),
        identity: serde_json::json!({"token": "t-1"}),
        object: serde_json::json!({"name": "secret-cluster-name"}),
        sensitive_paths: Vec::new(),
        dependencies: Vec::new(),
        create_before_destroy: false,
    }
}

fn encrypted(dir: &std::path::Path, codec: Arc<Codec>) -> EncryptedStore {
    EncryptedStore::new(Box::new(LocalStore::new(dir.join("s.json"))), codec)
}

#[test]
fn the_snapshot_and_the_journal_are_stored_encrypted_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = encrypted(dir.path(), codec(PASSPHRASE, ""));
    let mut state = State::new();
    state.serial = 7;
    store.write(&state).unwrap();
    store.append_journal(&Record::Intent(intent("r-1")).to_line()).unwrap();
    store.append_journal(&Record::Intent(intent("r-2")).to_line()).unwrap();

    let snapshot = std::fs::read_to_string(dir.path().join("s.json")).unwrap();
    assert!(snapshot.starts_with(&format!("{{\"serial\":7,\"lineage\":\"{}\",\"meta\"", state.lineage)), "{snapshot}");
    assert!(!snapshot.contains("\"resources\""), "{snapshot}");
    let journal = std::fs::read_to_string(dir.path().join("s.json.journal")).unwrap();
    assert_eq!(journal.lines().count(), 2, "one envelope per append");
    assert!(journal.lines().all(|l| crate::encryption::is_encrypted(l.as_bytes())), "{journal}");
    assert!(!journal.contains("secret-cluster-name") && !journal.contains("local_cluster"), "{journal}");

    let read = store.read_journaled().unwrap().unwrap();
    assert_eq!(read.pending, [intent("r-1"), intent("r-2")]);
    assert_eq!(read.state.lineage, state.lineage);
    assert_eq!(std::fs::read(dir.path().join("s.json.journal")).unwrap(), journal.as_bytes(), "reading writes nothing");
}

#[test]
fn a_torn_last_envelope_is_dropped_and_a_damaged_earlier_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = encrypted(dir.path(), codec(PASSPHRASE, ""));
    store.write(&State::new()).unwrap();
    store.append_journal(&Record::Intent(intent("r-1")).to_line()).unwrap();
    store.append_journal(&Record::Intent(intent("r-2")).to_line()).unwrap();
    let path = dir.path().join("s.json.journal");
    let whole = std::fs::read(&path).unwrap();
    std::fs::write(&path, &whole[..whole.len() - 20]).unwrap();
    assert_eq!(store.read_journaled().unwrap().unwrap().pending, [intent("r-1")]);

    let mut damaged = whole.clone();
    damaged[40] ^= 1;
    std::fs::write(&path, &damaged).unwrap();
    let err = store.read_journaled().unwrap_err().to_string();
    assert!(err.contains("s.json.journal, line 1"), "{err}");
}

#[test]
fn a_wrong_passphrase_is_an_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    encrypted(dir.path(), codec(PASSPHRASE, "")).write(&State::new()).unwrap();
    let before = std::fs::read(dir.path().join("s.json")).unwrap();
    let err = encrypted(dir.path(), codec("a-different-passphrase-entirely", "")).read().unwrap_err().to_string();
    assert!(err.contains("s.json: the state cannot be decrypted"), "{err}");
    assert!(!err.contains(PASSPHRASE));
    assert_eq!(std::fs::read(dir.path().join("s.json")).unwrap(), before);
}

#[test]
fn plain_state_needs_the_unencrypted_fallback_and_is_then_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let plain = LocalStore::new(dir.path().join("s.json"));
    plain.write(&State::new()).unwrap();
    plain.append_journal(&Record::Intent(intent("r-1")).to_line()).unwrap();

    let err = encrypted(dir.path(), codec(PASSPHRASE, "")).read().unwrap_err().to_string();
    assert!(err.contains("the state is not encrypted"), "{err}");

    let migrating = encrypted(
        dir.path(),
        codec(PASSPHRASE, "      fallback {\n        method = method.unencrypted.plain\n      }\n"),
    );
    let read = migrating.read_journaled().unwrap().unwrap();
    assert_eq!(read.pending, [intent("r-1")], "a plain journal is read through the fallback");
    migrating.commit(&read.state, &read.pending).unwrap();
    assert!(crate::encryption::is_encrypted(&std::fs::read(dir.path().join("s.json")).unwrap()));
    assert_eq!(
        encrypted(dir.path(), codec(PASSPHRASE, "")).read_journaled().unwrap().unwrap().pending,
        [intent("r-1")]
    );

    let err = plain.read().unwrap_err().to_string();
    assert!(err.contains("the state is encrypted, but the configuration has no state encryption"), "{err}");
}
