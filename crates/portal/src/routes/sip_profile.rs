//! The signed-in account's softphone settings, versioned with an ETag, with the device's
//! own SIP credential.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_api::{ApiError, ErrorCode, SipProfile, SipTransport};

use super::auth::Authenticated;
use crate::error::PortalError;
use crate::sip_credentials::SipCredentialError;
use crate::state::AppState;

/// The account's SIP settings. Send `If-None-Match` with the last ETag to get 304 when
/// nothing changed.
#[utoipa::path(
    get,
    path = "/v1/sip-profile",
    tag = "provisioning",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The SIP profile; the ETag header names its version", body = SipProfile),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 401, description = "Missing, expired or revoked access token", body = ApiError),
    )
)]
pub async fn sip_profile(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    headers: HeaderMap,
) -> Result<Response, PortalError> {
    let account_id = session.account_id.clone();
    let row = state.store.sip_profile(&account_id).await?;
    let Some(row) = row else {
        return Err(PortalError::Client(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "This account has no phone settings yet. Ask your administrator.".into(),
        ));
    };
    let etag = format!("\"v{}\"", row.version);
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    // The device's own credential, made with its first profile: what the registrar
    // accepts from this session only, until it ends.
    let credential = crate::sip_credentials::device_credential(
        &state.store,
        &state.key,
        &session.session_id,
        &account_id,
        &row,
        &mut rand::rngs::OsRng,
        state.clock.now(),
    )
    .await
    .map_err(|error| match error {
        SipCredentialError::Store(error) => PortalError::Database(error),
        SipCredentialError::SessionEnded => PortalError::Client(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidToken,
            "This session has ended. Sign in again.".into(),
        ),
        SipCredentialError::Undecryptable => {
            PortalError::Database(crate::store::StoreError::Encode(
                "a SIP password cannot be decrypted with the configured key".into(),
            ))
        }
    })?;
    let transport = match row.transport.as_str() {
        "udp" => SipTransport::Udp,
        "tcp" => SipTransport::Tcp,
        _ => SipTransport::Tls,
    };
    let profile = SipProfile {
        extension: row.extension,
        display_name: row.display_name,
        sip_user: row.sip_user,
        auth_user: credential.auth_user,
        password: credential.password,
        domain: row.sip_domain,
        registrar: row.registrar,
        outbound_proxy: row.outbound_proxy,
        transport,
        stun_server: row.stun_server,
        turn_server: row.turn_server,
        voicemail_number: row.voicemail_number,
        version: row.version,
    };
    Ok((cache, Json(profile)).into_response())
}
