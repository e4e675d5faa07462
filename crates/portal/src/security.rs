//! The signed-in account's security settings: the authenticator app (set up with a QR code
//! and a confirming code + password, disable, recovery codes), linked providers (add through
//! the browser, remove), emails and their warnings, sessions (sign out others), password.
//!
//! Changes that weaken or replace a credential ask for the password and a current code;
//! wrong ones count towards the same limits as signing in. The other sensitive changes
//! (adding a notification email, removing a linked sign-in, signing out other sessions,
//! changing the password) need a step-up: the session confirmed its user with the
//! password (and the code when the authenticator is on) less than
//! [`CONFIRMATION_LIFETIME`] seconds ago, so a stolen access token alone changes nothing.

use crate::crypto::Binding;
use switchboard_api::{
    AccountEmail, AuthenticatorSetup, AuthenticatorStatus, Confirmation, EmailPurpose, LinkIntent,
    LinkedProvider, NotificationEmailAdded, RecoveryCodes, SecurityOverview, SecurityWarning,
    SessionInfo, SignInOptions, StartLinkRequest,
};

use crate::audit::{self, AuditEvent, AuditKind};
use crate::login::LoginError;
use crate::mail::MailSender;
use crate::password_sign_in::{
    account_key, admit, check_second_factor, failure, CredentialContext,
};
use crate::sessions::{self, AuthenticatedSession};
use crate::store::{Store, StoreError};
use crate::throttle::{self, PASSWORD_PER_CLIENT};
use crate::tokens::{new_token, token_hash, TokenKind};
use crate::{notification_emails, recovery, totp};

/// Seconds an authenticator set-up waits for its confirming code, and a link intent for
/// its browser sign-in.
pub const SETUP_LIFETIME: i64 = 600;
pub const MIN_PASSWORD_LENGTH: usize = 10;
/// Seconds a session's confirmation (step-up) lets it make sensitive changes.
pub const CONFIRMATION_LIFETIME: i64 = 300;

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
    #[error(transparent)]
    NotificationEmail(#[from] notification_emails::NotificationEmailError),
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
    #[error("confirm it is you first: enter your password (and your authenticator code when it is on), then try again")]
    ConfirmationRequired,
    #[error(transparent)]
    Login(#[from] LoginError),
}

impl From<StoreError> for SecurityError {
    fn from(error: StoreError) -> Self {
        Self::Login(LoginError::from(error))
    }
}

impl From<sessions::SessionError> for SecurityError {
    fn from(error: sessions::SessionError) -> Self {
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

pub async fn overview(
    store: &Store,
    options: &SignInOptions,
    session: &AuthenticatedSession,
    now: i64,
) -> Result<SecurityOverview, SecurityError> {
    let account = &session.account_id;
    let account_row = store
        .credentials_by_id(account)
        .await?
        .ok_or(SecurityError::AccountGone)?;
    let has_totp = account_row.has_totp;
    let username = store
        .username(account)
        .await?
        .ok_or(SecurityError::AccountGone)?;

    let linked_providers = store
        .links_of_account(account)
        .await?
        .into_iter()
        .map(|link| {
            let provider_id = link.provider_id.unwrap_or_else(|| link.issuer.clone());
            LinkedProvider {
                link_id: link_id(&link.issuer, &link.subject),
                provider_name: provider_name(options, &provider_id),
                provider_id,
                email: link.email,
                linked_at: link.created_at,
            }
        })
        .collect();

    let unconfirmed = store.unconfirmed_emails_of_account(account).await?;
    let emails: Vec<AccountEmail> = store
        .emails_of_account(account)
        .await?
        .into_iter()
        .map(|row| AccountEmail {
            confirmed: !unconfirmed.contains(&row.email),
            email: row.email,
            purpose: if row.purpose == "login" {
                EmailPurpose::Login
            } else {
                EmailPurpose::Notification
            },
            also_login_email_of: u32::try_from(row.other_login_accounts).unwrap_or(0),
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

    let sessions = store
        .live_sessions_of_account(account)
        .await?
        .into_iter()
        .map(|row| SessionInfo {
            current: row.id == session.session_id,
            session_id: row.id,
            device_name: row.device_name,
            auth_method: row.auth_method,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        })
        .collect();

    Ok(SecurityOverview {
        username,
        authenticator: AuthenticatorStatus {
            enabled: has_totp,
            recovery_codes_left: if has_totp {
                recovery::remaining(store, account).await?
            } else {
                0
            },
        },
        linked_providers,
        emails,
        warnings,
        sessions,
        confirmed_for_seconds: confirmed_for(store, session, now).await?,
    })
}

/// Seconds the session's confirmation still holds (0: none, or too old).
async fn confirmed_for(
    store: &Store,
    session: &AuthenticatedSession,
    now: i64,
) -> Result<u64, SecurityError> {
    let left = store
        .session_confirmed_at(&session.session_id)
        .await?
        .map_or(0, |at| {
            (at + CONFIRMATION_LIFETIME - now).min(CONFIRMATION_LIFETIME)
        });
    Ok(u64::try_from(left).unwrap_or(0))
}

/// A sensitive change goes ahead only for a session confirmed less than
/// [`CONFIRMATION_LIFETIME`] seconds ago.
async fn require_confirmation(
    store: &Store,
    session: &AuthenticatedSession,
    now: i64,
) -> Result<(), SecurityError> {
    if confirmed_for(store, session, now).await? > 0 {
        Ok(())
    } else {
        Err(SecurityError::ConfirmationRequired)
    }
}

/// The password, and the authenticator code when the account has one: both counted
/// against the same limits as signing in.
async fn check_password_and_code(
    context: &CredentialContext<'_>,
    account_id: &str,
    password: &str,
    code: Option<&str>,
    now: i64,
) -> Result<(), SecurityError> {
    check_password(context, account_id, password, now).await?;
    if has_authenticator(context.store, account_id).await? {
        let code = code.map(str::trim).unwrap_or_default();
        check_second_factor(context, account_id, code, now).await?;
    }
    Ok(())
}

/// Step-up: the session's user proves it is them (password, and the authenticator code
/// when it is on); for [`CONFIRMATION_LIFETIME`] seconds the session may then make
/// sensitive changes.
pub async fn confirm(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    password: &str,
    code: Option<&str>,
    now: i64,
) -> Result<Confirmation, SecurityError> {
    check_password_and_code(context, &session.account_id, password, code, now).await?;
    context
        .store
        .confirm_session(&session.session_id, now)
        .await?;
    audit_change(context.store, session, "confirmed", now).await;
    Ok(Confirmation {
        expires_in: CONFIRMATION_LIFETIME as u64,
    })
}

/// The account's current password, counted against the same limit as signing in with it.
async fn check_password(
    context: &CredentialContext<'_>,
    account_id: &str,
    password: &str,
    now: i64,
) -> Result<(), SecurityError> {
    let hash = context
        .store
        .credentials_by_id(account_id)
        .await?
        .ok_or(SecurityError::AccountGone)?
        .password_hash;
    // Per account and address only: someone else's guesses elsewhere never stop a
    // signed-in user from confirming it is them or changing their password.
    let key = throttle::per_client(&account_key(Some(account_id), ""));
    let locks_out_at = admit(context.store, &[(&PASSWORD_PER_CLIENT, &key)], now).await?;
    if context
        .passwords
        .verify(password, Some(&hash))
        .await
        .map_err(LoginError::from)?
    {
        throttle::clear(context.store, &PASSWORD_PER_CLIENT, &key).await?;
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
    let store = context.store;
    if has_authenticator(store, &session.account_id).await? {
        return Err(SecurityError::AlreadyEnabled);
    }
    let username = store
        .username(&session.account_id)
        .await?
        .ok_or(SecurityError::AccountGone)?;
    let secret = totp::new_secret_base32();
    store
        .save_pending_authenticator(
            &session.account_id,
            &context
                .key
                .encrypt(secret.as_bytes(), Binding::totp_secret(&session.account_id)),
            now + SETUP_LIFETIME,
        )
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
    let store = context.store;
    let encrypted = store
        .pending_authenticator(&session.account_id, now)
        .await?
        .ok_or(SecurityError::NoPendingSetup)?;
    check_password(context, &session.account_id, password, now).await?;
    let secret = context
        .key
        .decrypt(&encrypted, Binding::totp_secret(&session.account_id))
        .ok()
        .and_then(|text| totp::decode_base32(&String::from_utf8_lossy(&text)).ok())
        .ok_or(SecurityError::NoPendingSetup)?;
    let step = totp::accept(&secret, code, now, None).ok_or(SecurityError::WrongSetupCode)?;
    let codes = new_recovery_codes();
    let enabled = store
        .enable_authenticator(
            &session.account_id,
            &encrypted,
            step,
            &recovery::stored_hashes(context.key, &session.account_id, &codes),
            now,
        )
        .await?;
    if !enabled {
        return Err(SecurityError::AlreadyEnabled);
    }
    tracing::info!(account = %session.account_id, "authenticator app set up");
    audit_change(store, session, "authenticator_on", now).await;
    Ok(RecoveryCodes { codes })
}

async fn has_authenticator(store: &Store, account_id: &str) -> Result<bool, SecurityError> {
    Ok(store
        .credentials_by_id(account_id)
        .await?
        .ok_or(SecurityError::AccountGone)?
        .has_totp)
}

async fn require_enabled(store: &Store, account_id: &str) -> Result<(), SecurityError> {
    if has_authenticator(store, account_id).await? {
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
    require_enabled(context.store, &session.account_id).await?;
    check_password(context, &session.account_id, password, now).await?;
    check_second_factor(context, &session.account_id, code, now).await?;
    context
        .store
        .disable_authenticator(&session.account_id)
        .await?;
    tracing::info!(account = %session.account_id, "authenticator app turned off");
    audit_change(context.store, session, "authenticator_off", now).await;
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
    require_enabled(context.store, &session.account_id).await?;
    check_password(context, &session.account_id, password, now).await?;
    check_second_factor(context, &session.account_id, code, now).await?;
    let codes = new_recovery_codes();
    recovery::replace(context.store, context.key, &session.account_id, &codes, now).await?;
    audit_change(context.store, session, "recovery_codes_replaced", now).await;
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
    let store = context.store;
    let provider_id = request.provider.as_str();
    if !options.providers.iter().any(|p| p.id == provider_id) {
        return Err(SecurityError::UnknownProvider);
    }
    check_password_and_code(
        context,
        &session.account_id,
        &request.password,
        request.code.as_deref(),
        now,
    )
    .await?;
    let intent = new_token(TokenKind::LinkIntent);
    store
        .insert_link_intent(
            &token_hash(&intent),
            &session.account_id,
            provider_id,
            &request.code_challenge,
            now + SETUP_LIFETIME,
        )
        .await?;
    Ok(LinkIntent {
        link_intent: intent,
        expires_in: SETUP_LIFETIME as u64,
    })
}

/// Uses up a link intent for `provider_id` and the PKCE challenge it was made for; the
/// account it links to.
pub async fn claim_link_intent(
    store: &Store,
    intent: &str,
    provider_id: &str,
    code_challenge: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    store
        .claim_link_intent(&token_hash(intent), provider_id, code_challenge, now)
        .await
}

/// Removes a linked provider. Adding it again later works like the first time.
pub async fn remove_link(
    store: &Store,
    session: &AuthenticatedSession,
    wanted: &str,
    now: i64,
) -> Result<(), SecurityError> {
    require_confirmation(store, session, now).await?;
    let link = store
        .links_of_account(&session.account_id)
        .await?
        .into_iter()
        .find(|link| link_id(&link.issuer, &link.subject) == wanted)
        .ok_or(SecurityError::UnknownLink)?;
    if !store
        .remove_link(&link.issuer, &link.subject, &session.account_id, now)
        .await?
    {
        return Err(SecurityError::UnknownLink);
    }
    tracing::info!(account = %session.account_id, "linked provider removed");
    let mut event = AuditEvent::new(AuditKind::Unlink)
        .account(session.account_id.as_str())
        .detail("reason", "removed_by_user");
    if let Some(provider_id) = &link.provider_id {
        event = event.provider(provider_id.as_str());
    }
    audit::record(store, event, now).await;
    Ok(())
}

/// The administrator's looser check of an email (the app's notification emails go through
/// [`notification_emails::check`]).
pub(crate) fn normalized_email(email: &str) -> Result<String, notification_emails::EmailProblem> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
    if valid {
        Ok(email)
    } else {
        Err(notification_emails::EmailProblem::Syntax(email))
    }
}

/// Adds a notification-only email (voicemail copies; it never signs in) after the checks
/// of [`notification_emails::check`]; it receives nothing until the code mailed to it is
/// entered. A sensitive change: it needs a recent confirmation.
pub async fn add_notification_email(
    store: &Store,
    mail: &dyn MailSender,
    portal_name: &str,
    session: &AuthenticatedSession,
    email: &str,
    now: i64,
) -> Result<NotificationEmailAdded, SecurityError> {
    require_confirmation(store, session, now).await?;
    Ok(notification_emails::add(store, mail, portal_name, session, email, now).await?)
}

pub async fn remove_notification_email(
    store: &Store,
    session: &AuthenticatedSession,
    email: &str,
    now: i64,
) -> Result<(), SecurityError> {
    let email = email.trim().to_lowercase();
    match store
        .remove_notification_email(&session.account_id, &email)
        .await?
    {
        None => Err(SecurityError::UnknownEmail(email)),
        Some(purpose) if purpose == "login" => Err(SecurityError::LoginEmailManaged),
        Some(_) => {
            let event = change_event(session, "notification_email_removed").detail("email", email);
            audit::record(store, event, now).await;
            Ok(())
        }
    }
}

/// A change the signed-in user made in the security settings.
fn change_event(session: &AuthenticatedSession, action: &str) -> AuditEvent {
    AuditEvent::new(AuditKind::Security)
        .account(session.account_id.as_str())
        .detail("action", action)
}

async fn audit_change(store: &Store, session: &AuthenticatedSession, action: &str, now: i64) {
    audit::record(store, change_event(session, action), now).await;
}

/// Signs out another session of the same account.
pub async fn revoke_other_session(
    store: &Store,
    session: &AuthenticatedSession,
    target: &str,
    now: i64,
) -> Result<(), SecurityError> {
    require_confirmation(store, session, now).await?;
    if target == session.session_id {
        return Err(SecurityError::CurrentSession);
    }
    let owned = store
        .live_sessions_of_account(&session.account_id)
        .await?
        .iter()
        .any(|live| live.id == target);
    if !owned {
        return Err(SecurityError::UnknownSession);
    }
    sessions::revoke_session(store, target, "signed_out_by_user", now).await?;
    Ok(())
}

/// Changes the password: the current one, and the authenticator code when it is on
/// (unless the session confirmed itself within [`CONFIRMATION_LIFETIME`]). Every other
/// session of the account is signed out, this one kept, and what the old password started
/// (authenticator-code tickets, link intents) can no longer be used.
pub async fn change_password(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    current: &str,
    new: &str,
    code: Option<&str>,
    now: i64,
) -> Result<(), SecurityError> {
    let store = context.store;
    if confirmed_for(store, session, now).await? > 0 {
        check_password(context, &session.account_id, current, now).await?;
    } else {
        check_password_and_code(context, &session.account_id, current, code, now).await?;
    }
    let username = store
        .username(&session.account_id)
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
        .map_err(LoginError::from)?
        .map_err(|error| LoginError::Db(StoreError::encode(error)))?;
    store.set_password_hash(&session.account_id, &hash).await?;
    store
        .end_pending_grants_of_account(&session.account_id, now)
        .await?;
    store
        .end_sessions_of_account(
            &session.account_id,
            Some(&session.session_id),
            "password_changed",
            now,
            None,
        )
        .await?;
    tracing::info!(account = %session.account_id, "password changed");
    audit_change(store, session, "password_changed", now).await;
    Ok(())
}
