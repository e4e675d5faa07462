//! Demo data: one organization whose accounts cover the product's cases. Used by
//! `cargo xtask demo` and by tests; never by a production portal.
//!
//! Matches the identities served by `switchboard-dev-idp` (see README.md's table).

use sqlx::SqlitePool;

use crate::crypto::EncryptionKey;
use crate::db::DbError;
use crate::password::{hash_password, HashError};

pub const DEMO_ORGANIZATION_ID: &str = "acme";
/// The Acme tenant of the development provider's Entra-like profile.
pub const ACME_ENTRA_TENANT: &str = "4f1d6a2e-7b1c-4d3e-9a55-0c1e2f3a4b5c";
/// The demo authenticator secret of `tom` (RFC 4648 base32), so a person can add it to an
/// authenticator app by hand.
pub const DEMO_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXP";

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl From<sqlx::Error> for SeedError {
    fn from(error: sqlx::Error) -> Self {
        Self::Db(DbError::Query(error))
    }
}

pub struct DemoAccount {
    pub id: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub display_name: &'static str,
    pub extension: &'static str,
    pub login_emails: &'static [&'static str],
    pub notification_emails: &'static [&'static str],
    pub has_totp: bool,
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    // An employee with one account.
    DemoAccount {
        id: "acct-alice",
        username: "alice",
        password: "alice-demo-pass",
        display_name: "Alice Archer",
        extension: "201",
        login_emails: &["alice@acme.example"],
        // Receives copies of Alice's voicemail: must never sign in.
        notification_emails: &["nora@acme.example"],
        has_totp: false,
    },
    // A manager whose assistant's address also reaches this account.
    DemoAccount {
        id: "acct-maria",
        username: "maria",
        password: "maria-demo-pass",
        display_name: "Maria Manager",
        extension: "210",
        login_emails: &["maria@acme.example", "adam@acme.example"],
        notification_emails: &[],
        has_totp: false,
    },
    DemoAccount {
        id: "acct-adam",
        username: "adam",
        password: "adam-demo-pass",
        display_name: "Adam Assistant",
        extension: "211",
        login_emails: &["adam@acme.example"],
        notification_emails: &[],
        has_totp: false,
    },
    // An account with an authenticator app.
    DemoAccount {
        id: "acct-tom",
        username: "tom",
        password: "tom-demo-pass",
        display_name: "Tom Token",
        extension: "220",
        login_emails: &["tom@acme.example"],
        notification_emails: &[],
        has_totp: true,
    },
];

/// Which provider is enabled for which of Acme's domains or tenants.
const DEMO_ORGANIZATION_PROVIDERS: &[(&str, &str)] = &[
    ("google", "acme.example"),
    ("microsoft", ACME_ENTRA_TENANT),
    ("apple", "acme.example"),
    ("acme-sso", "acme.example"),
];

/// Writes the demo organization unless it is already there; returns whether it wrote.
pub async fn seed_demo(
    pool: &SqlitePool,
    key: &EncryptionKey,
    now: i64,
) -> Result<bool, SeedError> {
    let existing: Option<(String,)> = sqlx::query_as("SELECT id FROM organizations WHERE id = ?")
        .bind(DEMO_ORGANIZATION_ID)
        .fetch_optional(pool)
        .await?;
    if existing.is_some() {
        return Ok(false);
    }

    // Hash before the transaction: Argon2 is slow on purpose.
    let mut hashes = Vec::with_capacity(DEMO_ACCOUNTS.len());
    for account in DEMO_ACCOUNTS {
        hashes.push(hash_password(account.password)?);
    }

    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO organizations (id, name, require_totp_for_sso, session_idle_seconds, session_absolute_seconds)
         VALUES (?, ?, FALSE, ?, ?)",
    )
    .bind(DEMO_ORGANIZATION_ID)
    .bind("Acme Corp")
    .bind(14 * 24 * 3600_i64)
    .bind(90 * 24 * 3600_i64)
    .execute(&mut *tx)
    .await?;
    for (provider_id, domain_or_tenant) in DEMO_ORGANIZATION_PROVIDERS {
        sqlx::query(
            "INSERT INTO organization_providers (organization_id, provider_id, domain_or_tenant) VALUES (?, ?, ?)",
        )
        .bind(DEMO_ORGANIZATION_ID)
        .bind(provider_id)
        .bind(domain_or_tenant)
        .execute(&mut *tx)
        .await?;
    }
    for (account, password_hash) in DEMO_ACCOUNTS.iter().zip(hashes) {
        let totp = account
            .has_totp
            .then(|| key.encrypt(DEMO_TOTP_SECRET.as_bytes()));
        sqlx::query(
            "INSERT INTO accounts (id, organization_id, username, display_name, extension, password_hash, sso_allowed, totp_secret_encrypted, created_at)
             VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, ?)",
        )
        .bind(account.id)
        .bind(DEMO_ORGANIZATION_ID)
        .bind(account.username)
        .bind(account.display_name)
        .bind(account.extension)
        .bind(password_hash)
        .bind(totp)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let emails = account
            .login_emails
            .iter()
            .map(|email| (email, "login"))
            .chain(
                account
                    .notification_emails
                    .iter()
                    .map(|email| (email, "notification")),
            );
        for (email, purpose) in emails {
            sqlx::query("INSERT INTO account_emails (account_id, email, purpose) VALUES (?, ?, ?)")
                .bind(account.id)
                .bind(email)
                .bind(purpose)
                .execute(&mut *tx)
                .await?;
        }
        let sip_password = format!("demo-sip-{}-{}", account.username, account.extension);
        sqlx::query(
            "INSERT INTO sip_profiles (account_id, sip_user, auth_user, password_encrypted, sip_domain, registrar, outbound_proxy, transport, stun_server, turn_server, voicemail_number, version)
             VALUES (?, ?, ?, ?, 'sip.acme.example', 'sip:sip.acme.example:5061;transport=tls', NULL, 'tls', 'stun:stun.acme.example:3478', NULL, '*97', 1)",
        )
        .bind(account.id)
        .bind(account.extension)
        .bind(format!("{}-auth", account.extension))
        .bind(key.encrypt(sip_password.as_bytes()))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}
