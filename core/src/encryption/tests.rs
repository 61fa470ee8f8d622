//! Scenario tests of the encryption block and its codecs together: the configuration a user
//! writes, the files it produces, and what each later configuration can still read.

use super::*;
use crate::diag::{render, Diagnostics, SourceMap};
use crate::value::Value;

const OLD: &str = "old-passphrase-for-tests";
const NEW: &str = "new-passphrase-for-tests";
/// The floor, so that each derivation in these tests stays short.
const ITERATIONS: u64 = MIN_ITERATIONS;

struct Loaded {
    module: crate::config::Module,
    sources: SourceMap,
    _dir: tempfile::TempDir,
}

fn load(text: &str) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.hcl"), text).unwrap();
    let sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let module = crate::config::load_module(dir.path(), &sources, &mut diags).expect("the module loads");
    assert!(!diags.has_errors(), "{diags:?}");
    Loaded { module, sources, _dir: dir }
}

fn inputs(pairs: &[(&str, &str)]) -> Inputs {
    pairs.iter().map(|(k, v)| (k.to_string(), (Value::string(*v), None))).collect()
}

fn encryption(text: &str, vars: &[(&str, &str)]) -> Encryption {
    let l = load(text);
    match from_config(&l.module, &inputs(vars), &KeyProviderRegistry::new()) {
        Ok(Some(e)) => e,
        Ok(None) => panic!("no encryption block"),
        Err(d) => panic!("{}", rendered(&d, &l.sources)),
    }
}

/// Rendered as the CLI prints them, with the temporary directory left out of the paths.
fn rendered(diags: &Diagnostics, sources: &SourceMap) -> String {
    let text = diags.iter().map(|d| render(d, sources, false)).collect::<Vec<_>>().join("\n");
    let dirs: Vec<String> =
        sources.files().iter().filter_map(|f| f.path.parent().map(|p| format!("{}/", p.display()))).collect();
    dirs.iter().fold(text, |t, d| t.replace(d.as_str(), ""))
}

/// The rendered problems of a configuration that must be refused.
fn refused(text: &str, vars: &[(&str, &str)]) -> String {
    let l = load(text);
    match from_config(&l.module, &inputs(vars), &KeyProviderRegistry::new()) {
        Err(d) => rendered(&d, &l.sources),
        Ok(_) => panic!("the configuration should be refused:\n{text}"),
    }
}

fn pbkdf2(name: &str, var: &str) -> String {
    format!("    key_provider \"pbkdf2\" \"{name}\" {{\n      passphrase = var.{var}\n      iterations = {ITERATIONS}\n    }}\n")
}

fn aes(name: &str, provider: &str) -> String {
    format!("    method \"aes_gcm\" \"{name}\" {{\n      keys = key_provider.pbkdf2.{provider}\n    }}\n")
}

fn config(blocks: &str, plan: &str) -> String {
    format!("variable \"old\" {{\n  sensitive = true\n}}\nvariable \"new\" {{\n  sensitive = true\n}}\ngantry {{\n  encryption {{\n{blocks}    plan {{\n{plan}    }}\n  }}\n}}\n")
}

fn plan_codec(blocks: &str, plan: &str) -> Codec {
    encryption(&config(blocks, plan), &[("old", OLD), ("new", NEW)]).plan.expect("a plan codec")
}

const PLAIN: &[u8] = br#"{"format_version":1,"plan":{"changes":["local_cluster.secret_name"]}}"#;

#[test]
fn pbkdf2_and_aes_gcm_round_trip_and_hide_the_contents() {
    let codec = plan_codec(&(pbkdf2("k", "old") + &aes("m", "k")), "      method = method.aes_gcm.m\n");
    assert!(codec.encrypts());
    let stored = codec.encrypt(PLAIN).unwrap();
    let text = String::from_utf8(stored.clone()).unwrap();
    assert!(!text.contains("secret_name") && !text.contains("local_cluster"), "{text}");
    assert!(text.starts_with(r#"{"meta":{"key_provider.pbkdf2.k":""#), "{text}");
    assert!(text.ends_with(r#""encryption_version":"v0"}"#), "{text}");
    assert!(is_encrypted(&stored) && !is_encrypted(PLAIN));
    assert_eq!(codec.decrypt(&stored).unwrap(), PLAIN);

    // Another run (a new codec, so nothing cached) with the same passphrase reads it too.
    let again = plan_codec(&(pbkdf2("k", "old") + &aes("m", "k")), "      method = method.aes_gcm.m\n");
    assert_eq!(again.decrypt(&stored).unwrap(), PLAIN);
}

#[test]
fn a_wrong_passphrase_is_a_clear_error_that_does_not_show_either_passphrase() {
    let stored =
        plan_codec(&(pbkdf2("k", "old") + &aes("m", "k")), "      method = method.aes_gcm.m\n").encrypt(PLAIN).unwrap();
    let wrong = plan_codec(&(pbkdf2("k", "new") + &aes("m", "k")), "      method = method.aes_gcm.m\n");
    let err = wrong.decrypt(&stored).unwrap_err();
    assert!(matches!(err, EncryptionError::CannotDecrypt { target: Target::Plan, .. }));
    let text = err.to_string();
    assert!(text.starts_with("the plan cannot be decrypted with the configured key: "), "{text}");
    assert!(text.contains("method.aes_gcm.m with key_provider.pbkdf2.k: authentication failed"), "{text}");
    assert!(text.ends_with("check the passphrase or key, or add the old key as a fallback"), "{text}");
    assert!(!text.contains(OLD) && !text.contains(NEW), "{text}");
    assert!(!format!("{err:?}{wrong:?}").contains(NEW));
}

#[test]
fn tampering_with_any_part_is_detected() {
    let codec = plan_codec(&(pbkdf2("k", "old") + &aes("m", "k")), "      method = method.aes_gcm.m\n");
    let stored = codec.encrypt(PLAIN).unwrap();
    let envelope: serde_json::Value = serde_json::from_slice(&stored).unwrap();
    let data = envelope["encrypted_data"].as_str().unwrap();
    // Flip a character in the middle of the base64 ciphertext.
    let mid = data.len() / 2;
    let flipped = if &data[mid..mid + 1] == "A" { "B" } else { "A" };
    let tampered = String::from_utf8(stored.clone()).unwrap().replacen(
        data,
        &format!("{}{flipped}{}", &data[..mid], &data[mid + 1..]),
        1,
    );
    assert!(matches!(codec.decrypt(tampered.as_bytes()), Err(EncryptionError::CannotDecrypt { .. })));
    // Another run draws another salt, which derives another key.
    let mut other = envelope.clone();
    let another_run = plan_codec(&(pbkdf2("k", "old") + &aes("m", "k")), "      method = method.aes_gcm.m\n");
    let meta =
        serde_json::from_slice::<serde_json::Value>(&another_run.encrypt(PLAIN).unwrap()).unwrap()["meta"].clone();
    assert_ne!(meta, envelope["meta"]);
    other["meta"] = meta;
    assert!(matches!(codec.decrypt(&serde_json::to_vec(&other).unwrap()), Err(EncryptionError::CannotDecrypt { .. })));
    let mut future = envelope;
    future["encryption_version"] = "v9".into();
    assert!(matches!(
        codec.decrypt(&serde_json::to_vec(&future).unwrap()),
        Err(EncryptionError::UnsupportedVersion { ref found, .. }) if found == "v9"
    ));
}

#[test]
fn a_key_is_rotated_with_the_old_key_as_fallback() {
    let old_only = pbkdf2("old", "old") + &aes("old", "old");
    let stored = plan_codec(&old_only, "      method = method.aes_gcm.old\n").encrypt(PLAIN).unwrap();

    let both = pbkdf2("old", "old") + &pbkdf2("new", "new") + &aes("old", "old") + &aes("new", "new");
    let rotating = plan_codec(
        &both,
        "      method = method.aes_gcm.new\n      fallback {\n        method = method.aes_gcm.old\n      }\n",
    );
    assert_eq!(rotating.decrypt(&stored).unwrap(), PLAIN, "the fallback reads the old file");
    let rewritten = rotating.encrypt(PLAIN).unwrap();
    let meta = serde_json::from_slice::<serde_json::Value>(&rewritten).unwrap()["meta"].clone();
    assert_eq!(
        meta.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["key_provider.pbkdf2.new"],
        "written with the new key only"
    );

    let new_only = plan_codec(&(pbkdf2("new", "new") + &aes("new", "new")), "      method = method.aes_gcm.new\n");
    assert_eq!(new_only.decrypt(&rewritten).unwrap(), PLAIN, "the old key is no longer needed");
    let err = new_only.decrypt(&stored).unwrap_err().to_string();
    assert!(
        err.contains(
            "method.aes_gcm.new uses key_provider.pbkdf2.new, but the plan was encrypted with key_provider.pbkdf2.old"
        ),
        "{err}"
    );
    let old_codec = plan_codec(&old_only, "      method = method.aes_gcm.old\n");
    assert!(matches!(old_codec.decrypt(&rewritten), Err(EncryptionError::CannotDecrypt { .. })));
}

#[test]
fn unencrypted_data_is_read_only_through_an_unencrypted_fallback() {
    let blocks = pbkdf2("k", "old") + &aes("m", "k") + "    method \"unencrypted\" \"migrate\" {}\n";
    let migrating = encryption(
        &config(
            &blocks,
            "      method = method.aes_gcm.m\n      fallback {\n        method = method.unencrypted.migrate\n      }\n",
        ),
        &[("old", OLD), ("new", NEW)],
    );
    assert!(migrating.warnings.iter().any(|d| d.summary == "Unencrypted method configured"));
    let codec = migrating.plan.unwrap();
    assert_eq!(codec.decrypt(PLAIN).unwrap(), PLAIN, "the plain file is read once");
    let written = codec.encrypt(PLAIN).unwrap();
    assert!(is_encrypted(&written), "and written encrypted");
    assert_eq!(codec.decrypt(&written).unwrap(), PLAIN);

    let strict = plan_codec(&(pbkdf2("k", "old") + &aes("m", "k")), "      method = method.aes_gcm.m\n");
    let err = strict.decrypt(PLAIN).unwrap_err();
    assert!(matches!(err, EncryptionError::NotEncrypted { .. }));
    assert!(err.to_string().contains("fallback { method = method.unencrypted.migrate }"), "{err}");
}

#[test]
fn migrating_away_reads_encrypted_data_and_writes_plain() {
    let blocks = pbkdf2("k", "old") + &aes("m", "k") + "    method \"unencrypted\" \"plain\" {}\n";
    let stored = plan_codec(&blocks, "      method = method.aes_gcm.m\n").encrypt(PLAIN).unwrap();
    let away = plan_codec(
        &blocks,
        "      method = method.unencrypted.plain\n      fallback {\n        method = method.aes_gcm.m\n      }\n",
    );
    assert!(!away.encrypts());
    assert_eq!(away.decrypt(&stored).unwrap(), PLAIN);
    assert_eq!(away.encrypt(PLAIN).unwrap(), PLAIN);
}

#[test]
fn enforced_refuses_an_unencrypted_method_but_allows_an_unencrypted_fallback() {
    let blocks = pbkdf2("k", "old") + &aes("m", "k") + "    method \"unencrypted\" \"u\" {}\n";
    let text = config(&blocks, "      method = method.unencrypted.u\n      enforced = true\n");
    let err = refused(&text, &[("old", OLD)]);
    assert!(err.contains("Error: Unsupported") || err.contains("Error: Unencrypted method is forbidden"), "{err}");
    assert!(err.contains("main.hcl:18:16"), "at the method expression: {err}");
    let fallback = config(&blocks, "      method = method.aes_gcm.m\n      enforced = true\n      fallback {\n        method = method.unencrypted.u\n      }\n");
    let codec = encryption(&fallback, &[("old", OLD)]).plan.unwrap();
    assert_eq!(codec.decrypt(PLAIN).unwrap(), PLAIN, "the migration run reads the plain file");
    let l = load(&fallback);
    assert!(!check(&l.module, &KeyProviderRegistry::new()).has_errors(), "validate agrees");
}

#[test]
fn each_mistake_is_reported_at_its_place_with_a_hint() {
    let text = "variable \"p\" {}\nlocals {\n  x = 1\n}\ngantry {\n  encryption {\n    key_provider \"pbkdf\" \"a\" {\n      passphrase = var.p\n    }\n    key_provider \"pbkdf2\" \"b\" {\n      pasphrase = var.p\n    }\n    method \"aes_gcn\" \"m\" {}\n    method \"aes_gcm\" \"n\" {\n      keys = key_provider.pbkdf2.c\n    }\n    plan {\n      method = method.aes_gcm.o\n    }\n    state {\n      method = local.x\n    }\n  }\n}\n";
    let err = refused(text, &[("p", OLD)]);
    let expect = [
        (
            "Error: Unsupported key provider\n  --> main.hcl:7:18",
            "Did you mean \"pbkdf2\"? Available key providers: pbkdf2.",
        ),
        ("Error: Unsupported argument\n  --> main.hcl:11:7", "Did you mean \"passphrase\"?"),
        (
            "Error: Invalid key provider configuration\n  --> main.hcl:10:5",
            "key_provider.pbkdf2.b: a passphrase of at least 16 characters is required",
        ),
        (
            "Error: Unsupported encryption method\n  --> main.hcl:13:12",
            "Did you mean \"aes_gcm\"? Available methods: aes_gcm, unencrypted.",
        ),
        (
            "Error: Reference to undeclared key provider\n  --> main.hcl:15:14",
            "There is no key_provider \"pbkdf2\" \"c\"",
        ),
        (
            "Error: Reference to undeclared encryption method\n  --> main.hcl:18:16",
            "Did you mean \"method.aes_gcm.n\"?",
        ),
        (
            "Error: Invalid reference in encryption block\n  --> main.hcl:21:16",
            "from constants and root input variables",
        ),
    ];
    for (head, hint) in expect {
        assert!(err.contains(head), "{head:?} in:\n{err}");
        assert!(err.contains(hint), "{hint:?} in:\n{err}");
    }
    assert!(!err.contains(OLD), "{err}");
    let l = load(text);
    let checked = rendered(&check(&l.module, &KeyProviderRegistry::new()), &l.sources);
    assert!(
        checked.contains("Unsupported key provider") && checked.contains("Reference to undeclared encryption method"),
        "{checked}"
    );
    assert!(!checked.contains("a passphrase of at least"), "validate knows no values: {checked}");
}

#[test]
fn a_short_or_missing_passphrase_is_refused_without_showing_it() {
    let literal = "gantry {\n  encryption {\n    key_provider \"pbkdf2\" \"k\" {\n      passphrase = \"tooshort\"\n    }\n  }\n}\n";
    let err = refused(literal, &[]);
    assert!(err.contains("Error: Invalid key provider configuration\n  --> main.hcl:3:5"), "{err}");
    assert!(
        err.contains("argument \"passphrase\": the passphrase is too short: it needs at least 16 characters"),
        "{err}"
    );
    assert!(!err.contains("tooshort"), "the source line of the argument is not shown: {err}");

    let from_var = "variable \"p\" {}\ngantry {\n  encryption {\n    key_provider \"pbkdf2\" \"k\" {\n      passphrase = var.p\n    }\n  }\n}\n";
    assert!(!refused(from_var, &[("p", "shortsecret")]).contains("shortsecret"));
    let unset = refused(from_var, &[]);
    assert!(unset.contains("Error: No value for required variable\n  --> main.hcl:5:20"), "{unset}");
    assert!(unset.contains("GANTRY_VAR_p"), "{unset}");
}

#[test]
fn a_child_module_cannot_configure_encryption() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("child")).unwrap();
    std::fs::write(dir.path().join("main.hcl"), "module \"c\" {\n  source = \"./child\"\n}\n").unwrap();
    std::fs::write(dir.path().join("child/main.hcl"), "gantry {\n  encryption {}\n}\n").unwrap();
    let mut diags = Diagnostics::default();
    crate::config::load_tree(dir.path(), &SourceMap::default(), &mut diags);
    assert!(diags.iter().any(|d| d.summary == "Encryption configuration in a child module"), "{diags:?}");
}

#[test]
fn referenced_variables_are_the_ones_the_block_reads() {
    let l = load(&config(&(pbkdf2("k", "old") + &aes("m", "k")), "      method = method.aes_gcm.m\n"));
    assert_eq!(referenced_variables(&l.module).into_iter().collect::<Vec<_>>(), ["old"]);
}

/// An envelope written by OpenTofu (published in a public repository's tests, passphrase not
/// given): its layout and pbkdf2 metadata are read as OpenTofu wrote them, so a wrong key is
/// reported as a wrong key rather than as a malformed file.
#[test]
fn reads_an_envelope_written_by_opentofu() {
    let opentofu = r#"{
        "serial": 1,
        "lineage": "2ce64317-825a-f8cd-b35e-84fa110b561f",
        "meta": {
            "key_provider.pbkdf2.local": "eyJzYWx0IjoiNW9WSGpZM3BGaHRaNncwUE1hSDkrcnc2UzR1cjE4Q05adUR4RXNWM1dmcz0iLCJpdGVyYXRpb25zIjo2MDAwMDAsImhhc2hfZnVuY3Rpb24iOiJzaGE1MTIiLCJrZXlfbGVuZ3RoIjozMn0="
        },
        "encrypted_data": "e9oQmRWzPOcELCgmi1uJd5vfKMSnO7oQe/Mpyo8pKEXyNwChoPs0HpDeFhf2h32diyUORX28rWQ+D+wotHseJ+9c6EeE/G3TNr+ilmvdy0nKqZ4ABw/YoD6Zwn+DKF4qviUK2pnXN3HOQqgHUMmiuzL/AqIz1gDBncDyKJLdzuAXjXI1NyFRtCNJmVJpJkyq0ZhQG/i1KxbxAQtCAySH8T3KPE/njy4X7E08vy29rHtGxF0=",
        "encryption_version": "v0"
    }"#;
    assert!(is_encrypted(opentofu.as_bytes()));
    let env = envelope::parse(opentofu.as_bytes()).unwrap().unwrap();
    let meta: serde_json::Value = serde_json::from_slice(&env.meta["key_provider.pbkdf2.local"]).unwrap();
    assert_eq!(meta["iterations"], 600000);
    assert_eq!(meta["hash_function"], "sha512");
    assert_eq!(meta["key_length"], 32);
    let codec = encryption(
        "variable \"p\" {}\ngantry {\n  encryption {\n    key_provider \"pbkdf2\" \"local\" {\n      passphrase = var.p\n    }\n    method \"aes_gcm\" \"m\" {\n      keys = key_provider.pbkdf2.local\n    }\n    state {\n      method = method.aes_gcm.m\n    }\n  }\n}\n",
        &[("p", "not-the-passphrase-it-was-written-with")],
    )
    .state
    .unwrap();
    let err = codec.decrypt(opentofu.as_bytes()).unwrap_err();
    assert!(matches!(err, EncryptionError::CannotDecrypt { target: Target::State, .. }), "{err}");
    assert!(err.to_string().contains("authentication failed"), "{err}");
}

/// An envelope made outside Gantry, with Python's hashlib.pbkdf2_hmac and the cryptography
/// package's AESGCM in OpenTofu's layout (standard base64, nonce ‖ ciphertext ‖ tag), so that
/// the key derivation and the byte layout are checked against another implementation.
#[test]
fn decrypts_an_envelope_made_by_another_implementation() {
    let foreign = br#"{"meta":{"key_provider.pbkdf2.k":"eyJzYWx0IjoiQUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthR3h3ZEhoOD0iLCJpdGVyYXRpb25zIjoyMDAwMDAsImhhc2hfZnVuY3Rpb24iOiJzaGE1MTIiLCJrZXlfbGVuZ3RoIjozMn0="},"encrypted_data":"ZGVmZ2hpamtsbW5vqqQXkJxe3XMpKCGmtQMtO7YnczcrGSl6/G/wW0pznYaTOTItwqYucOizc9BktFle","encryption_version":"v0"}"#;
    let codec = encryption(
        "variable \"p\" {}\ngantry {\n  encryption {\n    key_provider \"pbkdf2\" \"k\" {\n      passphrase = var.p\n    }\n    method \"aes_gcm\" \"m\" {\n      keys = key_provider.pbkdf2.k\n    }\n    plan {\n      method = method.aes_gcm.m\n    }\n  }\n}\n",
        &[("p", "independent-vector-passphrase")],
    )
    .plan
    .unwrap();
    assert_eq!(codec.decrypt(foreign).unwrap(), br#"{"vector":"made outside Gantry"}"#);
}
