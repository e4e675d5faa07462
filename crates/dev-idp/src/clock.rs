//! Where "now" comes from: the system clock, or a clock tests set and advance (expiry
//! without sleeping).

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in whole seconds since the Unix epoch.
pub trait Clock: Debug + Send + Sync + 'static {
    fn now(&self) -> u64;
}

/// The system clock (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        // A clock before 1970 is a broken machine; count it as the epoch.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A clock that stands still until told otherwise. Clones share the same time, so a test
/// keeps one clone and hands another to the server:
///
/// ```
/// # use std::sync::Arc;
/// use switchboard_dev_idp::{Clock, DevIdpConfig, ManualClock};
/// let clock = ManualClock::new(1_700_000_000);
/// let config = DevIdpConfig {
///     clock: Arc::new(clock.clone()),
///     ..DevIdpConfig::default()
/// };
/// clock.advance(61);
/// assert_eq!(config.clock.now(), 1_700_000_061);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    secs: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock showing `secs` since the epoch.
    pub fn new(secs: u64) -> Self {
        Self {
            secs: Arc::new(AtomicU64::new(secs)),
        }
    }

    /// A clock showing the system time now (then standing still).
    pub fn starting_now() -> Self {
        Self::new(SystemClock.now())
    }

    pub fn set(&self, secs: u64) {
        self.secs.store(secs, Ordering::SeqCst);
    }

    pub fn advance(&self, secs: u64) {
        self.secs.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.secs.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_clones_share_their_time() {
        let clock = ManualClock::new(100);
        let other = clock.clone();
        clock.advance(5);
        assert_eq!(other.now(), 105);
        other.set(7);
        assert_eq!(clock.now(), 7);
    }

    #[test]
    fn system_clock_is_after_2023() {
        assert!(SystemClock.now() > 1_700_000_000);
    }
}
