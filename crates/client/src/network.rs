//! Noticing that the network changed under the lines: the machine's addresses changed, or
//! it woke from sleep (the wall clock moved on much further than the monotonic clock, which
//! stands still while suspended). Either way every line registers again.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use crate::switchboard::Switchboard;

/// How often the addresses are looked at.
pub const NETWORK_CHECK_EVERY: Duration = Duration::from_secs(5);
/// Wall-clock time beyond the monotonic clock that counts as having slept.
const SLEPT_AT_LEAST: Duration = Duration::from_secs(15);

/// The machine's addresses (passed in, so tests change them).
pub trait Addresses: Send + Sync {
    fn current(&self) -> BTreeSet<IpAddr>;
}

/// The addresses of the machine's interfaces, loopback left out.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemAddresses;

impl Addresses for SystemAddresses {
    fn current(&self) -> BTreeSet<IpAddr> {
        match if_addrs::get_if_addrs() {
            Ok(interfaces) => interfaces
                .into_iter()
                .filter(|interface| !interface.is_loopback())
                .map(|interface| interface.ip())
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "cannot read the network addresses");
                BTreeSet::new()
            }
        }
    }
}

/// What was seen at one look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub addresses: BTreeSet<IpAddr>,
    pub wall: SystemTime,
    pub monotonic: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkChange {
    Addresses,
    WokeFromSleep,
}

/// What changed between two looks, if anything that matters to the lines.
pub fn change_between(before: &Snapshot, after: &Snapshot) -> Option<NetworkChange> {
    if before.addresses != after.addresses {
        return Some(NetworkChange::Addresses);
    }
    let wall = after.wall.duration_since(before.wall).unwrap_or_default();
    let monotonic = after.monotonic.duration_since(before.monotonic);
    (wall > monotonic + SLEPT_AT_LEAST).then_some(NetworkChange::WokeFromSleep)
}

fn look(addresses: &dyn Addresses) -> Snapshot {
    Snapshot {
        addresses: addresses.current(),
        wall: SystemTime::now(),
        monotonic: Instant::now(),
    }
}

impl Switchboard {
    /// Looks at the network every `every` and registers every line again when it changed;
    /// ends when the client is dropped. Spawn it once, next to `enable_lines`.
    pub async fn watch_network(self: Arc<Self>, addresses: Arc<dyn Addresses>, every: Duration) {
        let client: Weak<Self> = Arc::downgrade(&self);
        drop(self);
        let mut before = look(addresses.as_ref());
        loop {
            tokio::time::sleep(every).await;
            let after = look(addresses.as_ref());
            let change = change_between(&before, &after);
            before = after;
            let Some(client) = client.upgrade() else {
                return;
            };
            if let Some(change) = change {
                tracing::info!(?change, "the network changed: registering the lines again");
                client.re_register_lines().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(addresses: &[&str], wall_s: u64, monotonic: Instant) -> Snapshot {
        Snapshot {
            addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
            wall: SystemTime::UNIX_EPOCH + Duration::from_secs(wall_s),
            monotonic,
        }
    }

    #[test]
    fn a_new_or_lost_address_is_a_change() {
        let start = Instant::now();
        let before = snapshot(&["192.168.1.20"], 100, start);
        let moved = snapshot(&["10.0.0.7"], 105, start + Duration::from_secs(5));
        assert_eq!(
            change_between(&before, &moved),
            Some(NetworkChange::Addresses)
        );
        let lost = snapshot(&[], 105, start + Duration::from_secs(5));
        assert_eq!(
            change_between(&before, &lost),
            Some(NetworkChange::Addresses)
        );
    }

    #[test]
    fn a_wall_clock_far_ahead_of_the_monotonic_one_is_a_wake_from_sleep() {
        let start = Instant::now();
        let before = snapshot(&["192.168.1.20"], 100, start);
        let slept = snapshot(&["192.168.1.20"], 3_700, start + Duration::from_secs(5));
        assert_eq!(
            change_between(&before, &slept),
            Some(NetworkChange::WokeFromSleep)
        );
    }

    #[test]
    fn the_same_addresses_and_a_steady_clock_are_no_change() {
        let start = Instant::now();
        let before = snapshot(&["192.168.1.20", "fe80::1"], 100, start);
        let after = snapshot(
            &["fe80::1", "192.168.1.20"],
            106,
            start + Duration::from_secs(5),
        );
        assert_eq!(change_between(&before, &after), None);
        // A wall clock set back is not sleep either.
        let set_back = snapshot(
            &["192.168.1.20", "fe80::1"],
            50,
            start + Duration::from_secs(5),
        );
        assert_eq!(change_between(&before, &set_back), None);
    }
}
