//! A demo world for tests: dev-idp (every provider profile) and a portal with the demo
//! organization, both on loopback ports, in-process.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use switchboard_api::ProviderKind;
use switchboard_dev_idp::{DevIdpConfig, ACME_TENANT_ID};
use switchboard_portal::clock::{Clock, ManualClock, SystemClock};
use switchboard_portal::config::PortalConfig;
use switchboard_portal::seed::seed_demo;
use switchboard_portal::store::{PoolSettings, Store};
use switchboard_portal::Portal;
use tokio::sync::oneshot;
use url::Url;

use crate::portal_config::{test_portal_config, test_provider};

pub struct World {
    pub idp: Url,
    pub portal: Url,
    pub clock: ManualClock,
    config: PortalConfig,
    /// The registrar control endpoint the portal sends contact removals to: the port a
    /// test registrar listens on for it, and its token.
    registrar_control: (u16, String),
    portal_stop: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
    _idp_stop: oneshot::Sender<()>,
    dir: tempfile::TempDir,
}

impl World {
    /// `listen` picks the portal's address ("127.0.0.1:0" for any free port).
    pub async fn start(listen: &str) -> Result<World> {
        let dir = tempfile::tempdir()?;
        let apple_key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
        let apple_key_file = dir.path().join("apple.p8");
        std::fs::write(
            &apple_key_file,
            apple_key.to_pkcs8_pem(LineEnding::LF)?.as_bytes(),
        )?;
        let apple_public =
            p256::ecdsa::VerifyingKey::from(&apple_key).to_public_key_pem(LineEnding::LF)?;

        let idp = switchboard_dev_idp::bind(DevIdpConfig {
            data_dir: dir.path().join("idp"),
            apple_client_public_key_pem: Some(apple_public),
            ..DevIdpConfig::default()
        })
        .await?;
        let idp_url = idp.url();
        let (idp_stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(idp.serve(async {
            let _ = stopped.await;
        }));

        let secret = dir.path().join("client-secret");
        std::fs::write(&secret, switchboard_dev_idp::DEFAULT_CLIENT_SECRET)?;
        let with_secret = |id, kind, name, issuer: String| {
            test_provider(id, kind, name, &issuer, Some(secret.clone()))
        };
        let mut apple = test_provider(
            "apple",
            ProviderKind::Apple,
            "Apple",
            &format!("{idp_url}apple"),
            Some(apple_key_file),
        )?;
        apple.apple_team_id = Some("TEAM123456".into());
        apple.apple_key_id = Some("KEY1234567".into());
        let control_port = switchboard_kamailio::free_port("127.0.0.1")?;
        let control_token = format!("{:032x}", rand::random::<u128>());
        let control_token_file = dir.path().join("registrar-control-token");
        switchboard_portal::private_file::write_private_file(
            &control_token_file,
            control_token.as_bytes(),
        )?;
        let mut config = test_portal_config(dir.path())?;
        config.listen = listen.parse()?;
        config.providers = vec![
            with_secret(
                "google",
                ProviderKind::Google,
                "Google",
                format!("{idp_url}google"),
            )?,
            with_secret(
                "microsoft",
                ProviderKind::Microsoft,
                "Microsoft",
                format!("{idp_url}entra/{ACME_TENANT_ID}/v2.0"),
            )?,
            apple,
            with_secret(
                "acme-sso",
                ProviderKind::Oidc,
                "Acme SSO",
                format!("{idp_url}acme-sso"),
            )?,
        ];
        // Contact removals go to the test registrar's control port.
        config.registrar = switchboard_portal::config::RegistrarSettings {
            control_url: Some(format!("http://127.0.0.1:{control_port}").parse()?),
            control_token_file: Some(control_token_file),
        };
        let clock = ManualClock::new(SystemClock.now());
        let mut world = World {
            idp: idp_url,
            portal: "http://127.0.0.1/".parse()?,
            clock,
            config,
            registrar_control: (control_port, control_token),
            portal_stop: None,
            _idp_stop: idp_stop,
            dir,
        };
        world.start_portal(true).await?;
        Ok(world)
    }

    async fn start_portal(&mut self, seed: bool) -> Result<()> {
        let portal = Portal::bind_with_clock(&self.config, Arc::new(self.clock.clone())).await?;
        if seed {
            seed_demo(
                portal.store(),
                &self.config.encryption_key()?,
                self.clock.now(),
            )
            .await?;
        }
        self.portal = portal.url().clone();
        // Later restarts come back on the same address.
        self.config.listen = format!(
            "{}:{}",
            self.portal.host_str().unwrap_or("127.0.0.1"),
            self.portal.port().unwrap_or(0)
        )
        .parse()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = portal
                .serve(async {
                    let _ = stopped.await;
                })
                .await;
        });
        self.portal_stop = Some((stop, task));
        Ok(())
    }

    /// Stops the portal (it stops answering) until `restart_portal`.
    /// The six-digit code of the latest message the portal mailed to `to`.
    pub fn mailed_code(&self, to: &str) -> Option<String> {
        let outbox = self.config.mail.outbox.as_ref()?;
        let mail = switchboard_portal::mail::Outbox::read(outbox)
            .ok()?
            .into_iter()
            .rfind(|mail| mail.to == to)?;
        mail.body
            .split(|c: char| !c.is_ascii_digit())
            .find(|word| word.len() == 6)
            .map(str::to_owned)
    }

    pub async fn stop_portal(&mut self) {
        if let Some((stop, task)) = self.portal_stop.take() {
            let _ = stop.send(());
            let _ = task.await;
        }
    }

    /// Makes provider `id` dev-idp's strict issuer (`{idp}strict/`: claims only in
    /// userinfo, `iss` on the callback, `client_secret_post`), with email matching as
    /// given, and restarts the portal.
    pub async fn use_strict_provider(&mut self, id: &str, match_by_email: bool) -> Result<()> {
        let issuer = format!("{}strict/", self.idp);
        for provider in self.config.providers.iter_mut().filter(|p| p.id == id) {
            provider.issuer = issuer.clone();
            provider.token_endpoint_auth_method =
                Some(switchboard_portal::config::ClientAuthMethod::ClientSecretPost);
            provider.match_by_email = Some(match_by_email);
        }
        self.restart_portal().await
    }

    pub async fn restart_portal(&mut self) -> Result<()> {
        self.stop_portal().await;
        self.start_portal(false).await
    }

    /// The port and token of the registrar control endpoint the portal calls.
    pub fn registrar_control(&self) -> (u16, String) {
        self.registrar_control.clone()
    }

    /// Points the portal at another registrar control port (from its next restart).
    pub fn set_registrar_control_port(&mut self, port: u16) {
        if let Ok(url) = format!("http://127.0.0.1:{port}").parse() {
            self.config.registrar.control_url = Some(url);
        }
    }

    /// The portal's database URL (`sqlite://…?mode=rwc` or `postgres://…`).
    pub fn database_url(&self) -> &str {
        &self.config.database_url
    }

    /// Runs one SQL statement on the portal's database, as someone with access to it
    /// would (SQL both engines take).
    pub async fn execute_sql(&self, sql: &str) -> Result<u64> {
        let url = &self.config.database_url;
        Ok(if url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(url).await?;
            let done = sqlx::query(sql).execute(&pool).await?.rows_affected();
            pool.close().await;
            done
        } else {
            let pool = sqlx::PgPool::connect(url).await?;
            let done = sqlx::query(sql).execute(&pool).await?.rows_affected();
            pool.close().await;
            done
        })
    }

    /// A connection to the portal's database, to change what an administrator would.
    pub async fn database(&self) -> Result<Store> {
        Ok(Store::connect(&self.config.database_url, &PoolSettings::default()).await?)
    }

    /// An operator's session on the portal's database (what `switchboard-portal admin`
    /// runs), acting now.
    pub async fn admin(&self) -> Result<switchboard_portal::admin::Admin> {
        Ok(switchboard_portal::admin::Admin::new(
            self.database().await?,
            self.config.encryption_key()?,
            self.config.providers.clone(),
            "test-operator",
            self.clock.now(),
        ))
    }

    /// Changes an account's SIP profile as an operator would (`admin account update`).
    pub async fn update_sip_profile(
        &self,
        username: &str,
        sip: switchboard_portal::admin::SipInput,
    ) -> Result<()> {
        let admin = switchboard_portal::admin::Admin::new(
            self.database().await?,
            self.config.encryption_key()?,
            self.config.providers.clone(),
            "test-operator",
            self.clock.now(),
        );
        admin.account_update(username, None, None, &sip).await?;
        Ok(())
    }

    /// A folder that lives as long as the world.
    pub fn scratch_dir(&self, name: &str) -> Result<PathBuf> {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path)?;
        Ok(path)
    }
}
