//! The steps between a verified identity and a session when it is not one account:
//! choosing among the accounts it reaches (and remembering the choice per identity),
//! linking it to an account with that account's password once, and choosing again later
//! from a signed-in session ("use a different account").
//!
//! Tickets are single-use, expire, and end only in the accounts they listed. Linking is
//! rate-limited per identity and per account, and says "try again in N minutes" when locked.

use sqlx::SqlitePool;
use switchboard_api::LoginStep;

use crate::crypto::EncryptionKey;
use crate::login::{self, LoginError, MatchedAccount};
use crate::password::PasswordVerifier;
use crate::sessions::{self, AuthenticatedSession};
use crate::throttle::{self, LINK_PER_ACCOUNT, LINK_PER_IDENTITY};
use crate::tickets::{claim_ticket, peek_ticket};
use crate::totp;

/// The account picked from a `ChooseAccount` step: it must be one the ticket listed and
/// still reachable by the identity. `remember` keeps it as this identity's default (on
/// every computer); not ticking it forgets an earlier choice.
pub async fn choose_account(
    pool: &SqlitePool,
    ticket: &str,
    account_id: &str,
    remember: bool,
    device_name: &str,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let ticket = claim_ticket(pool, ticket, "choose_account", now).await?;
    if !ticket.account_ids.iter().any(|id| id == account_id) {
        return Err(LoginError::AccountNotOffered);
    }
    let identity = ticket.identity.ok_or(LoginError::TicketInvalid)?;
    // Reachable now, not only when the ticket was made (a link may have been removed).
    let accounts = login::linked_accounts(pool, &identity).await?;
    let account = accounts
        .iter()
        .find(|account| account.id == account_id)
        .ok_or(LoginError::AccountNotOffered)?;
    if remember {
        sqlx::query(
            "INSERT INTO remembered_choices (issuer, subject, account_id) VALUES (?, ?, ?)
             ON CONFLICT (issuer, subject) DO UPDATE SET account_id = excluded.account_id",
        )
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .bind(account_id)
        .execute(pool)
        .await?;
    } else {
        sqlx::query("DELETE FROM remembered_choices WHERE issuer = ? AND subject = ?")
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .execute(pool)
            .await?;
    }
    let (step, _) = login::finish_for_account(pool, &identity, account, device_name, now).await?;
    Ok(step)
}

/// "Use a different account" from a signed-in session: the chooser again, over every
/// account the session's provider identity reaches, with the remembered one preselected.
pub async fn choose_again(
    pool: &SqlitePool,
    session: &AuthenticatedSession,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let identity = session
        .identity
        .as_ref()
        .ok_or(LoginError::NotFromProvider)?;
    let accounts: Vec<MatchedAccount> = login::linked_accounts(pool, identity).await?;
    if accounts.is_empty() {
        return Err(LoginError::AccountNotOffered);
    }
    let remembered = login::remembered_choice(pool, identity, &accounts).await?;
    login::choose_step(pool, identity, accounts, remembered, now).await
}

#[derive(sqlx::FromRow)]
struct Credentials {
    id: String,
    password_hash: String,
    totp_secret_encrypted: Option<String>,
    totp_last_step: Option<i64>,
    sso_allowed: bool,
}

/// What linking needs besides the database.
pub struct LinkContext<'a> {
    pub pool: &'a SqlitePool,
    pub passwords: &'a PasswordVerifier,
    pub key: &'a EncryptionKey,
}

pub struct LinkAttempt<'a> {
    pub ticket: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    pub totp_code: Option<&'a str>,
    pub device_name: &'a str,
}

/// Links the identity of a `LinkAccount` step to the account whose username and password
/// (and authenticator code, when it has one) are given, then signs in. Wrong credentials
/// answer alike whichever part was wrong; too many lock linking for that identity and
/// that account for a while.
pub async fn link_account(
    context: &LinkContext<'_>,
    attempt: &LinkAttempt<'_>,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let pool = context.pool;
    let ticket = peek_ticket(pool, attempt.ticket, "link_account", now).await?;
    let identity = ticket.identity.ok_or(LoginError::TicketInvalid)?;
    let identity_key = format!("{}\n{}", identity.issuer, identity.subject);
    let account_key = attempt.username.trim().to_lowercase();

    let mut locked = None;
    for (limit, key) in [
        (&LINK_PER_IDENTITY, &identity_key),
        (&LINK_PER_ACCOUNT, &account_key),
    ] {
        if let Some(until) = throttle::locked_until(pool, limit, key, now).await? {
            locked = locked.max(Some(until));
        }
    }
    if let Some(until) = locked {
        return Err(LoginError::TooManyAttempts {
            retry_after: until - now,
        });
    }

    let account: Option<Credentials> = sqlx::query_as(
        "SELECT id, password_hash, totp_secret_encrypted, totp_last_step, sso_allowed
         FROM accounts WHERE lower(username) = ?",
    )
    .bind(&account_key)
    .fetch_optional(pool)
    .await?;
    let password_right = context
        .passwords
        .verify(
            attempt.password,
            account.as_ref().map(|a| a.password_hash.as_str()),
        )
        .await;
    let accepted_step = match (&account, password_right) {
        (Some(account), true) => match &account.totp_secret_encrypted {
            None => Ok(None),
            Some(encrypted) => {
                let secret = context
                    .key
                    .decrypt(encrypted)
                    .ok()
                    .and_then(|text| totp::decode_base32(&String::from_utf8_lossy(&text)).ok());
                match (secret, attempt.totp_code) {
                    (Some(secret), Some(code)) => {
                        match totp::accept(&secret, code, now, account.totp_last_step) {
                            Some(step) => Ok(Some(step)),
                            None => Err(()),
                        }
                    }
                    (None, _) => {
                        tracing::error!(account = %account.id, "authenticator secret cannot be read");
                        Err(())
                    }
                    (_, None) => Err(()),
                }
            }
        },
        _ => Err(()),
    };
    let (Some(account), Ok(step)) = (account, accepted_step) else {
        let mut locked = None;
        for (limit, key) in [
            (&LINK_PER_IDENTITY, &identity_key),
            (&LINK_PER_ACCOUNT, &account_key),
        ] {
            if let Some(until) = throttle::record_failure(pool, limit, key, now).await? {
                locked = locked.max(Some(until));
            }
        }
        tracing::info!(provider = %identity.provider_id, "link refused: wrong credentials");
        return Err(match locked {
            Some(until) => LoginError::TooManyAttempts {
                retry_after: until - now,
            },
            None => LoginError::InvalidCredentials,
        });
    };

    throttle::clear(pool, &LINK_PER_IDENTITY, &identity_key).await?;
    throttle::clear(pool, &LINK_PER_ACCOUNT, &account_key).await?;
    if !account.sso_allowed {
        return Err(LoginError::SsoNotAllowed);
    }
    claim_ticket(pool, attempt.ticket, "link_account", now).await?;
    if let Some(step) = step {
        // A code is accepted once, even by two requests racing.
        let stored = sqlx::query(
            "UPDATE accounts SET totp_last_step = ?
             WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
        )
        .bind(step)
        .bind(&account.id)
        .bind(step)
        .execute(pool)
        .await?;
        if stored.rows_affected() != 1 {
            return Err(LoginError::InvalidCredentials);
        }
    }
    login::record_link(pool, &identity, &account.id, now).await?;
    tracing::info!(provider = %identity.provider_id, account = %account.id, "identity linked by password");
    let method = format!("link:{}", identity.provider_id);
    let (_, session) = sessions::start_session_from(
        pool,
        &account.id,
        &method,
        attempt.device_name,
        Some(&identity),
        now,
    )
    .await?;
    Ok(LoginStep::SignedIn { session })
}
