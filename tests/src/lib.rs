//! The project's test kit, and the harness for the end-to-end tests: the one place a test
//! portal is configured (`portal_config`) and a demo world started (`world`), registrars
//! and far-end phones, a small W3C WebDriver client, and the app started through
//! tauri-driver in its own D-Bus session and HOME under the Xvfb display that
//! `cargo xtask test` provides. The portal's, the desktop's and the CLI's tests and the
//! benchmarks build on it.

pub mod app;
pub mod authenticator;
pub mod browser;
pub mod phone;
pub mod portal_config;
pub mod registrar;
pub mod webdriver;
pub mod world;
