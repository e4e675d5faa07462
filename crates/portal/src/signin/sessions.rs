//! Sessions: one refresh-token family per signed-in device. Refresh tokens are stored
//! hashed and rotate on every use; the just-rotated token keeps working for a short grace
//! window (a crash between rotation and the keychain write must not sign the user out);
//! an older token coming back means it was copied, and the whole family is revoked.
//! Idle and absolute lifetimes come from the organization's policy.

use switchboard_api::{AccountSummary, SessionTokens};

use crate::audit::{self, AuditEvent, AuditKind};
use crate::providers::ProviderIdentity;
use crate::request::RequestContext;
use crate::store::{from_json, to_json, NewSession, SessionLink, Store, StoreError};
use crate::tokens::{new_token, token_hash, TokenKind};

/// Seconds an access token lives.
pub const ACCESS_TOKEN_LIFETIME: i64 = 600;
/// Seconds a just-rotated refresh token is still accepted.
pub const REFRESH_GRACE_SECONDS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("this sign-in is not valid (unknown or revoked): sign in again")]
    Invalid,
    #[error("this sign-in has expired under your organization's policy: sign in again")]
    Expired,
    #[error("this sign-in was used from two places, so it was ended for safety: sign in again")]
    Replayed,
    #[error(transparent)]
    Db(#[from] StoreError),
}

pub async fn account_summary(
    store: &Store,
    account_id: &str,
) -> Result<AccountSummary, SessionError> {
    let (account_id, username, display_name, extension, organization_name) = store
        .account_summary(account_id)
        .await?
        .ok_or(SessionError::Invalid)?;
    Ok(AccountSummary {
        account_id,
        username,
        display_name,
        extension,
        organization_name,
    })
}

/// Starts a session for the account: a new refresh-token family and an access token.
pub async fn start_session(
    store: &Store,
    account_id: &str,
    auth_method: &str,
    device_name: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(String, SessionTokens), SessionError> {
    start_session_from(
        store,
        account_id,
        auth_method,
        device_name,
        None,
        request,
        now,
    )
    .await
}

/// As `start_session`, remembering the provider identity it came through (for "use a
/// different account" later).
pub async fn start_session_from(
    store: &Store,
    account_id: &str,
    auth_method: &str,
    device_name: &str,
    identity: Option<&ProviderIdentity>,
    request: &RequestContext,
    now: i64,
) -> Result<(String, SessionTokens), SessionError> {
    let identity_json = identity.map(to_json).transpose()?;
    let organization_key = identity.and_then(ProviderIdentity::organization_key);
    let link = identity.map(|identity| SessionLink {
        issuer: &identity.issuer,
        subject: &identity.subject,
        provider_id: &identity.provider_id,
        organization_key: organization_key.as_deref(),
    });
    let account = account_summary(store, account_id).await?;
    // What tells this session from the account's others: the program and the address of
    // the request that starts it.
    let user_agent = request.user_agent.clone();
    let ip = request.ip_text();
    let session_id = new_token(TokenKind::SessionId);
    let refresh_token = new_token(TokenKind::RefreshToken);
    let access_token = new_token(TokenKind::AccessToken);
    store
        .insert_session(&NewSession {
            id: &session_id,
            account_id,
            auth_method,
            device_name,
            identity_json: identity_json.as_deref(),
            link,
            user_agent: user_agent.as_deref(),
            ip: ip.as_deref(),
            refresh_token_hash: &token_hash(&refresh_token),
            access_token_hash: &token_hash(&access_token),
            access_expires_at: now + ACCESS_TOKEN_LIFETIME,
            now,
        })
        .await?;
    let mut event = AuditEvent::new(AuditKind::SignIn)
        .account(account_id)
        .method(auth_method)
        .device(device_name);
    if let Some(identity) = identity {
        event = event.provider(identity.provider_id.as_str());
    }
    audit::record(store, event, request, now).await;
    Ok((
        session_id,
        SessionTokens {
            access_token,
            token_type: "Bearer".into(),
            expires_in: ACCESS_TOKEN_LIFETIME as u64,
            refresh_token,
            account,
            reaches_accounts: None,
        },
    ))
}

/// The `refresh_token` grant.
pub async fn refresh(
    store: &Store,
    refresh_token: &str,
    request: &RequestContext,
    now: i64,
) -> Result<SessionTokens, SessionError> {
    let presented_hash = token_hash(refresh_token);
    let presented = store
        .presented_refresh_token(&presented_hash)
        .await?
        .ok_or(SessionError::Invalid)?;

    if presented.revoked_at.is_some() {
        return Err(match presented.revoked_reason.as_deref() {
            Some("expired") => SessionError::Expired,
            _ => SessionError::Invalid,
        });
    }
    let idle = now - presented.last_used_at > presented.session_idle_seconds;
    let too_old = now - presented.created_at > presented.session_absolute_seconds;
    if idle || too_old {
        revoke_session(store, &presented.session_id, "expired", request, now).await?;
        return Err(SessionError::Expired);
    }

    // The token to rotate: the presented one, or within the grace window its successor
    // when that is still the family's current token.
    let rotate_from = match (&presented.rotated_at, &presented.successor_hash) {
        (None, _) => presented_hash,
        (Some(rotated_at), Some(successor))
            if now - rotated_at <= REFRESH_GRACE_SECONDS
                && store.refresh_token_is_current(successor).await? =>
        {
            successor.clone()
        }
        _ => {
            revoke_session(
                store,
                &presented.session_id,
                "refresh_token_replayed",
                request,
                now,
            )
            .await?;
            return Err(SessionError::Replayed);
        }
    };

    let new_refresh = new_token(TokenKind::RefreshToken);
    let new_access = new_token(TokenKind::AccessToken);
    // Of two concurrent rotations of one token (on any instances), one wins; the other
    // changes nothing instead of forking the family.
    let rotated = store
        .rotate_refresh_token(
            &presented.session_id,
            &rotate_from,
            &token_hash(&new_refresh),
            &token_hash(&new_access),
            now + ACCESS_TOKEN_LIFETIME,
            request.ip_text().as_deref(),
            now,
        )
        .await?;
    if !rotated {
        return Err(SessionError::Invalid);
    }

    Ok(SessionTokens {
        access_token: new_access,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TOKEN_LIFETIME as u64,
        refresh_token: new_refresh,
        account: account_summary(store, &presented.account_id).await?,
        reaches_accounts: None,
    })
}

pub async fn revoke_session(
    store: &Store,
    session_id: &str,
    reason: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(), SessionError> {
    if let Some(account_id) = store.revoke_session(session_id, reason, now).await? {
        let event = AuditEvent::new(AuditKind::SessionEnded)
            .actor(
                if reason == "signed_out" || reason == "signed_out_by_user" {
                    "user"
                } else {
                    "system"
                },
            )
            .account(account_id)
            .detail("reason", reason);
        audit::record(store, event, request, now).await;
    }
    Ok(())
}

/// RFC 7009: a refresh token ends its whole session; an access token just itself. Unknown
/// tokens are not an error (the answer must not tell which tokens exist).
pub async fn revoke_token(
    store: &Store,
    token: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(), SessionError> {
    let hash = token_hash(token);
    if let Some(session_id) = store.session_of_refresh_token(&hash).await? {
        return revoke_session(store, &session_id, "signed_out", request, now).await;
    }
    Ok(store.delete_access_token(&hash).await?)
}

/// The account an access token stands for, if it is valid now.
pub async fn account_for_access_token(
    store: &Store,
    access_token: &str,
    now: i64,
) -> Result<Option<String>, SessionError> {
    Ok(session_for_access_token(store, access_token, now)
        .await?
        .map(|session| session.account_id))
}

/// The session behind a valid access token.
#[derive(Debug, Clone)]
pub struct AuthenticatedSession {
    pub session_id: String,
    pub account_id: String,
    /// The provider identity it signed in through; `None` for a password sign-in.
    pub identity: Option<ProviderIdentity>,
}

pub async fn session_for_access_token(
    store: &Store,
    access_token: &str,
    now: i64,
) -> Result<Option<AuthenticatedSession>, SessionError> {
    let Some(row) = store
        .session_for_access_token(&token_hash(access_token), now)
        .await?
    else {
        return Ok(None);
    };
    let identity = row.identity.as_deref().map(from_json).transpose()?;
    Ok(Some(AuthenticatedSession {
        session_id: row.id,
        account_id: row.account_id,
        identity,
    }))
}

/// Text a client sent to be shown back to the user, made safe to show: no control,
/// direction-changing or invisible characters (which could make it read as something else,
/// or hide text), at most `max` characters, trimmed.
fn display_text(text: &str, max: usize) -> String {
    let kept: String = text
        .chars()
        .filter(|c| !c.is_control() && !is_direction_mark(*c) && !is_invisible(*c))
        .take(max)
        .collect();
    kept.trim().to_owned()
}

/// Characters that show nothing: zero-width spaces and joiners, the word joiner and
/// byte-order mark, soft hyphens, Unicode's tag characters (which can carry hidden text),
/// and the line and paragraph separators (which break a line that should be one).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Unicode's bidirectional marks, embeddings, overrides and isolates.
fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The device name shown in the user's sessions: printable, at most 64 characters.
pub fn device_label(name: Option<&str>) -> String {
    let name = display_text(name.unwrap_or_default(), 64);
    if name.is_empty() {
        "Unknown device".to_owned()
    } else {
        name
    }
}

/// The longest User-Agent a session keeps.
pub const MAX_USER_AGENT_CHARS: usize = 128;

/// A client's User-Agent as its sessions keep it: printable, at most
/// [`MAX_USER_AGENT_CHARS`] characters; `None` when nothing is left.
pub fn user_agent_label(user_agent: &str) -> Option<String> {
    Some(display_text(user_agent, MAX_USER_AGENT_CHARS)).filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_texts_are_made_printable_and_bounded() {
        assert_eq!(device_label(Some("  alice-laptop \n")), "alice-laptop");
        assert_eq!(device_label(Some("\u{202E}pot\u{2066}kal")), "potkal");
        assert_eq!(device_label(Some(" \t ")), "Unknown device");
        // Zero-width characters, tag characters (hidden text) and line separators go.
        assert_eq!(
            device_label(Some("ali\u{200B}ce\u{200D}-\u{FEFF}lap\u{2060}top")),
            "alice-laptop"
        );
        assert_eq!(
            device_label(Some(
                "laptop\u{E0069}\u{E0067}\u{E006E}\u{E006F}\u{E0072}\u{E0065}"
            )),
            "laptop"
        );
        assert_eq!(device_label(Some("one\u{2028}line\u{2029}")), "oneline");
        assert_eq!(device_label(Some("\u{200B}\u{2028}")), "Unknown device");
        assert_eq!(device_label(None), "Unknown device");
        assert_eq!(device_label(Some(&"é".repeat(100))).chars().count(), 64);
        assert_eq!(
            user_agent_label("Switchboard-CLI/0.1.0\r\nX-Evil: 1").as_deref(),
            Some("Switchboard-CLI/0.1.0X-Evil: 1")
        );
        assert_eq!(user_agent_label("\u{0007}"), None);
        assert_eq!(
            user_agent_label(&"x".repeat(1000)).map(|text| text.len()),
            Some(MAX_USER_AGENT_CHARS)
        );
    }
}
