//! Password hashing: Argon2id with at least OWASP's parameters (19 MiB, t=2, p=1), on a
//! bounded set of blocking threads so a burst of sign-ins cannot starve other requests, behind
//! a bounded queue: when it is full a request is turned away at once (the caller answers 503
//! with Retry-After) instead of waiting behind everyone else.

use std::sync::atomic::{AtomicUsize, Ordering};
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

/// The hashing queue is full: try again in a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the portal is busy checking other passwords: try again in a second")]
pub struct HashingBusy;

/// Seconds a turned-away request is asked to wait.
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 1;

/// How many requests may wait for a hashing thread, per thread, by default.
pub const DEFAULT_QUEUE_PER_THREAD: usize = 8;

/// Verifies passwords off the async runtime, at most `max_parallel` at a time (each
/// takes 19 MiB and tens of milliseconds on purpose), with at most `max_waiting` more
/// waiting.
#[derive(Clone)]
pub struct PasswordVerifier {
    permits: Arc<Semaphore>,
    /// Running plus waiting; never more than `capacity`.
    in_flight: Arc<AtomicUsize>,
    capacity: usize,
    /// A hash of nothing anyone knows: an unknown username is checked against it, so it
    /// answers in the same time as a wrong password.
    dummy: Arc<OnceCell<String>>,
}

impl PasswordVerifier {
    pub fn new(max_parallel: usize, max_waiting: usize) -> Self {
        let max_parallel = max_parallel.max(1);
        Self {
            permits: Arc::new(Semaphore::new(max_parallel)),
            in_flight: Arc::new(AtomicUsize::new(0)),
            capacity: max_parallel + max_waiting,
            dummy: Arc::new(OnceCell::new()),
        }
    }

    /// One verification per CPU; `max_waiting` from configuration, else
    /// `DEFAULT_QUEUE_PER_THREAD` per CPU.
    pub fn for_this_machine(max_waiting: Option<usize>) -> Self {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        Self::new(
            threads,
            max_waiting.unwrap_or(threads * DEFAULT_QUEUE_PER_THREAD),
        )
    }

    /// Runs `work` on a hashing thread, or turns it away at once when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Option<T>, HashingBusy> {
        let _place = QueuePlace::take(&self.in_flight, self.capacity).ok_or(HashingBusy)?;
        let Ok(_permit) = self.permits.acquire().await else {
            return Ok(None);
        };
        Ok(tokio::task::spawn_blocking(work).await.ok())
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
                // Made before the portal serves (see `prepare`), so the queue is empty.
                self.run(move || hash_password(&secret).unwrap_or_default())
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            })
            .await
            .clone()
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown user) it does the
    /// same work and answers `false`. `HashingBusy` when the queue is full.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, HashingBusy> {
        // An account without a password takes as long as an unknown user, and never matches.
        let (stored, known) = match stored.filter(|stored| *stored != NO_PASSWORD) {
            Some(stored) => (stored.to_owned(), true),
            None => (self.dummy_hash().await, false),
        };
        let password = password.to_owned();
        let matches = self
            .run(move || verify_password(&password, &stored))
            .await?
            .unwrap_or(false);
        Ok(matches && known)
    }

    pub async fn hash(&self, password: &str) -> Result<Result<String, HashError>, HashingBusy> {
        let password = password.to_owned();
        Ok(self
            .run(move || hash_password(&password))
            .await?
            .unwrap_or_else(|| Err(HashError("the hashing thread stopped".into()))))
    }
}

/// A place in the hashing queue, given back when dropped (also when the request is
/// cancelled while waiting).
struct QueuePlace<'a>(&'a AtomicUsize);

impl<'a> QueuePlace<'a> {
    fn take(in_flight: &'a AtomicUsize, capacity: usize) -> Option<Self> {
        in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                (taken < capacity).then_some(taken + 1)
            })
            .ok()
            .map(|_| Self(in_flight))
    }
}

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
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
        let verifier = PasswordVerifier::new(1, 4);
        let stored = verifier.hash("correct horse").await.unwrap().unwrap();
        assert_eq!(
            verifier.verify("correct horse", Some(&stored)).await,
            Ok(true)
        );
        assert_eq!(verifier.verify("wrong", Some(&stored)).await, Ok(false));
        assert_eq!(verifier.verify("correct horse", None).await, Ok(false));
        assert_eq!(
            verifier.verify(NO_PASSWORD, Some(NO_PASSWORD)).await,
            Ok(false)
        );
        assert_eq!(verifier.verify("", Some(NO_PASSWORD)).await, Ok(false));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_turns_requests_away_at_once_and_frees_its_places() {
        let verifier = PasswordVerifier::new(1, 2);
        let stored = hash_password("correct horse").unwrap();
        let attempts: Vec<_> = (0..10)
            .map(|_| {
                let verifier = verifier.clone();
                let stored = stored.clone();
                tokio::spawn(async move { verifier.verify("wrong", Some(&stored)).await })
            })
            .collect();
        let mut busy = 0;
        let mut checked = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(_) => checked += 1,
                Err(HashingBusy) => busy += 1,
            }
        }
        // One running and two waiting at most: the other seven never queued.
        assert!((1..=3).contains(&checked), "{checked} checked");
        assert_eq!(busy + checked, 10);
        // The places are given back.
        assert_eq!(verifier.in_flight.load(Ordering::Acquire), 0);
        assert_eq!(
            verifier.verify("correct horse", Some(&stored)).await,
            Ok(true)
        );
    }
}
