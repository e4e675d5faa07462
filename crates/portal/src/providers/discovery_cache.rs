//! Each provider's discovery document and keys, cached: fetched again when old, kept while
//! the provider is down, and the keys fetched again (rate-limited) when a signature does
//! not verify.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::metadata::{self, Metadata};
use super::{Provider, ProviderError, Providers};

/// Seconds after which discovery and keys are fetched again on use.
pub const METADATA_MAX_AGE: i64 = 3600;
/// Seconds between two key fetches caused by a signature failure (across all requests):
/// forged tokens cannot make the portal hammer a provider.
pub const KEY_REFETCH_INTERVAL: i64 = 60;

/// Discovery and keys as last fetched.
pub(super) struct Cached {
    pub(super) metadata: Arc<Metadata>,
    pub(super) fetched_at: i64,
}

impl Providers {
    /// Discovery and keys: cached, fetched again when older than [`METADATA_MAX_AGE`].
    /// While the provider is down, a stale copy keeps serving.
    pub(super) async fn metadata(
        &self,
        provider: &Provider,
    ) -> Result<Arc<Metadata>, ProviderError> {
        let now = self.clock.now();
        let stale = match provider.cache.read().await.as_ref() {
            Some(cached) if now - cached.fetched_at < METADATA_MAX_AGE => {
                return Ok(Arc::clone(&cached.metadata))
            }
            Some(cached) => Some(Arc::clone(&cached.metadata)),
            None => None,
        };
        match self.fetch_metadata(provider).await {
            Ok(metadata) => Ok(metadata),
            Err(error) => match stale {
                Some(metadata) if !error.is_misconfiguration() => {
                    tracing::warn!(provider = %provider.config.id, error = %crate::log_text::outside_error(&error), "cannot refresh the provider's discovery; using the last copy");
                    Ok(metadata)
                }
                _ => Err(error),
            },
        }
    }

    pub(super) async fn fetch_metadata(
        &self,
        provider: &Provider,
    ) -> Result<Arc<Metadata>, ProviderError> {
        let metadata = Arc::new(
            metadata::discover(&self.http, provider.config.kind, &provider.config.issuer).await?,
        );
        *provider.cache.write().await = Some(Cached {
            metadata: Arc::clone(&metadata),
            fetched_at: self.clock.now(),
        });
        Ok(metadata)
    }

    /// The keys again after a signature failure, at most once per
    /// [`KEY_REFETCH_INTERVAL`] per provider across all requests. `None`: not now.
    pub(super) async fn refetch_keys(&self, provider: &Provider) -> Option<Arc<Metadata>> {
        let now = self.clock.now();
        let last = provider.keys_refetched_at.load(Ordering::SeqCst);
        if now.saturating_sub(last) < KEY_REFETCH_INTERVAL
            || provider
                .keys_refetched_at
                .compare_exchange(last, now, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
        {
            return None;
        }
        let current = self.metadata(provider).await.ok()?;
        match metadata::fetch_keys(&self.http, &current).await {
            Ok(keys) => {
                let metadata = Arc::new((*current).clone().set_jwks(keys));
                let mut cache = provider.cache.write().await;
                let fetched_at = cache.as_ref().map_or(now, |cached| cached.fetched_at);
                *cache = Some(Cached {
                    metadata: Arc::clone(&metadata),
                    fetched_at,
                });
                tracing::info!(provider = %provider.config.id, "fetched the provider's keys again after a signature did not verify");
                Some(metadata)
            }
            Err(error) => {
                tracing::warn!(provider = %provider.config.id, error = %crate::log_text::outside_error(&error), "cannot fetch the provider's keys again");
                None
            }
        }
    }

    /// Fetches every provider's discovery and keys again (the scheduled refresh).
    pub async fn refresh_all(&self) {
        for provider in self.by_id.values() {
            if let Err(error) = self.fetch_metadata(provider).await {
                tracing::warn!(provider = %provider.config.id, error = %crate::log_text::outside_error(&error), "cannot refresh the provider's discovery and keys");
            }
        }
    }
}
