//! `POST {issuer}/token`: redeems an authorization code for an RS256 ID token.
//!
//! Form parameters: `grant_type=authorization_code`, `code`, `redirect_uri`,
//! `code_verifier`, and the client's credentials, either HTTP Basic
//! (`client_secret_basic`) or `client_id` + `client_secret` in the form
//! (`client_secret_post`). Errors are RFC 6749 §5.2 JSON.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::codes::CodeGrant;
use crate::error::OAuthError;
use crate::forge::{Forgery, FORGED_AUDIENCE, FORGED_ISSUER_SUFFIX};
use crate::identities::DemoIdentity;
use crate::jwt::{corrupt_signature, is_pkce_value, random_token, s256_challenge, sign_rs256};
use crate::params::{form_decode, Params};
use crate::profiles::Profile;
use crate::routes::Issuer;
use crate::AppState;

/// Lifetime of ID tokens, in seconds.
pub const ID_TOKEN_LIFETIME_SECS: u64 = 3600;

/// Lifetime of access tokens (`expires_in`), in seconds.
pub const ACCESS_TOKEN_LIFETIME_SECS: u64 = 3600;

#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    id_token: String,
    scope: String,
}

pub(crate) async fn token(
    State(state): State<AppState>,
    issuer: Issuer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match exchange(&state, &issuer, &headers, &body).await {
        Ok(response) => {
            let mut response = Json(response).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => {
            tracing::info!(
                issuer = issuer.issuer,
                error = error.error(),
                description = error.description(),
                "token request refused"
            );
            error.into_response()
        }
    }
}

/// How the client authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthMethod {
    Basic,
    Post,
    PrivateKeyJwt,
}

/// The client's credentials (a secret, or a `private_key_jwt` assertion) and how they came.
struct Credentials {
    client_id: String,
    secret: String,
    method: AuthMethod,
}

const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let refuse = |why: &str| OAuthError::invalid_client(why).with_basic_challenge();
    let value = value
        .to_str()
        .map_err(|_| refuse("The Authorization header is not ASCII."))?;
    let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(refuse(
            "Client authentication takes HTTP Basic (client_secret_basic) or client_secret_post.",
        ));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| refuse("The Basic credentials are not base64 of UTF-8 text."))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| refuse("The Basic credentials have no ':' between id and secret."))?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

fn credentials(headers: &HeaderMap, form: &Params) -> Result<Credentials, OAuthError> {
    let form_id = form.one("client_id").map_err(OAuthError::invalid_request)?;
    let form_secret = form
        .one("client_secret")
        .map_err(OAuthError::invalid_request)?;
    let assertion = form
        .one("client_assertion")
        .map_err(OAuthError::invalid_request)?;
    if let Some(assertion) = assertion {
        if form_secret.is_some() || headers.contains_key(header::AUTHORIZATION) {
            return Err(OAuthError::invalid_request(
                "The client authenticated twice; use one method.",
            ));
        }
        let assertion_type = form
            .one("client_assertion_type")
            .map_err(OAuthError::invalid_request)?;
        if assertion_type != Some(JWT_BEARER_ASSERTION) {
            return Err(OAuthError::invalid_client(format!(
                "client_assertion_type must be {JWT_BEARER_ASSERTION}."
            )));
        }
        // RFC 7523 §3: the client is the assertion's `sub`; a form client_id must agree.
        let sub = crate::jwt::CompactJws::parse(assertion)
            .ok()
            .and_then(|jws| {
                jws.claims
                    .get("sub")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .ok_or_else(|| OAuthError::invalid_client("The client assertion has no sub."))?;
        if form_id.is_some_and(|id| id != sub) {
            return Err(OAuthError::invalid_client(
                "The client_id is not the client assertion's sub.",
            ));
        }
        return Ok(Credentials {
            client_id: sub,
            secret: assertion.to_owned(),
            method: AuthMethod::PrivateKeyJwt,
        });
    }
    match (basic_credentials(headers)?, form_secret) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "The client authenticated twice (HTTP Basic and client_secret); use one method.",
        )),
        (Some((client_id, secret)), None) => {
            if form_id.is_some_and(|id| id != client_id) {
                return Err(OAuthError::invalid_request(
                    "The client_id in the form is not the one in the Authorization header.",
                ));
            }
            Ok(Credentials {
                client_id,
                secret,
                method: AuthMethod::Basic,
            })
        }
        (None, Some(secret)) => {
            let client_id = form_id.ok_or_else(|| {
                OAuthError::invalid_client("client_secret was sent without client_id.")
            })?;
            Ok(Credentials {
                client_id: client_id.to_owned(),
                secret: secret.to_owned(),
                method: AuthMethod::Post,
            })
        }
        (None, None) => Err(OAuthError::invalid_client(
            "Client authentication is required (client_secret_basic or client_secret_post).",
        )),
    }
}

async fn exchange(
    state: &AppState,
    issuer: &Issuer,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<TokenResponse, OAuthError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let is_form = content_type
            .to_str()
            .map(|ct| {
                ct.trim()
                    .to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            })
            .unwrap_or(false);
        if !is_form {
            return Err(OAuthError::invalid_request(
                "The token request must be application/x-www-form-urlencoded.",
            ));
        }
    }
    let form = Params::parse(body);
    let now = state.now();

    let credentials = credentials(headers, &form)?;
    let strict = issuer.profile == Profile::Strict;
    let token_endpoint = issuer.profile.endpoint(state.base_url(), "token");
    let authenticated = match credentials.method {
        // Like a strict provider: only the methods its discovery lists.
        AuthMethod::Basic if strict => Err(
            "This client is registered for client_secret_post or private_key_jwt, not client_secret_basic."
                .to_owned(),
        ),
        AuthMethod::PrivateKeyJwt if !strict => {
            Err("This issuer takes client_secret_basic or client_secret_post.".to_owned())
        }
        AuthMethod::PrivateKeyJwt => state.clients().authenticate_assertion(
            &credentials.client_id,
            &credentials.secret,
            &[token_endpoint.as_str(), issuer.issuer.as_str()],
            now,
        ),
        AuthMethod::Basic | AuthMethod::Post => state.clients().authenticate(
            &issuer.profile,
            &issuer.issuer,
            &credentials.client_id,
            &credentials.secret,
            now,
        ),
    };
    authenticated.map_err(|why| {
        let error = OAuthError::invalid_client(why);
        if credentials.method == AuthMethod::Basic {
            error.with_basic_challenge()
        } else {
            error
        }
    })?;

    let one = |name: &str| form.one(name).map_err(OAuthError::invalid_request);
    match one("grant_type")? {
        Some("authorization_code") => {}
        Some(other) => {
            return Err(OAuthError::unsupported_grant_type(format!(
                "Unsupported grant_type {other:?}; only authorization_code is supported."
            )))
        }
        None => return Err(OAuthError::invalid_request("grant_type is missing.")),
    }
    let code = one("code")?.ok_or_else(|| OAuthError::invalid_request("code is missing."))?;
    let redirect_uri = one("redirect_uri")?
        .ok_or_else(|| OAuthError::invalid_request("redirect_uri is missing."))?;
    let code_verifier = one("code_verifier")?;

    // Redeeming uses the code up, whatever follows: a code is tried once.
    let grant = state
        .codes()
        .redeem(code, now)
        .map_err(|e| OAuthError::invalid_grant(e.description()))?;
    if grant.profile != issuer.profile {
        return Err(OAuthError::invalid_grant(
            "The authorization code was issued by another issuer.",
        ));
    }
    if grant.client_id != credentials.client_id {
        return Err(OAuthError::invalid_grant(
            "The authorization code was issued to another client.",
        ));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(
            "The redirect_uri is not the one of the authorize request.",
        ));
    }
    let Some(verifier) = code_verifier else {
        return Err(OAuthError::invalid_grant(
            "code_verifier is missing; the code was issued for a PKCE challenge.",
        ));
    };
    if !is_pkce_value(verifier) || s256_challenge(verifier) != grant.code_challenge {
        return Err(OAuthError::invalid_grant(
            "The code_verifier does not match the code_challenge.",
        ));
    }
    let identity = state
        .identities()
        .iter()
        .find(|i| i.id == grant.identity_id)
        .ok_or_else(|| OAuthError::server_error("The signed-in identity is gone."))?;

    // Entra's multi-tenant endpoints: each token names its user's own tenant.
    let iss = state.issuer(&identity.profile);
    let claims = id_token_claims(&iss, &grant, identity, now);
    let id_token = if grant.forgery == Some(Forgery::AlgNone) {
        Ok(crate::jwt::unsigned(&claims))
    } else if grant.forgery == Some(Forgery::AlgHs256) {
        Ok(crate::jwt::sign_hs256(
            crate::client::DEFAULT_CLIENT_SECRET.as_bytes(),
            &claims,
        ))
    } else if grant.forgery == Some(Forgery::UnknownKid) {
        let key = state
            .rogue_key()
            .await
            .map_err(|e| OAuthError::server_error(e.to_string()))?;
        sign_rs256(key, &claims)
    } else {
        sign_rs256(state.keys().current(), &claims)
    }
    .map_err(|e| OAuthError::server_error(e.to_string()))?;
    let id_token = if grant.forgery == Some(Forgery::BadSignature) {
        corrupt_signature(&id_token)
    } else {
        id_token
    };
    tracing::info!(
        issuer = issuer.issuer,
        identity = identity.id,
        forgery = grant.forgery.map(Forgery::name),
        "issued an ID token"
    );
    let access_token = random_token();
    state.access_tokens().insert(
        &access_token,
        crate::userinfo::Grant {
            identity_id: identity.id.clone(),
            profile: issuer.profile.clone(),
            forgery: grant.forgery,
            expires_at: now.saturating_add(ACCESS_TOKEN_LIFETIME_SECS),
        },
    );
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_LIFETIME_SECS,
        id_token,
        scope: grant.scope,
    })
}

/// The ID token's claims: the token's own (`iss`, `aud`, `azp`, `exp`, `iat`, `auth_time`,
/// `nonce`), the person's ([`DemoIdentity::id_token_claims`]), then the forgery, if any.
fn id_token_claims(
    issuer: &str,
    grant: &CodeGrant,
    identity: &DemoIdentity,
    now: u64,
) -> Map<String, Value> {
    let forgery = grant.forgery;
    let mut claims = identity.id_token_claims();
    let (iat, exp) = if forgery == Some(Forgery::Expired) {
        (now.saturating_sub(3600), now.saturating_sub(1800))
    } else {
        (now, now.saturating_add(ID_TOKEN_LIFETIME_SECS))
    };
    let iss = if forgery == Some(Forgery::WrongIss) {
        format!("{issuer}{FORGED_ISSUER_SUFFIX}")
    } else {
        issuer.to_owned()
    };
    let aud = if forgery == Some(Forgery::WrongAud) {
        FORGED_AUDIENCE.to_owned()
    } else {
        grant.client_id.clone()
    };
    claims.insert("iss".to_owned(), Value::from(iss));
    claims.insert("aud".to_owned(), Value::from(aud.clone()));
    claims.insert("azp".to_owned(), Value::from(aud));
    claims.insert("iat".to_owned(), Value::from(iat));
    claims.insert("exp".to_owned(), Value::from(exp));
    claims.insert(
        "auth_time".to_owned(),
        Value::from(grant.auth_time.min(iat)),
    );
    let nonce = match forgery {
        Some(Forgery::MissingNonce) => None,
        Some(Forgery::WrongNonce) => Some(random_token()),
        _ => grant.nonce.clone(),
    };
    if let Some(nonce) = nonce {
        claims.insert("nonce".to_owned(), Value::from(nonce));
    }
    if grant.profile == Profile::Apple {
        claims.insert("nonce_supported".to_owned(), Value::from(true));
    }
    if forgery == Some(Forgery::NoEmail) {
        claims.remove("email");
    }
    if forgery == Some(Forgery::UnverifiedEmail) {
        if claims.contains_key("xms_edov") {
            claims.insert("xms_edov".to_owned(), Value::from(false));
        } else {
            claims.insert("email_verified".to_owned(), Value::from(false));
        }
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identities::demo_identities;

    fn grant(identity: &DemoIdentity, forgery: Option<Forgery>) -> CodeGrant {
        CodeGrant {
            profile: identity.profile.clone(),
            client_id: "switchboard-portal".into(),
            redirect_uri: "http://127.0.0.1/cb".into(),
            code_challenge: "x".repeat(43),
            nonce: Some("the-nonce".into()),
            scope: "openid email".into(),
            identity_id: identity.id.clone(),
            forgery,
            auth_time: 990,
            expires_at: 1050,
        }
    }

    fn identity(id: &str) -> DemoIdentity {
        demo_identities().into_iter().find(|i| i.id == id).unwrap()
    }

    #[test]
    fn claims_carry_the_token_fields_and_the_persons() {
        let alice = identity("google-alice");
        let claims = id_token_claims("http://i/google", &grant(&alice, None), &alice, 1000);
        assert_eq!(claims["iss"], "http://i/google");
        assert_eq!(claims["aud"], "switchboard-portal");
        assert_eq!(claims["azp"], "switchboard-portal");
        assert_eq!(claims["iat"], 1000);
        assert_eq!(claims["exp"], 1000 + ID_TOKEN_LIFETIME_SECS);
        assert_eq!(claims["auth_time"], 990);
        assert_eq!(claims["nonce"], "the-nonce");
        assert_eq!(claims["hd"], "acme.example");
        assert_eq!(claims["email_verified"], true);
    }

    #[test]
    fn forgeries_change_exactly_their_claim() {
        let alice = identity("google-alice");
        let maria = identity("entra-acme-maria");
        let with = |who: &DemoIdentity, f| {
            id_token_claims("http://i/x", &grant(who, Some(f)), who, 10_000)
        };
        assert_eq!(with(&alice, Forgery::WrongAud)["aud"], FORGED_AUDIENCE);
        assert_eq!(with(&alice, Forgery::WrongIss)["iss"], "http://i/x-forged");
        let expired = with(&alice, Forgery::Expired);
        assert!(expired["exp"].as_u64().unwrap() < 10_000);
        assert_eq!(expired["iat"], 10_000 - 3600);
        assert!(!with(&alice, Forgery::MissingNonce).contains_key("nonce"));
        assert_ne!(with(&alice, Forgery::WrongNonce)["nonce"], "the-nonce");
        assert_eq!(
            with(&alice, Forgery::UnverifiedEmail)["email_verified"],
            false
        );
        let maria_forged = with(&maria, Forgery::UnverifiedEmail);
        assert_eq!(maria_forged["xms_edov"], false);
        assert!(!maria_forged.contains_key("email_verified"));
        assert_eq!(with(&alice, Forgery::BadSignature)["nonce"], "the-nonce");
    }
}
