//! A development OpenID Connect provider that behaves like Google, Microsoft Entra and
//! Apple, for the demo and tests only. Never use it to sign anyone in for real.
//!
//! Every provider profile is its own issuer under one base URL (see [`profiles`]), all
//! sharing one JWK set at `{base}jwks`. Signing keys persist in the data folder (see
//! [`keys`]), and a fixed set of demo people (see [`identities`]) can sign in.
//!
//! ```no_run
//! # async fn demo() -> Result<(), switchboard_dev_idp::DevIdpError> {
//! use switchboard_dev_idp::{bind, DevIdpConfig};
//! let idp = bind(DevIdpConfig {
//!     listen: "127.0.0.1:0".parse().expect("address"),
//!     public_url: None,
//!     data_dir: "./.demo-data/dev-idp".into(),
//! })
//! .await?;
//! println!("dev-idp={}", idp.url());
//! idp.serve(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use url::Url;

pub mod error;
pub mod identities;
pub mod keys;
pub mod profiles;
mod routes;

pub use error::{DevIdpError, HttpError};
pub use identities::{demo_identities, DemoIdentity, ProfileClaims};
pub use keys::{Jwk, JwkSet, KeyStore, SigningKey};
pub use profiles::{
    demo_tenants, DiscoveryDocument, Profile, Tenant, ACME_TENANT_ID, CONTOSO_TENANT_ID,
};
pub use routes::router;

/// How to start the dev IdP.
#[derive(Debug, Clone)]
pub struct DevIdpConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The URL clients reach the server at, when it differs from the listening address
    /// (a proxy, a container). Issuers are built from it. `None`: `http://<listen>/`.
    pub public_url: Option<Url>,
    /// Where the signing keys are kept (`dev-idp-keys.json`).
    pub data_dir: PathBuf,
}

/// Shared state of the HTTP handlers: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<StateInner>,
}

struct StateInner {
    base_url: Url,
    keys: KeyStore,
    tenants: Vec<Tenant>,
    identities: Vec<DemoIdentity>,
}

impl AppState {
    /// State for the demo tenants and identities. `base_url` is normalized to end with `/`.
    pub fn new(base_url: Url, keys: KeyStore) -> Result<Self, DevIdpError> {
        Ok(Self {
            inner: Arc::new(StateInner {
                base_url: normalize_base_url(base_url)?,
                keys,
                tenants: demo_tenants(),
                identities: demo_identities(),
            }),
        })
    }

    /// The base URL, ending with `/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    pub fn keys(&self) -> &KeyStore {
        &self.inner.keys
    }

    pub fn tenants(&self) -> &[Tenant] {
        &self.inner.tenants
    }

    pub fn identities(&self) -> &[DemoIdentity] {
        &self.inner.identities
    }

    /// Every served profile.
    pub fn profiles(&self) -> Vec<Profile> {
        Profile::all(&self.inner.tenants)
    }

    /// The issuer (`iss`) of a profile under this server's base URL.
    pub fn issuer(&self, profile: &Profile) -> String {
        profile.issuer(&self.inner.base_url)
    }

    /// The Entra profile of a known tenant.
    pub fn entra_profile(&self, tenant_id: &str) -> Option<Profile> {
        self.inner
            .tenants
            .iter()
            .find(|t| t.id == tenant_id)
            .map(|t| Profile::Entra {
                tenant_id: t.id.to_owned(),
            })
    }
}

/// Makes `url` usable as a base: path ends with `/`, no query or fragment.
pub fn normalize_base_url(mut url: Url) -> Result<Url, DevIdpError> {
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(DevIdpError::InvalidPublicUrl(url));
    }
    url.set_query(None);
    url.set_fragment(None);
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A bound, not yet serving, dev IdP.
pub struct DevIdp {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
}

/// Loads (or creates) the signing keys and binds the listener.
pub async fn bind(config: DevIdpConfig) -> Result<DevIdp, DevIdpError> {
    let data_dir = config.data_dir.clone();
    let keys = tokio::task::spawn_blocking(move || KeyStore::load_or_create(&data_dir))
        .await
        .map_err(|e| DevIdpError::Task(e.to_string()))??;

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| DevIdpError::Bind {
            addr: config.listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(DevIdpError::LocalAddr)?;
    let base_url = match config.public_url {
        Some(url) => url,
        None => local_base_url(local_addr)?,
    };
    let state = AppState::new(base_url, keys)?;
    Ok(DevIdp {
        listener,
        local_addr,
        state,
    })
}

/// `http://<addr>/`, with a wildcard address replaced by loopback (reachable locally).
fn local_base_url(addr: SocketAddr) -> Result<Url, DevIdpError> {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let text = format!("http://{}/", SocketAddr::new(ip, addr.port()));
    Url::parse(&text).map_err(|_| DevIdpError::LocalAddr(std::io::Error::other(text)))
}

impl DevIdp {
    /// The base URL, ending with `/` (`http://127.0.0.1:PORT/` without a public URL).
    pub fn url(&self) -> Url {
        self.state.base_url().clone()
    }

    /// The address actually listened on (the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and returns.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), DevIdpError> {
        tracing::info!(url = %self.url(), addr = %self.local_addr, "dev-idp listening");
        axum::serve(self.listener, router(self.state))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(DevIdpError::Serve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_get_a_trailing_slash_and_lose_query_and_fragment() {
        let url = normalize_base_url(Url::parse("https://idp.example/dev?x=1#y").unwrap()).unwrap();
        assert_eq!(url.as_str(), "https://idp.example/dev/");
        let url = normalize_base_url(Url::parse("https://idp.example").unwrap()).unwrap();
        assert_eq!(url.as_str(), "https://idp.example/");
    }

    #[test]
    fn urls_that_cannot_be_a_base_are_refused() {
        let err = normalize_base_url(Url::parse("mailto:a@b.example").unwrap()).unwrap_err();
        assert!(matches!(err, DevIdpError::InvalidPublicUrl(_)));
    }

    #[test]
    fn wildcard_listen_addresses_become_loopback_urls() {
        let url = local_base_url("0.0.0.0:8781".parse().unwrap()).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8781/");
        let url = local_base_url("[::]:8781".parse().unwrap()).unwrap();
        assert_eq!(url.as_str(), "http://[::1]:8781/");
    }
}
