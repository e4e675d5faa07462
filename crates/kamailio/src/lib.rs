//! A Kamailio registrar started in a folder of its own: its configuration, a db_text
//! `subscriber` table with the accounts, and a control socket to read the location table.
//! Used by the SIP crate's tests and by `cargo xtask demo`. Stopped (with its children)
//! when dropped.
//!
//! Kamailio 5.6 from Debian: `apt-get install kamailio kamailio-tls-modules`.

mod config;
mod process;

pub use config::{Account, Challenge, DigestAlgorithm, RegistrarConfig, TlsFiles};
pub use process::{free_port, Kamailio};

#[derive(Debug, thiserror::Error)]
pub enum KamailioError {
    #[error("Kamailio is not installed (no `kamailio` or `kamcmd` on PATH or in /usr/sbin): install it with `apt-get install kamailio kamailio-tls-modules` (`cargo xtask test` and CI install it)")]
    NotInstalled,
    #[error("cannot write Kamailio's files in {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start Kamailio: {0}")]
    Spawn(std::io::Error),
    #[error("Kamailio did not start within {seconds} s; its log:\n{log}")]
    NotReady { seconds: u64, log: String },
    #[error("Kamailio exited at start ({status}); its log:\n{log}")]
    Exited { status: String, log: String },
    #[error("kamcmd {command} failed: {output}")]
    Control { command: String, output: String },
    #[error("no free port: {0}")]
    NoFreePort(std::io::Error),
}
