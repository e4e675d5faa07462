//! From a verified provider identity to a login step, by docs/design.md's matching rules:
//! 1. an identity already linked (issuer + subject) reaches exactly its linked accounts;
//! 2. otherwise a verified, trusted email reaches the accounts whose *login* emails equal
//!    it, only through a provider that matches by email (Google, Entra; Apple and company
//!    providers when the operator turned it on), only where the account's organization
//!    enabled that provider for that domain or tenant and the account may use SSO, and
//!    never for a new subject whose email another subject of the issuer already linked;
//!    the match is recorded as a link;
//! 3. otherwise the identity must be linked with the account's password.
//!
//! Notification-only emails never match.

use switchboard_api::{AccountChoice, LinkReason, LoginStep};

use crate::audit::{self, AuditEvent, AuditKind};
use crate::providers::ProviderIdentity;
use crate::request::RequestContext;
use crate::signin::sessions::{self, SessionError};
use crate::store::{to_json, LinkOrigin, MatchedAccountRow, NewLink, Store, StoreError};
use crate::tokens::{new_token, token_hash, TokenKind};

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
    /// `retry_after`: the seconds of the wait this wrong password started (from the third).
    #[error("the username or password is wrong{}", crate::throttle::wait_after_wrong(*retry_after))]
    InvalidPassword { retry_after: Option<i64> },
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
    Busy(#[from] crate::password::HashingBusy),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Db(#[from] StoreError),
}

/// The failure of a sign-in step: a lockout when the error is one, else `sign_in_failed`
/// with the error's words.
pub async fn record_login_failure(
    store: &Store,
    event: AuditEvent,
    error: &LoginError,
    request: &RequestContext,
    now: i64,
) {
    let event = match error {
        LoginError::TooManyAttempts { retry_after } => event
            .of_kind(AuditKind::Lockout)
            .result("locked")
            .detail("retry_after_seconds", *retry_after),
        // The database failing is not the user's failure.
        LoginError::Db(_) | LoginError::Session(SessionError::Db(_)) => return,
        other => event
            .of_kind(AuditKind::SignInFailed)
            .result("refused")
            .detail("reason", other.to_string()),
    };
    audit::record(store, event, request, now).await;
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
pub(crate) async fn link_and_sign_in(
    store: &Store,
    identity: &ProviderIdentity,
    account_id: &str,
    device_name: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(LoginStep, Option<String>), LoginError> {
    let Some(account) = store.credentials_by_id(account_id).await? else {
        return Err(LoginError::Session(SessionError::Invalid));
    };
    if !account.sso_allowed {
        return Err(LoginError::SsoNotAllowed);
    }
    record_links(
        store,
        identity,
        &[account_id],
        LinkOrigin::Settings,
        request,
        now,
    )
    .await?;
    tracing::info!(provider = %identity.provider_id, account = %account_id, "provider linked from the security settings");
    let method = format!("sso:{}", identity.provider_id);
    let (session_id, session) = sessions::start_session_from(
        store,
        account_id,
        &method,
        device_name,
        Some(identity),
        request,
        now,
    )
    .await?;
    Ok((LoginStep::SignedIn { session }, Some(session_id)))
}

/// The login step for a verified identity, and the session when it signed in.
pub async fn step_for_identity(
    store: &Store,
    identity: &ProviderIdentity,
    device_name: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(LoginStep, Option<String>), LoginError> {
    let mut accounts = linked_accounts(store, identity).await?;
    if accounts.is_empty() {
        // Linked, but only to accounts whose administrator denied them SSO.
        if !store
            .accounts_linked_to(&identity.issuer, &identity.subject)
            .await?
            .is_empty()
        {
            return Err(LoginError::SsoNotAllowed);
        }
        match accounts_by_email(store, identity).await? {
            Ok(matched) => {
                let ids: Vec<&str> = matched.iter().map(|account| account.id.as_str()).collect();
                record_links(store, identity, &ids, LinkOrigin::Email, request, now).await?;
                accounts = matched;
            }
            Err(reason) => {
                let step = link_ticket(store, identity, reason, now).await?;
                return Ok((step, None));
            }
        }
    }

    let remembered = remembered_choice(store, identity, &accounts).await?;
    let chosen = match (accounts.len(), &remembered) {
        (1, _) => accounts.first(),
        (_, Some(id)) => accounts.iter().find(|account| &account.id == id),
        _ => None,
    };
    if let Some(account) = chosen {
        return finish_for_account(
            store,
            identity,
            account,
            accounts.len(),
            device_name,
            request,
            now,
        )
        .await;
    }
    let step = choose_step(store, identity, accounts, remembered, now).await?;
    Ok((step, None))
}

/// The account remembered for this identity, when it is one of `accounts`.
pub(crate) async fn remembered_choice(
    store: &Store,
    identity: &ProviderIdentity,
    accounts: &[MatchedAccount],
) -> Result<Option<String>, LoginError> {
    let remembered = store
        .remembered_choice(&identity.issuer, &identity.subject)
        .await?;
    Ok(remembered.filter(|id| accounts.iter().any(|account| &account.id == id)))
}

/// Signs the identity in to one account it reaches (of `reaches` it reaches in all), or
/// asks for the authenticator code first when the organization's policy wants it for
/// provider sign-ins.
pub(crate) async fn finish_for_account(
    store: &Store,
    identity: &ProviderIdentity,
    account: &MatchedAccount,
    reaches: usize,
    device_name: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(LoginStep, Option<String>), LoginError> {
    if account.require_totp {
        let step = mfa_ticket(
            store,
            "mfa",
            Some(identity),
            std::slice::from_ref(&account.id),
            now,
        )
        .await?;
        return Ok((step, None));
    }
    let method = format!("sso:{}", identity.provider_id);
    let (session_id, mut session) = sessions::start_session_from(
        store,
        &account.id,
        &method,
        device_name,
        Some(identity),
        request,
        now,
    )
    .await?;
    session.reaches_accounts = Some(u32::try_from(reaches).unwrap_or(u32::MAX));
    Ok((LoginStep::SignedIn { session }, Some(session_id)))
}

/// The chooser over `accounts`, with a ticket that can end in exactly those.
pub(crate) async fn choose_step(
    store: &Store,
    identity: &ProviderIdentity,
    accounts: Vec<MatchedAccount>,
    remembered: Option<String>,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let shared = match &identity.email {
        Some(email) => {
            store
                .login_email_account_count(&email.to_ascii_lowercase())
                .await?
                > 1
        }
        None => false,
    };
    let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
    let ticket = new_ticket(store, "choose_account", Some(identity), &ids, now).await?;
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

fn to_matched(row: MatchedAccountRow) -> MatchedAccount {
    MatchedAccount {
        require_totp: row.require_totp_for_sso && row.has_totp,
        id: row.id,
        display_name: row.display_name,
        extension: row.extension,
        organization_name: row.organization_name,
    }
}

pub(crate) async fn linked_accounts(
    store: &Store,
    identity: &ProviderIdentity,
) -> Result<Vec<MatchedAccount>, LoginError> {
    let rows = store
        .linked_accounts(&identity.issuer, &identity.subject)
        .await?;
    Ok(rows.into_iter().map(to_matched).collect())
}

/// Rule 2, or why it does not apply.
async fn accounts_by_email(
    store: &Store,
    identity: &ProviderIdentity,
) -> Result<Result<Vec<MatchedAccount>, LinkReason>, LoginError> {
    let Some(email) = identity.trusted_email() else {
        return Ok(Err(LinkReason::EmailUnverified));
    };
    // Only providers that prove the domain match by email, unless the operator said so.
    if !identity.matches_by_email {
        return Ok(Err(LinkReason::EmailMatchingOff));
    }
    // A new subject for an address another subject of this issuer already linked: the
    // address may have changed hands (a recreated user, a lapsed domain re-registered).
    if store
        .email_linked_through_other_subject(&identity.issuer, &identity.subject, email)
        .await?
    {
        return Ok(Err(LinkReason::EmailLinkedToAnotherIdentity));
    }
    // Without a domain or tenant no organization can have enabled it: nothing matches.
    let organization_key = identity.organization_key().unwrap_or_default();
    let rows = store
        .accounts_by_login_email(
            &email.to_ascii_lowercase(),
            &identity.provider_id,
            &organization_key,
            &identity.issuer,
            &identity.subject,
        )
        .await?;
    if rows.is_empty() {
        return Ok(Err(LinkReason::NoAccountForEmail));
    }
    let (allowed, denied): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .filter(|row| row.provider_enabled && !organization_key.is_empty())
        .partition(|row| row.sso_allowed);
    if allowed.is_empty() && !denied.is_empty() {
        // Every account this email reaches is denied SSO by its administrator.
        return Err(LoginError::SsoNotAllowed);
    }
    if allowed.is_empty() {
        return Ok(Err(LinkReason::ProviderNotEnabled));
    }
    Ok(Ok(allowed
        .into_iter()
        .map(|row| to_matched(row.account))
        .collect()))
}

/// Links the identity to the accounts (once each), with what the security settings show
/// of it and how it was made.
pub(crate) async fn record_links(
    store: &Store,
    identity: &ProviderIdentity,
    account_ids: &[&str],
    origin: LinkOrigin,
    request: &RequestContext,
    now: i64,
) -> Result<(), LoginError> {
    let organization_key = identity.organization_key();
    let link = NewLink {
        issuer: &identity.issuer,
        subject: &identity.subject,
        provider_id: &identity.provider_id,
        email: identity.email.as_deref(),
        organization_key: organization_key.as_deref(),
        origin,
    };
    store.record_links(&link, account_ids, now).await?;
    for account_id in account_ids {
        let mut event = AuditEvent::new(AuditKind::Link)
            .account(*account_id)
            .provider(identity.provider_id.as_str())
            .detail("made_by", origin.as_str());
        if let Some(email) = &identity.email {
            event = event.detail("email", email.as_str());
        }
        audit::record(store, event, request, now).await;
    }
    Ok(())
}

pub(crate) async fn new_ticket(
    store: &Store,
    kind: &str,
    identity: Option<&ProviderIdentity>,
    account_ids: &[String],
    now: i64,
) -> Result<String, LoginError> {
    let ticket = new_token(TokenKind::LoginTicket);
    let identity = identity.map(to_json).transpose()?;
    store
        .insert_ticket(
            &token_hash(&ticket),
            kind,
            identity.as_deref(),
            &account_ids.join(","),
            now,
            now + TICKET_LIFETIME,
        )
        .await?;
    Ok(ticket)
}

async fn mfa_ticket(
    store: &Store,
    kind: &str,
    identity: Option<&ProviderIdentity>,
    account_ids: &[String],
    now: i64,
) -> Result<LoginStep, LoginError> {
    let ticket = new_ticket(store, kind, identity, account_ids, now).await?;
    Ok(LoginStep::MfaRequired {
        ticket,
        expires_in: TICKET_LIFETIME as u64,
    })
}

async fn link_ticket(
    store: &Store,
    identity: &ProviderIdentity,
    reason: LinkReason,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let ticket = new_ticket(store, "link_account", Some(identity), &[], now).await?;
    Ok(LoginStep::LinkAccount {
        ticket,
        expires_in: TICKET_LIFETIME as u64,
        email: identity.email.clone(),
        reason,
    })
}
