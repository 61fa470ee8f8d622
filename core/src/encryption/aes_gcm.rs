//! The `aes_gcm` method: AES-GCM with a random 96-bit nonce per encryption, laid out as
//! OpenTofu lays it out (nonce ‖ ciphertext ‖ 128-bit tag). GCM authenticates: a wrong key
//! and a changed byte are both refused rather than decrypted into garbage. The key length
//! picks AES-128, -192 or -256; the default key providers give 32 bytes, AES-256.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::aes::Aes192;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm};

const NONCE_LENGTH: usize = 12;
const TAG_LENGTH: usize = 16;

type Aes192Gcm = AesGcm<Aes192, aes_gcm::aead::consts::U12>;

/// Why a key cannot be used, for the message that names its key provider.
pub(crate) fn check_key(key: &[u8]) -> Result<(), String> {
    match key.len() {
        16 | 24 | 32 => Ok(()),
        n => Err(format!("AES-GCM needs a key of 16, 24 or 32 bytes, and the key provider gave {n}")),
    }
}

pub(crate) fn seal(key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, String> {
    check_key(key)?;
    fn with<C: Aead + AeadCore + KeyInit>(key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, String> {
        let cipher = C::new_from_slice(key).map_err(|e| e.to_string())?;
        let nonce = C::generate_nonce(&mut OsRng);
        let sealed = cipher.encrypt(&nonce, plaintext).map_err(|_| "AES-GCM encryption failed".to_string())?;
        Ok([nonce.as_slice(), &sealed].concat())
    }
    match key.len() {
        16 => with::<Aes128Gcm>(key, plaintext),
        24 => with::<Aes192Gcm>(key, plaintext),
        _ => with::<Aes256Gcm>(key, plaintext),
    }
}

/// `Err` says why in words a user can act on; the caller adds which key was tried.
pub(crate) fn open(key: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
    check_key(key)?;
    if data.len() < NONCE_LENGTH + TAG_LENGTH {
        return Err(format!("the encrypted data is {} bytes, too short to be AES-GCM output", data.len()));
    }
    fn with<C: Aead + AeadCore + KeyInit>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
        let cipher = C::new_from_slice(key).map_err(|e| e.to_string())?;
        let (nonce, sealed) = data.split_at(NONCE_LENGTH);
        cipher
            .decrypt(nonce.into(), sealed)
            .map_err(|_| "authentication failed: the key is wrong or the data was changed".to_string())
    }
    match key.len() {
        16 => with::<Aes128Gcm>(key, data),
        24 => with::<Aes192Gcm>(key, data),
        _ => with::<Aes256Gcm>(key, data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_every_key_size_and_a_fresh_nonce_each_time() {
        for len in [16, 24, 32] {
            let key = vec![7u8; len];
            let a = seal(&key, b"secret plan").unwrap();
            let b = seal(&key, b"secret plan").unwrap();
            assert_ne!(a[..NONCE_LENGTH], b[..NONCE_LENGTH], "a new nonce per encryption");
            assert_eq!(a.len(), NONCE_LENGTH + b"secret plan".len() + TAG_LENGTH);
            assert_eq!(open(&key, &a).unwrap(), b"secret plan");
        }
    }

    #[test]
    fn a_wrong_key_a_flipped_bit_and_a_truncation_are_refused() {
        let key = [1u8; 32];
        let sealed = seal(&key, b"{\"resources\":[]}").unwrap();
        assert!(open(&[2u8; 32], &sealed).unwrap_err().starts_with("authentication failed"));
        for i in [0, NONCE_LENGTH, sealed.len() - 1] {
            let mut tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assert!(open(&key, &tampered).unwrap_err().starts_with("authentication failed"), "byte {i}");
        }
        assert!(open(&key, &sealed[..20]).unwrap_err().contains("too short"));
        assert!(seal(&[0u8; 20], b"x").unwrap_err().contains("16, 24 or 32 bytes"));
    }

    /// NIST's GCM test case 14 (AES-256, zero key, zero nonce, one zero block), so the layout
    /// matches any other AES-GCM: ciphertext then tag after the nonce.
    #[test]
    fn matches_the_gcm_specification_test_vector() {
        let data = [
            [0u8; NONCE_LENGTH].as_slice(),
            &hex("cea7403d4d606b6e074ec5d3baf39d18"),
            &hex("d0d1c8a799996bf0265b98b5d48ab919"),
        ]
        .concat();
        assert_eq!(open(&[0u8; 32], &data).unwrap(), [0u8; 16]);
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }
}
