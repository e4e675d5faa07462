//! Harness for the end-to-end tests: a small W3C WebDriver client, and the app started
//! through tauri-driver in its own D-Bus session and HOME under the Xvfb display that
//! `cargo xtask test` provides.

pub mod app;
pub mod authenticator;
pub mod browser;
pub mod phone;
pub mod registrar;
pub mod webdriver;
pub mod world;
