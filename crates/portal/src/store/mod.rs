//! The data layer: every query the portal runs lives under this module, grouped by what
//! the data is. Route handlers and the sign-in logic call it and hold no SQL.
//!
//! Two backends, chosen by `database_url`: SQLite (`sqlite://…`, the embedded default for
//! the demo and small offices) and PostgreSQL (`postgres://…`, production, where several
//! portal instances share one database). Each query and each migration is written once, in
//! SQL both engines run (numbered `$1` parameters, `ON CONFLICT`, `RETURNING`, `BIGINT`
//! times), and compiled against each engine's own driver by [`on_backend!`], so types are
//! checked per engine and neither pays for a translation layer. The statements several
//! writes share are the methods of `statements::Statements`, generic over the driver; every
//! administrator's change goes through `admin::write_with_audit`.
//!
//! Everything single-use or counted is one atomic statement (`UPDATE … WHERE used_at IS
//! NULL RETURNING …`) or done under a row lock that the transaction's first statement takes
//! (an `UPDATE` or an upsert: on SQLite that first write takes the database's write lock),
//! never a read followed by a write, so it holds with many instances on one database.

mod account_statements;
mod accounts;
mod admin;
mod audit;
mod authenticator;
mod broker;
mod changes;
mod domains;
mod links;
mod notification_emails;
mod purge;
mod secrets;
mod session_events;
mod sessions;
mod sip_credentials;
mod statements;
mod step_up;
pub mod testing;
mod throttles;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use accounts::{
    AccountCredentials, AccountEmailRow, EmailMatchRow, MatchedAccountRow, NewAccount,
    NewOrganization, NewSipProfile, SipProfileRow,
};
pub use admin::{
    AccountChange, AccountRow, DirectoryAccountRow, DirectoryChange, DirectoryFields,
    DirectoryLookup, DirectoryReplaced, EmailPairRow, EnabledProviderRow, ExtensionChoice,
    ImportAccount, ImportIdentity, ImportPlan, ImportUpdate, NewScimToken, OrganizationRow,
    PolicyChange, ScimSettingsRow, ScimTokenRow,
};
pub use audit::{AuditFilter, AuditRow};
pub use authenticator::TotpState;
pub use broker::{ClaimedCode, NewPendingAuthorization, PendingAuthorization, TicketRow};
pub use changes::{Ended, EndedLink, UnlinkAudit};
pub use links::{LinkOrigin, LinkRow, NewLink};
pub use notification_emails::AddedEmail;
pub use purge::{PurgeReport, REGISTRAR_REMOVAL_RETENTION_SECONDS};
pub use secrets::SecretColumn;
pub use session_events::{SessionEventRow, SessionStanding};
pub use sessions::{NewSession, PresentedRefreshToken, SessionLink, SessionRow};
pub use sip_credentials::{
    DeviceCredentialRow, NewSipCredential, RegistrarCredentialRow, RegistrarRemoval,
    StaticCredentialRow, StaticCredentialSource,
};
pub use throttles::{AttemptCount, AttemptKey};

/// Runs `$body` once per backend with `$pool` bound to that backend's pool: the SQL is
/// written once and type-checked against both drivers. On SQLite this is the one writing
/// connection: any statement may run here.
macro_rules! on_backend {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite { writer: $pool, .. } => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_backend;

/// [`on_backend!`] for a single `SELECT` on a busy path (every refresh, every API call): on
/// SQLite it runs on the reading connections, beside the writer, instead of queueing for it.
/// Never for a statement that writes, nor inside a transaction.
macro_rules! on_backend_reading {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite { readers: $pool, .. } => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_backend_reading;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database URL must start with sqlite:// or postgres:// (it starts with {0:?})")]
    UnsupportedUrl(String),
    #[error("the database URL is not valid: {0}")]
    BadUrl(sqlx::Error),
    #[error("cannot open the database {url}: {source}. Check `database_url` in the configuration and that the database server is running and reachable")]
    Unreachable { url: String, source: sqlx::Error },
    #[error("cannot make the database file {path} private to this user: {source}")]
    FilePermissions {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the database schema is at version {version}, newer than this portal understands: run the portal release that upgraded it (or a newer one)")]
    SchemaTooNew { version: i64 },
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// The database went away while serving: answered with 503 and Retry-After; the pool
    /// reconnects by itself when it returns.
    #[error("the database is unavailable: {0}")]
    Unavailable(sqlx::Error),
    /// Text the database cannot store (PostgreSQL refuses a NUL byte): bad input, not an
    /// outage.
    #[error("the request holds a character that cannot be stored")]
    UnstorableText,
    #[error("database query failed: {0}")]
    Query(sqlx::Error),
    #[error("cannot encode or decode a stored value: {0}")]
    Encode(String),
    /// A write that would make a second row where one may exist (a username, an external
    /// id, a token name): someone else wrote it first.
    #[error("{0}")]
    Conflict(String),
    /// A session for an account its organization's directory turned off.
    #[error("the account is deactivated")]
    AccountDeactivated,
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            Self::Unavailable(error)
        } else if is_unstorable_text(&error) {
            Self::UnstorableText
        } else if let sqlx::Error::Database(database) = &error {
            if database.is_unique_violation() {
                Self::Conflict(database.message().to_owned())
            } else {
                Self::Query(error)
            }
        } else {
            Self::Query(error)
        }
    }
}

impl StoreError {
    pub(crate) fn encode(error: impl std::fmt::Display) -> Self {
        Self::Encode(error.to_string())
    }
}

/// PostgreSQL's "character not in repertoire" (22021): a NUL byte in a text parameter.
fn is_unstorable_text(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.code().as_deref() == Some("22021"))
}

/// Errors that mean "the database cannot be reached now", as opposed to a bad query.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database) => {
            let code = database.code().unwrap_or_default();
            if database
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some()
            {
                // SQLite: busy or locked (primary codes 5 and 6) after the busy timeout.
                let primary = code.parse::<i32>().ok().map(|code| code & 0xff);
                return matches!(primary, Some(5 | 6));
            }
            // PostgreSQL: connection exceptions (08…), shutting down or starting up (57P…),
            // a statement over its timeout (57014), too many connections (53300),
            // serialization and deadlock retries (40…).
            code.starts_with("08")
                || code.starts_with("57P")
                || code == "57014"
                || code.starts_with("40")
                || code == "53300"
        }
        _ => false,
    }
}

/// How many connections an instance keeps and how long a request waits for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// Waiting for a free connection (and for the database to answer at start).
    pub acquire_timeout: Duration,
    /// PostgreSQL: the longest one statement may run.
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub(crate) enum Backend {
    /// SQLite lets one connection write at a time. With several writing connections, the
    /// ones that lose wait in SQLite's busy handler, which sleeps in steps up to 100 ms:
    /// that was most of the refresh grant's p99 under load. So one connection writes (and
    /// runs everything not marked as a read), and callers queue for it in order; the
    /// `readers` (WAL: they never wait for the writer) answer the hot `SELECT`s.
    Sqlite {
        writer: SqlitePool,
        readers: SqlitePool,
    },
    Postgres(PgPool),
}

/// The portal's database. Cheap to clone (the pools are shared).
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

/// One set of migrations in portable SQL, run on either engine (each keeps its own record of
/// what it applied).
static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which engine a `database_url` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            other => Err(StoreError::UnsupportedUrl(other.to_owned())),
        }
    }
}

/// The URL without its password and without its parameters (which may hold one, as
/// `?password=`), for messages and logs.
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.set_query(None);
            parsed.to_string()
        }
        Err(_) => url.split('?').next().unwrap_or_default().to_owned(),
    }
}

impl Store {
    /// Opens the database named by `database_url` and brings its schema up to date. Several
    /// instances may start at once: PostgreSQL migrations run under an advisory lock.
    pub async fn connect(database_url: &str, settings: &PoolSettings) -> Result<Self, StoreError> {
        let unreachable = |source| StoreError::Unreachable {
            url: redacted_url(database_url),
            source,
        };
        let backend = match Engine::of_url(database_url)? {
            Engine::Sqlite => {
                let options = SqliteConnectOptions::from_str(database_url)
                    .map_err(StoreError::BadUrl)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(settings.acquire_timeout);
                let in_memory = is_in_memory(database_url);
                if !in_memory {
                    make_private(options.get_filename())?;
                }
                let writer = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(settings.acquire_timeout)
                    .connect_with(options.clone())
                    .await
                    .map_err(unreachable)?;
                // An in-memory database lives in its connections: the writer's one is all.
                let readers = if in_memory {
                    writer.clone()
                } else {
                    SqlitePoolOptions::new()
                        .max_connections(settings.max_connections)
                        .acquire_timeout(settings.acquire_timeout)
                        .connect_with(options)
                        .await
                        .map_err(unreachable)?
                };
                Backend::Sqlite { writer, readers }
            }
            Engine::Postgres => {
                let statement_timeout = format!("{}ms", settings.statement_timeout.as_millis());
                let options = PgConnectOptions::from_str(database_url)
                    .map_err(StoreError::BadUrl)?
                    .options([("statement_timeout", statement_timeout.as_str())]);
                let pool = PgPoolOptions::new()
                    .max_connections(settings.max_connections)
                    .acquire_timeout(settings.acquire_timeout)
                    .connect_with(options)
                    .await
                    .map_err(unreachable)?;
                Backend::Postgres(pool)
            }
        };
        let store = Self { backend };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let result = on_backend!(self, pool => MIGRATIONS.run(pool).await);
        result.map_err(|error| match error {
            // A version applied to the database that this binary does not have.
            sqlx::migrate::MigrateError::VersionMissing(version) => {
                StoreError::SchemaTooNew { version }
            }
            other => StoreError::Migrate(other),
        })
    }

    pub fn engine(&self) -> Engine {
        match self.backend {
            Backend::Sqlite { .. } => Engine::Sqlite,
            Backend::Postgres(_) => Engine::Postgres,
        }
    }

    /// The database answers: used by the health check.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Closes every connection (tests and shutdown).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { writer, readers } => {
                readers.close().await;
                writer.close().await;
            }
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

/// `sqlite::memory:`, or a URL whose `mode=memory` asks for the same: a database that lives
/// only in its connections (and has no file to make private).
fn is_in_memory(database_url: &str) -> bool {
    database_url.contains(":memory:") || database_url.contains("mode=memory")
}

/// The SQLite file holds hashed tokens and encrypted secrets: it is created readable by
/// this user only (SQLite gives its -wal and -shm files the same mode), and an existing
/// file readable by others is made private.
fn make_private(path: &std::path::Path) -> Result<(), StoreError> {
    let error = |source| StoreError::FilePermissions {
        path: path.to_owned(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.permissions().mode() & 0o077 != 0 => {
                tracing::warn!(path = %path.display(), "the database file was readable by others: made it private");
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                    .map_err(error)?;
            }
            Ok(_) => {}
            Err(missing) if missing.kind() == std::io::ErrorKind::NotFound => {
                let created = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path);
                match created {
                    // No such folder: opening the database says so.
                    Err(no_folder) if no_folder.kind() == std::io::ErrorKind::NotFound => {}
                    other => {
                        other.map_err(error)?;
                    }
                }
            }
            Err(other) => return Err(error(other)),
        }
    }
    #[cfg(not(unix))]
    let _ = error;
    Ok(())
}

/// Identity JSON as stored in the broker's and sessions' tables.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::encode)
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(StoreError::encode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_by_url() {
        assert_eq!(
            Engine::of_url("sqlite://x.db?mode=rwc").unwrap(),
            Engine::Sqlite
        );
        assert_eq!(
            Engine::of_url("postgres://u@h/db").unwrap(),
            Engine::Postgres
        );
        assert_eq!(
            Engine::of_url("postgresql://u@h/db").unwrap(),
            Engine::Postgres
        );
        let error = Engine::of_url("mysql://u@h/db").unwrap_err();
        assert!(error.to_string().contains("\"mysql\""), "{error}");
    }

    #[test]
    fn passwords_never_reach_messages() {
        let shown = redacted_url("postgres://portal:s3cret@db.example:5432/switchboard");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.example:5432/switchboard"), "{shown}");
        let shown = redacted_url("postgres://portal@db.example/switchboard?password=s3cret");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.example/switchboard"), "{shown}");
    }
}
