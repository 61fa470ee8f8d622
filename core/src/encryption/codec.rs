//! A [`Codec`] turns the plaintext of one target (the state, or the plan) into what is stored,
//! and back. It writes with the target's method and reads with that method or any of its
//! fallbacks, so a key can be rotated (new key as the method, old key as a fallback) and a
//! plain file migrated (`unencrypted` as a fallback) in one run.

use super::envelope::{self, VERSION};
use super::error::{EncryptionError, Target};
use super::key_provider::{Key, KeyProvider};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A configured key provider and its address (`key_provider.pbkdf2.k`), which is also the
/// key of its metadata in the envelope.
pub(crate) struct Provider {
    pub addr: String,
    pub inner: Box<dyn KeyProvider>,
}

#[derive(Clone)]
pub(crate) enum Method {
    AesGcm { addr: String, provider: Arc<Provider> },
    Unencrypted { addr: String },
}

impl Method {
    fn addr(&self) -> &str {
        match self {
            Method::AesGcm { addr, .. } | Method::Unencrypted { addr } => addr,
        }
    }
}

/// The key this run writes with. It is made once per run, as OpenTofu does: a passphrase is
/// derived (or a KMS data key generated) once, not at every state write; each encryption still
/// has a fresh nonce.
struct WriteKey {
    key: Key,
    meta: BTreeMap<String, Vec<u8>>,
}

pub struct Codec {
    target: Target,
    /// The method that writes first, then the fallbacks in order.
    methods: Vec<Method>,
    write_key: Mutex<Option<Arc<WriteKey>>>,
    /// Keys already recovered, by key provider address and metadata, so that reading the same
    /// file again does not derive or ask again.
    read_keys: Mutex<HashMap<(String, Vec<u8>), Key>>,
    /// Set when something was read only thanks to a fallback: it is stored in an older form
    /// (an old key, or unencrypted) and should be written again to finish a migration.
    read_by_fallback: AtomicBool,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let methods: Vec<&str> = self.methods.iter().map(Method::addr).collect();
        f.debug_struct("Codec").field("target", &self.target).field("methods", &methods).finish()
    }
}

impl Codec {
    pub(crate) fn new(target: Target, methods: Vec<Method>) -> Codec {
        assert!(!methods.is_empty(), "a target has a method");
        Codec {
            target,
            methods,
            write_key: Mutex::new(None),
            read_keys: Mutex::new(HashMap::new()),
            read_by_fallback: AtomicBool::new(false),
        }
    }

    pub fn target(&self) -> Target {
        self.target
    }

    /// Whether [`Codec::encrypt`] encrypts; `false` when the target's method is `unencrypted`
    /// (a configuration that is migrating away from encryption).
    pub fn encrypts(&self) -> bool {
        matches!(self.methods[0], Method::AesGcm { .. })
    }

    /// Whether anything this codec decrypted needed a fallback (an old key, or plain data that
    /// the method would now encrypt), so that writing it again completes a migration.
    pub fn read_by_fallback(&self) -> bool {
        self.read_by_fallback.load(Ordering::Relaxed)
    }

    /// Makes the key this run writes with now rather than at the first write, so that a key
    /// provider that cannot give one (KMS unreachable, a key length AES-GCM cannot use) is
    /// found before anything is changed that would then need saving.
    pub fn prepare(&self) -> Result<(), EncryptionError> {
        self.write_key().map(|_| ())
    }

    /// The bytes to store for `plaintext`: an envelope, or the plaintext itself when the
    /// target's method is `unencrypted`.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, EncryptionError> {
        self.encrypt_with_fields(plaintext, serde_json::Map::new())
    }

    /// As [`Codec::encrypt`], with `fields` kept readable at the top of the envelope (OpenTofu
    /// keeps a state's `serial` and `lineage` there, so that tools can order versions without
    /// the key). They must hold nothing secret.
    pub fn encrypt_with_fields(
        &self,
        plaintext: &[u8],
        fields: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Vec<u8>, EncryptionError> {
        let Some(write) = self.write_key()? else { return Ok(plaintext.to_vec()) };
        let data = super::aes_gcm::seal(&write.key, plaintext)
            .map_err(|detail| EncryptionError::CannotEncrypt { target: self.target, detail })?;
        Ok(envelope::encode(&write.meta, &data, fields))
    }

    fn write_key(&self) -> Result<Option<Arc<WriteKey>>, EncryptionError> {
        let Method::AesGcm { addr, provider } = &self.methods[0] else { return Ok(None) };
        let mut slot = self.write_key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = slot.as_ref() {
            return Ok(Some(k.clone()));
        }
        let fail = |detail: String| EncryptionError::CannotEncrypt {
            target: self.target,
            detail: format!("{addr} with {}: {detail}", provider.addr),
        };
        let (key, meta) = provider.inner.encryption_key().map_err(|e| fail(e.0))?;
        super::aes_gcm::check_key(&key).map_err(fail)?;
        let made = Arc::new(WriteKey { key, meta: BTreeMap::from([(provider.addr.clone(), meta)]) });
        *slot = Some(made.clone());
        Ok(Some(made))
    }

    /// The plaintext of stored `bytes`. Encrypted data is opened with the method, then each
    /// fallback in turn; plain data is accepted only when an `unencrypted` method is among them.
    /// A failure changes nothing and returns no partial data.
    pub fn decrypt(&self, bytes: &[u8]) -> Result<Vec<u8>, EncryptionError> {
        let target = self.target;
        let envelope = match envelope::parse(bytes) {
            None if self.methods.iter().any(|m| matches!(m, Method::Unencrypted { .. })) => {
                if self.encrypts() {
                    self.read_by_fallback.store(true, Ordering::Relaxed);
                }
                return Ok(bytes.to_vec());
            }
            None => {
                let methods = self.methods.iter().map(Method::addr).collect::<Vec<_>>().join(", ");
                return Err(EncryptionError::NotEncrypted { target, methods });
            }
            Some(Err(detail)) => return Err(EncryptionError::Malformed { target, detail }),
            Some(Ok(e)) => e,
        };
        if envelope.version != VERSION {
            return Err(EncryptionError::UnsupportedVersion { target, found: envelope.version });
        }
        let mut attempts = Vec::new();
        for (index, method) in self.methods.iter().enumerate() {
            let (addr, provider) = match method {
                Method::AesGcm { addr, provider } => (addr, provider),
                Method::Unencrypted { addr } => {
                    attempts.push(format!("{addr} reads only unencrypted data"));
                    continue;
                }
            };
            let Some(meta) = envelope.meta.get(&provider.addr) else {
                let present: Vec<&str> = envelope.meta.keys().map(String::as_str).collect();
                attempts.push(format!(
                    "{addr} uses {}, but the {target} was encrypted with {}",
                    provider.addr,
                    if present.is_empty() { "no key provider".to_string() } else { present.join(", ") }
                ));
                continue;
            };
            let opened = self.read_key(provider, meta).and_then(|key| super::aes_gcm::open(&key, &envelope.data));
            match opened {
                Ok(plaintext) => {
                    if index > 0 {
                        self.read_by_fallback.store(true, Ordering::Relaxed);
                    }
                    return Ok(plaintext);
                }
                Err(e) => attempts.push(format!("{addr} with {}: {e}", provider.addr)),
            }
        }
        Err(EncryptionError::CannotDecrypt { target, attempts })
    }

    fn read_key(&self, provider: &Provider, meta: &[u8]) -> Result<Key, String> {
        if let Some(w) = self.write_key.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if w.meta.get(&provider.addr).is_some_and(|m| m == meta) {
                return Ok(w.key.clone());
            }
        }
        let cache_key = (provider.addr.clone(), meta.to_vec());
        if let Some(k) = self.read_keys.lock().unwrap_or_else(|p| p.into_inner()).get(&cache_key) {
            return Ok(k.clone());
        }
        let key = provider.inner.decryption_key(meta).map_err(|e| e.0)?;
        self.read_keys.lock().unwrap_or_else(|p| p.into_inner()).insert(cache_key, key.clone());
        Ok(key)
    }
}
