//! The steps between a verified identity and a session when it is not one account:
//! choosing among the accounts it reaches (and remembering the choice per identity),
//! linking it to an account with that account's password once, and choosing again later
//! from a signed-in session ("use a different account").
//!
//! Tickets are single-use, expire, and end only in the accounts they listed. Linking is
//! rate-limited per identity and per account, and says "try again in N minutes" when locked.

use sqlx::SqlitePool;
use switchboard_api::LoginStep;

use crate::login::{self, LoginError, MatchedAccount};
use crate::password_sign_in::{
    account_key, admit, check_second_factor, failure, CredentialContext,
};
use crate::sessions::{self, AuthenticatedSession};
use crate::throttle::{self, LINK_PER_ACCOUNT, LINK_PER_IDENTITY};
use crate::tickets::{claim_ticket, peek_ticket};

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
        return Err(LoginError::NoLinkedAccount);
    }
    let remembered = login::remembered_choice(pool, identity, &accounts).await?;
    login::choose_step(pool, identity, accounts, remembered, now).await
}

#[derive(sqlx::FromRow)]
struct Credentials {
    id: String,
    password_hash: String,
    has_totp: bool,
    sso_allowed: bool,
}

pub struct LinkAttempt<'a> {
    pub ticket: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    pub totp_code: Option<&'a str>,
    pub device_name: &'a str,
}

/// Links the identity of a `LinkAccount` step to the account whose username and password
/// (and authenticator or recovery code, when it has an authenticator) are given, then
/// signs in. Wrong credentials answer alike whichever part was wrong; too many lock
/// linking for that identity and that account for a while.
pub async fn link_account(
    context: &CredentialContext<'_>,
    attempt: &LinkAttempt<'_>,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let pool = context.pool;
    let ticket = peek_ticket(pool, attempt.ticket, "link_account", now).await?;
    let identity = ticket.identity.ok_or(LoginError::TicketInvalid)?;
    let typed = attempt.username.trim().to_lowercase();
    let account: Option<Credentials> = sqlx::query_as(
        "SELECT id, password_hash, totp_secret_encrypted IS NOT NULL AS has_totp, sso_allowed
         FROM accounts WHERE lower(username) = ?",
    )
    .bind(&typed)
    .fetch_optional(pool)
    .await?;
    let identity_key = format!("{}\n{}", identity.issuer, identity.subject);
    let account_key = account_key(account.as_ref().map(|a| a.id.as_str()), &typed);
    let locks_out_at = admit(
        pool,
        &[
            (&LINK_PER_IDENTITY, &identity_key),
            (&LINK_PER_ACCOUNT, &account_key),
        ],
        now,
    )
    .await?;
    let password_right = context
        .passwords
        .verify(
            attempt.password,
            account.as_ref().map(|a| a.password_hash.as_str()),
        )
        .await;
    let wrong = || {
        tracing::info!(provider = %identity.provider_id, "link refused: wrong credentials");
        failure(locks_out_at, LoginError::InvalidCredentials, now)
    };
    let Some(account) = account.filter(|_| password_right) else {
        return Err(wrong());
    };
    if account.has_totp {
        // Never says that the password was right: every wrong code is the same answer.
        let code = attempt.totp_code.ok_or_else(wrong)?;
        match check_second_factor(context, &account.id, code, now).await {
            Ok(_) => {}
            Err(LoginError::InvalidCode) => return Err(wrong()),
            Err(other) => return Err(other),
        }
    }
    throttle::clear(pool, &LINK_PER_IDENTITY, &identity_key).await?;
    throttle::clear(pool, &LINK_PER_ACCOUNT, &account_key).await?;
    if !account.sso_allowed {
        return Err(LoginError::SsoNotAllowed);
    }
    claim_ticket(pool, attempt.ticket, "link_account", now).await?;
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
