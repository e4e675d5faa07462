use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
}

/// Answer of `GET /healthz`: the portal is up and can reach its database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct Health {
    pub status: HealthStatus,
    /// The portal's release, for support.
    pub version: String,
}
