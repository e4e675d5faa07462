//! Demo data: one organization whose accounts cover the product's cases. Used by
//! `cargo xtask demo` and by tests; never by a production portal.
//!
//! Matches the identities served by `switchboard-dev-idp` (see docs/demo.md's tables).

use crate::crypto::Binding;
use crate::crypto::EncryptionKey;
use crate::password::{hash_password, HashError};
use crate::store::{NewAccount, NewOrganization, NewSipProfile, Store, StoreError};

pub const DEMO_ORGANIZATION_ID: &str = "acme";
/// The Acme tenant of the development provider's Entra-like profile.
pub const ACME_ENTRA_TENANT: &str = "4f1d6a2e-7b1c-4d3e-9a55-0c1e2f3a4b5c";
/// The demo accounts' SIP domain (their digest realm).
pub const DEMO_SIP_DOMAIN: &str = "sip.acme.example";
/// The demo accounts register with the Kamailio that `cargo xtask demo` starts on
/// 127.0.0.1 at this port (UDP and TCP), with the credentials of [`demo_sip_credentials`].
pub const DEMO_SIP_PORT: u16 = 5080;
/// The demo authenticator secret of `tom` (RFC 4648 base32), so a person can add it to an
/// authenticator app by hand.
pub const DEMO_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXP";

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("this database holds {others} other organization(s): the demo accounts (with published passwords) are only added to a database of their own. Point `database_url` at an empty database for the demo")]
    NotADemoDatabase { others: i64 },
    #[error(transparent)]
    Db(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    SipCredentials(#[from] crate::sip_credentials::SipCredentialError),
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

/// The SIP digest user and password of a demo account.
pub fn demo_sip_credentials(account: &DemoAccount) -> (String, String) {
    (
        format!("{}-auth", account.extension),
        format!("demo-sip-{}-{}", account.username, account.extension),
    )
}

/// Which provider is enabled for which of Acme's domains or tenants.
const DEMO_ORGANIZATION_PROVIDERS: &[(&str, &str)] = &[
    ("google", "acme.example"),
    ("microsoft", ACME_ENTRA_TENANT),
    ("apple", "acme.example"),
    ("acme-sso", "acme.example"),
];

/// Writes the demo organization unless it is already there; returns whether it wrote.
pub async fn seed_demo(store: &Store, key: &EncryptionKey, now: i64) -> Result<bool, SeedError> {
    // Demo accounts have published passwords: never next to real organizations.
    let others = store.other_organization_count(DEMO_ORGANIZATION_ID).await?;
    if others > 0 {
        return Err(SeedError::NotADemoDatabase { others });
    }
    if store.organization_exists(DEMO_ORGANIZATION_ID).await? {
        return Ok(false);
    }
    // Hash before the transaction: Argon2 is slow on purpose.
    let mut hashes = Vec::with_capacity(DEMO_ACCOUNTS.len());
    for account in DEMO_ACCOUNTS {
        hashes.push(hash_password(account.password)?);
    }
    let totp_secrets: Vec<String> = DEMO_ACCOUNTS
        .iter()
        .map(|account| {
            key.encrypt(
                DEMO_TOTP_SECRET.as_bytes(),
                Binding::totp_secret(account.id),
            )
        })
        .collect();
    let sip_passwords: Vec<String> = DEMO_ACCOUNTS
        .iter()
        .map(|account| {
            key.encrypt(
                demo_sip_credentials(account).1.as_bytes(),
                Binding::sip_password(account.id),
            )
        })
        .collect();
    let auth_users: Vec<String> = DEMO_ACCOUNTS
        .iter()
        .map(|account| demo_sip_credentials(account).0)
        .collect();
    let registrar = format!("sip:127.0.0.1:{DEMO_SIP_PORT};transport=tcp");
    let accounts: Vec<NewAccount<'_>> = DEMO_ACCOUNTS
        .iter()
        .zip(hashes.iter().zip(&totp_secrets))
        .zip(sip_passwords.iter().zip(&auth_users))
        .map(
            |((account, (hash, totp_secret)), (sip_password, auth_user))| NewAccount {
                id: account.id,
                username: account.username,
                display_name: account.display_name,
                extension: account.extension,
                password_hash: hash,
                totp_secret_encrypted: account.has_totp.then_some(totp_secret.as_str()),
                login_emails: account.login_emails,
                notification_emails: account.notification_emails,
                sip: NewSipProfile {
                    sip_user: account.extension,
                    auth_user,
                    password_encrypted: sip_password,
                    sip_domain: DEMO_SIP_DOMAIN,
                    registrar: &registrar,
                    outbound_proxy: None,
                    transport: "tcp",
                    stun_server: Some("stun:stun.acme.example:3478"),
                    turn_server: None,
                    voicemail_number: Some("*97"),
                },
            },
        )
        .collect();
    let organization = NewOrganization {
        id: DEMO_ORGANIZATION_ID,
        name: "Acme Corp",
        require_totp_for_sso: false,
        session_idle_seconds: 14 * 24 * 3600,
        session_absolute_seconds: 90 * 24 * 3600,
        providers: DEMO_ORGANIZATION_PROVIDERS,
    };
    let wrote = store
        .insert_organization_with_accounts(&organization, &accounts, now)
        .await?;
    if wrote {
        // The registrar reads the accounts' static credentials (digests) from here.
        crate::sip_credentials::sync_static_credentials(store, key, None, now).await?;
    }
    Ok(wrote)
}
