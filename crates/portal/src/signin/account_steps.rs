//! The steps between a verified identity and a session when it is not one account:
//! choosing among the accounts it reaches (and remembering the choice per identity),
//! linking it to an account with that account's password once, and choosing again later
//! from a signed-in session ("use a different account").
//!
//! Tickets are single-use, expire, and end only in the accounts they listed. Linking is
//! rate-limited per identity and per account, and says "try again in N minutes" when locked.

use switchboard_api::LoginStep;

use crate::audit::{AuditEvent, AuditKind};
use crate::request::RequestContext;
use crate::signin::login::{self, LoginError, MatchedAccount};
use crate::signin::password_sign_in::{
    account_key, admit, check_second_factor, failure, CredentialContext,
};
use crate::signin::sessions::{self, AuthenticatedSession};
use crate::signin::tickets::{claim_ticket, peek_ticket};
use crate::store::Store;
use crate::throttle::{self, LINK_PER_ACCOUNT, LINK_PER_IDENTITY};

/// The account picked from a `ChooseAccount` step: it must be one the ticket listed and
/// still reachable by the identity. `remember` keeps it as this identity's default (on
/// every computer); not ticking it forgets an earlier choice.
pub async fn choose_account(
    store: &Store,
    ticket: &str,
    account_id: &str,
    remember: bool,
    device_name: &str,
    request: &RequestContext,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let ticket = claim_ticket(store, ticket, "choose_account", now).await?;
    if !ticket.account_ids.iter().any(|id| id == account_id) {
        return Err(LoginError::AccountNotOffered);
    }
    let identity = ticket.identity.ok_or(LoginError::TicketInvalid)?;
    // Reachable now, not only when the ticket was made (a link may have been removed).
    let accounts = login::linked_accounts(store, &identity).await?;
    let account = accounts
        .iter()
        .find(|account| account.id == account_id)
        .ok_or(LoginError::AccountNotOffered)?;
    if remember {
        store
            .remember_choice(&identity.issuer, &identity.subject, account_id)
            .await?;
    } else {
        store
            .forget_choice(&identity.issuer, &identity.subject)
            .await?;
    }
    let (step, _) = login::finish_for_account(
        store,
        &identity,
        account,
        accounts.len(),
        device_name,
        request,
        now,
    )
    .await?;
    Ok(step)
}

/// "Use a different account" from a signed-in session: the chooser again, over every
/// account the session's provider identity reaches, with the remembered one preselected.
pub async fn choose_again(
    store: &Store,
    session: &AuthenticatedSession,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let identity = session
        .identity
        .as_ref()
        .ok_or(LoginError::NotFromProvider)?;
    let accounts: Vec<MatchedAccount> = login::linked_accounts(store, identity).await?;
    if accounts.is_empty() {
        return Err(LoginError::NoLinkedAccount);
    }
    let remembered = login::remembered_choice(store, identity, &accounts).await?;
    login::choose_step(store, identity, accounts, remembered, now).await
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
    request: &RequestContext,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let result = link_account_checked(context, attempt, request, now).await;
    if let Err(error) = &result {
        let store = context.store;
        let typed = attempt.username.trim().to_lowercase();
        let account_id = store.credentials_by_username(&typed).await.ok().flatten();
        let event = AuditEvent::new(AuditKind::SignInFailed)
            .method("link_with_password")
            .maybe_account(account_id.as_ref().map(|account| account.id.as_str()))
            .device(attempt.device_name)
            .detail("username", typed);
        login::record_login_failure(store, event, error, request, now).await;
    }
    result
}

async fn link_account_checked(
    context: &CredentialContext<'_>,
    attempt: &LinkAttempt<'_>,
    request: &RequestContext,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let store = context.store;
    let ticket = peek_ticket(store, attempt.ticket, "link_account", now).await?;
    let identity = ticket.identity.ok_or(LoginError::TicketInvalid)?;
    let typed = attempt.username.trim().to_lowercase();
    let account = store.credentials_by_username(&typed).await?;
    let identity_key = format!("{}\n{}", identity.issuer, identity.subject);
    let account_key = account_key(account.as_ref().map(|a| a.id.as_str()), &typed);
    let if_wrong = admit(
        store,
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
        .await?;
    let wrong = || {
        tracing::info!(provider = %identity.provider_id, "link refused: wrong credentials");
        failure(if_wrong, LoginError::InvalidCredentials, now)
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
    throttle::clear(store, &LINK_PER_IDENTITY, &identity_key).await?;
    throttle::clear(store, &LINK_PER_ACCOUNT, &account_key).await?;
    if !account.sso_allowed {
        return Err(LoginError::SsoNotAllowed);
    }
    claim_ticket(store, attempt.ticket, "link_account", now).await?;
    login::record_links(
        store,
        &identity,
        &[account.id.as_str()],
        crate::store::LinkOrigin::Password,
        request,
        now,
    )
    .await?;
    tracing::info!(provider = %identity.provider_id, account = %account.id, "identity linked by password");
    let method = format!("link:{}", identity.provider_id);
    let (_, session) = sessions::start_session_from(
        store,
        &account.id,
        &method,
        attempt.device_name,
        Some(&identity),
        request,
        now,
    )
    .await?;
    Ok(LoginStep::SignedIn { session })
}
