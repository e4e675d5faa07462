//! How the portal proves itself at a provider's token endpoint: a shared secret (HTTP
//! Basic or in the form), a `private_key_jwt` assertion (RFC 7523, RS256 or ES256), or
//! Apple's ES256 client secret.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use switchboard_api::ProviderKind;

use super::metadata::Metadata;
use super::AppleClientSecret;
use crate::config::{ClientAuthMethod, ProviderConfig};

/// Seconds a client assertion is valid.
const ASSERTION_LIFETIME: i64 = 60;

/// The key a `private_key_jwt` assertion is signed with.
pub enum AssertionKey {
    Rs256(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>),
    Es256(p256::ecdsa::SigningKey),
}

impl AssertionKey {
    /// A PKCS#8 PEM private key: RSA (RS256) or P-256 (ES256).
    pub fn from_pem(pem: &str) -> Option<Self> {
        use p256::pkcs8::DecodePrivateKey;
        if let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            return Some(Self::Es256(key));
        }
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem).ok()?;
        Some(Self::Rs256(Box::new(rsa::pkcs1v15::SigningKey::new(key))))
    }

    pub fn alg(&self) -> &'static str {
        match self {
            AssertionKey::Rs256(_) => "RS256",
            AssertionKey::Es256(_) => "ES256",
        }
    }

    fn sign(&self, input: &[u8]) -> Vec<u8> {
        use rsa::signature::{SignatureEncoding, Signer};
        match self {
            AssertionKey::Rs256(key) => key.sign(input).to_vec(),
            AssertionKey::Es256(key) => {
                let signature: p256::ecdsa::Signature = key.sign(input);
                signature.to_bytes().to_vec()
            }
        }
    }
}

/// What the portal authenticates with at one provider.
pub enum ClientCredentials {
    /// No secret configured (a provider that takes none, or a test).
    None,
    Secret {
        secret: String,
        method: ClientAuthMethod,
    },
    PrivateKeyJwt {
        key: AssertionKey,
        key_id: Option<String>,
    },
    Apple(AppleClientSecret),
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret or key.
        f.write_str(match self {
            ClientCredentials::None => "None",
            ClientCredentials::Secret { .. } => "Secret",
            ClientCredentials::PrivateKeyJwt { .. } => "PrivateKeyJwt",
            ClientCredentials::Apple(_) => "Apple",
        })
    }
}

impl ClientCredentials {
    /// Reads the files the provider's configuration names. `Err` says what to fix.
    pub fn load(config: &ProviderConfig) -> Result<Self, String> {
        let read = |path: &std::path::Path, what: &str| {
            std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read the {what} {}: {error}", path.display()))
        };
        if config.kind == ProviderKind::Apple {
            let Some(path) = &config.client_secret_file else {
                return Err("Apple needs `client_secret_file`: the team's .p8 key".to_owned());
            };
            let (Some(team_id), Some(key_id)) = (&config.apple_team_id, &config.apple_key_id)
            else {
                return Err("Apple needs `apple_team_id` and `apple_key_id`".to_owned());
            };
            let key = AppleClientSecret::from_pem(&read(path, "Apple key file")?, key_id, team_id)
                .map_err(|error| error.to_string())?;
            return Ok(Self::Apple(key));
        }
        match config.auth_method() {
            ClientAuthMethod::PrivateKeyJwt => {
                let Some(path) = &config.private_key_file else {
                    return Err(
                        "`token_endpoint_auth_method = \"private_key_jwt\"` needs `private_key_file` (a PKCS#8 PEM RSA or P-256 key)"
                            .to_owned(),
                    );
                };
                let key =
                    AssertionKey::from_pem(&read(path, "private key file")?).ok_or_else(|| {
                        format!(
                            "the private key file {} is not a PKCS#8 PEM RSA or P-256 private key",
                            path.display()
                        )
                    })?;
                Ok(Self::PrivateKeyJwt {
                    key,
                    key_id: config.private_key_id.clone(),
                })
            }
            method => match &config.client_secret_file {
                None => Ok(Self::None),
                Some(path) => {
                    let secret = read(path, "client secret file")?.trim().to_owned();
                    if secret.is_empty() {
                        return Err(format!(
                            "the client secret file {} is empty",
                            path.display()
                        ));
                    }
                    Ok(Self::Secret { secret, method })
                }
            },
        }
    }

    /// The method as discovery names it.
    pub fn method_name(&self) -> Option<&'static str> {
        match self {
            ClientCredentials::None => None,
            ClientCredentials::Secret { method, .. } => Some(method.as_str()),
            ClientCredentials::PrivateKeyJwt { .. } => Some("private_key_jwt"),
            ClientCredentials::Apple(_) => Some("client_secret_post"),
        }
    }

    /// A `private_key_jwt` client assertion for `client_id` towards `audience` (the
    /// token endpoint), valid from `now`, with a fresh `jti`.
    pub fn assertion(
        key: &AssertionKey,
        key_id: Option<&str>,
        client_id: &str,
        audience: &str,
        now: i64,
        jti: &str,
    ) -> String {
        let mut header = serde_json::json!({ "alg": key.alg(), "typ": "JWT" });
        if let Some(kid) = key_id {
            header["kid"] = serde_json::Value::from(kid);
        }
        let claims = serde_json::json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": jti,
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// The configured client authentication is one the provider accepts.
pub(super) fn check_auth_method(
    credentials: &ClientCredentials,
    metadata: &Metadata,
) -> Result<(), String> {
    let Some(method) = credentials.method_name() else {
        return Ok(());
    };
    if let Some(supported) = metadata.token_endpoint_auth_methods_supported() {
        let names: Vec<String> = supported
            .iter()
            .filter_map(|m| serde_json::to_value(m).ok())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        if !names.iter().any(|name| name == method) {
            return Err(format!(
                "the provider does not accept {method} at its token endpoint (it accepts {}): set `token_endpoint_auth_method` to one of them",
                names.join(", ")
            ));
        }
    }
    if let ClientCredentials::PrivateKeyJwt { key, .. } = credentials {
        if let Some(algs) = metadata.token_endpoint_auth_signing_alg_values_supported() {
            let names: Vec<String> = algs
                .iter()
                .filter_map(|a| serde_json::to_value(a).ok())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            if !names.iter().any(|name| name == key.alg()) {
                return Err(format!(
                    "the provider does not accept {} client assertions (it accepts {}): use a key of one of those kinds",
                    key.alg(),
                    names.join(", ")
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::pkcs8::EncodePrivateKey;

    #[test]
    fn an_es256_assertion_verifies_and_names_the_client() {
        use p256::ecdsa::signature::Verifier;
        let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
        let pem = key.to_pkcs8_pem(Default::default()).unwrap();
        let loaded = AssertionKey::from_pem(&pem).unwrap();
        assert_eq!(loaded.alg(), "ES256");
        let jwt = ClientCredentials::assertion(
            &loaded,
            Some("k1"),
            "portal",
            "https://sso.example/token",
            1000,
            "j1",
        );
        let parts: Vec<&str> = jwt.split('.').collect();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "portal");
        assert_eq!(claims["sub"], "portal");
        assert_eq!(claims["aud"], "https://sso.example/token");
        assert_eq!(claims["exp"], 1060);
        let signature =
            p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        p256::ecdsa::VerifyingKey::from(&key)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .unwrap();
    }

    #[test]
    fn a_key_file_that_is_no_key_is_refused() {
        assert!(AssertionKey::from_pem("not a key").is_none());
    }
}
