//! A store that encrypts: it wraps any backend and passes every byte of state through the
//! configuration's state [`Codec`], so that every backend (local, s3, and those to come) is
//! encrypted the same way, and a backend never sees plaintext.
//!
//! The snapshot is one envelope, with the state's `serial` and `lineage` kept readable at its
//! top as OpenTofu does. The journal is appended to, so it cannot be one envelope: each append
//! becomes one envelope on its own line. A kill can tear only the last line, which is then
//! dropped, exactly as a torn plain record is; the records before it still decrypt.

use super::store::StateStore;
use super::{LockInfo, State, StateError};
use crate::encryption::{Codec, EncryptionError};
use std::sync::Arc;

pub struct EncryptedStore {
    inner: Box<dyn StateStore>,
    codec: Arc<Codec>,
}

impl EncryptedStore {
    pub fn new(inner: Box<dyn StateStore>, codec: Arc<Codec>) -> EncryptedStore {
        EncryptedStore { inner, codec }
    }

    fn failed(&self, source: EncryptionError) -> StateError {
        StateError::Encryption { what: self.inner.describe(), problem: source }
    }

    fn seal_snapshot(&self, plaintext: &[u8], serial: u64, lineage: &str) -> Result<Vec<u8>, StateError> {
        let fields = serde_json::Map::from_iter([
            ("serial".to_string(), serde_json::json!(serial)),
            ("lineage".to_string(), serde_json::json!(lineage)),
        ]);
        self.codec.encrypt_with_fields(plaintext, fields).map_err(|source| self.failed(source))
    }

    /// One journal line: the envelope of `records`, which are whole lines themselves.
    fn seal_line(&self, records: &[u8]) -> Result<Vec<u8>, StateError> {
        let mut line = self.codec.encrypt(records).map_err(|source| self.failed(source))?;
        if !self.codec.encrypts() {
            return Ok(line);
        }
        line.push(b'\n');
        Ok(line)
    }
}

/// Only the two fields an envelope shows, read without building the whole state.
#[derive(serde::Deserialize, Default)]
struct Visible {
    #[serde(default)]
    serial: u64,
    #[serde(default)]
    lineage: String,
}

impl StateStore for EncryptedStore {
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, StateError> {
        match self.inner.read_bytes()? {
            // Left to the snapshot reader, which treats an empty file as no state.
            Some(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Some(bytes)),
            Some(bytes) => self.codec.decrypt(&bytes).map(Some).map_err(|source| self.failed(source)),
            None => Ok(None),
        }
    }

    fn write_bytes(&self, bytes: &[u8]) -> Result<(), StateError> {
        let visible: Visible = serde_json::from_slice(bytes).unwrap_or_default();
        let sealed = self.seal_snapshot(bytes, visible.serial, &visible.lineage)?;
        self.inner.write_bytes(&sealed)
    }

    fn write(&self, state: &State) -> Result<(), StateError> {
        let sealed = self.seal_snapshot(&state.to_bytes(), state.serial, &state.lineage)?;
        self.inner.write_bytes(&sealed)
    }

    fn append_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        self.inner.append_journal(&self.seal_line(bytes)?)
    }

    fn read_journal(&self) -> Result<Option<Vec<u8>>, StateError> {
        let Some(stored) = self.inner.read_journal()? else { return Ok(None) };
        open_journal(&self.codec, &stored, &self.inner.describe_journal()).map(Some)
    }

    fn replace_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        if bytes.is_empty() {
            return self.inner.replace_journal(bytes);
        }
        self.inner.replace_journal(&self.seal_line(bytes)?)
    }

    fn lock(&self, info: LockInfo) -> Result<LockInfo, StateError> {
        self.inner.lock(info)
    }

    fn unlock(&self, id: &str) -> Result<(), StateError> {
        self.inner.unlock(id)
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        self.inner.force_unlock(id)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn describe_journal(&self) -> String {
        self.inner.describe_journal()
    }
}

/// The plaintext records of a stored journal. Lines that are not envelopes pass through the
/// codec too, which accepts them only when an `unencrypted` fallback is configured (a journal
/// left by a run from before encryption was turned on).
fn open_journal(codec: &Codec, stored: &[u8], name: &str) -> Result<Vec<u8>, StateError> {
    let mut plain = Vec::with_capacity(stored.len());
    let mut lines = stored.split_inclusive(|b| *b == b'\n').enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let last = lines.peek().is_none();
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        if content.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match codec.decrypt(content) {
            Ok(records) => {
                plain.extend_from_slice(&records);
                if line.ends_with(b"\n") && !records.ends_with(b"\n") {
                    plain.push(b'\n');
                }
            }
            // A write torn by a kill: the line never finished, so nothing in it was acknowledged.
            Err(_) if last && !line.ends_with(b"\n") => break,
            Err(source) => {
                return Err(StateError::Encryption { what: format!("{name}, line {}", index + 1), problem: source })
            }
        }
    }
    Ok(plain)
}

#[cfg(test)]
mod tests;
