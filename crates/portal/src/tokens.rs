//! Opaque tokens: 256 random bits, base64url, with a short prefix that says what they are.
//! The database keeps only their SHA-256, so a stolen copy of it signs nobody in.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy)]
pub enum TokenKind {
    AccessToken,
    RefreshToken,
    AuthorizationCode,
    LoginTicket,
    /// The portal's `state` towards a provider.
    ProviderState,
    Nonce,
    SessionId,
    /// "Link this provider to my account", passed through the browser sign-in.
    LinkIntent,
    /// A directory's SCIM bearer token (one organization's).
    DirectoryToken,
}

impl TokenKind {
    fn prefix(self) -> &'static str {
        match self {
            TokenKind::AccessToken => "sba_",
            TokenKind::RefreshToken => "sbr_",
            TokenKind::AuthorizationCode => "sbc_",
            TokenKind::LoginTicket => "sbt_",
            TokenKind::ProviderState => "",
            TokenKind::Nonce => "",
            TokenKind::SessionId => "ses_",
            TokenKind::LinkIntent => "sbl_",
            TokenKind::DirectoryToken => "sbd_",
        }
    }
}

pub fn new_token(kind: TokenKind) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{}{}", kind.prefix(), URL_SAFE_NO_PAD.encode(bytes))
}

/// Hex SHA-256: what the database stores instead of the token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// RFC 7636 S256: base64url(SHA-256(verifier)).
pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_unique_and_short_enough_for_any_keychain() {
        let a = new_token(TokenKind::RefreshToken);
        let b = new_token(TokenKind::RefreshToken);
        assert_ne!(a, b);
        assert!(a.starts_with("sbr_"));
        assert_eq!(a.len(), 4 + 43);
        assert!(a.len() < 2560);
    }

    #[test]
    fn pkce_matches_the_rfc_7636_example() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
