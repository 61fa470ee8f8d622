//! The `aws_kms` key provider against the moto AWS emulator, through core's encryption
//! configuration as a user writes it. `.ci/run` starts moto and sets GANTRY_TEST_AWS_ENDPOINT
//! and GANTRY_REQUIRE_MOTO=1; run by hand without them, these tests print a notice and pass.

use super::KmsKeyProviderFactory;
use gantry_core::diag::{Diagnostics, SourceMap};
use gantry_core::encryption::{from_config, Codec, EncryptionError, KeyProviderRegistry};
use gantry_core::value::Value;

fn moto() -> Option<String> {
    let required = std::env::var("GANTRY_REQUIRE_MOTO").is_ok_and(|v| v == "1");
    let endpoint = std::env::var("GANTRY_TEST_AWS_ENDPOINT").ok();
    let reachable = endpoint.as_deref().is_some_and(|e| {
        let addr = e.trim_start_matches("http://").trim_end_matches('/');
        addr.parse().is_ok_and(|a| std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(2)).is_ok())
    });
    if !reachable {
        assert!(!required, "GANTRY_REQUIRE_MOTO=1 but the AWS emulator at {endpoint:?} is not reachable");
        eprintln!(
            "notice: skipping a KMS test: set GANTRY_TEST_AWS_ENDPOINT to a running moto_server (bash .ci/run does)"
        );
        return None;
    }
    endpoint
}

fn kms_client(endpoint: &str) -> (tokio::runtime::Runtime, aws_sdk_kms::Client) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let conn = crate::Connection {
        region: Some("us-east-1".into()),
        endpoint_url: Some(endpoint.into()),
        ..Default::default()
    };
    let sdk = rt.block_on(crate::sdk_config(&conn));
    (rt, aws_sdk_kms::Client::new(&sdk))
}

fn create_key(rt: &tokio::runtime::Runtime, kms: &aws_sdk_kms::Client) -> String {
    let out = rt.block_on(kms.create_key().description("gantry encryption test").send()).expect("moto creates a key");
    out.key_metadata().expect("key metadata").key_id().to_string()
}

/// The state codec of a configuration whose key comes from KMS key `key_id`.
fn codec(endpoint: &str, key_id: &str) -> std::sync::Arc<Codec> {
    let dir = tempfile::tempdir().unwrap();
    let hcl = format!(
        "variable \"kms_endpoint\" {{}}\ngantry {{\n  encryption {{\n    key_provider \"aws_kms\" \"k\" {{\n      kms_key_id = \"{key_id}\"\n      key_spec   = \"AES_256\"\n      region     = \"us-east-1\"\n      endpoint   = var.kms_endpoint\n    }}\n    method \"aes_gcm\" \"m\" {{\n      keys = key_provider.aws_kms.k\n    }}\n    state {{\n      method   = method.aes_gcm.m\n      enforced = true\n    }}\n  }}\n}}\n"
    );
    std::fs::write(dir.path().join("main.hcl"), hcl).unwrap();
    let mut diags = Diagnostics::default();
    let module = gantry_core::config::load_module(dir.path(), &SourceMap::default(), &mut diags).unwrap();
    assert!(!diags.has_errors(), "{diags:?}");
    let mut registry = KeyProviderRegistry::new();
    registry.register(KmsKeyProviderFactory::arc());
    let inputs = [("kms_endpoint".to_string(), (Value::string(endpoint), None))].into();
    from_config(&module, &inputs, &registry).expect("the configuration is valid").unwrap().state.unwrap()
}

const STATE: &[u8] = br#"{"version":1,"serial":4,"resources":[{"address":"aws_iam_role.secret_role"}]}"#;

#[test]
fn a_data_key_from_kms_encrypts_and_kms_decrypts_it_in_a_later_run() {
    let Some(endpoint) = moto() else { return };
    let (rt, kms) = kms_client(&endpoint);
    let key_id = create_key(&rt, &kms);
    let writer = codec(&endpoint, &key_id);
    writer.prepare().unwrap();
    let stored = writer.encrypt(STATE).unwrap();
    let envelope: serde_json::Value = serde_json::from_slice(&stored).unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("secret_role"));
    let meta = envelope["meta"]["key_provider.aws_kms.k"].as_str().expect("the provider's metadata is stored");
    let meta: serde_json::Value =
        serde_json::from_slice(&base64::Engine::decode(&super::b64(), meta).unwrap()).unwrap();
    assert!(meta["ciphertext_blob"].as_str().is_some_and(|b| !b.is_empty()), "{meta}");

    // A new codec has no cached key: the data key comes back from KMS Decrypt.
    assert_eq!(codec(&endpoint, &key_id).decrypt(&stored).unwrap(), STATE);
}

/// moto does not refuse a disabled key or one pending deletion, so a key that does not
/// exist stands for a deleted one.
#[test]
fn another_key_or_a_missing_key_is_a_clear_error() {
    let Some(endpoint) = moto() else { return };
    let (rt, kms) = kms_client(&endpoint);
    let key_id = create_key(&rt, &kms);
    let stored = codec(&endpoint, &key_id).encrypt(STATE).unwrap();

    let other = create_key(&rt, &kms);
    let err = codec(&endpoint, &other).decrypt(&stored).unwrap_err();
    assert!(matches!(err, EncryptionError::CannotDecrypt { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&format!("KMS Decrypt with key \"{other}\" failed")), "{text}");
    assert!(text.ends_with("check the passphrase or key, or add the old key as a fallback"), "{text}");

    let missing = codec(&endpoint, "00000000-0000-0000-0000-000000000000");
    let err = missing.prepare().unwrap_err();
    assert!(matches!(err, EncryptionError::CannotEncrypt { .. }), "{err}");
    assert!(
        err.to_string().contains("KMS GenerateDataKey with key \"00000000-0000-0000-0000-000000000000\" failed"),
        "{err}"
    );
    assert!(matches!(missing.decrypt(&stored), Err(EncryptionError::CannotDecrypt { .. })));
}
