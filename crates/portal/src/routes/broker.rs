//! The app's side of provider sign-in: `GET /v1/authorize` sends the browser to the
//! provider with the portal's own state, nonce and PKCE; the provider comes back to
//! `/v1/providers/{provider}/callback` (Apple by form_post); the portal verifies the ID
//! token and hands the app a one-time code through its redirect URI.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use switchboard_api::{ApiError, ErrorCode};
use url::Url;
use utoipa::IntoParams;

use crate::audit::{self, AuditEvent, AuditKind};
use crate::crypto::Binding;
use crate::error::PortalError;
use crate::log_text::{outside_error, Outside};
use crate::login;
use crate::store::{NewPendingAuthorization, PendingAuthorization};
use crate::tokens::{new_token, token_hash, TokenKind};
use crate::AppState;

/// Seconds a started sign-in waits for the provider.
pub const PENDING_LIFETIME: i64 = 600;

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuthorizeParams {
    /// `google`, `microsoft`, `apple` or an organization's provider id.
    provider: String,
    /// `<app scheme>://oauth/callback`, or `http://127.0.0.1:<port>/oauth/callback`
    /// (or `http://[::1]:<port>/oauth/callback`).
    redirect_uri: String,
    /// base64url(SHA-256(code_verifier)).
    code_challenge: Option<String>,
    /// Must be `S256`.
    code_challenge_method: Option<String>,
    /// The app's own random value, returned unchanged.
    state: Option<String>,
    /// Passed to the provider.
    login_hint: Option<String>,
    /// From `/v1/account/linked-providers/start`: link the identity to that account
    /// instead of matching it.
    link_intent: Option<String>,
}

/// The longest redirect URI, state, login hint and link intent the portal accepts. The app
/// sends far less; anything longer is someone filling the database.
pub const MAX_REDIRECT_URI_LEN: usize = 200;
pub const MAX_STATE_LEN: usize = 512;
pub const MAX_LOGIN_HINT_LEN: usize = 320;
pub const MAX_LINK_INTENT_LEN: usize = 128;
pub const MAX_PROVIDER_ID_LEN: usize = 64;

/// The path of the app's callback, for its custom scheme and for loopback alike.
const APP_CALLBACK_PATH: &str = "/callback";
const LOOPBACK_CALLBACK_PATH: &str = "/oauth/callback";

/// Whether the app may be sent to this URI: exactly its custom scheme's callback, or
/// `http://127.0.0.1:<port>/oauth/callback` / `http://[::1]:<port>/oauth/callback` with any
/// port (RFC 8252 §7.1, §7.3). No other path, no query, no fragment, no user: codes never
/// go to a stranger, nor to another page of a local server with parameters of the
/// attacker's choosing.
pub fn app_redirect_allowed(uri: &str, app_scheme: &str) -> bool {
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return false;
    }
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    if url.fragment().is_some()
        || url.query().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return false;
    }
    // Compared with the text as sent too, so `/oauth/./callback` or `%2F` tricks that
    // the parser normalizes never pass.
    if url.scheme() == app_scheme {
        return url.host_str() == Some("oauth")
            && url.path() == APP_CALLBACK_PATH
            && url.port().is_none()
            && uri == format!("{app_scheme}://oauth{APP_CALLBACK_PATH}");
    }
    let (Some(host), Some(port)) = (url.host_str(), url.port()) else {
        return false;
    };
    url.scheme() == "http"
        && matches!(host, "127.0.0.1" | "[::1]")
        && url.path() == LOOPBACK_CALLBACK_PATH
        && uri == format!("http://{host}:{port}{LOOPBACK_CALLBACK_PATH}")
}

/// A parameter longer than the portal accepts: answered before anything is stored.
fn too_long(params: &AuthorizeParams) -> Option<&'static str> {
    let longer = |value: &Option<String>, max: usize| value.as_ref().is_some_and(|v| v.len() > max);
    if params.provider.len() > MAX_PROVIDER_ID_LEN {
        Some("The sign-in provider's name is too long.")
    } else if longer(&params.state, MAX_STATE_LEN) {
        Some("The app's state is too long.")
    } else if longer(&params.login_hint, MAX_LOGIN_HINT_LEN) {
        Some("The email given for the sign-in is too long.")
    } else if longer(&params.link_intent, MAX_LINK_INTENT_LEN) {
        Some("The request to link a provider is not valid. Start again from the app's security settings.")
    } else {
        None
    }
}

fn valid_challenge(challenge: &str) -> bool {
    (43..=128).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// Start a provider sign-in (RFC 6749 authorization endpoint for a public client; PKCE S256
/// required).
#[utoipa::path(
    get,
    path = "/v1/authorize",
    tag = "sign-in",
    params(AuthorizeParams),
    responses(
        (status = 303, description = "To the provider, or back to the app with `error`, `error_description`, `state` and `iss`"),
        (status = 400, description = "The redirect URI is not the app's: nothing was redirected", body = ApiError),
    )
)]
pub async fn authorize(
    State(state): State<AppState>,
    Query(params): Query<AuthorizeParams>,
) -> Result<Response, PortalError> {
    if !app_redirect_allowed(&params.redirect_uri, &state.app_scheme) {
        return Err(PortalError::bad_request(
            ErrorCode::InvalidRedirectUri,
            "This sign-in link does not come from the Switchboard app. Start signing in from the app.",
        ));
    }
    let app = AppReturn {
        redirect_uri: params.redirect_uri.clone(),
        state: params.state.clone().unwrap_or_default(),
        issuer: state.issuer.clone(),
    };
    if let Some(message) = too_long(&params) {
        return Ok(app.error("invalid_request", message));
    }
    let Some(app_state) = params.state.filter(|s| !s.is_empty()) else {
        return Ok(app.error("invalid_request", "The app sent no state."));
    };
    let challenge = match (
        params.code_challenge,
        params.code_challenge_method.as_deref(),
    ) {
        (Some(challenge), Some("S256")) if valid_challenge(&challenge) => challenge,
        _ => {
            return Ok(app.error(
                "invalid_request",
                "The app must send a PKCE S256 code challenge.",
            ))
        }
    };
    if state.providers.kind(&params.provider).is_none() {
        return Ok(app.error(
            "invalid_request",
            "This sign-in provider is not offered here.",
        ));
    }

    let now = state.clock.now();
    let link_account_id = match params.link_intent.as_deref() {
        None => None,
        Some(intent) => {
            match crate::security::claim_link_intent(
                &state.store,
                intent,
                &params.provider,
                &challenge,
                now,
            )
            .await?
            {
                Some(account) => Some(account),
                None => {
                    return Ok(app.error(
                        "invalid_request",
                        "This request to link a provider has expired or was used. Start again from the app's security settings.",
                    ))
                }
            }
        }
    };
    let portal_state = new_token(TokenKind::ProviderState);
    let nonce = new_token(TokenKind::Nonce);
    let pkce_verifier = new_token(TokenKind::Nonce);
    let url = match state
        .providers
        .authorization_url(
            &params.provider,
            &portal_state,
            &nonce,
            &pkce_verifier,
            params.login_hint.as_deref(),
        )
        .await
    {
        Ok(url) => url,
        Err(error) => {
            tracing::warn!(provider = %Outside(&params.provider), error = %outside_error(&error), "cannot start provider sign-in");
            return Ok(app.error(
                error.code(),
                &provider_failure_message(&state, &params.provider, &error),
            ));
        }
    };
    let portal_state_hash = token_hash(&portal_state);
    state
        .store
        .insert_pending_authorization(&NewPendingAuthorization {
            portal_state_hash: &portal_state_hash,
            provider_id: &params.provider,
            app_redirect_uri: &params.redirect_uri,
            app_state: &app_state,
            app_code_challenge: &challenge,
            nonce_encrypted: &state
                .key
                .encrypt(nonce.as_bytes(), Binding::sign_in_nonce(&portal_state_hash)),
            pkce_verifier_encrypted: &state.key.encrypt(
                pkce_verifier.as_bytes(),
                Binding::sign_in_pkce_verifier(&portal_state_hash),
            ),
            link_account_id: link_account_id.as_deref(),
            created_at: now,
            expires_at: now + PENDING_LIFETIME,
        })
        .await?;
    Ok(Redirect::to(url.as_str()).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    /// RFC 9207: the provider's issuer identifier.
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The provider's answer (query).
#[utoipa::path(
    get,
    path = "/v1/providers/{provider}/callback",
    tag = "sign-in",
    params(("provider" = String, Path), CallbackParams),
    responses(
        (status = 303, description = "Back to the app (loopback redirect URI) with `code` or `error`, `state`, `iss`"),
        (status = 200, description = "A page that opens the app (custom-scheme redirect URI)"),
        (status = 400, description = "Unknown or used sign-in"),
    )
)]
pub async fn callback_query(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(params): Query<CallbackParams>,
) -> Result<Response, PortalError> {
    callback(state, provider, params).await
}

/// The provider's answer posted by the browser (Apple's `form_post`).
#[utoipa::path(
    post,
    path = "/v1/providers/{provider}/callback",
    tag = "sign-in",
    params(("provider" = String, Path)),
    request_body(content_type = "application/x-www-form-urlencoded", description = "code, state, error, user"),
    responses(
        (status = 303, description = "Back to the app (loopback redirect URI)"),
        (status = 200, description = "A page that opens the app (custom-scheme redirect URI)"),
        (status = 400, description = "Unknown or used sign-in"),
    )
)]
pub async fn callback_form(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Form(params): Form<CallbackParams>,
) -> Result<Response, PortalError> {
    callback(state, provider, params).await
}

async fn callback(
    state: AppState,
    provider: String,
    params: CallbackParams,
) -> Result<Response, PortalError> {
    let now = state.clock.now();
    let Some(portal_state) = params.state else {
        return Ok(browser_page(
            StatusCode::BAD_REQUEST,
            "This sign-in link is not valid",
            "Go back to Switchboard and start signing in again.",
            None,
        ));
    };
    let portal_state_hash = token_hash(&portal_state);
    let pending = state
        .store
        .take_pending_authorization(&portal_state_hash, &provider)
        .await?;
    let Some(PendingAuthorization {
        app_redirect_uri: redirect_uri,
        app_state,
        app_code_challenge: challenge,
        nonce_encrypted: nonce,
        pkce_verifier_encrypted: verifier,
        expires_at,
        link_account_id,
    }) = pending
    else {
        return Ok(browser_page(
            StatusCode::BAD_REQUEST,
            "This sign-in was already used or is unknown",
            "Go back to Switchboard and start signing in again.",
            None,
        ));
    };
    let app = AppReturn {
        redirect_uri,
        state: app_state,
        issuer: state.issuer.clone(),
    };
    if now > expires_at {
        return Ok(app.error(
            "expired",
            "Signing in took too long. Start again from the app.",
        ));
    }
    // RFC 9207, before anything of the answer is used: it must come from this provider.
    let callback_issuer = crate::providers::CallbackIssuer {
        iss: params.iss.as_deref(),
    };
    if let Err(error) = state
        .providers
        .check_callback_issuer(&provider, &callback_issuer)
        .await
    {
        tracing::warn!(provider = %Outside(&provider), error = %outside_error(&error), "provider answer refused");
        let message = match error {
            crate::providers::ProviderError::InvalidIdToken(_) => "The answer did not come from the sign-in provider you chose, so you were not signed in. Start again from the app.".to_owned(),
            other => provider_failure_message(&state, &provider, &other),
        };
        return Ok(app.error("invalid_request", &message));
    }
    if let Some(error) = params.error {
        // The provider's own wording is logged for support, never shown: it is not ours.
        tracing::info!(
            provider = %Outside(&provider),
            error = %Outside(&error),
            description = %Outside(params.error_description.as_deref().unwrap_or_default()),
            "provider returned an error"
        );
        let (code, message) = match error.as_str() {
            "access_denied" => ("access_denied", "Signing in was cancelled at the provider."),
            _ => (
                "provider_error",
                "The sign-in provider could not sign you in. Try again, or use another way to sign in.",
            ),
        };
        return Ok(app.error(code, message));
    }
    let Some(code) = params.code else {
        return Ok(app.error("provider_error", "The sign-in provider sent no answer."));
    };
    let decrypt = |stored: &str, binding| {
        state
            .key
            .decrypt(stored, binding)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
    };
    let (Some(nonce), Some(verifier)) = (
        decrypt(&nonce, Binding::sign_in_nonce(&portal_state_hash)),
        decrypt(
            &verifier,
            Binding::sign_in_pkce_verifier(&portal_state_hash),
        ),
    ) else {
        return Ok(app.error(
            "server_error",
            "The portal cannot finish this sign-in. Start again from the app.",
        ));
    };
    let identity = match state
        .providers
        .redeem(&provider, &code, &verifier, &nonce)
        .await
    {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(provider = %Outside(&provider), error = %outside_error(&error), "provider sign-in refused");
            let event = AuditEvent::new(AuditKind::SignInFailed)
                .method("provider")
                .provider(provider.as_str())
                .result("refused")
                .detail("reason", error.to_string());
            audit::record(&state.store, event, now).await;
            let message = match error {
                crate::providers::ProviderError::InvalidIdToken(_)
                | crate::providers::ProviderError::NoIdToken
                | crate::providers::ProviderError::UserinfoSubjectMismatch => "The sign-in provider's answer could not be verified, so you were not signed in. Try again.".to_owned(),
                ref other => provider_failure_message(&state, &provider, other),
            };
            return Ok(app.error(error.code(), &message));
        }
    };
    let one_time_code = login::issue_code(
        &state.store,
        &identity,
        &app.redirect_uri,
        &challenge,
        link_account_id.as_deref(),
        now,
    )
    .await?;
    Ok(app.success(&one_time_code))
}

/// What users read when a provider cannot be used: an operator must fix a
/// misconfiguration; an outage passes.
fn provider_failure_message(
    state: &AppState,
    provider: &str,
    error: &crate::providers::ProviderError,
) -> String {
    let name = state
        .providers
        .display_name(provider)
        .unwrap_or("The sign-in provider");
    if error.is_misconfiguration() {
        format!("Signing in with {name} is not set up correctly; contact your administrator.")
    } else if matches!(error, crate::providers::ProviderError::TokenExchange(_)) {
        format!("{name} could not sign you in. Try again, or use another way to sign in.")
    } else {
        format!("{name} cannot be reached right now. Try again in a minute.")
    }
}

/// Where and how the browser goes back to the app.
struct AppReturn {
    redirect_uri: String,
    state: String,
    issuer: String,
}

impl AppReturn {
    fn url(&self, pairs: &[(&str, &str)]) -> Option<Url> {
        let mut url = Url::parse(&self.redirect_uri).ok()?;
        {
            let mut query = url.query_pairs_mut();
            for (key, value) in pairs {
                query.append_pair(key, value);
            }
            query.append_pair("state", &self.state);
            query.append_pair("iss", &self.issuer);
        }
        Some(url)
    }

    fn error(&self, code: &str, description: &str) -> Response {
        self.send(
            &[("error", code), ("error_description", description)],
            "You were not signed in",
            description,
        )
    }

    fn success(&self, code: &str) -> Response {
        self.send(
            &[("code", code)],
            "You are signed in",
            "You can return to Switchboard now.",
        )
    }

    /// Loopback: a plain redirect (the app's listener answers the browser). Custom scheme:
    /// a page that opens the app and says what happened.
    fn send(&self, pairs: &[(&str, &str)], title: &str, text: &str) -> Response {
        let Some(url) = self.url(pairs) else {
            return browser_page(
                StatusCode::BAD_REQUEST,
                "This sign-in link is not valid",
                text,
                None,
            );
        };
        if url.scheme() == "http" {
            return Redirect::to(url.as_str()).into_response();
        }
        browser_page(StatusCode::OK, title, text, Some(&url))
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn browser_page(status: StatusCode, title: &str, text: &str, app_url: Option<&Url>) -> Response {
    let (refresh, link) = match app_url {
        Some(url) => {
            let href = escape(url.as_str());
            (
                format!(r#"<meta http-equiv="refresh" content="0;url={href}">"#),
                format!(r#"<p><a id="continue" href="{href}">Open Switchboard</a></p>"#),
            )
        }
        None => (String::new(), String::new()),
    };
    let body = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchboard</title>{refresh}
<meta name="referrer" content="no-referrer"><meta name="color-scheme" content="light dark">
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}}</style></head>
<body><h1>{title}</h1><p>{text}</p>{link}</body></html>"#,
        title = escape(title),
        text = escape(text),
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_apps_callback_and_loopback_are_allowed() {
        let scheme = "example.switchboard.desktop";
        for allowed in [
            "example.switchboard.desktop://oauth/callback",
            "http://127.0.0.1:49152/oauth/callback",
            "http://127.0.0.1:1/oauth/callback",
            "http://[::1]:8080/oauth/callback",
        ] {
            assert!(app_redirect_allowed(allowed, scheme), "{allowed}");
        }
        for refused in [
            "https://evil.example/callback",
            "http://localhost:8080/callback",
            "http://127.0.0.1/callback",
            "http://10.0.0.1:8080/callback",
            "example.switchboard.desktop://evil/callback",
            "example.switchboard.desktop://oauth/other",
            "other.vendor.app://oauth/callback",
            "http://127.0.0.1:8080/callback#fragment",
            "http://user@127.0.0.1:8080/oauth/callback",
            "http://127.0.0.1:8080/callback",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/admin?x=1&code=attacker",
            "http://127.0.0.1:8080/oauth/callback?code=attacker",
            "http://127.0.0.1:8080/oauth/callback?",
            "http://127.0.0.1:8080/oauth/./callback",
            "http://127.0.0.1:8080/oauth/callback/",
            "http://127.0.0.1:08080/oauth/callback",
            "HTTP://127.0.0.1:8080/oauth/callback",
            "http://127.0.0.1:80/oauth/callback",
            "example.switchboard.desktop://oauth/callback?x=1",
            "example.switchboard.desktop://oauth/./callback",
            "not a url",
        ] {
            assert!(!app_redirect_allowed(refused, scheme), "{refused}");
        }
    }

    #[test]
    fn pages_escape_what_they_show() {
        let url =
            Url::parse("example.switchboard.desktop://oauth/callback?code=a&state=%22%3E").unwrap();
        let response = browser_page(StatusCode::OK, "<b>", "x", Some(&url));
        assert_eq!(response.status(), StatusCode::OK);
    }
}
