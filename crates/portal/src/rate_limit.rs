//! Requests per minute on the endpoints that need no session (starting a sign-in, the
//! password and code steps, tokens), per client address and over all clients. The counts
//! live in the database, so every instance shares them; a request over a limit is answered
//! 429 with Retry-After before it does any work or writes anything else.
//!
//! An instance does not write every request: it *reserves* requests from the shared count
//! in leases ([`Limiter`]) and spends them in memory. A lease starts at one request and
//! doubles each time one is used up within the window, up to a sixteenth of the limit, so
//! a low limit (a client's few guesses a minute) is counted exactly, request by request,
//! while a busy counter (the count over all clients) costs one database write per
//! thousands of requests. Reserved requests count as made: instances together never let
//! more through than the limit; what an instance reserved but did not use is lost for the
//! rest of the window (at most a sixteenth of the limit per instance).
//!
//! Counts are kept per client key (`request::client_key`).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::{RateLimit, RateLimitSettings};

/// The paths behind a rate limit (sign-in start and callbacks, the login steps, tokens):
/// the OpenAPI document lists 429 for them; a test checks it against what the router does.
pub const LIMITED_PATHS: [&str; 10] = [
    switchboard_api::paths::AUTHORIZE,
    switchboard_api::paths::PROVIDER_CALLBACK,
    switchboard_api::paths::SIGN_IN_OPTIONS_FOR_EMAIL,
    switchboard_api::paths::CHOOSE_ACCOUNT,
    switchboard_api::paths::LINK_ACCOUNT,
    switchboard_api::paths::CHOOSE_AGAIN,
    switchboard_api::paths::PASSWORD_SIGN_IN,
    switchboard_api::paths::MFA,
    switchboard_api::paths::TOKEN,
    switchboard_api::paths::REVOKE,
];

/// Seconds in one counting window.
pub const WINDOW_SECONDS: i64 = 60;
/// The `client_key` of the count over all clients.
const ALL_CLIENTS: &str = "*";

/// An endpoint group and its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    pub scope: &'static str,
    pub limit: RateLimit,
}

/// The limits of each endpoint group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub sign_in: Group,
    pub login: Group,
    pub token: Group,
    /// Per directory token, not per address (`/scim/v2/*`).
    pub scim: Group,
}

impl RateLimits {
    pub const DEFAULT_SIGN_IN: RateLimit = RateLimit {
        per_client: 60,
        global: 6_000,
    };
    pub const DEFAULT_LOGIN: RateLimit = RateLimit {
        per_client: 30,
        global: 3_000,
    };
    pub const DEFAULT_TOKEN: RateLimit = RateLimit {
        per_client: 600,
        global: 60_000,
    };

    pub const DEFAULT_SCIM: RateLimit = RateLimit {
        per_client: 1_200,
        global: 60_000,
    };

    pub fn from_settings(settings: &RateLimitSettings) -> Self {
        Self {
            sign_in: Group {
                scope: "sign_in",
                limit: settings.sign_in.unwrap_or(Self::DEFAULT_SIGN_IN),
            },
            login: Group {
                scope: "login",
                limit: settings.login.unwrap_or(Self::DEFAULT_LOGIN),
            },
            token: Group {
                scope: "token",
                limit: settings.token.unwrap_or(Self::DEFAULT_TOKEN),
            },
            scim: Group {
                scope: "scim",
                limit: settings.scim.unwrap_or(Self::DEFAULT_SCIM),
            },
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::from_settings(&RateLimitSettings::default())
    }
}

/// What counting one request decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over a limit: try again when the window ends.
    Limited {
        retry_after: i64,
        everyone: bool,
    },
}

/// Shards of the lease map: requests on different counters seldom wait for one another.
const SHARDS: usize = 16;
/// The largest lease, as a fraction of the limit: the most one instance can hold back
/// from the others.
const LEASE_FRACTION: i64 = 16;

/// One counter of one window on this instance: what it may still let through without
/// asking the database.
#[derive(Debug)]
struct Lease {
    /// Reserved in the database and not used yet.
    remaining: i64,
    /// How many the next reservation asks for.
    next_chunk: i64,
    /// The shared count reached the limit: nothing more is granted in this window.
    exhausted: bool,
    /// Held while reserving, so one request of this instance asks the database at a time
    /// and the others wait for its answer instead of reserving too.
    reserving: Arc<tokio::sync::Mutex<()>>,
}

impl Lease {
    fn new() -> Self {
        Self {
            remaining: 0,
            next_chunk: 1,
            exhausted: false,
            reserving: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Takes one request from what is reserved: `Some(allowed)` when that decides it.
    fn take(&mut self) -> Option<bool> {
        if self.remaining > 0 {
            self.remaining -= 1;
            Some(true)
        } else if self.exhausted {
            Some(false)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CounterKey {
    scope: &'static str,
    client: String,
    window_start: i64,
}

/// This instance's leases on the shared request counts (see the module's documentation).
#[derive(Debug)]
pub struct Limiter {
    shards: Vec<Mutex<HashMap<CounterKey, Lease>>>,
    /// The latest window seen: when a later one starts, every past lease is dropped.
    window: AtomicI64,
}

impl Default for Limiter {
    fn default() -> Self {
        Self::new()
    }
}

impl Limiter {
    pub fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            window: AtomicI64::new(i64::MIN),
        }
    }

    fn shard(&self, key: &CounterKey) -> &Mutex<HashMap<CounterKey, Lease>> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        let index = usize::try_from(hasher.finish() % SHARDS as u64).unwrap_or(0);
        &self.shards[index]
    }

    /// Runs `f` on the counter's lease (made if new) under its shard's lock.
    fn with_lease<T>(&self, key: &CounterKey, f: impl FnOnce(&mut Lease) -> T) -> T {
        let mut shard = self
            .shard(key)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(shard.entry(key.clone()).or_insert_with(Lease::new))
    }

    /// The first request of a new window drops the leases of the past ones.
    fn forget_before(&self, window_start: i64) {
        if self.window.fetch_max(window_start, Ordering::Relaxed) >= window_start {
            return;
        }
        for shard in &self.shards {
            shard
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|key, _| key.window_start >= window_start);
        }
    }

    /// How many leases this instance holds (tests: past windows are forgotten).
    pub fn leases(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    /// One request of `client` on the counter of `scope` with `limit` a window: whether it
    /// is within the limit, over all instances.
    async fn allow(
        &self,
        store: &crate::store::Store,
        scope: &'static str,
        client: &str,
        limit: u32,
        window_start: i64,
    ) -> Result<bool, crate::store::StoreError> {
        let key = CounterKey {
            scope,
            client: client.to_owned(),
            window_start,
        };
        let reserving = match self.with_lease(&key, |lease| {
            lease.take().ok_or_else(|| Arc::clone(&lease.reserving))
        }) {
            Ok(decided) => return Ok(decided),
            Err(reserving) => reserving,
        };
        let _reserving = reserving.lock().await;
        // Another request may have reserved while this one waited.
        let chunk = match self.with_lease(&key, |lease| lease.take().ok_or(lease.next_chunk)) {
            Ok(decided) => return Ok(decided),
            Err(chunk) => chunk,
        };
        let limit = i64::from(limit);
        let total = store
            .reserve_requests(scope, client, window_start, chunk)
            .await?;
        let granted = (limit - (total - chunk)).clamp(0, chunk);
        Ok(self.with_lease(&key, |lease| {
            lease.remaining += granted;
            lease.exhausted = granted < chunk;
            lease.next_chunk = (chunk * 2).min((limit / LEASE_FRACTION).max(1));
            lease.take().unwrap_or(false)
        }))
    }

    /// Counts a request of `client` in `group` at `now`: first against the client's own
    /// limit (a client over it is refused without using up everyone's), then against the
    /// limit over all clients.
    pub async fn count(
        &self,
        store: &crate::store::Store,
        group: Group,
        client: &str,
        now: i64,
    ) -> Result<Verdict, crate::store::StoreError> {
        let window_start = now - now.rem_euclid(WINDOW_SECONDS);
        let retry_after = (window_start + WINDOW_SECONDS - now).max(1);
        self.forget_before(window_start);
        if !self
            .allow(
                store,
                group.scope,
                client,
                group.limit.per_client,
                window_start,
            )
            .await?
        {
            return Ok(Verdict::Limited {
                retry_after,
                everyone: false,
            });
        }
        if !self
            .allow(
                store,
                group.scope,
                ALL_CLIENTS,
                group.limit.global,
                window_start,
            )
            .await?
        {
            return Ok(Verdict::Limited {
                retry_after,
                everyone: true,
            });
        }
        Ok(Verdict::Allowed)
    }
}
