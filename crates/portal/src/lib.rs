//! Switchboard's portal: the identity broker between providers and the desktop app, and
//! the source of each account's softphone settings.

pub mod account_steps;
pub mod admin;
pub mod audit;
pub mod check;
pub mod clock;
pub mod config;
pub mod crypto;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod log_text;
pub mod login;
pub mod mail;
pub mod notification_emails;
pub mod openapi;
pub mod password;
pub mod password_sign_in;
pub mod providers;
pub mod rate_limit;
pub mod recovery;
mod routes;
pub mod secrets_at_rest;
pub mod security;
pub mod seed;
pub mod server;
pub mod sessions;
pub mod store;
pub mod throttle;
pub mod tickets;
pub mod tokens;
pub mod totp;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use switchboard_api::{paths, SignInOptions};
use tokio::net::TcpListener;
use url::Url;

pub use config::PortalConfig;
pub use error::{PortalError, MAX_BODY_BYTES};

#[derive(Clone)]
pub struct AppState {
    pub store: store::Store,
    /// Every configured provider (names in the security settings, the email-first answer).
    pub sign_in_options: Arc<SignInOptions>,
    /// What `GET /v1/sign-in-options` answers: the providers that serve everyone.
    pub public_sign_in_options: Arc<SignInOptions>,
    pub providers: Arc<providers::Providers>,
    pub clock: clock::SharedClock,
    pub key: crypto::EncryptionKey,
    /// Argon2id verification on a bounded set of blocking threads.
    pub passwords: password::PasswordVerifier,
    /// The portal's issuer identifier (its public URL), sent to the app as `iss`.
    pub issuer: String,
    pub app_scheme: String,
    /// Requests per minute on the endpoints that need no session.
    pub rate_limits: rate_limit::RateLimits,
    /// This instance's leases on the shared request counts.
    pub limiter: Arc<rate_limit::Limiter>,
    /// Where the client's address comes from (the connection, or a trusted proxy's header).
    pub client_addresses: rate_limit::ClientAddressSource,
    /// Outgoing mail (the code confirming a notification email).
    pub mail: Arc<dyn mail::MailSender>,
}

impl AppState {
    /// What password and code checks need.
    pub fn credentials(&self) -> password_sign_in::CredentialContext<'_> {
        password_sign_in::CredentialContext {
            store: &self.store,
            passwords: &self.passwords,
            key: &self.key,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Db(#[from] store::StoreError),
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

pub fn router(state: AppState) -> Router {
    use axum::middleware::from_fn_with_state;
    // The endpoints that need no session, each group behind its rate limit.
    let sign_in = Router::new()
        .route(paths::AUTHORIZE, get(routes::broker::authorize))
        .route(
            paths::PROVIDER_CALLBACK,
            get(routes::broker::callback_query).post(routes::broker::callback_form),
        )
        .route(
            paths::SIGN_IN_OPTIONS_FOR_EMAIL,
            post(routes::sign_in_options::for_email),
        )
        .route_layer(from_fn_with_state(
            (state.clone(), state.rate_limits.sign_in),
            rate_limit::limit,
        ));
    let login = Router::new()
        .route(
            paths::CHOOSE_ACCOUNT,
            post(routes::login_steps::choose_account),
        )
        .route(paths::LINK_ACCOUNT, post(routes::login_steps::link_account))
        .route(paths::CHOOSE_AGAIN, post(routes::login_steps::choose_again))
        .route(paths::PASSWORD_SIGN_IN, post(routes::login_steps::password))
        .route(paths::MFA, post(routes::login_steps::mfa))
        .route_layer(from_fn_with_state(
            (state.clone(), state.rate_limits.login),
            rate_limit::limit,
        ));
    let token = Router::new()
        .route(paths::TOKEN, post(routes::token::token))
        .route(paths::REVOKE, post(routes::token::revoke))
        .route_layer(from_fn_with_state(
            (state.clone(), state.rate_limits.token),
            rate_limit::limit,
        ));
    Router::new()
        .merge(sign_in)
        .merge(login)
        .merge(token)
        .route(paths::HEALTH, get(routes::health::health))
        .route(paths::OPENAPI, get(openapi_json))
        .route(
            paths::SIGN_IN_OPTIONS,
            get(routes::sign_in_options::sign_in_options),
        )
        .route(paths::SIP_PROFILE, get(routes::sip_profile::sip_profile))
        .route(paths::SECURITY, get(routes::security::overview))
        .route(
            paths::AUTHENTICATOR,
            post(routes::security::start_authenticator),
        )
        .route(
            paths::AUTHENTICATOR_CONFIRM,
            post(routes::security::confirm_authenticator),
        )
        .route(
            paths::AUTHENTICATOR_DISABLE,
            post(routes::security::disable_authenticator),
        )
        .route(paths::RECOVERY_CODES, post(routes::security::recovery_codes))
        .route(paths::LINK_PROVIDER_START, post(routes::security::start_link))
        .route(paths::LINK_PROVIDER_REMOVE, post(routes::security::remove_link))
        .route(paths::EMAILS, post(routes::security::add_email))
        .route(paths::EMAILS_REMOVE, post(routes::security::remove_email))
        .route(paths::EMAILS_CONFIRM, post(routes::security::confirm_email))
        .route(paths::SESSIONS_REVOKE, post(routes::security::revoke_session))
        .route(paths::PASSWORD, post(routes::security::change_password))
        .route(paths::CONFIRM, post(routes::security::confirm))
        .fallback(|| async { PortalError::NotFound })
        // Set here, not left to axum's default, so the limit is the one documented.
        .layer(axum::extract::DefaultBodyLimit::max(error::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(error::api_error_bodies))
        .layer(from_fn_with_state(state.clone(), request_context))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                // Path only: query strings carry codes and states, never logged.
                |request: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                },
            ),
        )
        .with_state(state)
}

/// Finds the client's address (the connection's, or the trusted proxy header's) once, for
/// the rate limits, the lockout keys, the audit log and the sessions started; and the
/// client's User-Agent, for the sessions started.
async fn request_context(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let ip = state
        .client_addresses
        .client_address(request.headers(), rate_limit::peer(&request));
    let user_agent = request
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|value| sessions::user_agent_label(&String::from_utf8_lossy(value.as_bytes())));
    audit::in_request(audit::RequestContext { ip, user_agent }, next.run(request)).await
}

async fn openapi_json(State(_): State<AppState>) -> Json<utoipa::openapi::OpenApi> {
    Json(openapi::document())
}

/// A portal bound to its address, ready to serve.
pub struct Portal {
    listener: TcpListener,
    url: Url,
    state: AppState,
    purge_interval: Duration,
    audit_retention_seconds: i64,
    limits: server::ServerLimits,
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
        let store = store::Store::connect(&config.database_url, &config.pool_settings()).await?;
        secrets_at_rest::upgrade(&store, &key).await?;
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
            client_addresses: config.client_address_source()?,
            mail: mail::sender(&config.mail),
        };
        Ok(Self {
            listener,
            url,
            state,
            purge_interval: config.purge_interval(),
            audit_retention_seconds: config.audit_retention_seconds(),
            limits: config.server_limits(),
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
        let limits = self.limits.fitted_to_open_files();
        let served = server::serve(self.listener, router(self.state), limits, shutdown)
            .await
            .map_err(StartError::Serve);
        purge.abort();
        refresh.abort();
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
