//! SIP registration of the softphone's lines.
//!
//! A [`Line`] registers one account, given the [`SipProfile`](switchboard_api::SipProfile)
//! the portal provisions: REGISTER with digest authentication (401 or 407, `qop=auth`, MD5
//! or SHA-256, answered by rsipstack) over UDP, TCP or TLS, sent to the outbound proxy when
//! the profile has one, else to the registrar. A task of its own refreshes it before it
//! expires, asks again with the Min-Expires of a `423 Interval Too Brief`, retries with
//! [`Backoff`] when the registrar is unreachable, and unregisters (`Expires: 0`) on
//! [`Line::unregister`]. Its [`LineState`] is published on a `tokio::sync::watch` channel.
//!
//! Secrets: the password only goes into the digest; the stack's own message logging (which
//! would show the `Authorization` header) is kept out of the application's subscriber.
//! TLS trusts only [`LineConfig::trusted_roots_pem`].

mod algorithm_names;
mod clock;
mod error;
mod line;
mod policy;
mod quiet;
mod session;
mod state;
mod target;

pub use clock::{Clock, SystemClock};
pub use error::SipError;
pub use line::{Line, LineConfig};
pub use policy::{read_reply, refresh_after, Backoff, Reply};
pub use state::LineState;
pub use target::{NextHop, Target};
