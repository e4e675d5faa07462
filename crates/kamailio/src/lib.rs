//! Switchboard's SIP registrar: the shipped Kamailio configuration
//! (`deploy/kamailio/kamailio.cfg`, see [`KAMAILIO_CFG`]) and a Kamailio started with it
//! in a folder of its own, with the site's file written from a [`RegistrarConfig`]: its
//! credentials from an account list (db_text tables) or from the portal's database, a
//! control socket for `kamcmd`, and optionally an HTTP control endpoint. Used by the SIP
//! crate's tests and by `cargo xtask demo`. Stopped (with its children) when dropped.
//!
//! Kamailio 5.6 from Debian: `apt-get install kamailio kamailio-tls-modules
//! kamailio-sqlite-modules kamailio-postgres-modules`. docs/registrar.md is the
//! operator's guide.

mod config;
mod digest;
mod local;
mod process;
mod shipped;
mod tables;

pub use config::{
    Account, Challenge, ControlEndpoint, Credentials, Database, DigestAlgorithm, RegistrarConfig,
    TlsFiles,
};
pub use digest::ha1;
pub use process::{free_port, Kamailio};
pub use shipped::{KAMAILIO_CFG, LOCAL_FILE};

/// Why the registrar could not be configured, started or asked.
#[derive(Debug, thiserror::Error)]
pub enum KamailioError {
    #[error("Kamailio is not installed (no `kamailio` or `kamcmd` on PATH or in /usr/sbin): install it with `apt-get install kamailio kamailio-tls-modules kamailio-sqlite-modules kamailio-postgres-modules` (`cargo xtask test` and CI install it)")]
    NotInstalled,
    #[error("cannot write Kamailio's files in {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("the registrar's database URL is not usable: {reason}")]
    DatabaseUrl { reason: String },
    #[error(
        "the control endpoint's token must be letters, digits and -._~+/= only, and not empty"
    )]
    ControlToken,
    #[error("the registrar cannot listen on {0:?}: an IPv4 or IPv6 address is needed")]
    ListenAddress(String),
    #[error("Kamailio's configuration cannot name the path {0:?} (a quote, backslash, `#` or line break)")]
    Path(String),
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
