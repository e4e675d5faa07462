//! What the registrar's tests share: a SIP device, the control endpoint's HTTP, the
//! portal's schema.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

pub mod http;
pub mod schema;
pub mod sip;
