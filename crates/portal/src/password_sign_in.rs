//! Username + password sign-in and the authenticator step after it.
//!
//! Unknown usernames and wrong passwords answer alike and take the same time (an unknown
//! user is checked against a dummy hash). Failures per username back off from the third
//! and lock for a while at the tenth. After a right password an account with an
//! authenticator answers `MfaRequired`; the code (± one 30 s step, never the same step
//! twice) or a recovery code (once) then signs in. Wrong codes lock the account's code
//! step for a while.

use sqlx::SqlitePool;
use switchboard_api::LoginStep;

use crate::crypto::EncryptionKey;
use crate::login::{LoginError, TICKET_LIFETIME};
use crate::password::PasswordVerifier;
use crate::sessions;
use crate::throttle::{self, Admission, Limit, CODE_PER_ACCOUNT, PASSWORD_PER_ACCOUNT};
use crate::tickets::{claim_ticket, peek_ticket};
use crate::{login, recovery, totp};

/// What password and code checks need besides the request.
pub struct CredentialContext<'a> {
    pub pool: &'a SqlitePool,
    pub passwords: &'a PasswordVerifier,
    pub key: &'a EncryptionKey,
}

/// Counts the attempt before its credential is checked (see `throttle::admit`): the
/// lockout error while a key is locked, else when this attempt would lock out if it fails.
pub(crate) async fn admit(
    pool: &SqlitePool,
    keys: &[(&Limit, &str)],
    now: i64,
) -> Result<Option<i64>, LoginError> {
    match throttle::admit(pool, keys, now).await? {
        Admission::Refused { until } => Err(LoginError::TooManyAttempts {
            retry_after: until - now,
        }),
        Admission::Admitted { locks_out_at } => Ok(locks_out_at),
    }
}

/// The error of an admitted attempt that failed: `wrong`, or the lockout it reached.
pub(crate) fn failure(locks_out_at: Option<i64>, wrong: LoginError, now: i64) -> LoginError {
    match locks_out_at {
        Some(until) => LoginError::TooManyAttempts {
            retry_after: until - now,
        },
        None => wrong,
    }
}

/// The attempt-limit key of an account, or of a name that is no account (so unknown and
/// known names are limited alike, and all the names of one account share its limit).
pub(crate) fn account_key(account_id: Option<&str>, typed: &str) -> String {
    match account_id {
        Some(id) => format!("account:{id}"),
        None => format!("name:{typed}"),
    }
}

#[derive(sqlx::FromRow)]
struct PasswordRow {
    id: String,
    password_hash: String,
    has_totp: bool,
}

/// The account `name` names: its username, or a login email that reaches exactly one
/// account.
async fn find_account(pool: &SqlitePool, name: &str) -> Result<Option<PasswordRow>, LoginError> {
    let by_username: Option<PasswordRow> = sqlx::query_as(
        "SELECT id, password_hash, totp_secret_encrypted IS NOT NULL AS has_totp
         FROM accounts WHERE lower(username) = ?",
    )
    .bind(name)
    .fetch_optional(pool)
    .await?;
    if by_username.is_some() {
        return Ok(by_username);
    }
    let by_email: Vec<PasswordRow> = sqlx::query_as(
        "SELECT a.id, a.password_hash, a.totp_secret_encrypted IS NOT NULL AS has_totp
         FROM account_emails e JOIN accounts a ON a.id = e.account_id
         WHERE e.email = ? AND e.purpose = 'login'",
    )
    .bind(name)
    .fetch_all(pool)
    .await?;
    Ok(match <[PasswordRow; 1]>::try_from(by_email) {
        Ok([only]) => Some(only),
        Err(_) => None,
    })
}

/// `POST /v1/login/password`.
pub async fn sign_in(
    context: &CredentialContext<'_>,
    username: &str,
    password: &str,
    device_name: &str,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let pool = context.pool;
    let typed = username.trim().to_lowercase();
    let account = find_account(pool, &typed).await?;
    let key = account_key(account.as_ref().map(|a| a.id.as_str()), &typed);
    let locks_out_at = admit(pool, &[(&PASSWORD_PER_ACCOUNT, &key)], now).await?;
    let right = context
        .passwords
        .verify(password, account.as_ref().map(|a| a.password_hash.as_str()))
        .await;
    let Some(account) = account.filter(|_| right) else {
        tracing::info!("password sign-in refused");
        return Err(failure(locks_out_at, LoginError::InvalidPassword, now));
    };
    throttle::clear(pool, &PASSWORD_PER_ACCOUNT, &key).await?;
    if account.has_totp {
        let ticket =
            login::new_ticket(pool, "mfa", None, std::slice::from_ref(&account.id), now).await?;
        return Ok(LoginStep::MfaRequired {
            ticket,
            expires_in: TICKET_LIFETIME as u64,
        });
    }
    let (_, session) =
        sessions::start_session(pool, &account.id, "password", device_name, now).await?;
    Ok(LoginStep::SignedIn { session })
}

/// How a second factor was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    Authenticator,
    RecoveryCode,
}

/// Checks an authenticator code (storing its step so it is never accepted again) or uses
/// up a recovery code. Failures count towards the account's code limit.
pub async fn check_second_factor(
    context: &CredentialContext<'_>,
    account_id: &str,
    code: &str,
    now: i64,
) -> Result<SecondFactor, LoginError> {
    let pool = context.pool;
    let locks_out_at = admit(pool, &[(&CODE_PER_ACCOUNT, account_id)], now).await?;
    let row: Option<(Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT totp_secret_encrypted, totp_last_step FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(pool)
            .await?;
    let (secret, last_step) = row.ok_or(LoginError::TicketInvalid)?;
    let accepted = if recovery::looks_like_recovery_code(code) {
        recovery::consume(pool, account_id, code, now)
            .await?
            .then_some(SecondFactor::RecoveryCode)
    } else {
        let secret = secret
            .and_then(|stored| context.key.decrypt(&stored).ok())
            .and_then(|text| totp::decode_base32(&String::from_utf8_lossy(&text)).ok());
        match secret.and_then(|secret| totp::accept(&secret, code, now, last_step)) {
            // Stored only if no other request stored this step or a later one first.
            Some(step) => {
                let stored = sqlx::query(
                    "UPDATE accounts SET totp_last_step = ?
                     WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
                )
                .bind(step)
                .bind(account_id)
                .bind(step)
                .execute(pool)
                .await?;
                (stored.rows_affected() == 1).then_some(SecondFactor::Authenticator)
            }
            None => None,
        }
    };
    match accepted {
        Some(factor) => {
            throttle::clear(pool, &CODE_PER_ACCOUNT, account_id).await?;
            Ok(factor)
        }
        None => Err(failure(locks_out_at, LoginError::InvalidCode, now)),
    }
}

/// `POST /v1/login/mfa`: the code for an `MfaRequired` step, after a password or a
/// provider sign-in whose organization asks for it.
pub async fn submit_code(
    context: &CredentialContext<'_>,
    ticket: &str,
    code: &str,
    device_name: &str,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let pool = context.pool;
    let step = peek_ticket(pool, ticket, "mfa", now).await?;
    let [account_id] =
        <[String; 1]>::try_from(step.account_ids).map_err(|_| LoginError::TicketInvalid)?;
    let factor = check_second_factor(context, &account_id, code, now).await?;
    claim_ticket(pool, ticket, "mfa", now).await?;
    let first = match &step.identity {
        Some(identity) => format!("sso:{}", identity.provider_id),
        None => "password".to_owned(),
    };
    let method = match factor {
        SecondFactor::Authenticator => format!("{first}+totp"),
        SecondFactor::RecoveryCode => format!("{first}+recovery_code"),
    };
    let (_, session) = sessions::start_session_from(
        pool,
        &account_id,
        &method,
        device_name,
        step.identity.as_ref(),
        now,
    )
    .await?;
    Ok(LoginStep::SignedIn { session })
}
