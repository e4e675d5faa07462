//! From a verified provider identity to a login step, by DESIGN.md's matching rules:
//! 1. an identity already linked (issuer + subject) reaches exactly its linked accounts;
//! 2. otherwise a verified, trusted email reaches the accounts whose *login* emails equal
//!    it, only where the account's organization enabled that provider for that domain or
//!    tenant and the account may use SSO; the match is recorded as a link;
//! 3. otherwise the identity must be linked with the account's password.
//!
//! Notification-only emails never match.

use sqlx::SqlitePool;
use switchboard_api::{AccountChoice, LinkReason, LoginStep};

use crate::db::DbError;
use crate::providers::ProviderIdentity;
use crate::sessions::{self, SessionError};
use crate::tokens::{constant_time_eq, new_token, pkce_s256, token_hash, TokenKind};

/// Seconds a one-time code handed to the app lives.
pub const CODE_LIFETIME: i64 = 60;
/// Seconds a login ticket (choose, link, authenticator code) lives.
pub const TICKET_LIFETIME: i64 = 600;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("this sign-in code is not valid: start signing in again")]
    UnknownCode,
    #[error("this sign-in code was already used: start signing in again")]
    CodeReplayed,
    #[error("this sign-in code has expired: start signing in again")]
    CodeExpired,
    #[error("this sign-in code was issued for another redirect URI")]
    RedirectMismatch,
    #[error("the PKCE code verifier is missing or does not match the challenge")]
    VerifierMismatch,
    #[error("this sign-in step has expired or was already used: start signing in again")]
    TicketInvalid,
    #[error("that account was not offered in this sign-in: start signing in again")]
    AccountNotOffered,
    #[error("the username, password or authenticator code is wrong. If the account has an authenticator app, enter its current code too")]
    InvalidCredentials,
    #[error("the username or password is wrong")]
    InvalidPassword,
    #[error("no account is linked to this sign-in any more: sign in again")]
    NoLinkedAccount,
    #[error("that code is wrong or was already used: enter the current code from your authenticator app, or one of your recovery codes")]
    InvalidCode,
    #[error("{}", crate::throttle::retry_message(*retry_after))]
    TooManyAttempts { retry_after: i64 },
    #[error("your administrator does not allow signing in to this account through a provider: sign in with its username and password")]
    SsoNotAllowed,
    #[error("you signed in with a username and password, so there is no other account to choose: use \"Add another account\" instead")]
    NotFromProvider,

    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for LoginError {
    fn from(error: sqlx::Error) -> Self {
        Self::Db(DbError::Query(error))
    }
}

/// Mints the one-time code the app redeems, bound to its PKCE challenge and redirect URI.
pub async fn issue_code(
    pool: &SqlitePool,
    identity: &ProviderIdentity,
    app_redirect_uri: &str,
    app_code_challenge: &str,
    link_account_id: Option<&str>,
    now: i64,
) -> Result<String, LoginError> {
    let code = new_token(TokenKind::AuthorizationCode);
    let identity = serde_json::to_string(identity).map_err(|e| DbError::Encode(e.to_string()))?;
    sqlx::query(
        "INSERT INTO authorization_codes (code_hash, app_redirect_uri, app_code_challenge, identity, created_at, expires_at, link_account_id)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(token_hash(&code))
    .bind(app_redirect_uri)
    .bind(app_code_challenge)
    .bind(identity)
    .bind(now)
    .bind(now + CODE_LIFETIME)
    .bind(link_account_id)
    .execute(pool)
    .await?;
    Ok(code)
}

/// The `authorization_code` grant: one use, in time, same redirect URI, right verifier.
/// A replayed code also ends the session it produced (RFC 6749 §4.1.2).
pub async fn redeem_code(
    pool: &SqlitePool,
    code: &str,
    code_verifier: Option<&str>,
    redirect_uri: &str,
    device_name: &str,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let hash = token_hash(code);
    let claimed: Option<(String, String, String, i64, Option<String>)> = sqlx::query_as(
        "UPDATE authorization_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL
         RETURNING app_redirect_uri, app_code_challenge, identity, expires_at, link_account_id",
    )
    .bind(now)
    .bind(&hash)
    .fetch_optional(pool)
    .await?;
    let Some((bound_redirect, challenge, identity, expires_at, link_account_id)) = claimed else {
        let used: Option<(Option<String>,)> =
            sqlx::query_as("SELECT session_id FROM authorization_codes WHERE code_hash = ?")
                .bind(&hash)
                .fetch_optional(pool)
                .await?;
        return match used {
            Some((session,)) => {
                if let Some(session_id) = session {
                    sessions::revoke_session(pool, &session_id, "code_replayed", now).await?;
                }
                Err(LoginError::CodeReplayed)
            }
            None => Err(LoginError::UnknownCode),
        };
    };
    if now > expires_at {
        return Err(LoginError::CodeExpired);
    }
    if bound_redirect != redirect_uri {
        return Err(LoginError::RedirectMismatch);
    }
    match code_verifier {
        Some(verifier) if constant_time_eq(&pkce_s256(verifier), &challenge) => {}
        _ => return Err(LoginError::VerifierMismatch),
    }
    let identity: ProviderIdentity =
        serde_json::from_str(&identity).map_err(|e| DbError::Encode(e.to_string()))?;
    let (step, session_id) = match link_account_id {
        Some(account_id) => {
            link_and_sign_in(pool, &identity, &account_id, device_name, now).await?
        }
        None => step_for_identity(pool, &identity, device_name, now).await?,
    };
    if let Some(session_id) = session_id {
        sqlx::query("UPDATE authorization_codes SET session_id = ? WHERE code_hash = ?")
            .bind(session_id)
            .bind(&hash)
            .execute(pool)
            .await?;
    }
    Ok(step)
}

pub(crate) struct MatchedAccount {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) extension: String,
    pub(crate) organization_name: String,
    /// The organization wants the authenticator code on provider sign-ins too, and the
    /// account has one.
    pub(crate) require_totp: bool,
}

/// "Add a provider" from the security settings: the signed-in account asked for this
/// link, and the user just proved the identity at the provider.
async fn link_and_sign_in(
    pool: &SqlitePool,
    identity: &ProviderIdentity,
    account_id: &str,
    device_name: &str,
    now: i64,
) -> Result<(LoginStep, Option<String>), LoginError> {
    let sso_allowed: Option<(bool,)> =
        sqlx::query_as("SELECT sso_allowed FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(pool)
            .await?;
    let Some((sso_allowed,)) = sso_allowed else {
        return Err(LoginError::Session(SessionError::Invalid));
    };
    if !sso_allowed {
        return Err(LoginError::SsoNotAllowed);
    }
    record_link(pool, identity, account_id, now).await?;
    tracing::info!(provider = %identity.provider_id, account = %account_id, "provider linked from the security settings");
    let method = format!("sso:{}", identity.provider_id);
    let (session_id, session) =
        sessions::start_session_from(pool, account_id, &method, device_name, Some(identity), now)
            .await?;
    Ok((LoginStep::SignedIn { session }, Some(session_id)))
}

/// The login step for a verified identity, and the session when it signed in.
pub async fn step_for_identity(
    pool: &SqlitePool,
    identity: &ProviderIdentity,
    device_name: &str,
    now: i64,
) -> Result<(LoginStep, Option<String>), LoginError> {
    let mut accounts = linked_accounts(pool, identity).await?;
    if accounts.is_empty() {
        match accounts_by_email(pool, identity).await? {
            Ok(matched) => {
                record_links(pool, identity, &matched, now).await?;
                accounts = matched;
            }
            Err(reason) => {
                let step = link_ticket(pool, identity, reason, now).await?;
                return Ok((step, None));
            }
        }
    }

    let remembered = remembered_choice(pool, identity, &accounts).await?;
    let chosen = match (accounts.len(), &remembered) {
        (1, _) => accounts.first(),
        (_, Some(id)) => accounts.iter().find(|account| &account.id == id),
        _ => None,
    };
    if let Some(account) = chosen {
        return finish_for_account(pool, identity, account, device_name, now).await;
    }
    let step = choose_step(pool, identity, accounts, remembered, now).await?;
    Ok((step, None))
}

/// The account remembered for this identity, when it is one of `accounts`.
pub(crate) async fn remembered_choice(
    pool: &SqlitePool,
    identity: &ProviderIdentity,
    accounts: &[MatchedAccount],
) -> Result<Option<String>, LoginError> {
    let remembered: Option<(String,)> = sqlx::query_as(
        "SELECT account_id FROM remembered_choices WHERE issuer = ? AND subject = ?",
    )
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .fetch_optional(pool)
    .await?;
    Ok(remembered
        .map(|(id,)| id)
        .filter(|id| accounts.iter().any(|account| &account.id == id)))
}

/// Signs the identity in to one account it reaches, or asks for the authenticator code
/// first when the organization's policy wants it for provider sign-ins.
pub(crate) async fn finish_for_account(
    pool: &SqlitePool,
    identity: &ProviderIdentity,
    account: &MatchedAccount,
    device_name: &str,
    now: i64,
) -> Result<(LoginStep, Option<String>), LoginError> {
    if account.require_totp {
        let step = mfa_ticket(
            pool,
            "mfa",
            Some(identity),
            std::slice::from_ref(&account.id),
            now,
        )
        .await?;
        return Ok((step, None));
    }
    let method = format!("sso:{}", identity.provider_id);
    let (session_id, session) =
        sessions::start_session_from(pool, &account.id, &method, device_name, Some(identity), now)
            .await?;
    Ok((LoginStep::SignedIn { session }, Some(session_id)))
}

/// The chooser over `accounts`, with a ticket that can end in exactly those.
pub(crate) async fn choose_step(
    pool: &SqlitePool,
    identity: &ProviderIdentity,
    accounts: Vec<MatchedAccount>,
    remembered: Option<String>,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let shared = match &identity.email {
        Some(email) => login_email_account_count(pool, email).await? > 1,
        None => false,
    };
    let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
    let ticket = new_ticket(pool, "choose_account", Some(identity), &ids, now).await?;
    Ok(LoginStep::ChooseAccount {
        ticket,
        expires_in: TICKET_LIFETIME as u64,
        accounts: accounts
            .into_iter()
            .map(|account| AccountChoice {
                account_id: account.id,
                display_name: account.display_name,
                extension: account.extension,
                organization_name: account.organization_name,
                reached_through_shared_email: shared,
            })
            .collect(),
        remembered_account_id: remembered,
    })
}

type AccountRow = (String, String, String, String, bool, bool);

fn to_matched(rows: Vec<AccountRow>) -> Vec<MatchedAccount> {
    rows.into_iter()
        .map(
            |(id, display_name, extension, organization_name, org_requires, has_totp)| {
                MatchedAccount {
                    id,
                    display_name,
                    extension,
                    organization_name,
                    require_totp: org_requires && has_totp,
                }
            },
        )
        .collect()
}

const ACCOUNT_COLUMNS: &str = "a.id, a.display_name, a.extension, o.name, o.require_totp_for_sso, a.totp_secret_encrypted IS NOT NULL";

pub(crate) async fn linked_accounts(
    pool: &SqlitePool,
    identity: &ProviderIdentity,
) -> Result<Vec<MatchedAccount>, LoginError> {
    let rows: Vec<AccountRow> = sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM identity_links l
         JOIN accounts a ON a.id = l.account_id
         JOIN organizations o ON o.id = a.organization_id
         WHERE l.issuer = ? AND l.subject = ? AND a.sso_allowed
         ORDER BY a.display_name"
    ))
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .fetch_all(pool)
    .await?;
    Ok(to_matched(rows))
}

/// Rule 2, or why it does not apply.
async fn accounts_by_email(
    pool: &SqlitePool,
    identity: &ProviderIdentity,
) -> Result<Result<Vec<MatchedAccount>, LinkReason>, LoginError> {
    let Some(email) = identity.trusted_email() else {
        return Ok(Err(LinkReason::EmailUnverified));
    };
    // Without a domain or tenant no organization can have enabled it: nothing matches.
    let organization_key = identity.organization_key().unwrap_or_default();
    let rows: Vec<(String, String, String, String, bool, bool, bool)> = sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS},
                EXISTS (SELECT 1 FROM organization_providers p
                        WHERE p.organization_id = a.organization_id
                          AND p.provider_id = ? AND p.domain_or_tenant = ?)
         FROM account_emails e
         JOIN accounts a ON a.id = e.account_id
         JOIN organizations o ON o.id = a.organization_id
         WHERE e.email = ? AND e.purpose = 'login' AND a.sso_allowed
         ORDER BY a.display_name"
    ))
    .bind(&identity.provider_id)
    .bind(&organization_key)
    .bind(email.to_ascii_lowercase())
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Ok(Err(LinkReason::NoAccountForEmail));
    }
    let enabled: Vec<AccountRow> = rows
        .into_iter()
        .filter(|row| row.6 && !organization_key.is_empty())
        .map(|(a, b, c, d, e, f, _)| (a, b, c, d, e, f))
        .collect();
    if enabled.is_empty() {
        return Ok(Err(LinkReason::ProviderNotEnabled));
    }
    Ok(Ok(to_matched(enabled)))
}

async fn record_links(
    pool: &SqlitePool,
    identity: &ProviderIdentity,
    accounts: &[MatchedAccount],
    now: i64,
) -> Result<(), LoginError> {
    let mut tx = pool.begin().await?;
    for account in accounts {
        record_link(&mut *tx, identity, &account.id, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Links the identity to the account (once), with what the security settings show of it.
pub(crate) async fn record_link<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    identity: &ProviderIdentity,
    account_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO identity_links (issuer, subject, account_id, created_at, provider_id, email)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (issuer, subject, account_id) DO NOTHING",
    )
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .bind(account_id)
    .bind(now)
    .bind(&identity.provider_id)
    .bind(&identity.email)
    .execute(executor)
    .await?;
    Ok(())
}

async fn login_email_account_count(pool: &SqlitePool, email: &str) -> Result<i64, LoginError> {
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT account_id) FROM account_emails WHERE email = ? AND purpose = 'login'",
    )
    .bind(email.to_ascii_lowercase())
    .fetch_one(pool)
    .await?;
    Ok(count)
}

pub(crate) async fn new_ticket(
    pool: &SqlitePool,
    kind: &str,
    identity: Option<&ProviderIdentity>,
    account_ids: &[String],
    now: i64,
) -> Result<String, LoginError> {
    let ticket = new_token(TokenKind::LoginTicket);
    let identity = identity
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| DbError::Encode(e.to_string()))?;
    sqlx::query(
        "INSERT INTO login_tickets (ticket_hash, kind, identity, account_ids, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(token_hash(&ticket))
    .bind(kind)
    .bind(identity)
    .bind(account_ids.join(","))
    .bind(now)
    .bind(now + TICKET_LIFETIME)
    .execute(pool)
    .await?;
    Ok(ticket)
}

async fn mfa_ticket(
    pool: &SqlitePool,
    kind: &str,
    identity: Option<&ProviderIdentity>,
    account_ids: &[String],
    now: i64,
) -> Result<LoginStep, LoginError> {
    let ticket = new_ticket(pool, kind, identity, account_ids, now).await?;
    Ok(LoginStep::MfaRequired {
        ticket,
        expires_in: TICKET_LIFETIME as u64,
    })
}

async fn link_ticket(
    pool: &SqlitePool,
    identity: &ProviderIdentity,
    reason: LinkReason,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let ticket = new_ticket(pool, "link_account", Some(identity), &[], now).await?;
    Ok(LoginStep::LinkAccount {
        ticket,
        expires_in: TICKET_LIFETIME as u64,
        email: identity.email.clone(),
        reason,
    })
}
