//! The signed-in app's event stream.

use axum::extract::State;
use axum::response::IntoResponse;

use super::auth::Authenticated;
use crate::state::AppState;

/// Server-sent events for this session: `ready` first, then `session_ended` (its reason;
/// the stream ends) and `sip_profile_changed` as they happen, with a heartbeat comment
/// every 15 s. Reconnect with a fresh access token when it drops.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "provisioning",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A text/event-stream of PortalEvent (the `event:` field is its kind, `data:` its JSON)", body = switchboard_api::PortalEvent, content_type = "text/event-stream"),
        (status = 401, description = "Missing, expired or revoked access token", body = switchboard_api::ApiError),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> impl IntoResponse {
    crate::events::stream(state.store.clone(), &state.events, session)
}
