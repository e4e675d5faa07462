//! The signed-in account's security settings: the authenticator app (set up with a QR code
//! and a confirming code + password, disable, recovery codes), linked providers (add through
//! the browser, remove), emails and their warnings, sessions (sign out others), password.
//!
//! Changes that weaken or replace a credential ask for the password and a current code;
//! wrong ones count towards the same limits as signing in.

use sqlx::SqlitePool;
use switchboard_api::{
    AccountEmail, AuthenticatorSetup, AuthenticatorStatus, EmailPurpose, LinkIntent,
    LinkedProvider, RecoveryCodes, SecurityOverview, SecurityWarning, SessionInfo, SignInOptions,
    StartLinkRequest,
};

use crate::login::LoginError;
use crate::password_sign_in::{
    account_key, admit, check_second_factor, failure, CredentialContext,
};
use crate::sessions::{self, AuthenticatedSession};
use crate::throttle::{self, PASSWORD_PER_ACCOUNT};
use crate::tokens::{new_token, token_hash, TokenKind};
use crate::{recovery, totp};

/// Seconds an authenticator set-up waits for its confirming code, and a link intent for
/// its browser sign-in.
pub const SETUP_LIFETIME: i64 = 600;
pub const MIN_PASSWORD_LENGTH: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    #[error("your current password is wrong")]
    WrongPassword,
    #[error("that code does not match: enter the code your authenticator app shows now (check that this computer's clock is right)")]
    WrongSetupCode,
    #[error("this account no longer exists: sign in again")]
    AccountGone,
    #[error("an authenticator app is already set up: turn it off first to set up another")]
    AlreadyEnabled,
    #[error("no authenticator app is set up for this account")]
    NotEnabled,
    #[error("this set-up has expired or was never started: start setting up the authenticator app again")]
    NoPendingSetup,
    #[error("this sign-in provider is not offered here")]
    UnknownProvider,
    #[error("this linked sign-in is not on your account (it may have been removed already)")]
    UnknownLink,
    #[error("{0:?} is not an email address")]
    BadEmail(String),
    #[error("{0} is already on your account")]
    EmailExists(String),
    #[error("login emails are managed by your administrator; only notification emails can be removed here")]
    LoginEmailManaged,
    #[error("{0} is not on your account")]
    UnknownEmail(String),
    #[error("that session is not one of yours, or it has ended already")]
    UnknownSession,
    #[error("this is the session you are using: use Sign out instead")]
    CurrentSession,
    #[error("the new password must have at least {MIN_PASSWORD_LENGTH} characters")]
    PasswordTooShort,
    #[error("the new password must differ from the current one and from your username")]
    PasswordTooObvious,
    #[error(transparent)]
    Login(#[from] LoginError),
}

impl From<sqlx::Error> for SecurityError {
    fn from(error: sqlx::Error) -> Self {
        Self::Login(LoginError::from(error))
    }
}

/// The link's public name: a hash of its issuer and subject.
fn link_id(issuer: &str, subject: &str) -> String {
    token_hash(&format!("{issuer}\n{subject}"))[..32].to_owned()
}

fn provider_name(options: &SignInOptions, provider_id: &str) -> String {
    options
        .providers
        .iter()
        .find(|p| p.id == provider_id)
        .map(|p| p.display_name.clone())
        .unwrap_or_else(|| provider_id.to_owned())
}

type LinkRow = (String, String, Option<String>, Option<String>, i64);

pub async fn overview(
    pool: &SqlitePool,
    options: &SignInOptions,
    session: &AuthenticatedSession,
) -> Result<SecurityOverview, SecurityError> {
    let account = &session.account_id;
    let (username, has_totp): (String, bool) = sqlx::query_as(
        "SELECT username, totp_secret_encrypted IS NOT NULL FROM accounts WHERE id = ?",
    )
    .bind(account)
    .fetch_optional(pool)
    .await?
    .ok_or(SecurityError::AccountGone)?;

    let links: Vec<LinkRow> = sqlx::query_as(
        "SELECT issuer, subject, provider_id, email, created_at FROM identity_links
         WHERE account_id = ? ORDER BY created_at, issuer",
    )
    .bind(account)
    .fetch_all(pool)
    .await?;
    let linked_providers = links
        .into_iter()
        .map(|(issuer, subject, provider_id, email, linked_at)| {
            let provider_id = provider_id.unwrap_or_else(|| issuer.clone());
            LinkedProvider {
                link_id: link_id(&issuer, &subject),
                provider_name: provider_name(options, &provider_id),
                provider_id,
                email,
                linked_at,
            }
        })
        .collect();

    let emails: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT e.email, e.purpose,
                CASE WHEN e.purpose = 'login' THEN
                    (SELECT COUNT(*) FROM account_emails o
                     WHERE o.email = e.email AND o.purpose = 'login' AND o.account_id <> e.account_id)
                ELSE 0 END
         FROM account_emails e WHERE e.account_id = ? ORDER BY e.purpose, e.email",
    )
    .bind(account)
    .fetch_all(pool)
    .await?;
    let emails: Vec<AccountEmail> = emails
        .into_iter()
        .map(|(email, purpose, others)| AccountEmail {
            email,
            purpose: if purpose == "login" {
                EmailPurpose::Login
            } else {
                EmailPurpose::Notification
            },
            also_login_email_of: u32::try_from(others).unwrap_or(0),
        })
        .collect();
    let login_emails: Vec<&AccountEmail> = emails
        .iter()
        .filter(|e| e.purpose == EmailPurpose::Login)
        .collect();
    let mut warnings = Vec::new();
    if login_emails.len() > 1 {
        warnings.push(SecurityWarning::SeveralLoginEmails {
            count: u32::try_from(login_emails.len()).unwrap_or(u32::MAX),
        });
    }
    for email in &login_emails {
        if email.also_login_email_of > 0 {
            warnings.push(SecurityWarning::SharedLoginEmail {
                email: email.email.clone(),
                other_accounts: email.also_login_email_of,
            });
        }
    }

    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, device_name, auth_method, created_at, last_used_at FROM sessions
         WHERE account_id = ? AND revoked_at IS NULL ORDER BY last_used_at DESC",
    )
    .bind(account)
    .fetch_all(pool)
    .await?;
    let sessions = rows
        .into_iter()
        .map(
            |(session_id, device_name, auth_method, created_at, last_used_at)| SessionInfo {
                current: session_id == session.session_id,
                session_id,
                device_name,
                auth_method,
                created_at,
                last_used_at,
            },
        )
        .collect();

    Ok(SecurityOverview {
        username,
        authenticator: AuthenticatorStatus {
            enabled: has_totp,
            recovery_codes_left: if has_totp {
                recovery::remaining(pool, account).await?
            } else {
                0
            },
        },
        linked_providers,
        emails,
        warnings,
        sessions,
    })
}

/// The account's current password, counted against the same limit as signing in with it.
async fn check_password(
    context: &CredentialContext<'_>,
    account_id: &str,
    password: &str,
    now: i64,
) -> Result<(), SecurityError> {
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM accounts WHERE id = ?")
        .bind(account_id)
        .fetch_optional(context.pool)
        .await?
        .ok_or(SecurityError::AccountGone)?;
    let key = account_key(Some(account_id), "");
    let locks_out_at = admit(context.pool, &[(&PASSWORD_PER_ACCOUNT, &key)], now).await?;
    if context.passwords.verify(password, Some(&hash)).await {
        throttle::clear(context.pool, &PASSWORD_PER_ACCOUNT, &key).await?;
        return Ok(());
    }
    Err(
        match failure(locks_out_at, LoginError::InvalidPassword, now) {
            LoginError::InvalidPassword => SecurityError::WrongPassword,
            other => other.into(),
        },
    )
}

fn otpauth_uri(issuer: &str, username: &str, secret: &str) -> String {
    let encode = |text: &str| -> String {
        url::form_urlencoded::byte_serialize(text.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits={}&period={}",
        encode(issuer),
        encode(username),
        encode(issuer),
        totp::DIGITS,
        totp::STEP_SECONDS,
    )
}

/// A new authenticator secret (160 bits) waiting for its confirmation.
pub async fn start_authenticator_setup(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    issuer: &str,
    now: i64,
) -> Result<AuthenticatorSetup, SecurityError> {
    let (username, has_totp): (String, bool) = sqlx::query_as(
        "SELECT username, totp_secret_encrypted IS NOT NULL FROM accounts WHERE id = ?",
    )
    .bind(&session.account_id)
    .fetch_optional(context.pool)
    .await?
    .ok_or(SecurityError::AccountGone)?;
    if has_totp {
        return Err(SecurityError::AlreadyEnabled);
    }
    let secret = totp::new_secret_base32();
    sqlx::query(
        "INSERT INTO pending_authenticators (account_id, secret_encrypted, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (account_id) DO UPDATE SET secret_encrypted = excluded.secret_encrypted, expires_at = excluded.expires_at",
    )
    .bind(&session.account_id)
    .bind(context.key.encrypt(secret.as_bytes()))
    .bind(now + SETUP_LIFETIME)
    .execute(context.pool)
    .await?;
    Ok(AuthenticatorSetup {
        otpauth_uri: otpauth_uri(issuer, &username, &secret),
        secret,
        expires_in: SETUP_LIFETIME as u64,
    })
}

fn new_recovery_codes() -> Vec<String> {
    recovery::generate(&mut rand::rngs::OsRng)
}

/// Turns the authenticator on: the password and a code from the new secret. Answers the
/// recovery codes, the only time they are shown.
pub async fn confirm_authenticator(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    password: &str,
    code: &str,
    now: i64,
) -> Result<RecoveryCodes, SecurityError> {
    let pool = context.pool;
    let pending: Option<(String,)> = sqlx::query_as(
        "SELECT secret_encrypted FROM pending_authenticators WHERE account_id = ? AND expires_at >= ?",
    )
    .bind(&session.account_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let (encrypted,) = pending.ok_or(SecurityError::NoPendingSetup)?;
    check_password(context, &session.account_id, password, now).await?;
    let secret = context
        .key
        .decrypt(&encrypted)
        .ok()
        .and_then(|text| totp::decode_base32(&String::from_utf8_lossy(&text)).ok())
        .ok_or(SecurityError::NoPendingSetup)?;
    let step = totp::accept(&secret, code, now, None).ok_or(SecurityError::WrongSetupCode)?;
    let codes = new_recovery_codes();
    let mut tx = pool.begin().await?;
    let enabled = sqlx::query(
        "UPDATE accounts SET totp_secret_encrypted = ?, totp_last_step = ?
         WHERE id = ? AND totp_secret_encrypted IS NULL",
    )
    .bind(&encrypted)
    .bind(step)
    .bind(&session.account_id)
    .execute(&mut *tx)
    .await?;
    if enabled.rows_affected() != 1 {
        return Err(SecurityError::AlreadyEnabled);
    }
    sqlx::query("DELETE FROM pending_authenticators WHERE account_id = ?")
        .bind(&session.account_id)
        .execute(&mut *tx)
        .await?;
    recovery::replace(&mut tx, &session.account_id, &codes, now).await?;
    tx.commit().await?;
    tracing::info!(account = %session.account_id, "authenticator app set up");
    Ok(RecoveryCodes { codes })
}

async fn require_enabled(pool: &SqlitePool, account_id: &str) -> Result<(), SecurityError> {
    let (has_totp,): (bool,) =
        sqlx::query_as("SELECT totp_secret_encrypted IS NOT NULL FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(pool)
            .await?
            .ok_or(SecurityError::AccountGone)?;
    if has_totp {
        Ok(())
    } else {
        Err(SecurityError::NotEnabled)
    }
}

/// Turns the authenticator off (password and a current or recovery code).
pub async fn disable_authenticator(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    password: &str,
    code: &str,
    now: i64,
) -> Result<(), SecurityError> {
    require_enabled(context.pool, &session.account_id).await?;
    check_password(context, &session.account_id, password, now).await?;
    check_second_factor(context, &session.account_id, code, now).await?;
    let mut tx = context.pool.begin().await?;
    sqlx::query(
        "UPDATE accounts SET totp_secret_encrypted = NULL, totp_last_step = NULL WHERE id = ?",
    )
    .bind(&session.account_id)
    .execute(&mut *tx)
    .await?;
    recovery::replace(&mut tx, &session.account_id, &[], now).await?;
    tx.commit().await?;
    tracing::info!(account = %session.account_id, "authenticator app turned off");
    Ok(())
}

/// A new set of recovery codes; the old ones stop working.
pub async fn regenerate_recovery_codes(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    password: &str,
    code: &str,
    now: i64,
) -> Result<RecoveryCodes, SecurityError> {
    require_enabled(context.pool, &session.account_id).await?;
    check_password(context, &session.account_id, password, now).await?;
    check_second_factor(context, &session.account_id, code, now).await?;
    let codes = new_recovery_codes();
    let mut tx = context.pool.begin().await?;
    recovery::replace(&mut tx, &session.account_id, &codes, now).await?;
    tx.commit().await?;
    Ok(RecoveryCodes { codes })
}

/// A one-time intent the app passes to `/v1/authorize` as `link_intent`: the provider
/// sign-in that follows links to this account. A new way to sign in is a credential, so
/// it asks for the password (and a code when the account has an authenticator app), and
/// the intent is bound to the app's PKCE challenge: only that sign-in can use it.
pub async fn start_link(
    context: &CredentialContext<'_>,
    options: &SignInOptions,
    session: &AuthenticatedSession,
    request: &StartLinkRequest,
    now: i64,
) -> Result<LinkIntent, SecurityError> {
    let pool = context.pool;
    let provider_id = request.provider.as_str();
    if !options.providers.iter().any(|p| p.id == provider_id) {
        return Err(SecurityError::UnknownProvider);
    }
    check_password(context, &session.account_id, &request.password, now).await?;
    let (has_totp,): (bool,) =
        sqlx::query_as("SELECT totp_secret_encrypted IS NOT NULL FROM accounts WHERE id = ?")
            .bind(&session.account_id)
            .fetch_optional(pool)
            .await?
            .ok_or(SecurityError::AccountGone)?;
    if has_totp {
        let code = request.code.as_deref().unwrap_or_default();
        check_second_factor(context, &session.account_id, code, now).await?;
    }
    let intent = new_token(TokenKind::LinkIntent);
    sqlx::query(
        "INSERT INTO link_intents (intent_hash, account_id, provider_id, code_challenge, expires_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(token_hash(&intent))
    .bind(&session.account_id)
    .bind(provider_id)
    .bind(&request.code_challenge)
    .bind(now + SETUP_LIFETIME)
    .execute(pool)
    .await?;
    Ok(LinkIntent {
        link_intent: intent,
        expires_in: SETUP_LIFETIME as u64,
    })
}

/// Uses up a link intent for `provider_id` and the PKCE challenge it was made for; the
/// account it links to.
pub async fn claim_link_intent(
    pool: &SqlitePool,
    intent: &str,
    provider_id: &str,
    code_challenge: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "UPDATE link_intents SET used_at = ?
         WHERE intent_hash = ? AND provider_id = ? AND code_challenge = ? AND used_at IS NULL AND expires_at >= ?
         RETURNING account_id",
    )
    .bind(now)
    .bind(token_hash(intent))
    .bind(provider_id)
    .bind(code_challenge)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(account,)| account))
}

/// Removes a linked provider. Adding it again later works like the first time.
pub async fn remove_link(
    pool: &SqlitePool,
    session: &AuthenticatedSession,
    wanted: &str,
) -> Result<(), SecurityError> {
    let links: Vec<(String, String)> =
        sqlx::query_as("SELECT issuer, subject FROM identity_links WHERE account_id = ?")
            .bind(&session.account_id)
            .fetch_all(pool)
            .await?;
    let (issuer, subject) = links
        .into_iter()
        .find(|(issuer, subject)| link_id(issuer, subject) == wanted)
        .ok_or(SecurityError::UnknownLink)?;
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM identity_links WHERE issuer = ? AND subject = ? AND account_id = ?")
        .bind(&issuer)
        .bind(&subject)
        .bind(&session.account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM remembered_choices WHERE issuer = ? AND subject = ? AND account_id = ?",
    )
    .bind(&issuer)
    .bind(&subject)
    .bind(&session.account_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(account = %session.account_id, "linked provider removed");
    Ok(())
}

fn normalized_email(email: &str) -> Result<String, SecurityError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
    if valid {
        Ok(email)
    } else {
        Err(SecurityError::BadEmail(email))
    }
}

/// Adds a notification-only email (voicemail copies). It never signs in.
pub async fn add_notification_email(
    pool: &SqlitePool,
    session: &AuthenticatedSession,
    email: &str,
) -> Result<(), SecurityError> {
    let email = normalized_email(email)?;
    let added = sqlx::query(
        "INSERT INTO account_emails (account_id, email, purpose) VALUES (?, ?, 'notification')
         ON CONFLICT (account_id, email) DO NOTHING",
    )
    .bind(&session.account_id)
    .bind(&email)
    .execute(pool)
    .await?;
    if added.rows_affected() == 0 {
        return Err(SecurityError::EmailExists(email));
    }
    Ok(())
}

pub async fn remove_notification_email(
    pool: &SqlitePool,
    session: &AuthenticatedSession,
    email: &str,
) -> Result<(), SecurityError> {
    let email = email.trim().to_lowercase();
    let purpose: Option<(String,)> =
        sqlx::query_as("SELECT purpose FROM account_emails WHERE account_id = ? AND email = ?")
            .bind(&session.account_id)
            .bind(&email)
            .fetch_optional(pool)
            .await?;
    match purpose {
        None => Err(SecurityError::UnknownEmail(email)),
        Some((purpose,)) if purpose == "login" => Err(SecurityError::LoginEmailManaged),
        Some(_) => {
            sqlx::query("DELETE FROM account_emails WHERE account_id = ? AND email = ?")
                .bind(&session.account_id)
                .bind(&email)
                .execute(pool)
                .await?;
            Ok(())
        }
    }
}

/// Signs out another session of the same account.
pub async fn revoke_other_session(
    pool: &SqlitePool,
    session: &AuthenticatedSession,
    target: &str,
    now: i64,
) -> Result<(), SecurityError> {
    if target == session.session_id {
        return Err(SecurityError::CurrentSession);
    }
    let owned: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM sessions WHERE id = ? AND account_id = ? AND revoked_at IS NULL",
    )
    .bind(target)
    .bind(&session.account_id)
    .fetch_optional(pool)
    .await?;
    if owned.is_none() {
        return Err(SecurityError::UnknownSession);
    }
    sessions::revoke_session(pool, target, "signed_out_by_user", now)
        .await
        .map_err(LoginError::from)?;
    Ok(())
}

/// Changes the password; every other session of the account is signed out, this one kept.
pub async fn change_password(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    current: &str,
    new: &str,
    now: i64,
) -> Result<(), SecurityError> {
    check_password(context, &session.account_id, current, now).await?;
    let (username,): (String,) = sqlx::query_as("SELECT username FROM accounts WHERE id = ?")
        .bind(&session.account_id)
        .fetch_optional(context.pool)
        .await?
        .ok_or(SecurityError::AccountGone)?;
    if new.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(SecurityError::PasswordTooShort);
    }
    if new == current || new.eq_ignore_ascii_case(&username) {
        return Err(SecurityError::PasswordTooObvious);
    }
    let hash = context
        .passwords
        .hash(new)
        .await
        .map_err(|error| LoginError::Db(crate::db::DbError::Encode(error.to_string())))?;
    sqlx::query("UPDATE accounts SET password_hash = ? WHERE id = ?")
        .bind(hash)
        .bind(&session.account_id)
        .execute(context.pool)
        .await?;
    let others: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM sessions WHERE account_id = ? AND id <> ? AND revoked_at IS NULL",
    )
    .bind(&session.account_id)
    .bind(&session.session_id)
    .fetch_all(context.pool)
    .await?;
    for (other,) in others {
        sessions::revoke_session(context.pool, &other, "password_changed", now)
            .await
            .map_err(LoginError::from)?;
    }
    tracing::info!(account = %session.account_id, "password changed");
    Ok(())
}
