//! Apple's client secret: an ES256 JWT signed with the team's key, made on the fly (it
//! expires; Apple allows six months at most, we use one hour).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::DecodePrivateKey;

#[derive(Debug, thiserror::Error)]
pub enum AppleKeyError {
    #[error("the Apple key file is not a PKCS#8 P-256 private key (the .p8 file from Apple)")]
    BadKey,
}

pub struct AppleClientSecret {
    key: SigningKey,
    key_id: String,
    team_id: String,
}

impl std::fmt::Debug for AppleClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppleClientSecret")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .finish_non_exhaustive()
    }
}

impl AppleClientSecret {
    pub fn from_pem(pem: &str, key_id: &str, team_id: &str) -> Result<Self, AppleKeyError> {
        let key = SigningKey::from_pkcs8_pem(pem).map_err(|_| AppleKeyError::BadKey)?;
        Ok(Self {
            key,
            key_id: key_id.to_owned(),
            team_id: team_id.to_owned(),
        })
    }

    /// The JWT for `client_id` towards `audience` (Apple's issuer), valid from `now`.
    pub fn make(&self, client_id: &str, audience: &str, now: i64) -> String {
        let header = serde_json::json!({ "alg": "ES256", "kid": self.key_id, "typ": "JWT" });
        let claims = serde_json::json!({
            "iss": self.team_id,
            "iat": now,
            "exp": now + 3600,
            "aud": audience,
            "sub": client_id,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: Signature = self.key.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::VerifyingKey;
    use p256::pkcs8::EncodePrivateKey;

    #[test]
    fn signs_a_verifiable_es256_jwt_with_apples_claims() {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let pem = key.to_pkcs8_pem(Default::default()).unwrap();
        let secret = AppleClientSecret::from_pem(&pem, "KEY123", "TEAM456").unwrap();
        let jwt = secret.make("com.example.portal", "https://appleid.apple.com", 1000);

        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], "KEY123");
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "TEAM456");
        assert_eq!(claims["sub"], "com.example.portal");
        assert_eq!(claims["aud"], "https://appleid.apple.com");
        assert_eq!(claims["exp"], 4600);

        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        VerifyingKey::from(&key)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .unwrap();
    }

    #[test]
    fn a_key_that_is_not_p256_is_refused() {
        assert!(AppleClientSecret::from_pem("not a key", "K", "T").is_err());
    }
}
