//! Username + password sign-in and the authenticator step after it.
//!
//! Unknown usernames and wrong passwords answer alike and take the same time (an unknown
//! user is checked against a dummy hash). Failures per username back off from the third
//! (the wrong answer says how long: `retry_after_seconds`) and lock for a while at the
//! tenth. After a right password an account with an authenticator answers `MfaRequired`;
//! the code (± one 30 s step, never the same step twice) or a recovery code (once) then
//! signs in. Wrong codes lock the account's code step for a while.

use switchboard_api::LoginStep;

use crate::audit::{AuditEvent, AuditKind};
use crate::crypto::{Binding, EncryptionKey};
use crate::password::PasswordVerifier;
use crate::request::RequestContext;
use crate::signin::login;
use crate::signin::login::{LoginError, TICKET_LIFETIME};
use crate::signin::sessions;
use crate::signin::tickets::{claim_ticket, peek_ticket};
use crate::store::{AccountCredentials, Store};
use crate::throttle::{
    self, Admission, IfWrong, Limit, CODE_PER_ACCOUNT, PASSWORD_PER_ACCOUNT, PASSWORD_PER_CLIENT,
};
use crate::{recovery, totp};

/// What password and code checks need besides the request.
pub struct CredentialContext<'a> {
    pub store: &'a Store,
    pub passwords: &'a PasswordVerifier,
    pub key: &'a EncryptionKey,
}

/// Counts the attempt before its credential is checked (see `throttle::admit`): the
/// lockout error while a key is locked, else what this attempt starts if it fails.
pub(crate) async fn admit(
    store: &Store,
    keys: &[(&Limit, &str)],
    now: i64,
) -> Result<IfWrong, LoginError> {
    match throttle::admit(store, keys, now).await? {
        Admission::Refused { until } => Err(LoginError::TooManyAttempts {
            retry_after: until - now,
        }),
        Admission::Admitted(if_wrong) => Ok(if_wrong),
    }
}

/// The error of an admitted attempt that failed: the lockout it reached, else `wrong`; a
/// wrong password says the wait it started (the password limits are the ones that back
/// off), so the client waits instead of trying at once and being refused.
pub(crate) fn failure(if_wrong: IfWrong, wrong: LoginError, now: i64) -> LoginError {
    if let Some(until) = if_wrong.locks_out_at {
        return LoginError::TooManyAttempts {
            retry_after: until - now,
        };
    }
    match (wrong, if_wrong.waits_until) {
        (LoginError::InvalidPassword { .. }, Some(until)) => LoginError::InvalidPassword {
            retry_after: Some(until - now),
        },
        (wrong, _) => wrong,
    }
}

/// The attempt-limit key of an account, or of a name that is no account (so unknown and
/// known names are limited alike, and all the names of one account share its limit). A
/// typed name is cut to 100 characters, so the key stays bounded with the client's address
/// after it.
pub(crate) fn account_key(account_id: Option<&str>, typed: &str) -> String {
    match account_id {
        Some(id) => format!("account:{id}"),
        None => {
            let end = typed
                .char_indices()
                .nth(100)
                .map_or(typed.len(), |(i, _)| i);
            format!("name:{}", &typed[..end])
        }
    }
}

/// The account `name` names: its username, or a login email that reaches exactly one
/// account.
async fn find_account(store: &Store, name: &str) -> Result<Option<AccountCredentials>, LoginError> {
    if let Some(account) = store.credentials_by_username(name).await? {
        return Ok(Some(account));
    }
    let by_email = store.credentials_by_login_email(name).await?;
    Ok(match <[AccountCredentials; 1]>::try_from(by_email) {
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
    request: &RequestContext,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let store = context.store;
    let typed = username.trim().to_lowercase();
    let account = find_account(store, &typed).await?;
    let account_id = account.as_ref().map(|a| a.id.clone());
    let key = account_key(account_id.as_deref(), &typed);
    let client_key = throttle::per_client(&key, request);
    let refused = |error: LoginError| {
        let event = AuditEvent::new(AuditKind::SignInFailed)
            .method("password")
            .maybe_account(account_id.as_deref())
            .device(device_name)
            .detail("username", typed.as_str());
        async move {
            login::record_login_failure(store, event, &error, request, now).await;
            error
        }
    };
    let keys = [
        (&PASSWORD_PER_CLIENT, client_key.as_str()),
        (&PASSWORD_PER_ACCOUNT, key.as_str()),
    ];
    let if_wrong = match admit(store, &keys, now).await {
        Ok(if_wrong) => if_wrong,
        Err(error) => return Err(refused(error).await),
    };
    let right = context
        .passwords
        .verify(password, account.as_ref().map(|a| a.password_hash.as_str()))
        .await
        .map_err(LoginError::from);
    let right = match right {
        Ok(right) => right,
        Err(error) => return Err(refused(error).await),
    };
    let Some(account) = account.filter(|_| right) else {
        tracing::info!("password sign-in refused");
        let wrong = LoginError::InvalidPassword { retry_after: None };
        return Err(refused(failure(if_wrong, wrong, now)).await);
    };
    // The address that got it right starts afresh; the account-wide count only takes back
    // this attempt, so one right password cannot reset a guessing campaign spread over
    // many addresses (nor do the owner's own sign-ins add up to a lock).
    throttle::clear(store, &PASSWORD_PER_CLIENT, &client_key).await?;
    throttle::forgive(store, &PASSWORD_PER_ACCOUNT, &key, now).await?;
    if account.has_totp {
        let ticket =
            login::new_ticket(store, "mfa", None, std::slice::from_ref(&account.id), now).await?;
        return Ok(LoginStep::MfaRequired {
            ticket,
            expires_in: TICKET_LIFETIME as u64,
        });
    }
    let (_, mut session) =
        sessions::start_session(store, &account.id, "password", device_name, request, now).await?;
    // A password signs in to its one account.
    session.reaches_accounts = Some(1);
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
    let store = context.store;
    let if_wrong = admit(store, &[(&CODE_PER_ACCOUNT, account_id)], now).await?;
    let state = store
        .totp_state(account_id)
        .await?
        .ok_or(LoginError::TicketInvalid)?;
    let (secret, last_step) = (state.totp_secret_encrypted, state.totp_last_step);
    let accepted = if recovery::looks_like_recovery_code(code) {
        recovery::consume(store, context.key, account_id, code, now)
            .await?
            .then_some(SecondFactor::RecoveryCode)
    } else {
        let secret = secret
            .and_then(|stored| {
                context
                    .key
                    .decrypt(&stored, Binding::totp_secret(account_id))
                    .ok()
            })
            .and_then(|text| totp::decode_base32(&String::from_utf8_lossy(&text)).ok());
        match secret.and_then(|secret| totp::accept(&secret, code, now, last_step)) {
            // Stored only if no other request stored this step or a later one first.
            Some(step) => store
                .record_totp_step(account_id, step)
                .await?
                .then_some(SecondFactor::Authenticator),
            None => None,
        }
    };
    match accepted {
        Some(factor) => {
            throttle::clear(store, &CODE_PER_ACCOUNT, account_id).await?;
            Ok(factor)
        }
        None => Err(failure(if_wrong, LoginError::InvalidCode, now)),
    }
}

/// `POST /v1/login/mfa`: the code for an `MfaRequired` step, after a password or a
/// provider sign-in whose organization asks for it.
pub async fn submit_code(
    context: &CredentialContext<'_>,
    ticket: &str,
    code: &str,
    device_name: &str,
    request: &RequestContext,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let store = context.store;
    let step = peek_ticket(store, ticket, "mfa", now).await?;
    let [account_id] =
        <[String; 1]>::try_from(step.account_ids).map_err(|_| LoginError::TicketInvalid)?;
    let factor = match check_second_factor(context, &account_id, code, now).await {
        Ok(factor) => factor,
        Err(error) => {
            let event = AuditEvent::new(AuditKind::SignInFailed)
                .method("authenticator_code")
                .account(account_id.as_str())
                .device(device_name);
            login::record_login_failure(store, event, &error, request, now).await;
            return Err(error);
        }
    };
    claim_ticket(store, ticket, "mfa", now).await?;
    let first = match &step.identity {
        Some(identity) => format!("sso:{}", identity.provider_id),
        None => "password".to_owned(),
    };
    let method = match factor {
        SecondFactor::Authenticator => format!("{first}+totp"),
        SecondFactor::RecoveryCode => format!("{first}+recovery_code"),
    };
    let (_, session) = sessions::start_session_from(
        store,
        &account_id,
        &method,
        device_name,
        step.identity.as_ref(),
        request,
        now,
    )
    .await?;
    Ok(LoginStep::SignedIn { session })
}
