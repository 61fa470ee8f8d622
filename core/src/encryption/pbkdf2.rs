//! The built-in `pbkdf2` key provider: a key derived from a passphrase with PBKDF2-HMAC, as
//! OpenTofu's is. Each encryption draws a new random salt; the salt, the iteration count, the
//! hash and the key length go into the file's metadata, so that decrypting uses the values the
//! data was written with even after the configuration changes them.

use super::key_provider::{Key, KeyProvider, KeyProviderError, KeyProviderFactory, KeyProviderSettings, SettingError};
use aes_gcm::aead::rand_core::RngCore as _;
use base64::Engine as _;

/// OpenTofu's floor: shorter passphrases are refused.
pub const MIN_PASSPHRASE_LENGTH: usize = 16;
/// OpenTofu refuses fewer iterations as "dangerously low".
pub const MIN_ITERATIONS: u64 = 200_000;
/// OpenTofu's default, OWASP's recommendation for PBKDF2-HMAC-SHA512.
pub const DEFAULT_ITERATIONS: u64 = 600_000;
/// A file's metadata is not trusted to make a run spin for hours.
const MAX_ITERATIONS: u64 = 10_000_000;
const DEFAULT_KEY_LENGTH: u64 = 32;
const DEFAULT_SALT_LENGTH: u64 = 32;

const ARGUMENTS: &[&str] = &["passphrase", "key_length", "iterations", "salt_length", "hash_function"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Hash {
    Sha256,
    Sha512,
}

impl Hash {
    fn parse(name: &str) -> Option<Hash> {
        match name {
            "sha256" => Some(Hash::Sha256),
            "sha512" => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Hash::Sha256 => "sha256",
            Hash::Sha512 => "sha512",
        }
    }
}

pub struct Pbkdf2Factory;

impl KeyProviderFactory for Pbkdf2Factory {
    fn name(&self) -> &str {
        "pbkdf2"
    }

    fn arguments(&self) -> &[&str] {
        ARGUMENTS
    }

    fn open(&self, s: &KeyProviderSettings) -> Result<Box<dyn KeyProvider>, SettingError> {
        let passphrase = match s.string("passphrase")? {
            None | Some("") => {
                return Err(SettingError::block(format!(
                    "a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters is required, best from a sensitive variable: passphrase = var.NAME"
                )))
            }
            Some(p) => p,
        };
        if passphrase.len() < MIN_PASSPHRASE_LENGTH {
            return Err(SettingError::at(
                "passphrase",
                format!("the passphrase is too short: it needs at least {MIN_PASSPHRASE_LENGTH} characters"),
            ));
        }
        let hash = match s.string("hash_function")? {
            None => Hash::Sha512,
            Some(name) => Hash::parse(name).ok_or_else(|| {
                SettingError::at(
                    "hash_function",
                    format!("hash_function must be \"sha256\" or \"sha512\", not \"{name}\""),
                )
            })?,
        };
        let iterations = s.integer("iterations", DEFAULT_ITERATIONS, 1, MAX_ITERATIONS)?;
        if iterations < MIN_ITERATIONS {
            return Err(SettingError::at(
                "iterations",
                format!("{iterations} iterations is dangerously low; use at least {MIN_ITERATIONS} (the default is {DEFAULT_ITERATIONS})"),
            ));
        }
        Ok(Box::new(Pbkdf2 {
            passphrase: zeroize::Zeroizing::new(passphrase.to_string()),
            params: Params {
                iterations: iterations as u32,
                hash,
                key_length: s.integer("key_length", DEFAULT_KEY_LENGTH, 1, 64)? as usize,
            },
            salt_length: s.integer("salt_length", DEFAULT_SALT_LENGTH, 1, 256)? as usize,
        }))
    }
}

#[derive(Clone, Copy)]
struct Params {
    iterations: u32,
    hash: Hash,
    key_length: usize,
}

pub(crate) struct Pbkdf2 {
    passphrase: zeroize::Zeroizing<String>,
    params: Params,
    salt_length: usize,
}

/// The metadata as OpenTofu writes it: `{"salt","iterations","hash_function","key_length"}`.
#[derive(serde::Serialize, serde::Deserialize)]
struct Metadata {
    salt: String,
    iterations: u64,
    hash_function: String,
    key_length: u64,
}

impl Pbkdf2 {
    fn derive(&self, salt: &[u8], p: Params) -> Key {
        let mut key = Key::new(vec![0; p.key_length]);
        let passphrase = self.passphrase.as_bytes();
        match p.hash {
            Hash::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passphrase, salt, p.iterations, &mut key),
            Hash::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(passphrase, salt, p.iterations, &mut key),
        }
        key
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl KeyProvider for Pbkdf2 {
    fn encryption_key(&self) -> Result<(Key, Vec<u8>), KeyProviderError> {
        let mut salt = vec![0; self.salt_length];
        aes_gcm::aead::OsRng
            .try_fill_bytes(&mut salt)
            .map_err(|e| KeyProviderError(format!("cannot draw a random salt: {e}")))?;
        let meta = Metadata {
            salt: b64().encode(&salt),
            iterations: u64::from(self.params.iterations),
            hash_function: self.params.hash.name().into(),
            key_length: self.params.key_length as u64,
        };
        Ok((self.derive(&salt, self.params), serde_json::to_vec(&meta).unwrap_or_default()))
    }

    fn decryption_key(&self, meta: &[u8]) -> Result<Key, KeyProviderError> {
        let bad = |what: String| KeyProviderError(format!("its pbkdf2 metadata is invalid: {what}"));
        let m: Metadata = serde_json::from_slice(meta).map_err(|e| bad(e.to_string()))?;
        let salt = b64().decode(&m.salt).map_err(|e| bad(format!("the salt is not base64: {e}")))?;
        let hash = Hash::parse(&m.hash_function)
            .ok_or_else(|| bad(format!("unknown hash_function \"{}\"", m.hash_function)))?;
        if salt.is_empty() || !(1..=MAX_ITERATIONS).contains(&m.iterations) || !(1..=64).contains(&m.key_length) {
            return Err(bad(format!(
                "{} bytes of salt, {} iterations and a {}-byte key are out of range",
                salt.len(),
                m.iterations,
                m.key_length
            )));
        }
        Ok(self.derive(&salt, Params { iterations: m.iterations as u32, hash, key_length: m.key_length as usize }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, serde_json::Value)]) -> KeyProviderSettings {
        KeyProviderSettings {
            name: "k".into(),
            attributes: pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        }
    }

    fn refusal(pairs: &[(&str, serde_json::Value)]) -> SettingError {
        match Pbkdf2Factory.open(&settings(pairs)) {
            Err(e) => e,
            Ok(_) => panic!("the settings should be refused"),
        }
    }

    const PASSPHRASE: &str = "correct-horse-battery-staple";

    #[test]
    fn the_same_passphrase_and_metadata_give_the_same_key_and_a_new_encryption_a_new_salt() {
        let p = Pbkdf2Factory
            .open(&settings(&[("passphrase", PASSPHRASE.into()), ("iterations", MIN_ITERATIONS.into())]))
            .unwrap();
        let (key, meta) = p.encryption_key().unwrap();
        assert_eq!(key.len(), 32);
        assert_eq!(*p.decryption_key(&meta).unwrap(), *key);
        let m: serde_json::Value = serde_json::from_slice(&meta).unwrap();
        assert_eq!(m["iterations"], MIN_ITERATIONS);
        assert_eq!(m["hash_function"], "sha512");
        assert_eq!(m["key_length"], 32);
        assert_eq!(b64().decode(m["salt"].as_str().unwrap()).unwrap().len(), 32);
        let (other_key, other_meta) = p.encryption_key().unwrap();
        assert_ne!(other_meta, meta, "every encryption draws a new salt");
        assert_ne!(*other_key, *key);
    }

    #[test]
    fn matches_the_rfc_7914_pbkdf2_sha256_vector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", c = 1, dkLen = 64).
        let p = Pbkdf2 {
            passphrase: zeroize::Zeroizing::new("passwd".into()),
            params: Params { iterations: 1, hash: Hash::Sha256, key_length: 64 },
            salt_length: 4,
        };
        let meta = serde_json::json!({"salt": b64().encode("salt"), "iterations": 1, "hash_function": "sha256", "key_length": 64});
        let key = p.decryption_key(&serde_json::to_vec(&meta).unwrap()).unwrap();
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
        );
    }

    #[test]
    fn refuses_what_opentofu_refuses_without_repeating_the_passphrase() {
        let e = refusal(&[]);
        assert_eq!(e.argument, None);
        assert!(e.message.contains("a passphrase of at least 16 characters is required"), "{}", e.message);
        let e = refusal(&[("passphrase", "fifteen-chars!!".into())]);
        assert_eq!(e.argument.as_deref(), Some("passphrase"));
        assert!(!e.message.contains("fifteen-chars"), "{}", e.message);
        assert!(e.message.contains("too short"), "{}", e.message);
        let e = refusal(&[("passphrase", PASSPHRASE.into()), ("iterations", 1000.into())]);
        assert_eq!(e.argument.as_deref(), Some("iterations"));
        let e = refusal(&[("passphrase", PASSPHRASE.into()), ("hash_function", "md5".into())]);
        assert!(e.message.contains("\"sha256\" or \"sha512\""), "{}", e.message);
        let e = refusal(&[("passphrase", 12.into())]);
        assert_eq!(e.message, "\"passphrase\" must be a string, not a number");
    }

    #[test]
    fn metadata_out_of_range_is_refused_rather_than_obeyed() {
        let p = Pbkdf2Factory.open(&settings(&[("passphrase", PASSPHRASE.into())])).unwrap();
        let meta =
            serde_json::json!({"salt": "AAAA", "iterations": 1u64 << 40, "hash_function": "sha512", "key_length": 32});
        let e = p.decryption_key(&serde_json::to_vec(&meta).unwrap()).err().unwrap();
        assert!(e.0.contains("out of range"), "{e}");
        assert!(p.decryption_key(b"[]").is_err());
    }
}
