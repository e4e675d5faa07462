//! Password hashing: Argon2id with at least OWASP's parameters (19 MiB, t=2, p=1), on a
//! bounded set of blocking threads so a burst of sign-ins cannot starve other requests.

use std::sync::Arc;

use tokio::sync::{OnceCell, Semaphore};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordVerifier as _, Version};

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

fn argon2() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The stored "hash" of an account that has no password yet (imported for single sign-on):
/// no password matches it until an administrator sets one.
pub const NO_PASSWORD: &str = "!no-password";

pub fn hash_password(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| HashError(e.to_string()))?
        .to_string())
}

/// Whether `password` matches the stored PHC string; a damaged hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let Ok(argon2) = argon2() else {
        return false;
    };
    argon2.verify_password(password.as_bytes(), &parsed).is_ok()
}

/// Verifies passwords off the async runtime, at most `max_parallel` at a time (each
/// takes 19 MiB and tens of milliseconds on purpose).
#[derive(Clone)]
pub struct PasswordVerifier {
    permits: Arc<Semaphore>,
    /// A hash of nothing anyone knows: an unknown username is checked against it, so it
    /// answers in the same time as a wrong password.
    dummy: Arc<OnceCell<String>>,
}

impl PasswordVerifier {
    pub fn new(max_parallel: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_parallel.max(1))),
            dummy: Arc::new(OnceCell::new()),
        }
    }

    /// One verification per CPU.
    pub fn for_this_machine() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, usize::from))
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let _permit = self.permits.acquire().await.ok()?;
        tokio::task::spawn_blocking(work).await.ok()
    }

    /// Makes the dummy hash now, so the first unknown username does not take longer than
    /// a wrong password.
    pub async fn prepare(&self) {
        self.dummy_hash().await;
    }

    async fn dummy_hash(&self) -> String {
        self.dummy
            .get_or_init(|| async {
                let secret = crate::tokens::new_token(crate::tokens::TokenKind::Nonce);
                self.run(move || hash_password(&secret).unwrap_or_default())
                    .await
                    .unwrap_or_default()
            })
            .await
            .clone()
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown user) it does the
    /// same work and answers `false`.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        // An account without a password takes as long as an unknown user, and never matches.
        let (stored, known) = match stored.filter(|stored| *stored != NO_PASSWORD) {
            Some(stored) => (stored.to_owned(), true),
            None => (self.dummy_hash().await, false),
        };
        let password = password.to_owned();
        let matches = self
            .run(move || verify_password(&password, &stored))
            .await
            .unwrap_or(false);
        matches && known
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        self.run(move || hash_password(&password))
            .await
            .unwrap_or_else(|| Err(HashError("the hashing thread stopped".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_owasp_parameters_and_verifies() {
        let stored = hash_password("correct horse").unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("correct horsf", &stored));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[tokio::test]
    async fn the_pool_verifies_and_an_unknown_user_never_matches() {
        let verifier = PasswordVerifier::new(1);
        let stored = verifier.hash("correct horse").await.unwrap();
        assert!(verifier.verify("correct horse", Some(&stored)).await);
        assert!(!verifier.verify("wrong", Some(&stored)).await);
        assert!(!verifier.verify("correct horse", None).await);
        assert!(!verifier.verify(NO_PASSWORD, Some(NO_PASSWORD)).await);
        assert!(!verifier.verify("", Some(NO_PASSWORD)).await);
    }
}
