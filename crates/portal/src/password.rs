//! Password hashing: Argon2id with at least OWASP's parameters (19 MiB, t=2, p=1), on a
//! fixed set of hashing threads (one per CPU, each reusing its working memory, at a lower
//! scheduling priority than the threads serving requests) so a burst of sign-ins cannot
//! starve other requests, behind a bounded queue: when it is full a request is turned away
//! at once (the caller answers 503 with Retry-After) instead of waiting behind everyone else.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};

use tokio::sync::{oneshot, OnceCell, Semaphore};

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

fn params() -> Result<Params, HashError> {
    Params::new(19 * 1024, 2, 1, None).map_err(|e| HashError(e.to_string()))
}

/// The stored "hash" of an account that has no password yet (imported for single sign-on):
/// no password matches it until an administrator sets one.
pub const NO_PASSWORD: &str = "!no-password";

/// Argon2's working memory (19 MiB at our parameters). A hashing thread keeps its own and
/// reuses it, so memory stays at one such buffer per thread however many passwords are
/// checked (a new buffer per hash left each allocator arena holding freed ones: hundreds
/// of MiB resident under a burst of sign-ins).
#[derive(Default)]
pub struct HashMemory(Vec<Block>);

impl HashMemory {
    /// At least `blocks` blocks (grown, never shrunk: the next hash needs as many).
    fn blocks(&mut self, blocks: usize) -> &mut [Block] {
        if self.0.len() < blocks {
            self.0.resize(blocks, Block::default());
        }
        &mut self.0[..blocks]
    }
}

pub fn hash_password(password: &str) -> Result<String, HashError> {
    hash_password_with(password, &mut HashMemory::default())
}

/// As [`hash_password`], in the working memory given.
pub fn hash_password_with(password: &str, memory: &mut HashMemory) -> Result<String, HashError> {
    let error = |e: &dyn std::fmt::Display| HashError(e.to_string());
    let params = params()?;
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0_u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| error(&e))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    argon2
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out,
            memory.blocks(params.block_count()),
        )
        .map_err(|e| error(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(|e| error(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| error(&e))?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the stored PHC string; a damaged hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    verify_password_with(password, stored, &mut HashMemory::default())
}

/// As [`verify_password`], in the working memory given.
pub fn verify_password_with(password: &str, stored: &str, memory: &mut HashMemory) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let mut salt_bytes = [0_u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0_u8; expected.len()];
    if argon2
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out,
            memory.blocks(blocks),
        )
        .is_err()
    {
        return false;
    }
    // `Output` compares in constant time.
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// A job for a hashing thread, given that thread's working memory.
type Job = Box<dyn FnOnce(&mut HashMemory) + Send>;

/// Threads that only hash passwords, each with its working memory, at a lower scheduling
/// priority than the threads serving requests: a burst of sign-ins uses the CPU the
/// requests leave, instead of making every other request wait behind Argon2.
struct HashingThreads {
    jobs: mpsc::Sender<Job>,
}

/// How much lower than the serving threads hashing threads run (`nice` steps, Linux).
const HASHING_NICENESS: i32 = 10;

impl HashingThreads {
    fn start(count: usize) -> Self {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for number in 0..count {
            let receiver = Arc::clone(&receiver);
            let started = std::thread::Builder::new()
                .name(format!("password-hashing-{number}"))
                .spawn(move || {
                    lower_this_threads_priority();
                    let mut memory = HashMemory::default();
                    loop {
                        // One thread waits on the queue at a time; the lock is let go
                        // before the job runs.
                        let job = receiver
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .recv();
                        match job {
                            Ok(job) => job(&mut memory),
                            // Every verifier sharing these threads is gone.
                            Err(mpsc::RecvError) => break,
                        }
                    }
                });
            if let Err(error) = started {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self { jobs: sender }
    }

    /// Runs `work` on a hashing thread; `None` if none is running.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Option<T> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = answer.send(work(memory));
        });
        self.jobs.send(job).ok()?;
        answered.await.ok()
    }
}

/// Linux applies `setpriority(PRIO_PROCESS, 0)` to the calling thread only.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::process::setpriority_process(None, HASHING_NICENESS) {
        tracing::debug!(%error, "cannot lower the hashing thread's priority");
    }
}

/// The hashing queue is full: try again in a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the portal is busy checking other passwords: try again in a second")]
pub struct HashingBusy;

/// Seconds a turned-away request is asked to wait.
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 1;

/// How many requests may wait for a hashing thread, per thread, by default.
pub const DEFAULT_QUEUE_PER_THREAD: usize = 8;

/// Verifies passwords off the async runtime, on `max_parallel` hashing threads (each
/// takes 19 MiB and tens of milliseconds on purpose), with at most `max_waiting` more
/// waiting.
#[derive(Clone)]
pub struct PasswordVerifier {
    threads: Arc<HashingThreads>,
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
            threads: Arc::new(HashingThreads::start(max_parallel)),
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
        work: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Result<Option<T>, HashingBusy> {
        let _place = QueuePlace::take(&self.in_flight, self.capacity).ok_or(HashingBusy)?;
        let Ok(_permit) = self.permits.acquire().await else {
            return Ok(None);
        };
        Ok(self.threads.run(work).await)
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
                self.run(move |memory| hash_password_with(&secret, memory).unwrap_or_default())
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
            .run(move |memory| verify_password_with(&password, &stored, memory))
            .await?
            .unwrap_or(false);
        Ok(matches && known)
    }

    pub async fn hash(&self, password: &str) -> Result<Result<String, HashError>, HashingBusy> {
        let password = password.to_owned();
        Ok(self
            .run(move |memory| hash_password_with(&password, memory))
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
