//! HTTP routes.
//!
//! ```text
//! GET /                                                  HTML overview of profiles and identities
//! GET /identities                                        the demo identities as JSON
//! GET /jwks                                              the shared JWK set
//! GET /google/.well-known/openid-configuration           discovery, per issuer ...
//! GET /entra/{tenant_id}/v2.0/.well-known/openid-configuration
//! GET /apple/.well-known/openid-configuration
//! GET /acme-sso/.well-known/openid-configuration
//! GET  {issuer}/authorize                                authorization code flow (see authorize.rs)
//! POST {issuer}/token                                    code for ID token (see token.rs)
//! POST /admin/rotate-keys                                new current key, previous kept published
//! ```
//!
//! Per-issuer endpoints live in [`issuer_routes`], nested under each issuer's path; their
//! handlers take an [`Issuer`] extractor that says which profile they serve, so
//! `/authorize` and `/token` are written once for all issuers.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Serialize;
use serde_json::{Map, Value};
use tower_http::trace::TraceLayer;

use crate::error::HttpError;
use crate::keys::JwkSet;
use crate::profiles::{DiscoveryDocument, Profile};
use crate::AppState;

/// The dev IdP's routes, for [`crate::DevIdp::serve`] or in-process tests.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/identities", get(identities))
        .route("/jwks", get(jwks))
        .route("/admin/rotate-keys", post(rotate_keys))
        .route("/admin/replace-key-same-kid", post(replace_key_same_kid))
        .nest("/google", issuer_routes(IssuerKind::Google))
        .nest("/entra/{tenant_id}/v2.0", issuer_routes(IssuerKind::Entra))
        .nest("/apple", issuer_routes(IssuerKind::Apple))
        .nest("/acme-sso", issuer_routes(IssuerKind::AcmeSso))
        .nest("/strict", issuer_routes(IssuerKind::Strict))
        .fallback(not_found)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Which family of issuer a nested router serves; the [`Issuer`] extractor turns it (and
/// for Entra the tenant in the path) into a [`Profile`].
#[derive(Debug, Clone, Copy)]
enum IssuerKind {
    Google,
    Entra,
    Apple,
    AcmeSso,
    Strict,
}

/// The endpoints every issuer has (userinfo is listed by the strict issuer's discovery only).
fn issuer_routes(kind: IssuerKind) -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/authorize", get(crate::authorize::authorize))
        .route("/token", post(crate::token::token))
        .route(
            "/userinfo",
            get(crate::userinfo::userinfo).post(crate::userinfo::userinfo),
        )
        .layer(Extension(kind))
}

/// The issuer a per-issuer request is addressed to.
pub(crate) struct Issuer {
    pub profile: Profile,
    /// The `iss` value of this issuer.
    pub issuer: String,
}

impl FromRequestParts<AppState> for Issuer {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        let kind = parts
            .extensions
            .get::<IssuerKind>()
            .copied()
            .ok_or_else(|| HttpError::internal("This route is not bound to an issuer."))?;
        let profile = match kind {
            IssuerKind::Google => Profile::Google,
            IssuerKind::Apple => Profile::Apple,
            IssuerKind::AcmeSso => Profile::AcmeSso,
            IssuerKind::Strict => Profile::Strict,
            IssuerKind::Entra => {
                let Path(params) =
                    Path::<HashMap<String, String>>::from_request_parts(parts, state)
                        .await
                        .map_err(|_| HttpError::not_found("No such Entra tenant."))?;
                let tenant_id = params.get("tenant_id").map_or("", String::as_str);
                state.entra_profile(tenant_id).ok_or_else(|| {
                    HttpError::not_found(format!(
                        "No Entra tenant {tenant_id:?} on this dev IdP; known tenants are listed at /."
                    ))
                })?
            }
        };
        let issuer = state.issuer(&profile);
        Ok(Self { profile, issuer })
    }
}

async fn discovery(State(state): State<AppState>, issuer: Issuer) -> Json<DiscoveryDocument> {
    let document = issuer.profile.discovery(state.base_url());
    debug_assert_eq!(
        document.issuer,
        issuer.profile.discovered_issuer(state.base_url())
    );
    Json(document)
}

async fn jwks(State(state): State<AppState>) -> Response {
    let mut response = Json::<JwkSet>(state.keys().jwks()).into_response();
    // Like the real providers: cacheable, so clients must cope with a rotated key.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// The answer of `POST /admin/rotate-keys`.
#[derive(Serialize)]
struct RotatedKeys {
    /// The new current key's id: it signs from now on.
    kid: String,
    /// Every published kid, the current one first.
    published: Vec<String>,
}

async fn rotate_keys(State(state): State<AppState>) -> Result<Json<RotatedKeys>, HttpError> {
    let kid = state.rotate_keys().await.map_err(|e| {
        tracing::error!("key rotation failed: {e}");
        HttpError::internal(format!("Key rotation failed: {e}"))
    })?;
    let published = state.keys().keys().map(|k| k.kid().to_owned()).collect();
    Ok(Json(RotatedKeys { kid, published }))
}

async fn replace_key_same_kid(
    State(state): State<AppState>,
) -> Result<Json<RotatedKeys>, HttpError> {
    let kid = state.replace_key_same_kid().await.map_err(|e| {
        tracing::error!("key replacement failed: {e}");
        HttpError::internal(format!("Key replacement failed: {e}"))
    })?;
    let published = state.keys().keys().map(|k| k.kid().to_owned()).collect();
    Ok(Json(RotatedKeys { kid, published }))
}

async fn not_found() -> HttpError {
    HttpError::not_found("No such issuer or endpoint on this dev IdP; see / for what it serves.")
}

/// One demo identity as `/identities` shows it.
#[derive(Serialize)]
struct IdentityView {
    id: String,
    login_hint: String,
    profile: Profile,
    issuer: String,
    sub: String,
    email: String,
    email_verified: bool,
    name: String,
    /// The identity claims an ID token carries for this person.
    id_token_claims: Map<String, Value>,
}

#[derive(Serialize)]
struct ProfileView {
    profile: Profile,
    label: String,
    issuer: String,
    discovery: String,
}

#[derive(Serialize)]
struct IdentitiesView {
    base_url: String,
    jwks_uri: String,
    profiles: Vec<ProfileView>,
    identities: Vec<IdentityView>,
}

fn identities_view(state: &AppState) -> IdentitiesView {
    let base = state.base_url();
    IdentitiesView {
        base_url: base.to_string(),
        jwks_uri: format!("{}jwks", base.as_str()),
        profiles: state
            .profiles()
            .into_iter()
            .map(|profile| ProfileView {
                label: profile.label(),
                issuer: profile.issuer(base),
                discovery: profile.discovery_url(base),
                profile,
            })
            .collect(),
        identities: state
            .identities()
            .iter()
            .map(|i| IdentityView {
                id: i.id.clone(),
                login_hint: i.login_hint.clone(),
                profile: i.profile.clone(),
                issuer: i.profile.issuer(base),
                sub: i.subject.clone(),
                email: i.email.clone(),
                email_verified: i.email_verified,
                name: i.name.clone(),
                id_token_claims: i.id_token_claims(),
            })
            .collect(),
    }
}

async fn identities(State(state): State<AppState>) -> Json<IdentitiesView> {
    Json(identities_view(&state))
}

async fn index(State(state): State<AppState>) -> Html<String> {
    Html(index_page(&identities_view(&state)))
}

/// Escapes text for HTML content and double- or single-quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn index_page(view: &IdentitiesView) -> String {
    let mut html = String::new();
    // Writing to a String cannot fail; the results are ignored on purpose.
    let _ = write!(
        html,
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard dev IdP</title>
<style>
  :root {{ color-scheme: light dark; font-family: system-ui, sans-serif; }}
  body {{ margin: 2rem auto; max-width: 72rem; padding: 0 1rem; line-height: 1.4; }}
  table {{ border-collapse: collapse; width: 100%; margin-bottom: 2rem; }}
  th, td {{ text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #8884; vertical-align: top; }}
  code {{ font-size: .9em; word-break: break-all; }}
  .warn {{ border-left: 4px solid #c80; padding: .5rem 1rem; }}
</style>
</head>
<body>
<h1>Switchboard dev IdP</h1>
<p class="warn">A development OpenID provider that behaves like Google, Microsoft Entra and Apple.
For the demo and tests only: anyone can sign in as anyone here.</p>
<p>Base URL <code>{base}</code> &middot; keys <a href="{jwks}"><code>{jwks}</code></a>
&middot; <a href="identities">identities as JSON</a></p>
<h2>Providers</h2>
<table>
<thead><tr><th scope="col">Provider</th><th scope="col">Issuer</th><th scope="col">Discovery</th></tr></thead>
<tbody>
"#,
        base = escape(&view.base_url),
        jwks = escape(&view.jwks_uri),
    );
    for p in &view.profiles {
        let _ = writeln!(
            html,
            r#"<tr><td>{}</td><td><code>{}</code></td><td><a href="{}">openid-configuration</a></td></tr>"#,
            escape(&p.label),
            escape(&p.issuer),
            escape(&p.discovery),
        );
    }
    let _ = write!(
        html,
        r#"</tbody>
</table>
<h2>Signing in</h2>
<p>Each issuer serves <code>/authorize</code> (code flow, PKCE S256 required; <code>login_hint</code>
with an identity's id or email signs it in without a page) and <code>/token</code> for one client,
<code>{client_id}</code> (<code>client_secret_basic</code> or <code>client_secret_post</code>; at Apple the
secret is an ES256 client secret JWT, as at Apple). <code>POST admin/rotate-keys</code> rotates the
signing key. Tests spoil the next ID token by adding <code>{forge}=KNOB</code> to the authorize URL:
{knobs}.</p>
<h2>Demo identities</h2>
<table>
<thead><tr><th scope="col">Name</th><th scope="col">Login hint</th><th scope="col">Email</th><th scope="col">Verified</th><th scope="col">Provider</th><th scope="col">Subject</th><th scope="col">Other claims</th></tr></thead>
<tbody>
"#,
        client_id = escape(crate::client::CLIENT_ID),
        forge = crate::forge::FORGE_PARAM,
        knobs = crate::forge::Forgery::ALL
            .iter()
            .chain(crate::forge::Forgery::EXTRA.iter())
            .map(|f| format!("<code>{}</code> ({})", f.name(), escape(f.description())))
            .collect::<Vec<_>>()
            .join(", "),
    );
    for i in &view.identities {
        let label = view
            .profiles
            .iter()
            .find(|p| p.profile == i.profile)
            .map_or_else(|| i.profile.kind().to_owned(), |p| p.label.clone());
        let extra: Vec<String> = i
            .id_token_claims
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "sub" | "email" | "email_verified" | "name"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(
            html,
            r#"<tr id="{}"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>"#,
            escape(&i.id),
            escape(&i.name),
            escape(&i.login_hint),
            escape(&i.email),
            if i.email_verified { "yes" } else { "no" },
            escape(&label),
            escape(&i.sub),
            escape(&extra.join(" ")),
        );
    }
    html.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">O'Neil & co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
    }
}
