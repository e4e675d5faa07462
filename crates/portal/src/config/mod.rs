//! The portal's configuration file (TOML). Secrets never live in it: they come from files
//! it names or from the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use switchboard_api::ProviderKind;
use url::Url;

use crate::crypto::EncryptionKey;
/// Kept here for callers outside this crate that still name it by its old place.
#[doc(hidden)]
pub use crate::private_file::write_private_file;
use crate::store::PoolSettings;

/// Environment variable that may hold the at-rest encryption key (base64, 32 bytes).
pub const ENCRYPTION_KEY_ENV: &str = "SWITCHBOARD_PORTAL_ENCRYPTION_KEY";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the portal configuration {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the portal configuration {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("`[registrar] control_url` is set but `control_token_file` is not: name the file holding the registrar's control token")]
    MissingRegistrarToken,
    #[error("no at-rest encryption key: set `encryption_key_file` in the configuration or the {ENCRYPTION_KEY_ENV} environment variable")]
    MissingEncryptionKey,
    #[error("cannot read the encryption key file {path}: {source}")]
    ReadKey {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the encryption key file {path} can be read by other users (mode {mode:o}): make it private with `chmod 600 {path}`")]
    KeyFileTooOpen { path: PathBuf, mode: u32 },
    #[error("the encryption key is not valid: {0}")]
    InvalidKey(#[from] crate::crypto::CryptoError),
    #[error("`[server] client_address_header = \"{0}\"` is not a header name: name the header your reverse proxy writes the client's address to, such as \"X-Forwarded-For\"")]
    BadClientAddressHeader(String),
}

/// What the configuration file holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalConfig {
    /// The portal's name as users know it.
    pub name: String,
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The URL users and providers reach the portal at; defaults to http://<listen>/.
    pub public_url: Option<Url>,
    /// `sqlite://data/portal.db?mode=rwc` (the default engine) or
    /// `postgres://user@host:5432/switchboard` (several instances on one database).
    pub database_url: String,
    /// Connection pool and housekeeping (`[database]`); every setting has a default.
    #[serde(default)]
    pub database: DatabaseSettings,
    /// The audit log (`[audit]`).
    #[serde(default)]
    pub audit: AuditSettings,
    /// Connections (`[server]`).
    #[serde(default)]
    pub server: ServerSettings,
    /// Requests per minute on the endpoints that need no session (`[rate_limits]`).
    #[serde(default)]
    pub rate_limits: RateLimitSettings,
    /// Outgoing mail (`[mail]`).
    #[serde(default)]
    pub mail: MailSettings,
    /// The SIP registrar's control endpoint (`[registrar]`), told to drop an ended
    /// device's contacts.
    #[serde(default)]
    pub registrar: RegistrarSettings,
    /// Where users can check whether the service is down.
    pub status_page_url: Option<Url>,
    /// File holding the base64 at-rest encryption key; or set the environment variable.
    pub encryption_key_file: Option<PathBuf>,
    #[serde(default)]
    pub providers: Vec<ProviderConfig>,
    #[serde(default = "default_true")]
    pub password_sign_in: bool,
    /// The desktop app's custom URL scheme: `<scheme>://oauth/callback` is the redirect URI
    /// it may use besides loopback ones.
    #[serde(default = "default_app_scheme")]
    pub app_redirect_scheme: String,
}

pub const DEFAULT_APP_SCHEME: &str = "example.switchboard.desktop";

fn default_app_scheme() -> String {
    DEFAULT_APP_SCHEME.to_owned()
}

fn default_true() -> bool {
    true
}

/// The `[registrar]` table: where the registrar (deploy/kamailio) takes contact removals.
/// Without it, an ended device's credential stops working at once but its registration
/// stays in the registrar's location table until it expires.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrarSettings {
    /// `http://127.0.0.1:5070`: the registrar's control listener.
    pub control_url: Option<Url>,
    /// File holding the bearer token the control endpoint expects (private to the
    /// portal's user, as the key file).
    pub control_token_file: Option<PathBuf>,
}

/// The `[database]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connections each instance keeps open at most (default 8).
    pub max_connections: Option<u32>,
    /// Seconds a request waits for a free connection, or the start for the database to
    /// answer, before giving up (default 5).
    pub timeout_seconds: Option<u64>,
    /// PostgreSQL: seconds one statement may run (default 10).
    pub statement_timeout_seconds: Option<u64>,
    /// Seconds between two purges of expired rows (default 300).
    pub purge_interval_seconds: Option<u64>,
}

/// The `[server]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Connections open at once (default 512); one more is answered 503 and closed.
    pub max_connections: Option<usize>,
    /// Seconds a request's head may take to arrive, and an idle connection stays open
    /// (default 10).
    pub header_timeout_seconds: Option<u64>,
    /// Seconds a request's body may take to arrive (default 30).
    pub body_timeout_seconds: Option<u64>,
    /// Password checks that may wait for a hashing thread (default 8 per CPU); one more is
    /// answered 503 with Retry-After at once.
    pub hashing_queue: Option<usize>,
    /// Behind a reverse proxy: the header it puts the client's address in (such as
    /// `X-Forwarded-For`; its last entry, the one the proxy added, is used). Without it the
    /// connection's address is the client's, and no header can change that.
    pub client_address_header: Option<String>,
}

/// The `[rate_limits]` table: requests per minute on the endpoints that need no session,
/// per client address and over all clients, counted in the database so every instance
/// shares them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Starting provider sign-ins and their callbacks (default 60 per client, 6,000 in all).
    pub sign_in: Option<RateLimit>,
    /// Password, authenticator code, account choice and linking steps (default 30 per
    /// client, 3,000 in all).
    pub login: Option<RateLimit>,
    /// Token and revoke requests (default 600 per client, 60,000 in all).
    pub token: Option<RateLimit>,
    /// SCIM requests, per directory token (default 1,200 per token, 60,000 in all).
    pub scim: Option<RateLimit>,
}

impl RateLimitSettings {
    /// The same limits for every group (tests that are not about rate limits raise them
    /// out of the way).
    pub fn every_group(limit: RateLimit) -> Self {
        Self {
            sign_in: Some(limit),
            login: Some(limit),
            token: Some(limit),
            scim: Some(limit),
        }
    }
}

/// One endpoint group's limits, per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub per_client: u32,
    pub global: u32,
}

/// The `[mail]` table: how the portal sends mail (the code that confirms a notification
/// email). Without it, messages are written to the log (development only).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// Development: each message is written as a file to this folder instead of being sent.
    pub outbox: Option<PathBuf>,
}

/// The `[audit]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSettings {
    /// Days an audit event is kept (default 365).
    pub retention_days: Option<u32>,
}

/// Days audit events are kept unless `[audit] retention_days` says otherwise.
pub const DEFAULT_AUDIT_RETENTION_DAYS: u32 = 365;

/// One identity provider the portal is a client of.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The `provider=` value of the authorize endpoint ("google", "acme-sso").
    pub id: String,
    pub kind: ProviderKind,
    /// The label after "Sign in with".
    pub display_name: String,
    /// The OpenID issuer, exactly as the provider's discovery and tokens carry it (a
    /// trailing `/` matters). Entra multi-tenant: `https://login.microsoftonline.com/organizations/v2.0`.
    pub issuer: String,
    pub client_id: String,
    /// File holding the client secret (Apple: the team's ES256 key file, `.p8`).
    pub client_secret_file: Option<PathBuf>,
    /// Apple only: the team id and the key id of the `.p8` key.
    #[serde(default)]
    pub apple_team_id: Option<String>,
    #[serde(default)]
    pub apple_key_id: Option<String>,
    /// How the portal authenticates at the token endpoint (default `client_secret_basic`;
    /// Apple always uses its ES256 client secret).
    #[serde(default)]
    pub token_endpoint_auth_method: Option<ClientAuthMethod>,
    /// `private_key_jwt`: the portal's private key (PKCS#8 PEM; RSA signs RS256, P-256
    /// signs ES256), and the `kid` the provider knows its public key by.
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    #[serde(default)]
    pub private_key_id: Option<String>,
    /// Whether a verified email may match an account without the password step. Default:
    /// on for providers that prove the domain (Google, Microsoft), off for Apple and
    /// company OpenID providers.
    #[serde(default)]
    pub match_by_email: Option<bool>,
    /// Whether the sign-in screen shows this provider's button to everyone. Default: yes for
    /// Google, Microsoft and Apple, no for a company's own OpenID provider (`oidc`), which its
    /// users reach through "Continue with work email".
    #[serde(default)]
    pub shown_to_everyone: Option<bool>,
}

/// Client authentication at a provider's token endpoint (OpenID Connect Core §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    PrivateKeyJwt,
}

impl ClientAuthMethod {
    /// The name discovery's `token_endpoint_auth_methods_supported` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuthMethod::ClientSecretBasic => "client_secret_basic",
            ClientAuthMethod::ClientSecretPost => "client_secret_post",
            ClientAuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

impl ProviderConfig {
    /// A provider with only the required settings.
    pub fn new(id: &str, kind: ProviderKind, issuer: &str, client_id: &str) -> Self {
        Self {
            id: id.to_owned(),
            kind,
            display_name: id.to_owned(),
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            client_secret_file: None,
            apple_team_id: None,
            apple_key_id: None,
            token_endpoint_auth_method: None,
            private_key_file: None,
            private_key_id: None,
            match_by_email: None,
            shown_to_everyone: None,
        }
    }

    /// Whether a verified email matches accounts through this provider (see
    /// `match_by_email`).
    pub fn matches_by_email(&self) -> bool {
        self.match_by_email.unwrap_or(matches!(
            self.kind,
            ProviderKind::Google | ProviderKind::Microsoft
        ))
    }

    /// The configured client authentication, or the default.
    pub fn auth_method(&self) -> ClientAuthMethod {
        self.token_endpoint_auth_method
            .unwrap_or(ClientAuthMethod::ClientSecretBasic)
    }
}

/// `sqlite://data/portal.db?…` names a file relative to `dir`; absolute paths, in-memory
/// databases and other engines are left as they are.
fn sqlite_url_relative_to(url: &str, dir: &Path) -> String {
    let Some(rest) = url.strip_prefix("sqlite://") else {
        return url.to_owned();
    };
    let (file, query) = match rest.split_once('?') {
        Some((file, query)) => (file, Some(query)),
        None => (rest, None),
    };
    if file.is_empty() || file.starts_with(':') || Path::new(file).is_absolute() {
        return url.to_owned();
    }
    let resolved = dir.join(file);
    match query {
        Some(query) => format!("sqlite://{}?{query}", resolved.display()),
        None => format!("sqlite://{}", resolved.display()),
    }
}

impl PortalConfig {
    pub fn pool_settings(&self) -> PoolSettings {
        let defaults = PoolSettings::default();
        PoolSettings {
            max_connections: self
                .database
                .max_connections
                .unwrap_or(defaults.max_connections)
                .max(1),
            acquire_timeout: self
                .database
                .timeout_seconds
                .map_or(defaults.acquire_timeout, Duration::from_secs),
            statement_timeout: self
                .database
                .statement_timeout_seconds
                .map_or(defaults.statement_timeout, Duration::from_secs),
        }
    }

    pub fn purge_interval(&self) -> Duration {
        Duration::from_secs(self.database.purge_interval_seconds.unwrap_or(300).max(1))
    }

    /// Seconds an audit event is kept.
    pub fn audit_retention_seconds(&self) -> i64 {
        i64::from(
            self.audit
                .retention_days
                .unwrap_or(DEFAULT_AUDIT_RETENTION_DAYS)
                .max(1),
        ) * 24
            * 3600
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config: PortalConfig =
            toml::from_str(&text).map_err(|source| ConfigError::Parse {
                path: path.to_owned(),
                source,
            })?;
        // Every relative path in the file is relative to the file.
        if let Some(dir) = path.parent() {
            let resolve = |file: &mut Option<PathBuf>| {
                if let Some(file) = file.as_mut() {
                    if file.is_relative() {
                        *file = dir.join(&*file);
                    }
                }
            };
            resolve(&mut config.encryption_key_file);
            resolve(&mut config.mail.outbox);
            resolve(&mut config.registrar.control_token_file);
            config.database_url = sqlite_url_relative_to(&config.database_url, dir);
            for provider in &mut config.providers {
                resolve(&mut provider.client_secret_file);
                resolve(&mut provider.private_key_file);
            }
        }
        Ok(config)
    }

    /// The at-rest encryption key, from the named file or else the environment.
    pub fn encryption_key(&self) -> Result<EncryptionKey, ConfigError> {
        let encoded = match &self.encryption_key_file {
            Some(path) => {
                refuse_if_readable_by_others(path)?;
                std::fs::read_to_string(path).map_err(|source| ConfigError::ReadKey {
                    path: path.clone(),
                    source,
                })?
            }
            None => {
                std::env::var(ENCRYPTION_KEY_ENV).map_err(|_| ConfigError::MissingEncryptionKey)?
            }
        };
        Ok(EncryptionKey::from_base64(encoded.trim())?)
    }
}

impl PortalConfig {
    /// The registrar's control endpoint and its token, when `[registrar]` names one.
    pub fn registrar_control(&self) -> Result<Option<(Url, String)>, ConfigError> {
        let Some(url) = &self.registrar.control_url else {
            return Ok(None);
        };
        let path = self
            .registrar
            .control_token_file
            .as_ref()
            .ok_or(ConfigError::MissingRegistrarToken)?;
        refuse_if_readable_by_others(path)?;
        let token = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadKey {
            path: path.clone(),
            source,
        })?;
        Ok(Some((url.clone(), token.trim().to_owned())))
    }
}

/// A key file others can read is refused: whoever reads it can decrypt every SIP password
/// and authenticator secret in the database.
fn refuse_if_readable_by_others(path: &Path) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|source| ConfigError::ReadKey {
                path: path.to_owned(),
                source,
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(ConfigError::KeyFileTooOpen {
                path: path.to_owned(),
                mode: mode & 0o777,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests;
