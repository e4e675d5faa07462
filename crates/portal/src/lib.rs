//! Switchboard's portal: the identity broker between providers and the desktop app, and
//! the source of each account's softphone settings.

pub mod admin;
pub mod audit;
pub mod check;
pub mod clock;
pub mod config;
pub mod crypto;
mod error;
pub mod events;
#[doc(hidden)]
pub mod fuzzing;
pub mod log_text;
pub mod mail;
pub mod notification_emails;
pub mod password;
pub mod private_file;
pub mod providers;
pub mod rate_limit;
pub mod recovery;
pub mod registrar;
pub mod request;
mod routes;
pub mod scim;
pub mod secrets_at_rest;
pub mod security;
pub mod seed;
pub mod server;
pub mod signin;
pub mod sip_credentials;
pub mod state;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod totp;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use url::Url;

pub use config::PortalConfig;
pub use error::{PortalError, MAX_BODY_BYTES};
pub use routes::{openapi, router};
pub use state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Db(#[from] store::StoreError),
    #[error("cannot use the registrar's control endpoint: {0}")]
    RegistrarControl(#[from] registrar::ControlError),
    #[error("cannot bring the registrar's SIP credentials up to date: {0}")]
    SipCredentials(#[from] sip_credentials::SipCredentialError),
    #[error("cannot listen on {addr}: {source} (is another portal already running?)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Provider(#[from] providers::ProviderError),
    #[error("cannot form the portal's URL from its address: {0}")]
    LocalUrl(url::ParseError),
    #[error("the portal stopped with an error: {0}")]
    Serve(std::io::Error),
}

/// A portal bound to its address, ready to serve.
pub struct Portal {
    listener: TcpListener,
    url: Url,
    state: AppState,
    purge_interval: Duration,
    audit_retention_seconds: i64,
    limits: server::ServerLimits,
    registrar_control: Option<registrar::RegistrarControl>,
}

impl Portal {
    /// Opens the database (running migrations) and binds the listen address.
    pub async fn bind(config: &PortalConfig) -> Result<Self, StartError> {
        Self::bind_with_clock(config, Arc::new(clock::SystemClock)).await
    }

    /// As `bind`, with the clock every time-dependent decision reads (tests set it).
    pub async fn bind_with_clock(
        config: &PortalConfig,
        clock: clock::SharedClock,
    ) -> Result<Self, StartError> {
        let key = config.encryption_key()?;
        let registrar_control = config
            .registrar_control()?
            .map(|(url, token)| registrar::RegistrarControl::new(&url, token))
            .transpose()?;
        let store = store::Store::connect(&config.database_url, &config.pool_settings()).await?;
        secrets_at_rest::upgrade(&store, &key).await?;
        // Static credentials of profiles written before the registrar read the database
        // (or by a portal that stopped between a profile and its credential).
        sip_credentials::sync_static_credentials(&store, &key, None, clock.now()).await?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let local = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
        let url = match &config.public_url {
            Some(url) => url.clone(),
            None => Url::parse(&format!("http://{local}/")).map_err(StartError::LocalUrl)?,
        };
        let providers =
            providers::Providers::new(&config.providers, url.clone(), Arc::clone(&clock))?;
        let passwords = password::PasswordVerifier::for_this_machine(config.server.hashing_queue);
        passwords.prepare().await;
        let state = AppState {
            store,
            sign_in_options: Arc::new(routes::sign_in_options::from_config(config)),
            public_sign_in_options: Arc::new(routes::sign_in_options::public_from_config(config)),
            providers: Arc::new(providers),
            clock,
            key,
            passwords,
            issuer: url.to_string(),
            app_scheme: config.app_redirect_scheme.clone(),
            rate_limits: rate_limit::RateLimits::from_settings(&config.rate_limits),
            limiter: Arc::new(rate_limit::Limiter::new()),
            client_addresses: request::ClientAddressSource::from_settings(&config.server)?,
            mail: mail::sender(&config.mail),
            events: events::EventHub::new(),
        };
        Ok(Self {
            listener,
            url,
            state,
            purge_interval: config.purge_interval(),
            audit_retention_seconds: config.audit_retention_seconds(),
            limits: server::ServerLimits::from_settings(&config.server),
            registrar_control,
        })
    }

    /// The URL users and providers reach it at (`public_url`, else the listen address).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The address this instance listens on (behind a load balancer, not `url`).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn store(&self) -> &store::Store {
        &self.state.store
    }

    pub fn encryption_key(&self) -> &crypto::EncryptionKey {
        &self.state.key
    }

    /// Serves until `shutdown` completes; meanwhile purges expired rows every
    /// `purge_interval_seconds`.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let purge = tokio::spawn(purge_periodically(
            self.state.store.clone(),
            Arc::clone(&self.state.clock),
            self.purge_interval,
            self.audit_retention_seconds,
        ));
        let refresh = tokio::spawn(check_and_refresh_providers(Arc::clone(
            &self.state.providers,
        )));
        let events = tokio::spawn(events::follow(
            self.state.store.clone(),
            self.state.events.clone(),
        ));
        let outbox = tokio::spawn(registrar::drain_outbox(
            self.state.store.clone(),
            Arc::clone(&self.state.clock),
            self.registrar_control,
        ));
        let limits = self.limits.fitted_to_open_files();
        let served = server::serve(self.listener, router(self.state), limits, shutdown)
            .await
            .map_err(StartError::Serve);
        purge.abort();
        refresh.abort();
        outbox.abort();
        events.abort();
        served
    }
}

/// At start, checks every provider and logs what is wrong (the portal serves anyway:
/// a provider that is down may come back); then fetches discovery and keys again every
/// [`providers::METADATA_MAX_AGE`] seconds.
async fn check_and_refresh_providers(providers: Arc<providers::Providers>) {
    check::log_provider_reports(&providers.check().await);
    let every = Duration::from_secs(providers::METADATA_MAX_AGE.unsigned_abs());
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        providers.refresh_all().await;
    }
}

/// Deletes expired rows now and then. Instances need not agree on who does it: purging
/// twice is harmless. A database outage is logged and the next round tries again.
async fn purge_periodically(
    store: store::Store,
    clock: clock::SharedClock,
    every: Duration,
    audit_retention_seconds: i64,
) {
    // The first purge one period after start: a portal that just started has little to do.
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.purge_expired(clock.now()).await {
            Ok(report) if report.total() > 0 => {
                tracing::info!(?report, "purged expired rows");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "purging expired rows failed; trying again later"),
        }
        match store
            .purge_audit(clock.now() - audit_retention_seconds)
            .await
        {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "deleted audit events past their retention"),
            Err(error) => {
                tracing::warn!(%error, "deleting old audit events failed; trying again later")
            }
        }
    }
}
