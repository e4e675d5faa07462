//! The one place a test makes a portal's configuration. A test portal listens on a free
//! loopback port, keeps its database (SQLite, or PostgreSQL when the run names one in
//! `SWITCHBOARD_TEST_POSTGRES`) and its encryption key in the test's folder, signs in with
//! passwords, writes its mail to files there, and puts no rate limit in the way; a test
//! changes the fields it is about (the fields are plain).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use switchboard_api::ProviderKind;
use switchboard_portal::config::{
    MailSettings, PortalConfig, ProviderConfig, RateLimit, RateLimitSettings, DEFAULT_APP_SCHEME,
};
use switchboard_portal::crypto::EncryptionKey;
use switchboard_portal::private_file::write_private_file;

/// A portal for tests, with its data in `dir` and no provider.
pub fn test_portal_config(dir: &Path) -> Result<PortalConfig> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key_file = dir.join("encryption.key");
    if !key_file.exists() {
        write_private_file(&key_file, EncryptionKey::generate_base64().as_bytes())
            .with_context(|| format!("cannot write {}", key_file.display()))?;
    }
    Ok(PortalConfig {
        name: "Test Phones".into(),
        listen: "127.0.0.1:0".parse()?,
        public_url: None,
        database_url: test_database_url(dir)?,
        status_page_url: None,
        encryption_key_file: Some(key_file),
        providers: Vec::new(),
        password_sign_in: true,
        app_redirect_scheme: DEFAULT_APP_SCHEME.into(),
        database: Default::default(),
        audit: Default::default(),
        server: Default::default(),
        // Many sign-ins a minute from one address: tests about limits set their own.
        rate_limits: RateLimitSettings::every_group(RateLimit {
            per_client: 1_000_000,
            global: 1_000_000,
        }),
        registrar: Default::default(),
        // Mail (the code confirming a notification email) lands in files the tests read.
        mail: MailSettings {
            outbox: Some(dir.join("mail")),
        },
    })
}

/// The database of the portal whose data is in `dir`: made on first use, the same one
/// whenever the portal starts again from that folder.
pub fn test_database_url(dir: &Path) -> Result<String> {
    let remembered = dir.join("database-url");
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return Ok(url);
    }
    let url = switchboard_portal::store::testing::test_database_url(dir)?;
    std::fs::write(&remembered, &url)
        .with_context(|| format!("cannot write {}", remembered.display()))?;
    Ok(url)
}

/// An OpenID provider at `issuer` for the portal, as dev-idp's client (`portal`), matching
/// accounts by email; `secret_file` holds the client secret, if it has one.
pub fn test_provider(
    id: &str,
    kind: ProviderKind,
    display_name: &str,
    issuer: &str,
    secret_file: Option<PathBuf>,
) -> Result<ProviderConfig> {
    Ok(ProviderConfig {
        id: id.into(),
        kind,
        display_name: display_name.into(),
        issuer: issuer
            .parse()
            .with_context(|| format!("the issuer {issuer} is not a URL"))?,
        client_id: switchboard_dev_idp::CLIENT_ID.into(),
        client_secret_file: secret_file,
        apple_team_id: None,
        apple_key_id: None,
        shown_to_everyone: None,
        token_endpoint_auth_method: None,
        private_key_file: None,
        private_key_id: None,
        match_by_email: Some(true),
    })
}

/// A company provider ("Acme SSO", `acme-sso`) at an address nothing answers on: for tests
/// of everything but signing in with it. It matches no account by email.
pub fn unreachable_provider(issuer: &str) -> Result<ProviderConfig> {
    let mut provider = test_provider("acme-sso", ProviderKind::Oidc, "Acme SSO", issuer, None)?;
    provider.client_id = "portal".into();
    provider.match_by_email = None;
    Ok(provider)
}
