//! Compact JWS (RFC 7515) in the two shapes the dev IdP needs: RS256 ID tokens it signs,
//! and ES256 client secrets (Apple's) it reads.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use rsa::pkcs1v15;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::keys::{SigningKey, ALG_RS256};

/// base64url without padding, as JOSE and PKCE use it.
pub fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// 256 random bits, base64url (43 characters): codes and access tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    b64url(bytes)
}

/// `BASE64URL(SHA256(verifier))`, the S256 code challenge of a PKCE verifier (RFC 7636 §4.2).
pub fn s256_challenge(verifier: &str) -> String {
    b64url(Sha256::digest(verifier.as_bytes()))
}

/// Whether `value` is 43 to 128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1 and the
/// ABNF of `code_challenge`).
pub fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Why a JWT could not be made.
#[derive(Debug, thiserror::Error)]
#[error("could not sign the token: {0}")]
pub struct SignError(String);

/// Signs `claims` as an RS256 compact JWS with `kid` in the header.
pub fn sign_rs256(key: &SigningKey, claims: &Map<String, Value>) -> Result<String, SignError> {
    let header = serde_json::json!({ "alg": ALG_RS256, "kid": key.kid(), "typ": "JWT" });
    let header = serde_json::to_vec(&header).map_err(|e| SignError(e.to_string()))?;
    let claims = serde_json::to_vec(claims).map_err(|e| SignError(e.to_string()))?;
    let signing_input = format!("{}.{}", b64url(header), b64url(claims));
    let signer = pkcs1v15::SigningKey::<Sha256>::new(key.private_key().clone());
    let signature = signer
        .try_sign(signing_input.as_bytes())
        .map_err(|e| SignError(e.to_string()))?;
    Ok(format!("{signing_input}.{}", b64url(signature.to_bytes())))
}

/// An unsigned JWT (`alg` `none`, empty signature): no relying party may accept it.
pub fn unsigned(claims: &Map<String, Value>) -> String {
    let header = serde_json::json!({ "alg": "none", "typ": "JWT" });
    format!(
        "{}.{}.",
        b64url(header.to_string()),
        b64url(Value::Object(claims.clone()).to_string())
    )
}

/// An HS256 JWT keyed by `secret` (the client secret, as OpenID allows for MAC algorithms):
/// the portal must refuse it, since its keys are not the provider's.
pub fn sign_hs256(secret: &[u8], claims: &Map<String, Value>) -> String {
    let header = serde_json::json!({ "alg": "HS256", "typ": "JWT" });
    let signing_input = format!(
        "{}.{}",
        b64url(header.to_string()),
        b64url(Value::Object(claims.clone()).to_string())
    );
    format!(
        "{signing_input}.{}",
        b64url(hmac_sha256(secret, signing_input.as_bytes()))
    )
}

/// HMAC-SHA-256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_pad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// A compact JWS taken apart (nothing verified yet).
#[derive(Debug, Clone)]
pub struct CompactJws {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// `BASE64URL(header) "." BASE64URL(payload)`: what the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
}

impl CompactJws {
    /// Splits and decodes `header.payload.signature`; header and payload must be JSON objects.
    pub fn parse(token: &str) -> Result<Self, String> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("it is not a compact JWS (three base64url parts separated by dots)".into());
        };
        let object = |part: &str, what: &str| -> Result<Map<String, Value>, String> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| format!("its {what} is not base64url"))?;
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => Ok(map),
                _ => Err(format!("its {what} is not a JSON object")),
            }
        };
        let signature_bytes = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "its signature is not base64url".to_owned())?;
        if signature_bytes.is_empty() {
            return Err("it has no signature".into());
        }
        Ok(Self {
            header: object(header, "header")?,
            claims: object(payload, "payload")?,
            signing_input: format!("{header}.{payload}"),
            signature: signature_bytes,
        })
    }
}

/// Flips bits in the signature of a compact JWS so that it no longer verifies, keeping its
/// length and encoding (a forged token must still *look* like a token).
pub fn corrupt_signature(token: &str) -> String {
    let Some((signing_input, signature)) = token.rsplit_once('.') else {
        return token.to_owned();
    };
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
    if bytes.is_empty() {
        bytes.push(0);
    }
    let last = bytes.len() - 1;
    bytes[0] ^= 0x5a;
    bytes[last] ^= 0xa5;
    format!("{signing_input}.{}", b64url(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc7636_example() {
        // RFC 7636 Appendix B.
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn pkce_values_are_43_to_128_unreserved_characters() {
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(is_pkce_value(&"a-._~".repeat(26)[..128]));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn random_tokens_are_256_bits_and_differ() {
        let a = random_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, random_token());
    }

    #[test]
    fn compact_jws_parsing_refuses_malformed_tokens() {
        assert!(CompactJws::parse("a.b").is_err());
        assert!(CompactJws::parse("a.b.c.d").is_err());
        let header = b64url(br#"{"alg":"ES256"}"#);
        let claims = b64url(br#"{"sub":"x"}"#);
        assert!(CompactJws::parse(&format!("{header}.{claims}.")).is_err());
        assert!(CompactJws::parse(&format!("{header}.{}.AAAA", b64url("[1]"))).is_err());
        let jws = CompactJws::parse(&format!("{header}.{claims}.AAAA")).unwrap();
        assert_eq!(jws.header["alg"], "ES256");
        assert_eq!(jws.claims["sub"], "x");
        assert_eq!(jws.signing_input, format!("{header}.{claims}"));
    }

    #[test]
    fn corrupting_keeps_the_shape_but_changes_the_signature() {
        let token = format!("a.b.{}", b64url([1u8, 2, 3, 4]));
        let bad = corrupt_signature(&token);
        assert!(bad.starts_with("a.b."));
        assert_ne!(bad, token);
        assert_eq!(URL_SAFE_NO_PAD.decode(&bad[4..]).unwrap().len(), 4);
    }
}
