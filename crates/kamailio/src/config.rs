//! What the registrar is told: its listening ports, where its credentials are, its
//! challenge and digest algorithm, its control endpoint. Rendered into the site's file
//! (`switchboard-local.cfg`, see [`crate::local`]) next to the shipped `kamailio.cfg`.

use std::path::PathBuf;

use crate::KamailioError;

/// A digest account: `username` is the authentication user (the profile's `auth_user`),
/// `domain` the realm and AOR domain, `extension` the line (the AOR's user part) these
/// credentials may register and call from: a REGISTER for another line, or a call whose
/// From is another line, is refused with 403.
#[derive(Clone)]
pub struct Account {
    pub username: String,
    pub domain: String,
    pub password: String,
    pub extension: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("username", &self.username)
            .field("domain", &self.domain)
            .field("extension", &self.extension)
            .finish_non_exhaustive()
    }
}

/// Which challenge a REGISTER without credentials gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// 401 with WWW-Authenticate (a registrar).
    Www,
    /// 407 with Proxy-Authenticate (a proxy in front of the registrar).
    Proxy,
}

/// The digest algorithm of the registrar's challenges (one per Kamailio instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Md5,
    /// RFC 8760; only clients that support it can register.
    Sha256,
}

/// The registrar's certificate and key (PEM files) and the port it listens on for TLS.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub port: u16,
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

/// Where the registrar reads digest credentials and the lines calls may be for: tables
/// (or views) named and shaped as the portal's `registrar_credentials_md5`,
/// `registrar_credentials_sha256` (username, domain, ha1, ha1b, extension) and
/// `registrar_lines` (username, domain).
#[derive(Debug, Clone)]
pub enum Credentials {
    /// These accounts, written as db_text tables in the registrar's folder (HA1 digests
    /// only); the lines are their extensions.
    Accounts(Vec<Account>),
    /// A database holding the portal's views, read at every request: a credential
    /// removed from it is refused at once.
    Database(Database),
}

/// A database with the portal's registrar views.
#[derive(Clone, PartialEq, Eq)]
pub struct Database {
    /// `sqlite:///absolute/path.db` or `postgres://user:password@host:port/database`.
    pub url: String,
}

/// Which Kamailio database module reads a [`Database`], and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DatabaseKind {
    /// db_sqlite, opening this file read-only.
    Sqlite { file: String },
    /// db_postgres.
    Postgres,
}

impl Database {
    /// The portal's database as its `database_url` names it (`sqlite://…?mode=rwc`, whose
    /// file the registrar opens read-only, or `postgres://…` as it is).
    pub fn from_portal_url(url: &str) -> Self {
        match url.strip_prefix("sqlite://") {
            Some(rest) => {
                Self::sqlite(std::path::Path::new(rest.split('?').next().unwrap_or(rest)))
            }
            None => Self {
                url: url.to_owned(),
            },
        }
    }

    /// The SQLite database file at `path` (absolute).
    pub fn sqlite(path: &std::path::Path) -> Self {
        Self {
            url: format!("sqlite://{}", path.display()),
        }
    }

    /// The module that reads this database, and the URL as that module's `db_url`.
    pub(crate) fn kamailio_url(&self) -> Result<(DatabaseKind, String), KamailioError> {
        let invalid = |reason: &str| KamailioError::DatabaseUrl {
            reason: reason.to_string(),
        };
        if self
            .url
            .chars()
            .any(|c| matches!(c, '"' | '\\' | '\n' | '\r' | '#'))
        {
            return Err(invalid(
                "it may not contain a quote, a backslash, `#` or a line break",
            ));
        }
        if let Some(rest) = self.url.strip_prefix("sqlite://") {
            if !rest.starts_with('/') || rest.contains('?') {
                return Err(invalid(
                    "a SQLite URL is sqlite:///absolute/path.db (an absolute path, no options)",
                ));
            }
            let file = format!("/{}", rest.trim_start_matches('/'));
            // Kamailio's URL parser takes what follows the third slash as the path.
            let url = format!("sqlite:///{file}");
            return Ok((DatabaseKind::Sqlite { file }, url));
        }
        let rest = self
            .url
            .strip_prefix("postgres://")
            .or_else(|| self.url.strip_prefix("postgresql://"));
        match rest {
            Some(rest) if rest.contains('/') && !rest.contains('?') => {
                Ok((DatabaseKind::Postgres, format!("postgres://{rest}")))
            }
            Some(_) => Err(invalid(
                "a PostgreSQL URL is postgres://user:password@host:port/database (no options)",
            )),
            None => Err(invalid("only sqlite:// and postgres:// URLs are supported")),
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &redact_password(&self.url))
            .finish()
    }
}

/// `scheme://user:***@host/...`: a URL without its password.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_string(),
    }
}

/// The HTTP control endpoint: on `127.0.0.1:port` (TCP), every request must carry
/// `Authorization: Bearer <token>`. `POST /switchboard/unregister` removes one device's
/// contacts; `/RPC` is Kamailio's JSON-RPC.
#[derive(Clone)]
pub struct ControlEndpoint {
    pub port: u16,
    /// Letters, digits and `-._~+/=` only.
    pub token: String,
}

impl std::fmt::Debug for ControlEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlEndpoint")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// One Kamailio registrar: where it runs, what it listens on and whom it accepts.
#[derive(Debug, Clone)]
pub struct RegistrarConfig {
    /// Kamailio's folder: configuration, tables, control socket, log.
    pub dir: PathBuf,
    pub listen_ip: String,
    /// UDP and TCP listen on this port.
    pub port: u16,
    pub tls: Option<TlsFiles>,
    pub credentials: Credentials,
    /// Shorter registrations are answered `423 Interval Too Brief` with this Min-Expires.
    pub min_expires: u32,
    pub challenge: Challenge,
    pub algorithm: DigestAlgorithm,
    /// The HTTP control endpoint, off when `None`.
    pub control: Option<ControlEndpoint>,
    /// Another table or view to read the credentials from than the algorithm's
    /// `registrar_credentials_*` (same columns): letters, digits and `_` only.
    pub credentials_table: Option<String>,
}

impl RegistrarConfig {
    /// A registrar on 127.0.0.1 for these accounts (db_text), with MD5 and 401
    /// challenges, no TLS, no minimum interval, no control endpoint.
    pub fn new(dir: PathBuf, port: u16, accounts: Vec<Account>) -> Self {
        Self {
            dir,
            listen_ip: "127.0.0.1".into(),
            port,
            tls: None,
            credentials: Credentials::Accounts(accounts),
            min_expires: 0,
            challenge: Challenge::Www,
            algorithm: DigestAlgorithm::Md5,
            control: None,
            credentials_table: None,
        }
    }

    pub(crate) fn control_socket(&self) -> PathBuf {
        self.dir.join("kamailio_ctl")
    }

    pub(crate) fn db_dir(&self) -> PathBuf {
        self.dir.join("db")
    }

    pub(crate) fn tls_config_path(&self) -> PathBuf {
        self.dir.join("tls.cfg")
    }

    pub(crate) fn tls_cfg(&self) -> Option<String> {
        self.tls.as_ref().map(|tls| {
            format!(
                "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\nprivate_key = {}\ncertificate = {}\n\n[client:default]\nverify_certificate = no\nrequire_certificate = no\n",
                tls.private_key.display(),
                tls.certificate.display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_become_kamailios_four_slash_form() {
        let database = Database {
            url: "sqlite:///var/lib/switchboard/portal.db".into(),
        };
        let (kind, url) = database.kamailio_url().unwrap();
        assert_eq!(url, "sqlite:////var/lib/switchboard/portal.db");
        assert_eq!(
            kind,
            DatabaseKind::Sqlite {
                file: "/var/lib/switchboard/portal.db".into()
            }
        );
        let from_path = Database::sqlite(std::path::Path::new("/tmp/p.db"));
        assert_eq!(from_path.kamailio_url().unwrap().1, "sqlite:////tmp/p.db");
    }

    #[test]
    fn postgres_urls_are_kept_and_others_refused() {
        let database = Database {
            url: "postgresql://kamailio:s3cret@db:5432/portal".into(),
        };
        assert_eq!(
            database.kamailio_url().unwrap(),
            (
                DatabaseKind::Postgres,
                "postgres://kamailio:s3cret@db:5432/portal".into()
            )
        );
        for url in [
            "sqlite://relative.db",
            "mysql://a@b/c",
            "postgres://a@b/c?sslmode=require",
            "postgres://a:\"@b/c",
        ] {
            let database = Database { url: url.into() };
            assert!(database.kamailio_url().is_err(), "{url}");
        }
    }

    #[test]
    fn debug_output_has_no_password_or_token() {
        let database = Database {
            url: "postgres://kamailio:s3cret@db:5432/portal".into(),
        };
        let control = ControlEndpoint {
            port: 5081,
            token: "t0ken-value".into(),
        };
        let text = format!("{database:?} {control:?}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(!text.contains("t0ken-value"), "{text}");
        assert!(
            text.contains("postgres://kamailio:***@db:5432/portal"),
            "{text}"
        );
    }

    #[test]
    fn the_account_debug_output_has_no_password() {
        let account = Account {
            username: "201-auth".into(),
            domain: "sip.acme.example".into(),
            password: "pa:ss".into(),
            extension: "201".into(),
        };
        assert!(!format!("{account:?}").contains("pa:ss"));
    }
}
