//! `GET|POST {issuer}/userinfo` (OpenID Connect Core §5.3): the person's claims for the
//! access token the token endpoint issued. The strict issuer's ID tokens carry only `sub`,
//! so its clients must ask here.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::forge::{Forgery, FORGED_USERINFO_SUBJECT};
use crate::profiles::Profile;
use crate::routes::Issuer;
use crate::AppState;

/// What an access token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub identity_id: String,
    pub profile: Profile,
    pub forgery: Option<Forgery>,
    pub expires_at: u64,
}

/// The access tokens handed out, by token.
#[derive(Debug, Default)]
pub(crate) struct AccessTokens {
    tokens: Mutex<HashMap<String, Grant>>,
}

impl AccessTokens {
    pub(crate) fn insert(&self, token: &str, grant: Grant) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        let now = grant
            .expires_at
            .saturating_sub(crate::ACCESS_TOKEN_LIFETIME_SECS);
        tokens.retain(|_, g| g.expires_at > now);
        tokens.insert(token.to_owned(), grant);
    }

    fn get(&self, token: &str, now: u64) -> Option<Grant> {
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.get(token).filter(|g| g.expires_at > now).cloned()
    }
}

fn invalid_token(description: &str) -> Response {
    let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{description}\"");
    let mut response = (
        StatusCode::UNAUTHORIZED,
        Json(serde_json::json!({"error": "invalid_token", "error_description": description})),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

pub(crate) async fn userinfo(
    State(state): State<AppState>,
    issuer: Issuer,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = token else {
        return invalid_token("A Bearer access token is required.");
    };
    let Some(grant) = state.access_tokens().get(token, state.now()) else {
        return invalid_token("The access token is unknown or has expired.");
    };
    if grant.profile != issuer.profile {
        return invalid_token("The access token was issued by another issuer.");
    }
    let Some(identity) = state
        .identities()
        .iter()
        .find(|i| i.id == grant.identity_id)
    else {
        return invalid_token("The signed-in identity is gone.");
    };
    let mut claims = identity.userinfo_claims();
    if grant.forgery == Some(Forgery::UserinfoOtherSub) {
        claims.insert("sub".to_owned(), Value::from(FORGED_USERINFO_SUBJECT));
    }
    let mut response = Json(Value::Object(claims)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
