//! The portal's database as the registrar sees it: just enough of `accounts`,
//! `sessions` and `sip_profiles` for migration 0011, then migration 0011 itself, verbatim
//! (its `sip_credentials` and the registrar's three views).

use sqlx::{Connection, PgConnection, SqliteConnection};
use switchboard_kamailio::{ha1, DigestAlgorithm};

use super::sip::{unique, DOMAIN};

const MIGRATION_0011: &str =
    include_str!("../../../portal/migrations/0011_device_sip_credentials.sql");

/// The tables 0011 refers to, reduced to the columns these tests use.
const BEFORE_0011: &str = "
CREATE TABLE accounts (id TEXT PRIMARY KEY);
CREATE TABLE sessions (id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts (id));
CREATE TABLE sip_profiles (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    sip_user TEXT NOT NULL,
    sip_domain TEXT NOT NULL
);
";

enum Link {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// A connection to a portal database, used from synchronous tests.
pub struct Portal {
    runtime: tokio::runtime::Runtime,
    connection: Link,
}

impl Portal {
    /// A new SQLite database file at `path`, with the schema.
    pub fn sqlite(path: &std::path::Path) -> Self {
        let runtime = runtime();
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let connection = runtime
            .block_on(SqliteConnection::connect(&url))
            .expect("the SQLite database");
        let mut portal = Self {
            runtime,
            connection: Link::Sqlite(connection),
        };
        // As the portal keeps it.
        portal.execute("PRAGMA journal_mode = WAL;");
        portal.create_schema();
        portal
    }

    /// A new database on the PostgreSQL cluster of `admin_url`, with the schema; its URL.
    pub fn postgres(admin_url: &str) -> (Self, String) {
        let runtime = runtime();
        let name = format!("kamailio_test_{}", unique());
        let url = runtime.block_on(async {
            let mut admin = PgConnection::connect(admin_url)
                .await
                .expect("the PostgreSQL admin database");
            sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("a new database");
            let _ = admin.close().await;
            with_database(admin_url, &name)
        });
        let connection = runtime
            .block_on(PgConnection::connect(&url))
            .expect("the new database");
        let mut portal = Self {
            runtime,
            connection: Link::Postgres(connection),
        };
        portal.create_schema();
        (portal, url)
    }

    fn create_schema(&mut self) {
        self.execute(BEFORE_0011);
        self.execute(MIGRATION_0011);
    }

    /// Runs SQL statements.
    pub fn execute(&mut self, sql: &str) {
        let result = match &mut self.connection {
            Link::Sqlite(connection) => self
                .runtime
                .block_on(sqlx::raw_sql(sql).execute(connection))
                .map(|_| ()),
            Link::Postgres(connection) => self
                .runtime
                .block_on(sqlx::raw_sql(sql).execute(connection))
                .map(|_| ()),
        };
        if let Err(error) = result {
            panic!("{sql}: {error}");
        }
    }

    /// An account whose line is `line`@DOMAIN.
    pub fn add_line(&mut self, account_id: &str, line: &str) {
        self.execute(&format!(
            "INSERT INTO accounts (id) VALUES ('{account_id}');
             INSERT INTO sip_profiles (account_id, sip_user, sip_domain)
                 VALUES ('{account_id}', '{line}', '{DOMAIN}');"
        ));
    }

    /// A signed-in device's credential for the account's line: its session and its HA1s.
    pub fn add_device(&mut self, account_id: &str, line: &str, auth_user: &str, password: &str) {
        let session = format!("session-{auth_user}");
        let md5 = ha1(DigestAlgorithm::Md5, auth_user, DOMAIN, password);
        let sha256 = ha1(DigestAlgorithm::Sha256, auth_user, DOMAIN, password);
        self.execute(&format!(
            "INSERT INTO sessions (id, account_id) VALUES ('{session}', '{account_id}');
             INSERT INTO sip_credentials (auth_user, account_id, session_id, realm, aor_user,
                 ha1_md5, ha1_sha256, password_encrypted, created_at)
                 VALUES ('{auth_user}', '{account_id}', '{session}', '{DOMAIN}', '{line}',
                     '{md5}', '{sha256}', 'not-for-the-registrar', 0);"
        ));
    }

    /// The device's session ends: its credential is gone.
    pub fn remove_device(&mut self, auth_user: &str) {
        self.execute(&format!(
            "DELETE FROM sip_credentials WHERE auth_user = '{auth_user}';"
        ));
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

/// `admin_url` with its database (path) replaced by `name`.
pub fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..host_end])
}
