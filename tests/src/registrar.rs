//! The SIP registrar of a test world: Kamailio (`switchboard-kamailio`) on a free port of
//! 127.0.0.1 with the digest credentials of the portal's demo SIP profiles, and the
//! world's accounts pointed at it, so a sign-in ends with a line the registrar can hold.

use anyhow::{Context, Result};
use switchboard_kamailio::{free_port, Account, Kamailio, RegistrarConfig};
use switchboard_portal::seed::{demo_sip_credentials, DEMO_ACCOUNTS, DEMO_SIP_DOMAIN};

use crate::world::World;

pub struct TestRegistrar {
    pub kamailio: Kamailio,
    pub port: u16,
    _dir: tempfile::TempDir,
}

/// The registrar's accounts: the seed's, with `passwords` (username, password) instead.
fn accounts(passwords: &[(&str, &str)]) -> Vec<Account> {
    DEMO_ACCOUNTS
        .iter()
        .map(|account| {
            let (auth_user, seed_password) = demo_sip_credentials(account);
            let password = passwords
                .iter()
                .find(|(username, _)| *username == account.username)
                .map(|(_, password)| (*password).to_owned())
                .unwrap_or(seed_password);
            Account {
                username: auth_user,
                domain: DEMO_SIP_DOMAIN.into(),
                password,
                extension: account.extension.into(),
            }
        })
        .collect()
}

impl TestRegistrar {
    /// A registrar that knows the demo accounts' SIP passwords, the world's SIP profiles
    /// pointed at it (TCP, as the seed's).
    pub async fn start_for(world: &World) -> Result<Self> {
        Self::start_with_passwords(world, &[]).await
    }

    /// A registrar that knows the demo accounts' SIP passwords, with no world: for the
    /// engine's own tests, whose lines come from [`TestRegistrar::line`].
    pub fn start() -> Result<Self> {
        Self::start_knowing(&[])
    }

    fn start_knowing(passwords: &[(&str, &str)]) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let port = free_port("127.0.0.1")?;
        let config = RegistrarConfig::new(dir.path().join("kamailio"), port, accounts(passwords));
        // Not installed is a failure with its remedy, never a skip.
        let kamailio = Kamailio::start(config).context("the test registrar did not start")?;
        Ok(Self {
            kamailio,
            port,
            _dir: dir,
        })
    }

    /// The registrar's address, as a profile's registrar (TCP, as the seed's).
    pub fn address(&self) -> String {
        format!("sip:127.0.0.1:{};transport=tcp", self.port)
    }

    /// The line of a demo account (`alice`) with the seed's credentials, through this
    /// registrar, as the portal would provision it.
    pub fn line(&self, username: &str) -> Result<switchboard_phone::LineSpec> {
        let account = DEMO_ACCOUNTS
            .iter()
            .find(|account| account.username == username)
            .with_context(|| format!("{username} is not a demo account"))?;
        let (auth_user, password) = demo_sip_credentials(account);
        Ok(switchboard_phone::LineSpec {
            user: account.extension.into(),
            domain: DEMO_SIP_DOMAIN.into(),
            display_name: account.display_name.into(),
            auth_user,
            password,
            outbound: self.address(),
            register_every: Some(std::time::Duration::from_secs(600)),
        })
    }

    /// The same, but the registrar holds these (username, password) instead of the seed's.
    pub async fn start_with_passwords(world: &World, passwords: &[(&str, &str)]) -> Result<Self> {
        let this = Self::start_knowing(passwords)?;
        let registrar = this.address();
        for account in DEMO_ACCOUNTS {
            world
                .update_sip_profile(
                    account.username,
                    switchboard_portal::admin::SipInput {
                        registrar: Some(registrar.clone()),
                        ..Default::default()
                    },
                )
                .await?;
        }
        Ok(this)
    }

    /// The contacts the location table holds for an extension (`201`).
    pub fn contacts(&self, extension: &str) -> Result<Vec<String>> {
        Ok(self
            .kamailio
            .contacts(&format!("{extension}@{DEMO_SIP_DOMAIN}"))?)
    }

    /// Restarts the registrar knowing these passwords (its location table empties).
    pub fn change_passwords(&mut self, passwords: &[(&str, &str)]) -> Result<()> {
        Ok(self.kamailio.change_accounts(accounts(passwords))?)
    }
}
