//! Encryption at rest for the secrets the portal must be able to read back (SIP passwords,
//! TOTP secrets): XChaCha20-Poly1305 with a key from configuration, never from the instance.
//! Every value is bound to what it belongs to (its purpose and row) as associated data, so a
//! ciphertext copied to another row or column no longer decrypts. The same key, through a
//! derived MAC key, hashes recovery codes, so a leaked database alone does not give them up.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const NONCE_LEN: usize = 24;
/// The prefix of a value bound to its row (values before it had no prefix and no binding).
pub const BOUND_PREFIX: &str = "v2:";
/// The prefix of a keyed recovery-code hash.
pub const KEYED_HASH_PREFIX: &str = "h1:";

/// What an encrypted value belongs to, bound in as associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding<'a> {
    purpose: &'static str,
    row: &'a str,
}

impl<'a> Binding<'a> {
    /// An account's authenticator secret (while set up, and once enabled).
    pub fn totp_secret(account_id: &'a str) -> Self {
        Self {
            purpose: "totp_secret",
            row: account_id,
        }
    }

    /// An account's SIP password.
    pub fn sip_password(account_id: &'a str) -> Self {
        Self {
            purpose: "sip_password",
            row: account_id,
        }
    }

    /// A device's own SIP password (by its authentication user).
    pub fn device_sip_password(auth_user: &'a str) -> Self {
        Self {
            purpose: "device_sip_password",
            row: auth_user,
        }
    }

    /// The OpenID nonce of a sign-in waiting at its provider (by its state's hash).
    pub fn sign_in_nonce(portal_state_hash: &'a str) -> Self {
        Self {
            purpose: "sign_in_nonce",
            row: portal_state_hash,
        }
    }

    /// The PKCE verifier of a sign-in waiting at its provider (by its state's hash).
    pub fn sign_in_pkce_verifier(portal_state_hash: &'a str) -> Self {
        Self {
            purpose: "sign_in_pkce_verifier",
            row: portal_state_hash,
        }
    }

    fn associated_data(&self) -> Vec<u8> {
        format!("switchboard/v2\0{}\0{}", self.purpose, self.row).into_bytes()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the key must be 32 bytes in base64")]
    BadKey,
    #[error("the stored secret is damaged or was encrypted with another key")]
    Undecryptable,
}

#[derive(Clone)]
pub struct EncryptionKey {
    cipher: XChaCha20Poly1305,
    /// HMAC-SHA-256(key, "switchboard/recovery-codes/v1"): the key recovery codes are
    /// hashed with.
    recovery_mac_key: [u8; 32],
}

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKey(..)")
    }
}

impl EncryptionKey {
    pub fn from_base64(encoded: &str) -> Result<Self, CryptoError> {
        let bytes = STANDARD.decode(encoded).map_err(|_| CryptoError::BadKey)?;
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| CryptoError::BadKey)?;
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&bytes).map_err(|_| CryptoError::BadKey)?;
        mac.update(b"switchboard/recovery-codes/v1");
        Ok(Self {
            cipher,
            recovery_mac_key: mac.finalize().into_bytes().into(),
        })
    }

    /// A fresh random key in the form `from_base64` reads.
    pub fn generate_base64() -> String {
        STANDARD.encode(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// `v2:base64(nonce || ciphertext)`, bound to `binding`.
    pub fn encrypt(&self, plaintext: &[u8], binding: Binding<'_>) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = binding.associated_data();
        let payload = Payload {
            msg: plaintext,
            aad: &aad,
        };
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        let ciphertext = self.cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        format!("{BOUND_PREFIX}{}", STANDARD.encode(out))
    }

    /// The plaintext of a value `encrypt` made for this very `binding`.
    pub fn decrypt(&self, stored: &str, binding: Binding<'_>) -> Result<Vec<u8>, CryptoError> {
        let encoded = stored
            .strip_prefix(BOUND_PREFIX)
            .ok_or(CryptoError::Undecryptable)?;
        let aad = binding.associated_data();
        self.open(encoded, &aad)
    }

    /// A value stored before values were bound to their rows (no prefix); only for
    /// upgrading them (see `store::Store::upgrade_secrets_at_rest`).
    pub fn decrypt_unbound(&self, stored: &str) -> Result<Vec<u8>, CryptoError> {
        if stored.starts_with(BOUND_PREFIX) {
            return Err(CryptoError::Undecryptable);
        }
        self.open(stored, b"")
    }

    fn open(&self, encoded: &str, aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| CryptoError::Undecryptable)?;
        if bytes.len() < NONCE_LEN {
            return Err(CryptoError::Undecryptable);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| CryptoError::Undecryptable)
    }

    /// What is stored of a recovery code: `h1:` and HMAC-SHA-256 under the derived key of
    /// the account and the code's unkeyed hash (`legacy_hash`, what was stored before).
    pub fn recovery_code_hash(&self, account_id: &str, legacy_hash: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.recovery_mac_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(account_id.as_bytes());
        mac.update(b"\0");
        mac.update(legacy_hash.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{KEYED_HASH_PREFIX}{}", crate::tokens::hex(&digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_key() -> EncryptionKey {
        EncryptionKey::from_base64(&EncryptionKey::generate_base64()).unwrap()
    }

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let key = new_key();
        let binding = Binding::sip_password("acct-1");
        let stored = key.encrypt(b"sip-password-123", binding);
        assert!(!stored.contains("sip-password"));
        assert_eq!(key.decrypt(&stored, binding).unwrap(), b"sip-password-123");
        // A fresh nonce every time: equal secrets do not look equal at rest.
        assert_ne!(stored, key.encrypt(b"sip-password-123", binding));
    }

    #[test]
    fn another_key_or_tampering_is_refused() {
        let key = new_key();
        let other = new_key();
        let binding = Binding::totp_secret("acct-1");
        let stored = key.encrypt(b"secret", binding);
        assert_eq!(
            other.decrypt(&stored, binding),
            Err(CryptoError::Undecryptable)
        );
        let mut bytes = STANDARD
            .decode(stored.strip_prefix(BOUND_PREFIX).unwrap())
            .unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = format!("{BOUND_PREFIX}{}", STANDARD.encode(bytes));
        assert_eq!(
            key.decrypt(&tampered, binding),
            Err(CryptoError::Undecryptable)
        );
    }

    #[test]
    fn a_value_moved_to_another_row_or_purpose_does_not_decrypt() {
        let key = new_key();
        let stored = key.encrypt(b"alice-sip", Binding::sip_password("alice"));
        assert_eq!(
            key.decrypt(&stored, Binding::sip_password("mallory")),
            Err(CryptoError::Undecryptable)
        );
        assert_eq!(
            key.decrypt(&stored, Binding::totp_secret("alice")),
            Err(CryptoError::Undecryptable)
        );
        // Nor can the prefix be taken off to read it as an old, unbound value.
        assert_eq!(
            key.decrypt_unbound(stored.strip_prefix(BOUND_PREFIX).unwrap()),
            Err(CryptoError::Undecryptable)
        );
        assert_eq!(
            key.decrypt_unbound(&stored),
            Err(CryptoError::Undecryptable)
        );
    }

    #[test]
    fn recovery_code_hashes_need_the_key_and_belong_to_one_account() {
        let key = new_key();
        let legacy = crate::tokens::token_hash("abcdefghjk");
        let stored = key.recovery_code_hash("alice", &legacy);
        assert!(stored.starts_with(KEYED_HASH_PREFIX));
        assert_eq!(stored, key.recovery_code_hash("alice", &legacy));
        assert_ne!(stored, key.recovery_code_hash("mallory", &legacy));
        assert_ne!(stored, new_key().recovery_code_hash("alice", &legacy));
        assert!(!stored.contains(&legacy));
    }

    #[test]
    fn short_keys_are_refused() {
        assert_eq!(
            EncryptionKey::from_base64("c2hvcnQ=").unwrap_err(),
            CryptoError::BadKey
        );
    }
}
