use axum::extract::State;
use axum::Json;
use switchboard_api::{ApiError, Health, HealthStatus};

use crate::error::PortalError;
use crate::state::AppState;

/// The portal is up and its database answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Healthy", body = Health),
        (status = 503, description = "The database does not answer", body = ApiError),
    )
)]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, PortalError> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: HealthStatus::Ok,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }))
}
