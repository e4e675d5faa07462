//! The demo's SIP registrar: Kamailio on 127.0.0.1 (UDP and TCP, port
//! `switchboard_portal::seed::DEMO_SIP_PORT`) running the shipped
//! deploy/kamailio/kamailio.cfg with the digest credentials of the portal's demo SIP
//! profiles (db_text tables of HA1 digests), in `<data-dir>/kamailio`, stopped with the
//! demo. The tests of `crates/sip` start theirs with the same crate
//! (`switchboard-kamailio`).

use std::path::Path;

use anyhow::{Context, Result};
use switchboard_kamailio::{Account, Kamailio, RegistrarConfig};

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
const DEMO_SIP_PORT: u16 = 5080;
const DEMO_SIP_DOMAIN: &str = "sip.acme.example";
/// (username, extension) of the seed's demo accounts.
const DEMO_SIP_ACCOUNTS: &[(&str, &str)] = &[
    ("alice", "201"),
    ("maria", "210"),
    ("adam", "211"),
    ("tom", "220"),
];

fn demo_accounts() -> Vec<Account> {
    DEMO_SIP_ACCOUNTS
        .iter()
        .map(|(username, extension)| Account {
            username: format!("{extension}-auth"),
            domain: DEMO_SIP_DOMAIN.into(),
            password: format!("demo-sip-{username}-{extension}"),
            extension: (*extension).into(),
        })
        .collect()
}

/// Starts the demo's registrar; it stops when the returned value is dropped.
pub fn start_demo(data_dir: &Path) -> Result<Kamailio> {
    let config = RegistrarConfig::new(data_dir.join("kamailio"), DEMO_SIP_PORT, demo_accounts());
    let kamailio = Kamailio::start(config).with_context(|| {
        format!("cannot start the demo's SIP registrar on 127.0.0.1:{DEMO_SIP_PORT} (is another demo still running?)")
    })?;
    eprintln!(
        "xtask: the SIP registrar (Kamailio) listens on 127.0.0.1:{DEMO_SIP_PORT} (UDP, TCP); its log is {}",
        kamailio.log_path().display()
    );
    Ok(kamailio)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../crates/portal/src/seed.rs");

    #[test]
    fn the_registrar_accounts_match_the_portal_seed() {
        assert!(SEED.contains(&format!("DEMO_SIP_PORT: u16 = {DEMO_SIP_PORT};")));
        assert!(SEED.contains(&format!("DEMO_SIP_DOMAIN: &str = \"{DEMO_SIP_DOMAIN}\";")));
        assert!(SEED.contains(r#"format!("{}-auth", account.extension)"#));
        assert!(SEED.contains(r#"format!("demo-sip-{}-{}", account.username, account.extension)"#));
        for (username, extension) in DEMO_SIP_ACCOUNTS {
            let account = format!("username: \"{username}\",");
            let at = SEED
                .find(&account)
                .unwrap_or_else(|| panic!("{username} is not a demo account of the seed"));
            let next_extension = SEED[at..].find("extension: \"").map(|i| at + i + 12);
            let seeded = next_extension.and_then(|i| SEED[i..].split('"').next());
            assert_eq!(seeded, Some(*extension), "{username}'s extension");
        }
        assert_eq!(
            SEED.matches("    DemoAccount {").count(),
            DEMO_SIP_ACCOUNTS.len(),
            "every demo account has a registrar account"
        );
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

    #[test]
    fn demo_credentials_are_the_seeds() {
        let accounts = demo_accounts();
        assert_eq!(accounts[0].username, "201-auth");
        assert_eq!(accounts[0].password, "demo-sip-alice-201");
        assert_eq!(accounts[0].domain, "sip.acme.example");
    }
}
