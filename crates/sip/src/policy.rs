//! The timing and the reading of answers, as pure functions: when to refresh, how long to
//! wait after a failure, and what a final response to REGISTER means.

use std::time::Duration;

/// Waits after consecutive failures: `first`, doubled each time, never above `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_secs(5),
            max: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The wait after the `failures`-th failure in a row (1 for the first).
    pub fn delay(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.first
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
    }
}

/// When to send the refreshing REGISTER after one was granted `granted`: at half the
/// lifetime, or a minute before it ends when that is later; never sooner than a second.
pub fn refresh_after(granted: Duration) -> Duration {
    let half = granted / 2;
    let minute_before = granted.saturating_sub(Duration::from_secs(60));
    half.max(minute_before).max(Duration::from_secs(1))
}

/// What a final response to REGISTER means for the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Registered,
    /// The credentials were refused (401/407 after answering the challenge, or 403).
    WrongCredentials,
    /// 423 Interval Too Brief: send again asking for this lifetime.
    RetryWithExpires(u32),
    /// The registrar or a proxy failed (408, 5xx): try again later.
    ServerTrouble,
    /// Any other refusal: try again later, it is not the network.
    Refused,
}

/// Reads a final response: its status and, for a 423, its Min-Expires.
pub fn read_reply(status: u16, min_expires: Option<u32>, requested: u32) -> Reply {
    match status {
        200..=299 => Reply::Registered,
        401 | 403 | 407 => Reply::WrongCredentials,
        423 => match min_expires {
            Some(minimum) if minimum > requested => Reply::RetryWithExpires(minimum),
            _ => Reply::Refused,
        },
        408 | 480 | 500..=599 => Reply::ServerTrouble,
        _ => Reply::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn backoff_doubles_from_the_first_wait_up_to_the_maximum() {
        let backoff = Backoff {
            first: ms(100),
            max: ms(1000),
        };
        let waits: Vec<Duration> = (1..=6).map(|n| backoff.delay(n)).collect();
        assert_eq!(
            waits,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
        );
        assert_eq!(backoff.delay(0), ms(100));
        assert_eq!(backoff.delay(u32::MAX), ms(1000));
    }

    #[test]
    fn the_default_backoff_starts_at_5_s_and_stops_at_5_min() {
        let backoff = Backoff::default();
        assert_eq!(backoff.delay(1), Duration::from_secs(5));
        assert_eq!(backoff.delay(7), Duration::from_secs(300));
    }

    #[test]
    fn refresh_is_a_minute_early_for_long_registrations_and_halfway_for_short_ones() {
        assert_eq!(
            refresh_after(Duration::from_secs(600)),
            Duration::from_secs(540)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(120)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(60)),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
        assert_eq!(refresh_after(Duration::ZERO), Duration::from_secs(1));
    }

    #[test]
    fn replies_are_read_by_status() {
        assert_eq!(read_reply(200, None, 600), Reply::Registered);
        assert_eq!(read_reply(401, None, 600), Reply::WrongCredentials);
        assert_eq!(read_reply(407, None, 600), Reply::WrongCredentials);
        assert_eq!(read_reply(403, None, 600), Reply::WrongCredentials);
        assert_eq!(read_reply(503, None, 600), Reply::ServerTrouble);
        assert_eq!(read_reply(408, None, 600), Reply::ServerTrouble);
        assert_eq!(read_reply(404, None, 600), Reply::Refused);
    }

    #[test]
    fn interval_too_brief_asks_again_with_the_minimum_once_it_is_longer() {
        assert_eq!(
            read_reply(423, Some(3600), 600),
            Reply::RetryWithExpires(3600)
        );
        // No minimum, or one we already asked for: asking again would loop.
        assert_eq!(read_reply(423, None, 600), Reply::Refused);
        assert_eq!(read_reply(423, Some(600), 600), Reply::Refused);
    }
}
