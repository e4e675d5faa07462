//! Which providers organizations enabled for an email domain: the answer of "Continue with
//! work email". It reads `organization_providers` only, never accounts or emails, so it
//! cannot tell whether an address has an account.

use super::{on_backend, Store, StoreError};

impl Store {
    /// Ids of the providers any organization enabled for `domain` (lower-case), each once,
    /// sorted. Entra tenants are stored by tenant id, so a domain never finds them.
    pub async fn providers_enabled_for_domain(
        &self,
        domain: &str,
    ) -> Result<Vec<String>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_scalar(
            "SELECT DISTINCT provider_id FROM organization_providers
             WHERE domain_or_tenant = $1
             ORDER BY provider_id",
        )
        .bind(domain)
        .fetch_all(pool)
        .await?))
    }
}
