//! Signing in, from a provider's identity or a password to a session:
//! - `broker`: a sign-in through the browser, started and finished with the provider;
//! - `login`: which accounts an identity reaches, and the step it leads to;
//! - `codes`: the one-time code the app redeems for that step;
//! - `password_sign_in`: the username and password, with the second factor;
//! - `account_steps` and their `tickets`: choosing and linking an account;
//! - `sessions`: the sessions and their refresh-token families.
//!
//! The HTTP handlers in `routes` only read requests and write answers around these.

pub mod account_steps;
pub mod broker;
pub mod codes;
pub mod login;
pub mod password_sign_in;
pub mod sessions;
pub mod tickets;
