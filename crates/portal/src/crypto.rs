//! Encryption at rest for the secrets the portal must be able to read back (SIP passwords,
//! TOTP secrets): XChaCha20-Poly1305 with a key from configuration, never from the instance.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the key must be 32 bytes in base64")]
    BadKey,
    #[error("the stored secret is damaged or was encrypted with another key")]
    Undecryptable,
}

#[derive(Clone)]
pub struct EncryptionKey(XChaCha20Poly1305);

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKey(..)")
    }
}

impl EncryptionKey {
    pub fn from_base64(encoded: &str) -> Result<Self, CryptoError> {
        let bytes = STANDARD.decode(encoded).map_err(|_| CryptoError::BadKey)?;
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| CryptoError::BadKey)?;
        Ok(Self(cipher))
    }

    /// A fresh random key in the form `from_base64` reads.
    pub fn generate_base64() -> String {
        STANDARD.encode(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// `base64(nonce || ciphertext)`.
    pub fn encrypt(&self, plaintext: &[u8]) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        let ciphertext = self.0.encrypt(&nonce, plaintext).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        STANDARD.encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<Vec<u8>, CryptoError> {
        let bytes = STANDARD
            .decode(stored)
            .map_err(|_| CryptoError::Undecryptable)?;
        if bytes.len() < NONCE_LEN {
            return Err(CryptoError::Undecryptable);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        self.0
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| CryptoError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let key = EncryptionKey::from_base64(&EncryptionKey::generate_base64()).unwrap();
        let stored = key.encrypt(b"sip-password-123");
        assert!(!stored.contains("sip-password"));
        assert_eq!(key.decrypt(&stored).unwrap(), b"sip-password-123");
        // A fresh nonce every time: equal secrets do not look equal at rest.
        assert_ne!(stored, key.encrypt(b"sip-password-123"));
    }

    #[test]
    fn another_key_or_tampering_is_refused() {
        let key = EncryptionKey::from_base64(&EncryptionKey::generate_base64()).unwrap();
        let other = EncryptionKey::from_base64(&EncryptionKey::generate_base64()).unwrap();
        let stored = key.encrypt(b"secret");
        assert_eq!(other.decrypt(&stored), Err(CryptoError::Undecryptable));
        let mut bytes = STANDARD.decode(&stored).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(
            key.decrypt(&STANDARD.encode(bytes)),
            Err(CryptoError::Undecryptable)
        );
    }

    #[test]
    fn short_keys_are_refused() {
        assert_eq!(
            EncryptionKey::from_base64("c2hvcnQ=").unwrap_err(),
            CryptoError::BadKey
        );
    }
}
