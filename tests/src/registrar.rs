//! The SIP registrar of a test world: Kamailio (`switchboard-kamailio`, running the
//! shipped deploy/kamailio configuration) on a free port of 127.0.0.1, reading the
//! credentials from the world's portal database (each device's own, as the portal makes
//! them) and taking contact removals from the portal on the world's control port; the
//! world's accounts pointed at it, so a sign-in ends with a line the registrar can hold.
//! Without a world (the engine's own tests), it holds the demo accounts' static
//! credentials in tables of its own.

use anyhow::{Context, Result};
use switchboard_kamailio::{
    free_port, Account, ControlEndpoint, Credentials, Database, DigestAlgorithm, Kamailio,
    RegistrarConfig,
};
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
    /// A registrar that reads the world's portal database, the world's SIP profiles
    /// pointed at it (TCP, as the seed's).
    pub async fn start_for(world: &World) -> Result<Self> {
        Self::start_reading(world, None, DigestAlgorithm::Md5).await
    }

    /// As [`TestRegistrar::start_for`], challenging with SHA-256 digests (RFC 8760) and
    /// reading the portal's SHA-256 view.
    pub async fn start_for_sha256(world: &World) -> Result<Self> {
        Self::start_reading(world, None, DigestAlgorithm::Sha256).await
    }

    /// A registrar that knows the demo accounts' static SIP passwords, with no world: for
    /// the engine's own tests, whose lines come from [`TestRegistrar::line`].
    pub fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let port = free_port("127.0.0.1")?;
        let config = RegistrarConfig::new(dir.path().join("kamailio"), port, accounts(&[]));
        // Not installed is a failure with its remedy, never a skip.
        let kamailio = Kamailio::start(config).context("the test registrar did not start")?;
        Ok(Self {
            kamailio,
            port,
            _dir: dir,
        })
    }

    async fn start_reading(
        world: &World,
        credentials_table: Option<String>,
        algorithm: DigestAlgorithm,
    ) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let port = free_port("127.0.0.1")?;
        let mut config = RegistrarConfig::new(dir.path().join("kamailio"), port, Vec::new());
        config.credentials = Credentials::Database(Database::from_portal_url(world.database_url()));
        config.credentials_table = credentials_table;
        config.algorithm = algorithm;
        let (control_port, token) = world.registrar_control();
        config.control = Some(ControlEndpoint {
            port: control_port,
            token,
        });
        let kamailio = Kamailio::start(config).context("the test registrar did not start")?;
        let this = Self {
            kamailio,
            port,
            _dir: dir,
        };
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

    /// As [`TestRegistrar::start_for`], but the registrar refuses every credential of the
    /// lines of these demo accounts (`maria`): it reads a view of the portal's
    /// credentials whose digests for those lines are wrong, as if it held other passwords.
    pub async fn start_refusing(world: &World, usernames: &[&str]) -> Result<Self> {
        let mut extensions = Vec::new();
        for username in usernames {
            let account = DEMO_ACCOUNTS
                .iter()
                .find(|account| account.username == *username)
                .with_context(|| format!("{username} is not a demo account"))?;
            extensions.push(format!("'{}'", account.extension));
        }
        let view = format!("test_refusing_{:08x}", rand::random::<u32>());
        world
            .execute_sql(&format!(
                "CREATE VIEW {view} AS
                 SELECT username, domain,
                        CASE WHEN extension IN ({lines}) THEN '00000000000000000000000000000000' ELSE ha1 END AS ha1,
                        CASE WHEN extension IN ({lines}) THEN '00000000000000000000000000000000' ELSE ha1b END AS ha1b,
                        extension
                 FROM registrar_credentials_md5",
                lines = if extensions.is_empty() {
                    "''".to_owned()
                } else {
                    extensions.join(", ")
                },
            ))
            .await?;
        Self::start_reading(world, Some(view), DigestAlgorithm::Md5).await
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

    /// The contacts the location table holds for an extension (`201`).
    pub fn contacts(&self, extension: &str) -> Result<Vec<String>> {
        Ok(self
            .kamailio
            .contacts(&format!("{extension}@{DEMO_SIP_DOMAIN}"))?)
    }
}
