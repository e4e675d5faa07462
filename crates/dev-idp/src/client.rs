//! The client registry: one confidential client, the portal, at every issuer.
//!
//! Google, Entra and the company provider take a shared secret (`client_secret_basic` or
//! `client_secret_post`). Apple, like the real one, takes a *client secret JWT* instead: an
//! ES256 JWS the client signs with its own key, with `iss` = team id, `sub` = client id,
//! `aud` = Apple, `iat` and `exp` (at most six months apart). With the client's public key
//! configured its signature is verified; without, only its form and claims are checked.

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::DevIdpError;
use crate::jwt::CompactJws;
use crate::profiles::Profile;

/// The one registered client's id.
pub const CLIENT_ID: &str = "switchboard-portal";

/// The client secret when none is configured (the demo's).
pub const DEFAULT_CLIENT_SECRET: &str = "dev-idp-demo-secret";

/// The audience Apple's client secrets carry. The Apple profile's own issuer URL is
/// accepted too.
pub const APPLE_AUDIENCE: &str = "https://appleid.apple.com";

/// Apple refuses client secrets valid for longer than six months (15 777 000 s).
pub const APPLE_CLIENT_SECRET_MAX_LIFETIME_SECS: u64 = 15_777_000;

/// The public key `private_key_jwt` client assertions are checked with.
#[derive(Clone)]
enum ClientKey {
    Rs256(rsa::pkcs1v15::VerifyingKey<Sha256>),
    Es256(VerifyingKey),
}

/// The registered client and how it authenticates.
#[derive(Clone)]
pub struct ClientRegistry {
    /// SHA-256 of the shared secret: compared as digests, never logged.
    secret_digest: [u8; 32],
    apple_key: Option<VerifyingKey>,
    client_key: Option<ClientKey>,
}

impl std::fmt::Debug for ClientRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRegistry")
            .field("client_id", &CLIENT_ID)
            .field("apple_key", &self.apple_key.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientRegistry {
    /// `apple_client_public_key_pem`: the P-256 public key (SPKI PEM) Apple client secrets
    /// must be signed with; `None` checks their form and claims only.
    pub fn new(
        client_secret: &str,
        apple_client_public_key_pem: Option<&str>,
    ) -> Result<Self, DevIdpError> {
        if client_secret.is_empty() {
            return Err(DevIdpError::EmptyClientSecret);
        }
        let apple_key = apple_client_public_key_pem
            .map(|pem| {
                VerifyingKey::from_public_key_pem(pem.trim())
                    .map_err(|e| DevIdpError::AppleClientKey(e.to_string()))
            })
            .transpose()?;
        Ok(Self {
            secret_digest: Sha256::digest(client_secret.as_bytes()).into(),
            apple_key,
            client_key: None,
        })
    }

    /// Registers the public key (SPKI PEM: RSA for RS256, P-256 for ES256) of the client's
    /// `private_key_jwt` assertions at the strict issuer.
    pub fn with_client_key(mut self, pem: Option<&str>) -> Result<Self, DevIdpError> {
        let Some(pem) = pem else {
            return Ok(self);
        };
        let pem = pem.trim();
        let key = if let Ok(key) = VerifyingKey::from_public_key_pem(pem) {
            ClientKey::Es256(key)
        } else {
            let key = rsa::RsaPublicKey::from_public_key_pem(pem)
                .map_err(|e| DevIdpError::AppleClientKey(format!("client key: {e}")))?;
            ClientKey::Rs256(rsa::pkcs1v15::VerifyingKey::new(key))
        };
        self.client_key = Some(key);
        Ok(self)
    }

    /// Checks a `private_key_jwt` client assertion (RFC 7523): RS256 or ES256 signed with
    /// the registered key; `iss` = `sub` = the client id; `aud` one of `audiences`; `exp`
    /// in the future; a `jti`.
    pub fn authenticate_assertion(
        &self,
        client_id: &str,
        assertion: &str,
        audiences: &[&str],
        now: u64,
    ) -> Result<(), String> {
        if client_id != CLIENT_ID {
            return Err(format!(
                "Unknown client {client_id:?}; the only client is {CLIENT_ID:?}."
            ));
        }
        let Some(key) = &self.client_key else {
            return Err("This client has no registered key for private_key_jwt.".to_owned());
        };
        let jws =
            CompactJws::parse(assertion).map_err(|why| format!("The client assertion {why}."))?;
        let alg = jws.header.get("alg").and_then(Value::as_str).unwrap_or("");
        let verified = match (key, alg) {
            (ClientKey::Rs256(key), "RS256") => {
                rsa::pkcs1v15::Signature::try_from(jws.signature.as_slice())
                    .ok()
                    .is_some_and(|signature| {
                        rsa::signature::Verifier::verify(
                            key,
                            jws.signing_input.as_bytes(),
                            &signature,
                        )
                        .is_ok()
                    })
            }
            (ClientKey::Es256(key), "ES256") => Signature::from_slice(&jws.signature)
                .ok()
                .is_some_and(|signature| {
                    key.verify(jws.signing_input.as_bytes(), &signature).is_ok()
                }),
            _ => {
                return Err(format!(
                    "The client assertion's alg {alg:?} is not the registered key's."
                ))
            }
        };
        if !verified {
            return Err("The client assertion's signature does not verify.".to_owned());
        }
        let claims = &jws.claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        if text("iss") != Some(client_id) || text("sub") != Some(client_id) {
            return Err("The client assertion's iss and sub must be the client id.".to_owned());
        }
        let aud_ok = match claims.get("aud") {
            Some(Value::String(aud)) => audiences.contains(&aud.as_str()),
            Some(Value::Array(auds)) => auds
                .iter()
                .filter_map(Value::as_str)
                .any(|aud| audiences.contains(&aud)),
            _ => false,
        };
        if !aud_ok {
            return Err(format!(
                "The client assertion's aud is not one of {audiences:?}."
            ));
        }
        match claims.get("exp").and_then(Value::as_u64) {
            Some(exp) if exp > now => {}
            _ => return Err("The client assertion has expired or has no exp.".to_owned()),
        }
        if text("jti").is_none_or(str::is_empty) {
            return Err("The client assertion has no jti.".to_owned());
        }
        Ok(())
    }

    pub fn client_id(&self) -> &'static str {
        CLIENT_ID
    }

    /// Checks a client's credentials at `profile`'s token endpoint (`issuer` is its `iss`).
    /// `Err` carries an `error_description` for `invalid_client`.
    pub fn authenticate(
        &self,
        profile: &Profile,
        issuer: &str,
        client_id: &str,
        secret: &str,
        now: u64,
    ) -> Result<(), String> {
        if client_id != CLIENT_ID {
            return Err(format!(
                "Unknown client {client_id:?}; the only client is {CLIENT_ID:?}."
            ));
        }
        match profile {
            Profile::Apple => check_apple_client_secret(
                secret,
                CLIENT_ID,
                &[APPLE_AUDIENCE, issuer],
                self.apple_key.as_ref(),
                now,
            ),
            _ => {
                let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
                if digest == self.secret_digest {
                    Ok(())
                } else {
                    Err("The client secret is wrong.".to_owned())
                }
            }
        }
    }
}

/// Checks an Apple client secret JWT: ES256 with a `kid`; `iss` (team id) non-empty;
/// `sub` = client id; `aud` one of `audiences`; `iat` not in the future; `exp` in the future
/// and at most six months after `iat`; and the signature when `key` is given.
pub fn check_apple_client_secret(
    secret: &str,
    client_id: &str,
    audiences: &[&str],
    key: Option<&VerifyingKey>,
    now: u64,
) -> Result<(), String> {
    let invalid = |why: &str| {
        Err(format!(
            "The Apple client secret must be an ES256 JWT signed by the client (like Apple's), \
             but {why}."
        ))
    };
    let jws = match CompactJws::parse(secret) {
        Ok(jws) => jws,
        Err(why) => return invalid(&why),
    };
    if jws.header.get("alg").and_then(Value::as_str) != Some("ES256") {
        return invalid("its header alg is not \"ES256\"");
    }
    match jws.header.get("kid").and_then(Value::as_str) {
        Some(kid) if !kid.is_empty() => {}
        _ => return invalid("its header has no kid"),
    }
    let claims = &jws.claims;
    match claims.get("iss").and_then(Value::as_str) {
        Some(iss) if !iss.is_empty() => {}
        _ => return invalid("it has no iss (the team id)"),
    }
    if claims.get("sub").and_then(Value::as_str) != Some(client_id) {
        return invalid(&format!("its sub is not the client id {client_id:?}"));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(aud)) => audiences.contains(&aud.as_str()),
        Some(Value::Array(auds)) => auds
            .iter()
            .filter_map(Value::as_str)
            .any(|aud| audiences.contains(&aud)),
        _ => false,
    };
    if !aud_ok {
        return invalid(&format!("its aud is not one of {audiences:?}"));
    }
    let Some(iat) = claims.get("iat").and_then(Value::as_u64) else {
        return invalid("it has no numeric iat");
    };
    let Some(exp) = claims.get("exp").and_then(Value::as_u64) else {
        return invalid("it has no numeric exp");
    };
    if iat > now {
        return invalid("its iat is in the future");
    }
    if exp <= now {
        return invalid("it has expired");
    }
    if exp.saturating_sub(iat) > APPLE_CLIENT_SECRET_MAX_LIFETIME_SECS {
        return invalid("its exp is more than six months after its iat");
    }
    if let Some(key) = key {
        let Ok(signature) = Signature::from_slice(&jws.signature) else {
            return invalid("its signature is not a 64-byte ES256 signature");
        };
        if key
            .verify(jws.signing_input.as_bytes(), &signature)
            .is_err()
        {
            return invalid("its signature does not verify with the configured public key");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::SigningKey;
    use p256::pkcs8::{EncodePublicKey, LineEnding};
    use rand::rngs::OsRng;
    use serde_json::json;

    use super::*;
    use crate::jwt::b64url;

    const NOW: u64 = 1_700_000_000;
    const AUDS: &[&str] = &[APPLE_AUDIENCE, "http://127.0.0.1:1/apple"];

    fn es256(key: &SigningKey, header: Value, claims: Value) -> String {
        use p256::ecdsa::signature::Signer;
        let input = format!(
            "{}.{}",
            b64url(header.to_string()),
            b64url(claims.to_string())
        );
        let signature: Signature = key.sign(input.as_bytes());
        format!("{input}.{}", b64url(signature.to_bytes()))
    }

    fn good_claims() -> Value {
        json!({"iss": "TEAMID1234", "sub": CLIENT_ID, "aud": APPLE_AUDIENCE, "iat": NOW - 10, "exp": NOW + 3600})
    }

    fn header() -> Value {
        json!({"alg": "ES256", "kid": "KEYID12345"})
    }

    #[test]
    fn a_well_formed_secret_is_accepted_with_and_without_the_key() {
        let key = SigningKey::random(&mut OsRng);
        let secret = es256(&key, header(), good_claims());
        check_apple_client_secret(&secret, CLIENT_ID, AUDS, None, NOW).unwrap();
        check_apple_client_secret(&secret, CLIENT_ID, AUDS, Some(key.verifying_key()), NOW)
            .unwrap();
        let mut claims = good_claims();
        claims["aud"] = json!("http://127.0.0.1:1/apple");
        let secret = es256(&key, header(), claims);
        check_apple_client_secret(&secret, CLIENT_ID, AUDS, Some(key.verifying_key()), NOW)
            .unwrap();
    }

    #[test]
    fn a_secret_signed_by_another_key_is_refused_when_the_key_is_known() {
        let key = SigningKey::random(&mut OsRng);
        let other = SigningKey::random(&mut OsRng);
        let secret = es256(&other, header(), good_claims());
        let err =
            check_apple_client_secret(&secret, CLIENT_ID, AUDS, Some(key.verifying_key()), NOW)
                .unwrap_err();
        assert!(err.contains("signature"), "{err}");
    }

    #[test]
    fn bad_headers_and_claims_are_refused() {
        let key = SigningKey::random(&mut OsRng);
        let with = |field: &str, value: Value| {
            let mut claims = good_claims();
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(field);
            } else {
                claims[field] = value;
            }
            es256(&key, header(), claims)
        };
        let cases = [
            ("plain", DEFAULT_CLIENT_SECRET.to_owned()),
            (
                "hs256",
                es256(&key, json!({"alg": "HS256", "kid": "k"}), good_claims()),
            ),
            (
                "no kid",
                es256(&key, json!({"alg": "ES256"}), good_claims()),
            ),
            ("no iss", with("iss", Value::Null)),
            ("empty iss", with("iss", json!(""))),
            ("wrong sub", with("sub", json!("someone-else"))),
            ("wrong aud", with("aud", json!("https://example.com"))),
            ("expired", with("exp", json!(NOW))),
            ("future iat", with("iat", json!(NOW + 60))),
            (
                "too long",
                with("exp", json!(NOW + APPLE_CLIENT_SECRET_MAX_LIFETIME_SECS)),
            ),
        ];
        for (name, secret) in cases {
            assert!(
                check_apple_client_secret(&secret, CLIENT_ID, AUDS, None, NOW).is_err(),
                "{name} was accepted"
            );
        }
    }

    #[test]
    fn private_key_jwt_assertions_are_checked_against_the_registered_key() {
        let key = SigningKey::random(&mut OsRng);
        let pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let registry = ClientRegistry::new("s3cret", None)
            .unwrap()
            .with_client_key(Some(&pem))
            .unwrap();
        let token = "http://127.0.0.1:1/strict/token";
        let claims = |aud: &str, exp: u64| json!({"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": aud, "exp": exp, "jti": "j1"});
        let header = json!({"alg": "ES256"});
        let good = es256(&key, header.clone(), claims(token, NOW + 60));
        registry
            .authenticate_assertion(CLIENT_ID, &good, &[token], NOW)
            .unwrap();
        let other = SigningKey::random(&mut OsRng);
        for (name, assertion) in [
            (
                "other key",
                es256(&other, header.clone(), claims(token, NOW + 60)),
            ),
            (
                "wrong aud",
                es256(&key, header.clone(), claims("https://x", NOW + 60)),
            ),
            ("expired", es256(&key, header.clone(), claims(token, NOW))),
            (
                "rs256 header",
                es256(&key, json!({"alg": "RS256"}), claims(token, NOW + 60)),
            ),
        ] {
            assert!(
                registry
                    .authenticate_assertion(CLIENT_ID, &assertion, &[token], NOW)
                    .is_err(),
                "{name} was accepted"
            );
        }
        // Without a registered key, no assertion is good.
        let bare = ClientRegistry::new("s3cret", None).unwrap();
        assert!(bare
            .authenticate_assertion(CLIENT_ID, &good, &[token], NOW)
            .is_err());
    }

    #[test]
    fn registry_checks_shared_secrets_and_parses_the_apple_key() {
        let key = SigningKey::random(&mut OsRng);
        let pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let registry = ClientRegistry::new("s3cret", Some(&pem)).unwrap();
        let issuer = "http://127.0.0.1:1/google";
        registry
            .authenticate(&Profile::Google, issuer, CLIENT_ID, "s3cret", NOW)
            .unwrap();
        assert!(registry
            .authenticate(&Profile::Google, issuer, CLIENT_ID, "wrong", NOW)
            .is_err());
        assert!(registry
            .authenticate(&Profile::Google, issuer, "other-client", "s3cret", NOW)
            .is_err());
        assert!(registry
            .authenticate(&Profile::Apple, issuer, CLIENT_ID, "s3cret", NOW)
            .is_err());
        assert!(matches!(
            ClientRegistry::new("s3cret", Some("not a pem")),
            Err(DevIdpError::AppleClientKey(_))
        ));
        assert!(matches!(
            ClientRegistry::new("", None),
            Err(DevIdpError::EmptyClientSecret)
        ));
    }
}
