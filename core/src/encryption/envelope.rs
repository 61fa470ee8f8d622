//! The encrypted file's envelope, in OpenTofu's layout so that either tool recognises the
//! other's files:
//!
//! ```json
//! {"meta":{"key_provider.pbkdf2.k":"<base64 of the key provider's JSON metadata>"},
//!  "encrypted_data":"<base64 of nonce ‖ ciphertext ‖ tag>","encryption_version":"v0"}
//! ```
//!
//! `meta` holds, per key provider address, what that provider needs to find the key again
//! (a salt, an encrypted data key); it is never secret. Fields a caller wants readable
//! without the key (OpenTofu keeps a state's `serial` and `lineage`) come first.

use base64::Engine as _;
use std::collections::BTreeMap;

pub(crate) const VERSION: &str = "v0";

pub(crate) struct Envelope {
    pub meta: BTreeMap<String, Vec<u8>>,
    pub data: Vec<u8>,
    pub version: String,
}

fn b64() -> base64::engine::GeneralPurpose {
    // Go's encoding/json writes []byte as standard base64 with padding.
    base64::engine::general_purpose::STANDARD
}

/// Whether `bytes` are an encrypted envelope rather than plain data.
pub fn is_encrypted(bytes: &[u8]) -> bool {
    parse(bytes).is_some()
}

/// `None` when the bytes are not an envelope (plain data); `Some(Err)` when they say they are
/// one (an `encryption_version`) but something in it is broken.
pub(crate) fn parse(bytes: &[u8]) -> Option<Result<Envelope, String>> {
    // Plain state and plans never hold this name outside a value, so most plain data is
    // told apart without parsing it twice.
    if !contains(bytes, b"\"encryption_version\"") {
        return None;
    }
    let serde_json::Value::Object(members) = serde_json::from_slice::<serde_json::Value>(bytes).ok()? else {
        return None;
    };
    let version = match members.get("encryption_version") {
        Some(serde_json::Value::String(v)) if !v.is_empty() => v.clone(),
        _ => return None,
    };
    Some(read_members(&members, version))
}

fn read_members(members: &serde_json::Map<String, serde_json::Value>, version: String) -> Result<Envelope, String> {
    let data = match members.get("encrypted_data") {
        Some(serde_json::Value::String(s)) => {
            b64().decode(s).map_err(|e| format!("encrypted_data is not base64: {e}"))?
        }
        _ => return Err("it has no encrypted_data".into()),
    };
    let mut meta = BTreeMap::new();
    match members.get("meta") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Object(m)) => {
            for (addr, value) in m {
                let bytes = match value {
                    serde_json::Value::String(s) => {
                        b64().decode(s).map_err(|e| format!("the metadata of {addr} is not base64: {e}"))?
                    }
                    // OpenTofu's first releases wrote the metadata as a JSON object.
                    serde_json::Value::Object(_) => serde_json::to_vec(value).unwrap_or_default(),
                    _ => return Err(format!("the metadata of {addr} is neither base64 nor an object")),
                };
                meta.insert(addr.clone(), bytes);
            }
        }
        Some(_) => return Err("meta is not an object".into()),
    }
    Ok(Envelope { meta, data, version })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The envelope's bytes: compact JSON, the fields in OpenTofu's order after `visible`.
pub(crate) fn encode(
    meta: &BTreeMap<String, Vec<u8>>,
    data: &[u8],
    visible: serde_json::Map<String, serde_json::Value>,
) -> Vec<u8> {
    let mut out = visible;
    let meta: serde_json::Map<String, serde_json::Value> =
        meta.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(b64().encode(v)))).collect();
    out.insert("meta".into(), serde_json::Value::Object(meta));
    out.insert("encrypted_data".into(), serde_json::Value::String(b64().encode(data)));
    out.insert("encryption_version".into(), serde_json::Value::String(VERSION.into()));
    serde_json::to_vec(&serde_json::Value::Object(out)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_opentofu_field_order() {
        let meta = BTreeMap::from([("key_provider.pbkdf2.k".to_string(), b"{\"salt\":\"AA==\"}".to_vec())]);
        let visible = serde_json::Map::from_iter([("serial".to_string(), serde_json::json!(3))]);
        let bytes = encode(&meta, &[1, 2, 3], visible);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(
            text,
            r#"{"serial":3,"meta":{"key_provider.pbkdf2.k":"eyJzYWx0IjoiQUE9PSJ9"},"encrypted_data":"AQID","encryption_version":"v0"}"#
        );
        let env = parse(&bytes).unwrap().unwrap();
        assert_eq!(env.meta, meta);
        assert_eq!(env.data, [1, 2, 3]);
        assert_eq!(env.version, "v0");
    }

    #[test]
    fn plain_data_is_not_an_envelope_and_a_broken_envelope_says_why() {
        assert!(parse(br#"{"version": 1, "serial": 2}"#).is_none());
        assert!(parse(b"\x00\x01 not json").is_none());
        assert!(parse(br#"{"resources": [{"encryption_version": "v0"}]}"#).is_none(), "only a top-level member counts");
        let broken = parse(br#"{"encryption_version":"v0","encrypted_data":"%%%"}"#).unwrap();
        assert!(broken.err().unwrap().contains("encrypted_data is not base64"));
        let missing = parse(br#"{"encryption_version":"v0"}"#).unwrap();
        assert_eq!(missing.err().unwrap(), "it has no encrypted_data");
    }
}
