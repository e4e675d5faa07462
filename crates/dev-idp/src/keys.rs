//! RS256 signing keys, persisted in `<data_dir>/dev-idp-keys.json` so restarts keep them.
//!
//! The store has one *current* key (signs new tokens) and any number of *previous* keys
//! (still published in the JWKS so tokens they signed keep verifying). Rotation makes a new
//! current key and keeps only the one before it published (see [`KeyStore::rotated`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::DevIdpError;

/// Name of the key file inside the data folder.
pub const KEY_FILE_NAME: &str = "dev-idp-keys.json";

/// Size of generated RSA keys.
pub const KEY_BITS: usize = 2048;

/// The only algorithm the dev IdP signs with.
pub const ALG_RS256: &str = "RS256";

/// How many keys are published after a rotation: the new current key and the one before.
pub const MAX_PUBLISHED_KEYS: usize = 2;

const KEY_FILE_VERSION: u32 = 1;

/// One RSA signing key and its key id.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    private_key: RsaPrivateKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print private key material.
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a fresh RSA 2048 key; its kid is the RFC 7638 JWK thumbprint. Slow
    /// (CPU-bound): call it from a blocking context.
    pub fn generate() -> Result<Self, DevIdpError> {
        let private_key = RsaPrivateKey::new(&mut OsRng, KEY_BITS)
            .map_err(|e| DevIdpError::KeyGeneration(e.to_string()))?;
        Ok(Self::from_private_key(private_key))
    }

    /// Wraps an existing key; its kid is the RFC 7638 JWK thumbprint.
    pub fn from_private_key(private_key: RsaPrivateKey) -> Self {
        let kid = jwk_thumbprint(&private_key);
        Self { kid, private_key }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The same key under another kid (a provider that reuses kids).
    pub fn with_kid(self, kid: String) -> Self {
        Self { kid, ..self }
    }

    /// The private key, for signing ID tokens.
    pub fn private_key(&self) -> &RsaPrivateKey {
        &self.private_key
    }

    /// The public half as a JWK (kty RSA, use sig, alg RS256).
    pub fn public_jwk(&self) -> Jwk {
        Jwk {
            kty: "RSA".to_owned(),
            use_: "sig".to_owned(),
            alg: ALG_RS256.to_owned(),
            kid: self.kid.clone(),
            n: URL_SAFE_NO_PAD.encode(self.private_key.n().to_bytes_be()),
            e: URL_SAFE_NO_PAD.encode(self.private_key.e().to_bytes_be()),
        }
    }
}

/// RFC 7638 thumbprint of an RSA public key: base64url(SHA-256 of the canonical JWK).
fn jwk_thumbprint(key: &RsaPrivateKey) -> String {
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    // Members in lexicographic order, no whitespace, as RFC 7638 §3.3 requires.
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// A public key in JWK form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
    pub kid: String,
    pub n: String,
    pub e: String,
}

/// A JWK set, as served at `{base}jwks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// The signing keys: the current one first, then previous ones still published.
#[derive(Debug, Clone)]
pub struct KeyStore {
    current: SigningKey,
    previous: Vec<SigningKey>,
}

/// On-disk format of the key file.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    version: u32,
    /// Current key first.
    keys: Vec<StoredKey>,
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    alg: String,
    /// PKCS#8 PEM ("BEGIN PRIVATE KEY").
    private_key_pem: String,
}

impl KeyStore {
    /// A store with a single current key.
    pub fn new(current: SigningKey) -> Self {
        Self {
            current,
            previous: Vec::new(),
        }
    }

    /// Loads `<data_dir>/dev-idp-keys.json`, or generates a key and writes the file when it
    /// does not exist yet. An existing file that cannot be read or parsed is an error: keys
    /// are never silently replaced. Blocking (file I/O and key generation).
    pub fn load_or_create(data_dir: &Path) -> Result<Self, DevIdpError> {
        let path = Self::path_in(data_dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let store = Self::new(SigningKey::generate()?);
                store.save(data_dir)?;
                tracing::info!(path = %path.display(), kid = store.current.kid(), "generated a new signing key");
                Ok(store)
            }
            Err(source) => Err(DevIdpError::KeyFileRead { path, source }),
        }
    }

    /// Where the key file lives inside `data_dir`.
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join(KEY_FILE_NAME)
    }

    /// The store after a rotation: `new_current` signs from now on, the current key stays
    /// published so tokens it signed keep verifying, older keys are dropped.
    pub fn rotated(&self, new_current: SigningKey) -> Self {
        let mut previous = vec![self.current.clone()];
        previous.truncate(MAX_PUBLISHED_KEYS - 1);
        Self {
            current: new_current,
            previous,
        }
    }

    /// The store with `current` in place of the current key, the previous keys kept.
    pub fn with_current(&self, current: SigningKey) -> Self {
        Self {
            current,
            previous: self.previous.clone(),
        }
    }

    /// The key that signs new tokens.
    pub fn current(&self) -> &SigningKey {
        &self.current
    }

    /// Every published key, the current one first.
    pub fn keys(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.current).chain(self.previous.iter())
    }

    /// The key with this kid, if published.
    pub fn find(&self, kid: &str) -> Option<&SigningKey> {
        self.keys().find(|key| key.kid() == kid)
    }

    /// The public JWK set of every published key.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.keys().map(SigningKey::public_jwk).collect(),
        }
    }

    fn parse(path: &Path, text: &str) -> Result<Self, DevIdpError> {
        let invalid = |reason: String| DevIdpError::KeyFileInvalid {
            path: path.to_owned(),
            reason,
        };
        let file: KeyFile = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if file.version != KEY_FILE_VERSION {
            return Err(invalid(format!("unsupported version {}", file.version)));
        }
        let mut keys = Vec::with_capacity(file.keys.len());
        for stored in file.keys {
            if stored.alg != ALG_RS256 {
                return Err(invalid(format!(
                    "key {} has unsupported alg {}",
                    stored.kid, stored.alg
                )));
            }
            if stored.kid.is_empty() {
                return Err(invalid("a key has an empty kid".to_owned()));
            }
            let private_key = RsaPrivateKey::from_pkcs8_pem(&stored.private_key_pem)
                .map_err(|e| invalid(format!("key {}: {e}", stored.kid)))?;
            keys.push(SigningKey {
                kid: stored.kid,
                private_key,
            });
        }
        let mut keys = keys.into_iter();
        let current = keys
            .next()
            .ok_or_else(|| invalid("it holds no key".to_owned()))?;
        Ok(Self {
            current,
            previous: keys.collect(),
        })
    }

    /// Writes the key file atomically (temporary file + rename), readable by the owner only.
    pub fn save(&self, data_dir: &Path) -> Result<(), DevIdpError> {
        std::fs::create_dir_all(data_dir).map_err(|source| DevIdpError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = Self::path_in(data_dir);
        let write_error = |source| DevIdpError::KeyFileWrite {
            path: path.clone(),
            source,
        };

        let mut keys = Vec::new();
        for key in self.keys() {
            let pem = key
                .private_key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| DevIdpError::KeyGeneration(format!("could not encode key: {e}")))?;
            keys.push(StoredKey {
                kid: key.kid.clone(),
                alg: ALG_RS256.to_owned(),
                private_key_pem: pem.to_string(),
            });
        }
        let file = KeyFile {
            version: KEY_FILE_VERSION,
            keys,
        };
        let json = serde_json::to_string_pretty(&file)
            .map_err(|e| write_error(std::io::Error::other(e)))?;

        let tmp = data_dir.join(format!("{KEY_FILE_NAME}.tmp-{}", std::process::id()));
        let result = (|| {
            let mut out = open_private(&tmp)?;
            out.write_all(json.as_bytes())?;
            out.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(write_error)
    }
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_round_trips_and_keeps_the_kid() {
        let dir = tempfile::tempdir().unwrap();
        let first = KeyStore::load_or_create(dir.path()).unwrap();
        let again = KeyStore::load_or_create(dir.path()).unwrap();
        assert_eq!(first.current().kid(), again.current().kid());
        assert_eq!(first.jwks(), again.jwks());
        assert_eq!(first.jwks().keys.len(), 1);
    }

    #[test]
    fn kid_is_the_rfc7638_thumbprint() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::load_or_create(dir.path()).unwrap();
        let jwk = store.current().public_jwk();
        let canonical = format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, jwk.e, jwk.n);
        let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        assert_eq!(jwk.kid, expected);
        assert_eq!(jwk.e, "AQAB");
        assert_eq!(jwk.kty, "RSA");
        assert_eq!(jwk.use_, "sig");
        assert_eq!(jwk.alg, "RS256");
    }

    #[test]
    fn a_corrupt_key_file_is_an_error_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = KeyStore::path_in(dir.path());
        std::fs::write(&path, "not json").unwrap();
        let err = KeyStore::load_or_create(dir.path()).unwrap_err();
        assert!(matches!(err, DevIdpError::KeyFileInvalid { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not json");
    }

    #[test]
    fn an_empty_key_list_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = KeyStore::path_in(dir.path());
        std::fs::write(&path, r#"{"version":1,"keys":[]}"#).unwrap();
        let err = KeyStore::load_or_create(dir.path()).unwrap_err();
        assert!(matches!(err, DevIdpError::KeyFileInvalid { .. }), "{err}");
    }

    #[test]
    fn previous_keys_are_published_after_the_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let old = KeyStore::load_or_create(dir.path()).unwrap();
        let mut store = KeyStore::new(SigningKey::generate().unwrap());
        store.previous.push(old.current().clone());
        store.save(dir.path()).unwrap();

        let loaded = KeyStore::load_or_create(dir.path()).unwrap();
        let kids: Vec<_> = loaded.jwks().keys.into_iter().map(|k| k.kid).collect();
        assert_eq!(
            kids,
            vec![
                store.current().kid().to_owned(),
                old.current().kid().to_owned()
            ]
        );
        assert!(loaded.find(old.current().kid()).is_some());
    }

    #[test]
    fn rotation_keeps_only_the_previous_key() {
        let first = KeyStore::new(SigningKey::generate().unwrap());
        let second = first.rotated(SigningKey::generate().unwrap());
        let third = second.rotated(SigningKey::generate().unwrap());
        let kids: Vec<_> = third.keys().map(|k| k.kid().to_owned()).collect();
        assert_eq!(
            kids,
            vec![
                third.current().kid().to_owned(),
                second.current().kid().to_owned()
            ]
        );
        assert!(third.find(first.current().kid()).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        KeyStore::load_or_create(dir.path()).unwrap();
        let mode = std::fs::metadata(KeyStore::path_in(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
