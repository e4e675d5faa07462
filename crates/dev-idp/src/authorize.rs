//! `GET {issuer}/authorize`: the authorization code flow with PKCE S256.
//!
//! Parameters: `response_type=code`, `client_id`, `redirect_uri` (any http/https URI),
//! `scope` (with `openid`), `state`, `nonce`, `code_challenge`, `code_challenge_method=S256`
//! (both required), and optionally `login_hint`, `response_mode` (`query` or `form_post`;
//! Apple defaults to `form_post` when `name` or `email` is asked, like Apple), `prompt`.
//! Dev only: `dev_idp_forge=<knob>` (see [`crate::forge`]) and `dev_idp_cancel=1`.
//!
//! A `login_hint` naming one of the issuer's identities (its id or its login hint) signs it
//! in at once; otherwise a picker lists the issuer's identities, each a link to this same
//! request with `login_hint=<id>`, plus a Cancel link (`dev_idp_cancel=1`). Errors about the
//! client or the redirect URI are a 400 page; every other error goes back to the client,
//! delivered like a success would be (RFC 6749 §4.1.2.1).

use std::fmt::Write as _;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{json, Map, Value};
use url::Url;

use crate::codes::{CodeGrant, CODE_LIFETIME_SECS};
use crate::forge::{Forgery, CANCEL_PARAM, FORGE_PARAM};
use crate::identities::DemoIdentity;
use crate::jwt::is_pkce_value;
use crate::params::Params;
use crate::profiles::Profile;
use crate::routes::{escape, Issuer};
use crate::AppState;

/// How the result goes back to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseMode {
    /// A 302 to `redirect_uri?code=..&state=..`.
    Query,
    /// A page whose form posts the result to `redirect_uri` (OAuth 2.0 Form Post Response Mode).
    FormPost,
}

/// Where and how to send the answer of a request whose client and redirect URI are valid.
struct Reply<'a> {
    redirect_uri: &'a Url,
    mode: ResponseMode,
    state: Option<&'a str>,
    /// RFC 9207: the issuer named on every response (the strict issuer's).
    iss: Option<String>,
}

impl Reply<'_> {
    /// Sends `params` (plus `state`) to the client.
    fn send(&self, mut params: Vec<(&'static str, String)>) -> Response {
        if let Some(state) = self.state {
            params.push(("state", state.to_owned()));
        }
        if let Some(iss) = &self.iss {
            params.push(("iss", iss.clone()));
        }
        match self.mode {
            ResponseMode::Query => {
                let mut url = self.redirect_uri.clone();
                url.query_pairs_mut()
                    .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
                match HeaderValue::from_str(url.as_str()) {
                    Ok(location) => no_store(
                        (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
                    ),
                    Err(_) => error_page(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "The redirect URI cannot be used in a Location header.",
                    ),
                }
            }
            ResponseMode::FormPost => {
                no_store(Html(form_post_page(self.redirect_uri, &params)).into_response())
            }
        }
    }

    /// Sends an error (RFC 6749 §4.1.2.1) to the client.
    fn error(&self, error: &'static str, description: &str) -> Response {
        tracing::info!(
            error,
            description,
            "authorize request answered with an error"
        );
        self.send(vec![
            ("error", error.to_owned()),
            ("error_description", description.to_owned()),
        ])
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A page for errors that must not go back to the client (bad client or redirect URI).
fn error_page(status: StatusCode, error: &str, message: &str) -> Response {
    tracing::info!(
        error,
        message,
        "authorize request refused with an error page"
    );
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in request refused</title></head>
<body>
<h1>Sign-in request refused</h1>
<p id="error"><code>{}</code></p>
<p id="error_description">{}</p>
</body>
</html>
"#,
        escape(error),
        escape(message)
    );
    no_store((status, Html(html)).into_response())
}

pub(crate) async fn authorize(
    State(state): State<AppState>,
    issuer: Issuer,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref().unwrap_or("").as_bytes());
    let bad = |message: String| error_page(StatusCode::BAD_REQUEST, "invalid_request", &message);

    // Client and redirect URI first: until both are known good, nothing goes back.
    let client_id = match params.one("client_id") {
        Ok(Some(id)) => id,
        Ok(None) => return bad("The client_id parameter is missing.".to_owned()),
        Err(e) => return bad(e),
    };
    if client_id != state.clients().client_id() {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            &format!(
                "Unknown client {client_id:?}; the only client is {:?}.",
                state.clients().client_id()
            ),
        );
    }
    let redirect_uri_text = match params.one("redirect_uri") {
        Ok(Some(uri)) => uri,
        Ok(None) => return bad("The redirect_uri parameter is missing.".to_owned()),
        Err(e) => return bad(e),
    };
    let redirect_uri = match Url::parse(redirect_uri_text) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.fragment().is_none() =>
        {
            url
        }
        _ => {
            return bad(format!(
                "The redirect_uri {redirect_uri_text:?} is not an absolute http or https URI without a fragment."
            ))
        }
    };
    let forgery = match params.one(FORGE_PARAM) {
        Ok(None) => None,
        Ok(Some(name)) => match Forgery::parse(name) {
            Some(forgery) => Some(forgery),
            None => {
                let known: Vec<_> = Forgery::ALL.iter().map(|f| f.name()).collect();
                return bad(format!(
                    "Unknown {FORGE_PARAM} knob {name:?}; known knobs: {}.",
                    known.join(", ")
                ));
            }
        },
        Err(e) => return bad(e),
    };

    // From here on, errors go back to the client. Until the response mode is known, by
    // query.
    let mut reply = Reply {
        redirect_uri: &redirect_uri,
        mode: ResponseMode::Query,
        state: None,
        iss: (issuer.profile == Profile::Strict)
            .then(|| match forgery {
                Some(Forgery::CallbackIssMissing) => None,
                Some(Forgery::CallbackIssForged) => {
                    Some(crate::forge::FORGED_CALLBACK_ISSUER.to_owned())
                }
                _ => Some(issuer.issuer.clone()),
            })
            .flatten(),
    };
    match params.one("state") {
        Ok(state) => reply.state = state,
        Err(e) => return reply.error("invalid_request", &e),
    }
    let scope = match params.one("scope") {
        Ok(scope) => scope.unwrap_or(""),
        Err(e) => return reply.error("invalid_request", &e),
    };
    let scopes: Vec<&str> = scope.split_ascii_whitespace().collect();
    let asks_user_info = scopes.iter().any(|s| matches!(*s, "name" | "email"));
    let is_apple = issuer.profile == Profile::Apple;
    reply.mode = match params.one("response_mode") {
        Ok(None) if is_apple && asks_user_info => ResponseMode::FormPost,
        Ok(Some("query")) if is_apple && asks_user_info => {
            return reply.error(
                "invalid_request",
                "response_mode must be form_post when name or email scope is requested.",
            )
        }
        Ok(None) | Ok(Some("query")) => ResponseMode::Query,
        Ok(Some("form_post")) => ResponseMode::FormPost,
        Ok(Some(other)) => {
            return reply.error(
                "invalid_request",
                &format!(
                "Unsupported response_mode {other:?}; this dev IdP supports query and form_post."
            ),
            )
        }
        Err(e) => return reply.error("invalid_request", &e),
    };

    match params.one("response_type") {
        Ok(Some("code")) => {}
        Ok(Some(other)) => {
            return reply.error(
                "unsupported_response_type",
                &format!("Unsupported response_type {other:?}; only code is supported."),
            )
        }
        Ok(None) => {
            return reply.error("invalid_request", "The response_type parameter is missing.")
        }
        Err(e) => return reply.error("invalid_request", &e),
    }
    if !scopes.contains(&"openid") {
        return reply.error(
            "invalid_scope",
            "The scope must contain openid (this is an OpenID provider).",
        );
    }
    let code_challenge = match (
        params.one("code_challenge"),
        params.one("code_challenge_method"),
    ) {
        (Err(e), _) | (_, Err(e)) => return reply.error("invalid_request", &e),
        (Ok(None), _) => {
            return reply.error(
                "invalid_request",
                "PKCE is required: code_challenge is missing.",
            )
        }
        (Ok(Some(_)), Ok(None)) => return reply.error(
            "invalid_request",
            "PKCE is required with code_challenge_method=S256 (the default, plain, is refused).",
        ),
        (Ok(Some(_)), Ok(Some(method))) if method != "S256" => {
            return reply.error(
                "invalid_request",
                &format!("Unsupported code_challenge_method {method:?}; only S256 is supported."),
            )
        }
        (Ok(Some(challenge)), Ok(Some(_))) if !is_pkce_value(challenge) => {
            return reply.error(
                "invalid_request",
                "The code_challenge is not 43 to 128 characters of [A-Za-z0-9-._~].",
            )
        }
        (Ok(Some(challenge)), Ok(Some(_))) => challenge,
    };
    let nonce = match params.one("nonce") {
        Ok(nonce) => nonce,
        Err(e) => return reply.error("invalid_request", &e),
    };
    let prompt = match params.one("prompt") {
        Ok(prompt) => prompt.unwrap_or(""),
        Err(e) => return reply.error("invalid_request", &e),
    };
    let prompts: Vec<&str> = prompt.split_ascii_whitespace().collect();
    if prompts.contains(&"none") && prompts.len() > 1 {
        return reply.error(
            "invalid_request",
            "prompt=none cannot be combined with other prompt values.",
        );
    }
    let login_hint = match params.one("login_hint") {
        Ok(hint) => hint,
        Err(e) => return reply.error("invalid_request", &e),
    };
    match params.one(CANCEL_PARAM) {
        Ok(None) => {}
        Ok(Some(_)) => {
            return reply.error("access_denied", "The user cancelled the sign-in.");
        }
        Err(e) => return reply.error("invalid_request", &e),
    }

    let identity = login_hint.and_then(|hint| state.find_identity(&issuer.profile, hint));
    let Some(identity) = identity else {
        if prompts.contains(&"none") {
            return reply.error(
                "login_required",
                "prompt=none was asked, but no login_hint names an account of this issuer.",
            );
        }
        let page = picker_page(&state, &issuer, &params, login_hint, forgery);
        return no_store(Html(page).into_response());
    };

    let now = state.now();
    let grant = CodeGrant {
        profile: issuer.profile.clone(),
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri_text.to_owned(),
        code_challenge: code_challenge.to_owned(),
        nonce: nonce.map(str::to_owned),
        scope: scopes.join(" "),
        identity_id: identity.id.clone(),
        forgery,
        auth_time: now,
        expires_at: now.saturating_add(CODE_LIFETIME_SECS),
    };
    let code = state.codes().issue(grant, now);
    tracing::info!(
        issuer = issuer.issuer,
        identity = identity.id,
        forgery = forgery.map(Forgery::name),
        "signed in; issued an authorization code"
    );

    let mut answer = vec![("code", code)];
    if is_apple
        && reply.mode == ResponseMode::FormPost
        && asks_user_info
        && state.first_apple_authorization(&identity.id)
    {
        answer.push(("user", apple_user(identity, &scopes).to_string()));
    }
    reply.send(answer)
}

/// Apple's `user` form field, sent on the first authorization only: the name (`name`
/// scope) and email (`email` scope) the user agreed to share.
fn apple_user(identity: &DemoIdentity, scopes: &[&str]) -> Value {
    let mut user = Map::new();
    if scopes.contains(&"name") {
        let (first, last) = identity
            .name
            .split_once(' ')
            .unwrap_or((identity.name.as_str(), ""));
        user.insert(
            "name".to_owned(),
            json!({ "firstName": first, "lastName": last }),
        );
    }
    if scopes.contains(&"email") {
        user.insert("email".to_owned(), Value::from(identity.email.clone()));
    }
    Value::Object(user)
}

/// The page that posts `params` to `action` by itself (and with a button without scripts).
fn form_post_page(action: &Url, params: &[(&str, String)]) -> String {
    let mut html = format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Signing in…</title></head>
<body>
<form method="post" action="{}">
"#,
        escape(action.as_str())
    );
    for (name, value) in params {
        let _ = writeln!(
            html,
            r#"<input type="hidden" name="{}" value="{}">"#,
            escape(name),
            escape(value)
        );
    }
    html.push_str(
        r#"<noscript><p>Scripts are off: press Continue to finish signing in.</p></noscript>
<button type="submit">Continue</button>
</form>
<script>document.forms[0].submit();</script>
</body>
</html>
"#,
    );
    html
}

/// This authorize request again, with `extra` instead of any `login_hint` or cancel flag.
fn authorize_link(issuer: &Issuer, params: &Params, extra: (&str, &str)) -> String {
    let mut link = format!("{}/authorize?", issuer.issuer.trim_end_matches('/'));
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(params.pairs_without(&["login_hint", CANCEL_PARAM]));
    query.append_pair(extra.0, extra.1);
    link.push_str(&query.finish());
    link
}

fn picker_page(
    state: &AppState,
    issuer: &Issuer,
    params: &Params,
    unknown_hint: Option<&str>,
    forgery: Option<Forgery>,
) -> String {
    let label = issuer.profile.label();
    let mut html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in with {label} (dev IdP)</title>
<style>
  :root {{ color-scheme: light dark; font-family: system-ui, sans-serif; }}
  body {{ margin: 2rem auto; max-width: 36rem; padding: 0 1rem; line-height: 1.4; }}
  ul {{ list-style: none; padding: 0; }}
  li a {{ display: block; padding: .6rem .8rem; margin: .4rem 0; border: 1px solid #8886; border-radius: .4rem; text-decoration: none; }}
  li a small {{ display: block; opacity: .75; }}
  .warn {{ border-left: 4px solid #c80; padding: .5rem 1rem; }}
</style>
</head>
<body>
<h1>Sign in with {label}</h1>
<p class="warn">Switchboard dev IdP: for the demo and tests only.</p>
"#,
        label = escape(&label)
    );
    if let Some(forgery) = forgery {
        let _ = writeln!(
            html,
            r#"<p class="warn" id="forgery">This sign-in returns a forged ID token: {} (<code>{FORGE_PARAM}={}</code>).</p>"#,
            escape(forgery.description()),
            escape(forgery.name()),
        );
    }
    if let Some(hint) = unknown_hint {
        let _ = writeln!(
            html,
            r#"<p id="unknown-hint">There is no account <code>{}</code> here. Choose one:</p>"#,
            escape(hint)
        );
    } else {
        html.push_str("<p>Choose an account:</p>\n");
    }
    html.push_str("<ul>\n");
    for identity in state.identities_of(&issuer.profile) {
        let _ = writeln!(
            html,
            r#"<li><a class="identity" data-identity="{id}" href="{href}">{name}<small>{email}</small></a></li>"#,
            id = escape(&identity.id),
            href = escape(&authorize_link(
                issuer,
                params,
                ("login_hint", &identity.id)
            )),
            name = escape(&identity.name),
            email = escape(&identity.email),
        );
    }
    let _ = write!(
        html,
        r#"</ul>
<p><a id="cancel" href="{}">Cancel</a></p>
</body>
</html>
"#,
        escape(&authorize_link(issuer, params, (CANCEL_PARAM, "1")))
    );
    html
}
