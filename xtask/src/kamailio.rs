//! The demo's SIP registrar: Kamailio on 127.0.0.1 (UDP and TCP, port
//! `switchboard_portal::seed::DEMO_SIP_PORT`) running the shipped
//! deploy/kamailio/kamailio.cfg, reading the SIP credentials from the portal's database
//! (each signed-in device's own) and taking contact removals from the portal on its
//! control port, in `<data-dir>/kamailio`, stopped with the demo. The tests start theirs
//! with the same crate (`switchboard-kamailio`).

use std::path::Path;

use anyhow::{Context, Result};
use switchboard_kamailio::{ControlEndpoint, Credentials, Database, Kamailio, RegistrarConfig};

/// Debian's packages: the registrar, its TLS module for the TLS tests, and the database
/// modules that read the portal's credentials views (SQLite, PostgreSQL).
pub const PACKAGES: &[&str] = &[
    "kamailio",
    "kamailio-tls-modules",
    "kamailio-sqlite-modules",
    "kamailio-postgres-modules",
];

/// As in crates/portal/src/seed.rs (xtask does not build the portal's crate; a test below
/// reads the seed to keep the two the same).
pub(crate) const DEMO_SIP_PORT: u16 = 5080;
/// Where the demo's registrar takes contact removals from the portal (loopback only).
pub const DEMO_CONTROL_PORT: u16 = 5090;
/// The control token's file, in the portal's folder of the demo data.
pub const CONTROL_TOKEN_FILE: &str = "registrar-control-token";

/// Starts the demo's registrar reading the portal's database (already made and seeded by
/// the portal) and taking contact removals on [`DEMO_CONTROL_PORT`]; it stops when the
/// returned value is dropped.
pub fn start_demo(data_dir: &Path, database_url: &str, control_token: &str) -> Result<Kamailio> {
    let mut config = RegistrarConfig::new(data_dir.join("kamailio"), DEMO_SIP_PORT, Vec::new());
    config.credentials = Credentials::Database(Database::from_portal_url(database_url));
    config.control = Some(ControlEndpoint {
        port: DEMO_CONTROL_PORT,
        token: control_token.to_owned(),
    });
    let kamailio = Kamailio::start(config).with_context(|| {
        format!("cannot start the demo's SIP registrar on 127.0.0.1:{DEMO_SIP_PORT} (is another demo still running?)")
    })?;
    eprintln!(
        "xtask: the SIP registrar (Kamailio) listens on 127.0.0.1:{DEMO_SIP_PORT} (UDP, TCP) and reads the portal's database; its log is {}",
        kamailio.log_path().display()
    );
    Ok(kamailio)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../crates/portal/src/seed.rs");

    #[test]
    fn the_registrar_port_matches_the_portal_seed() {
        assert!(SEED.contains(&format!("DEMO_SIP_PORT: u16 = {DEMO_SIP_PORT};")));
    }

    #[test]
    fn the_test_packages_include_the_registrars() {
        for package in PACKAGES {
            assert!(
                crate::setup::TEST_PACKAGES.contains(package),
                "{package} is missing from setup::TEST_PACKAGES"
            );
        }
    }
}
