//! The saved-plan file: the plan wrapped in an envelope that states its format
//! and carries a SHA-256 digest of the plan's contents, so that a plan changed
//! after it was reviewed (a flipped byte, an edited variable) is refused rather
//! than applied.
//!
//! The file is JSON: `{"format_version", "gantry_version", "integrity", "plan"}`.
//! The digest is taken over the compact serialisation of the `plan` member as it
//! appears in the file (keys in file order), so it does not depend on how the
//! file was indented, only on what it says.
//!
//! With plan encryption configured, the whole file is wrapped by the plan's
//! [`Codec`](crate::encryption::Codec) (`to_encrypted_bytes`, `from_stored_bytes`): the
//! reviewed plan holds the root input values and the refreshed state, secrets among them.

use super::{Plan, GANTRY_VERSION, PLAN_FORMAT_VERSION};
use crate::encryption::{Codec, EncryptionError, Target};
use crate::state::STATE_VERSION;
use sha2::{Digest, Sha256};

/// Why a file cannot be read as a plan. Each variant's message says what to do.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanFileError {
    #[error("it is not a Gantry plan file ({0}). Save a plan with gantry plan -out FILE")]
    NotAPlan(String),
    #[error("it has plan format version {found}, but this Gantry (version {GANTRY_VERSION}) reads only version {PLAN_FORMAT_VERSION}. Make the plan again with this Gantry")]
    UnsupportedFormat { found: u64 },
    #[error("its contents do not match its integrity digest: the file was changed after gantry plan wrote it. Make the plan again; a saved plan must be applied as it was reviewed")]
    Tampered,
    #[error("{0}")]
    Encryption(#[from] EncryptionError),
}

/// The digest of a plan's contents, as written in the file's `integrity` member.
fn integrity_of(plan_json: &serde_json::Value) -> String {
    let bytes = serde_json::to_vec(plan_json).unwrap_or_default();
    format!("sha256:{}", hex(&Sha256::digest(&bytes)))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a plan file for `plan`.
pub fn to_bytes(plan: &Plan) -> Vec<u8> {
    let plan_json = serde_json::to_value(plan).unwrap_or_default();
    let envelope = serde_json::json!({
        "format_version": PLAN_FORMAT_VERSION,
        "gantry_version": GANTRY_VERSION,
        "integrity": integrity_of(&plan_json),
        "plan": plan_json,
    });
    let mut bytes = serde_json::to_vec_pretty(&envelope).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The bytes of a plan file, encrypted when the configuration has a plan codec.
pub fn to_encrypted_bytes(plan: &Plan, codec: Option<&Codec>) -> Result<Vec<u8>, EncryptionError> {
    let bytes = to_bytes(plan);
    match codec {
        Some(c) => c.encrypt(&bytes),
        None => Ok(bytes),
    }
}

/// Reads a plan file as stored: decrypted with the configuration's plan codec when it has
/// one; an encrypted file without one is refused with what to configure.
pub fn from_stored_bytes(bytes: &[u8], codec: Option<&Codec>) -> Result<Plan, PlanFileError> {
    match codec {
        Some(c) => from_bytes(&c.decrypt(bytes)?),
        None if crate::encryption::is_encrypted(bytes) => {
            Err(EncryptionError::NoDecryption { target: Target::Plan }.into())
        }
        None => from_bytes(bytes),
    }
}

/// Reads a plan file, refusing one of another format or whose digest does not verify.
pub fn from_bytes(bytes: &[u8]) -> Result<Plan, PlanFileError> {
    let envelope: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| PlanFileError::NotAPlan(format!("not valid JSON: {e}")))?;
    let Some(members) = envelope.as_object() else {
        return Err(PlanFileError::NotAPlan("the file is not a JSON object".into()));
    };
    let found = match members.get("format_version") {
        Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(u64::MAX),
        Some(_) => return Err(PlanFileError::NotAPlan("format_version is not a number".into())),
        None => return Err(PlanFileError::NotAPlan("it has no format_version".into())),
    };
    if found != u64::from(PLAN_FORMAT_VERSION) {
        return Err(PlanFileError::UnsupportedFormat { found });
    }
    let (Some(plan_json), Some(integrity)) = (members.get("plan"), members.get("integrity").and_then(|i| i.as_str()))
    else {
        return Err(PlanFileError::NotAPlan("it has no plan or no integrity digest".into()));
    };
    if integrity_of(plan_json) != integrity {
        return Err(PlanFileError::Tampered);
    }
    let plan: Plan = serde_json::from_value(plan_json.clone()).map_err(|e| PlanFileError::NotAPlan(e.to_string()))?;
    if plan.format_version != PLAN_FORMAT_VERSION {
        return Err(PlanFileError::UnsupportedFormat { found: u64::from(plan.format_version) });
    }
    // Apply starts from this state and writes it back: one the state reader would refuse must
    // not get in this way (the plan fuzzer found it did).
    if plan.refreshed_state.version > STATE_VERSION {
        return Err(PlanFileError::NotAPlan(format!(
            "its refreshed state has format version {}, newer than this Gantry reads",
            plan.refreshed_state.version
        )));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State;

    fn plan() -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            gantry_version: GANTRY_VERSION.into(),
            config_digest: "sha256:abc".into(),
            working_dir: "/x".into(),
            prior_serial: 3,
            prior_lineage: "l".into(),
            destroy: false,
            refresh_only: false,
            variables: [("n".to_string(), serde_json::json!(1.5))].into_iter().collect(),
            changes: Vec::new(),
            drift: Vec::new(),
            outputs: Default::default(),
            targets: Vec::new(),
            refreshed_state: State::new(),
            warnings: Vec::new(),
            moved: Vec::new(),
            analysis: Default::default(),
            data: Default::default(),
            recovered: Vec::new(),
            checks: Vec::new(),
        }
    }

    #[test]
    fn round_trips_and_any_change_to_the_contents_is_refused() {
        let p = plan();
        let bytes = to_bytes(&p);
        assert_eq!(from_bytes(&bytes).unwrap(), p);
        let text = String::from_utf8(bytes.clone()).unwrap();
        let edited = text.replace("1.5", "2.5");
        assert_ne!(edited, text);
        assert_eq!(from_bytes(edited.as_bytes()), Err(PlanFileError::Tampered));
        // Indentation is not content.
        let compact: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(from_bytes(&serde_json::to_vec(&compact).unwrap()).unwrap(), p);
    }

    #[test]
    fn other_formats_and_garbage_are_refused() {
        let text = String::from_utf8(to_bytes(&plan())).unwrap();
        let future = text.replacen(&format!("\"format_version\": {PLAN_FORMAT_VERSION}"), "\"format_version\": 99", 1);
        assert_eq!(from_bytes(future.as_bytes()), Err(PlanFileError::UnsupportedFormat { found: 99 }));
        assert!(matches!(from_bytes(b"\x00\x01garbage"), Err(PlanFileError::NotAPlan(_))));
        assert!(matches!(from_bytes(b"[1, 2]"), Err(PlanFileError::NotAPlan(_))));
        assert!(matches!(from_bytes(b"{\"format_version\": 2}"), Err(PlanFileError::NotAPlan(_))));
    }

    #[test]
    fn a_plan_whose_state_the_state_reader_would_refuse_is_refused() {
        let mut p = plan();
        p.refreshed_state.version = STATE_VERSION + 1;
        match from_bytes(&to_bytes(&p)) {
            Err(PlanFileError::NotAPlan(why)) => assert!(why.contains("refreshed state has format version"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    fn plan_codec(dir: &std::path::Path) -> crate::encryption::Codec {
        let hcl = "variable \"p\" {}\ngantry {\n  encryption {\n    key_provider \"pbkdf2\" \"k\" {\n      passphrase = var.p\n      iterations = 200000\n    }\n    method \"aes_gcm\" \"m\" {\n      keys = key_provider.pbkdf2.k\n    }\n    plan {\n      method = method.aes_gcm.m\n    }\n  }\n}\n";
        std::fs::write(dir.join("main.hcl"), hcl).unwrap();
        let mut diags = crate::diag::Diagnostics::default();
        let module = crate::config::load_module(dir, &Default::default(), &mut diags).unwrap();
        let inputs = [("p".to_string(), (crate::value::Value::string("plan-file-passphrase"), None))].into();
        crate::encryption::from_config(&module, &inputs, &Default::default()).unwrap().unwrap().plan.unwrap()
    }

    #[test]
    fn an_encrypted_plan_round_trips_and_is_refused_without_its_codec() {
        let dir = tempfile::tempdir().unwrap();
        let codec = plan_codec(dir.path());
        let p = plan();
        let stored = to_encrypted_bytes(&p, Some(&codec)).unwrap();
        assert!(!String::from_utf8_lossy(&stored).contains("sha256:abc"), "the plan is not in clear");
        assert_eq!(from_stored_bytes(&stored, Some(&codec)).unwrap(), p);
        let refused = from_stored_bytes(&stored, None).unwrap_err();
        assert_eq!(refused, PlanFileError::Encryption(EncryptionError::NoDecryption { target: Target::Plan }));
        assert!(refused.to_string().contains("the plan is encrypted, but the configuration has no plan encryption"));
        // A plain plan is not accepted where the configuration encrypts plans.
        let plain = to_encrypted_bytes(&p, None).unwrap();
        assert!(matches!(
            from_stored_bytes(&plain, Some(&codec)),
            Err(PlanFileError::Encryption(EncryptionError::NotEncrypted { .. }))
        ));
        assert_eq!(from_stored_bytes(&plain, None).unwrap(), p);
    }
}
