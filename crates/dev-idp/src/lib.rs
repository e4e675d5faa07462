//! A development OpenID Connect provider that behaves like Google, Microsoft Entra and
//! Apple, for the demo and tests only. Never use it to sign anyone in for real.
//!
//! Every provider profile is its own issuer under one base URL (see [`profiles`]), all
//! sharing one JWK set at `{base}jwks`. Signing keys persist in the data folder (see
//! [`keys`]), and a fixed set of demo people (see [`identities`]) can sign in.
//!
//! Each issuer is a working OpenID provider for one confidential client, [`CLIENT_ID`]
//! (see [`client`]): `GET {issuer}/authorize` (code flow, PKCE S256 required, `login_hint`
//! signs in without a page, otherwise a picker), `POST {issuer}/token` (RS256 ID tokens), and
//! `POST {base}admin/rotate-keys`. Tests spoil tokens on purpose with [`forge`] knobs and
//! control time with a [`ManualClock`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), switchboard_dev_idp::DevIdpError> {
//! use switchboard_dev_idp::{bind, DevIdpConfig};
//! let idp = bind(DevIdpConfig {
//!     listen: "127.0.0.1:0".parse().expect("address"),
//!     data_dir: "./.demo-data/dev-idp".into(),
//!     ..DevIdpConfig::default()
//! })
//! .await?;
//! println!("dev-idp={}", idp.url());
//! idp.serve(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

use std::collections::HashSet;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tokio::net::TcpListener;
use url::Url;

mod authorize;
pub mod client;
pub mod clock;
mod codes;
pub mod error;
pub mod forge;
pub mod identities;
pub mod jwt;
pub mod keys;
mod params;
pub mod profiles;
mod routes;
mod token;
mod userinfo;

pub use client::{ClientRegistry, APPLE_AUDIENCE, CLIENT_ID, DEFAULT_CLIENT_SECRET};
pub use clock::{Clock, ManualClock, SystemClock};
pub use codes::CODE_LIFETIME_SECS;
pub use error::{DevIdpError, HttpError, OAuthError};
pub use forge::{Forgery, CANCEL_PARAM, FORGE_PARAM};
pub use identities::{demo_identities, DemoIdentity, ProfileClaims};
pub use keys::{Jwk, JwkSet, KeyStore, SigningKey};
pub use profiles::{
    demo_tenants, DiscoveryDocument, Profile, Tenant, ACME_TENANT_ID, CONTOSO_TENANT_ID,
};
pub use routes::router;
pub use token::{ACCESS_TOKEN_LIFETIME_SECS, ID_TOKEN_LIFETIME_SECS};

/// How to start the dev IdP. [`Default`] listens on `127.0.0.1:0` with the demo's client
/// secret, the system clock and `./.demo-data/dev-idp`.
#[derive(Clone)]
pub struct DevIdpConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The URL clients reach the server at, when it differs from the listening address
    /// (a proxy, a container). Issuers are built from it. `None`: `http://<listen>/`.
    pub public_url: Option<Url>,
    /// Where the signing keys are kept (`dev-idp-keys.json`).
    pub data_dir: PathBuf,
    /// The secret of the client [`CLIENT_ID`] at every issuer but Apple's.
    pub client_secret: String,
    /// The P-256 public key (SPKI PEM, "BEGIN PUBLIC KEY") Apple client secret JWTs must be
    /// signed with. `None`: their form and claims are checked, not their signature.
    pub apple_client_public_key_pem: Option<String>,
    /// The public key (SPKI PEM, RSA or P-256) `private_key_jwt` client assertions must be
    /// signed with at the strict issuer. `None`: the strict issuer takes only
    /// `client_secret_post`.
    pub client_public_key_pem: Option<String>,
    /// Where "now" comes from (token times, code expiry, client secret JWT checks).
    pub clock: Arc<dyn Clock>,
}

impl Default for DevIdpConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            public_url: None,
            data_dir: PathBuf::from("./.demo-data/dev-idp"),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            apple_client_public_key_pem: None,
            client_public_key_pem: None,
            clock: Arc::new(SystemClock),
        }
    }
}

impl std::fmt::Debug for DevIdpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the client secret.
        f.debug_struct("DevIdpConfig")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("data_dir", &self.data_dir)
            .field(
                "apple_client_public_key_pem",
                &self.apple_client_public_key_pem.is_some(),
            )
            .field(
                "client_public_key_pem",
                &self.client_public_key_pem.is_some(),
            )
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

/// Shared state of the HTTP handlers: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<StateInner>,
}

struct StateInner {
    base_url: Url,
    data_dir: PathBuf,
    /// Swapped whole on rotation; handlers take a snapshot.
    keys: RwLock<Arc<KeyStore>>,
    /// One rotation at a time.
    rotation: tokio::sync::Mutex<()>,
    /// The key `unknown_kid` tokens are signed with: never published.
    rogue_key: tokio::sync::OnceCell<SigningKey>,
    tenants: Vec<Tenant>,
    identities: Vec<DemoIdentity>,
    clients: ClientRegistry,
    codes: codes::CodeStore,
    access_tokens: userinfo::AccessTokens,
    clock: Arc<dyn Clock>,
    /// Apple identities that already got their `user` (name) form field: Apple sends it on
    /// the first authorization only.
    apple_user_sent: Mutex<HashSet<String>>,
}

impl AppState {
    /// State for the demo tenants and identities, with the client, clock and data folder of
    /// `config` (its `listen` and `public_url` are not used). `base_url` is normalized to end
    /// with `/`.
    pub fn new(base_url: Url, keys: KeyStore, config: &DevIdpConfig) -> Result<Self, DevIdpError> {
        let clients = ClientRegistry::new(
            &config.client_secret,
            config.apple_client_public_key_pem.as_deref(),
        )?
        .with_client_key(config.client_public_key_pem.as_deref())?;
        Ok(Self {
            inner: Arc::new(StateInner {
                base_url: normalize_base_url(base_url)?,
                data_dir: config.data_dir.clone(),
                keys: RwLock::new(Arc::new(keys)),
                rotation: tokio::sync::Mutex::new(()),
                rogue_key: tokio::sync::OnceCell::new(),
                tenants: demo_tenants(),
                identities: demo_identities(),
                clients,
                codes: codes::CodeStore::default(),
                access_tokens: userinfo::AccessTokens::default(),
                clock: Arc::clone(&config.clock),
                apple_user_sent: Mutex::new(HashSet::new()),
            }),
        })
    }

    /// The base URL, ending with `/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The folder the keys are saved in.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// A snapshot of the signing keys.
    pub fn keys(&self) -> Arc<KeyStore> {
        Arc::clone(
            &self
                .inner
                .keys
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    pub fn tenants(&self) -> &[Tenant] {
        &self.inner.tenants
    }

    pub fn identities(&self) -> &[DemoIdentity] {
        &self.inner.identities
    }

    pub fn clients(&self) -> &ClientRegistry {
        &self.inner.clients
    }

    /// Seconds since the epoch, from the configured clock.
    pub fn now(&self) -> u64 {
        self.inner.clock.now()
    }

    /// Every served profile.
    pub fn profiles(&self) -> Vec<Profile> {
        Profile::all(&self.inner.tenants)
    }

    /// The issuer (`iss`) of a profile under this server's base URL.
    pub fn issuer(&self, profile: &Profile) -> String {
        profile.issuer(&self.inner.base_url)
    }

    /// The Entra profile of a known tenant, or of the multi-tenant endpoints
    /// (`organizations`, `common`).
    pub fn entra_profile(&self, tenant_id: &str) -> Option<Profile> {
        if profiles::is_multi_tenant(tenant_id) {
            return Some(Profile::Entra {
                tenant_id: tenant_id.to_owned(),
            });
        }
        self.inner
            .tenants
            .iter()
            .find(|t| t.id == tenant_id)
            .map(|t| Profile::Entra {
                tenant_id: t.id.to_owned(),
            })
    }

    /// The identities that can sign in at `profile`.
    pub fn identities_of<'a>(
        &'a self,
        profile: &'a Profile,
    ) -> impl Iterator<Item = &'a DemoIdentity> + 'a {
        self.inner
            .identities
            .iter()
            .filter(move |i| profile.serves(&i.profile))
    }

    /// The identity of `profile` a `login_hint` names: its id, or its login hint (ASCII
    /// case-insensitive, as emails are compared).
    pub fn find_identity(&self, profile: &Profile, hint: &str) -> Option<&DemoIdentity> {
        let hint = hint.trim();
        self.inner.identities.iter().find(|i| {
            profile.serves(&i.profile) && (i.id == hint || i.login_hint.eq_ignore_ascii_case(hint))
        })
    }

    /// Generates a new current signing key, keeps the previous one published (two keys at
    /// most), saves the key file, and returns the new kid. Tokens signed before keep
    /// verifying against the JWKS.
    pub async fn rotate_keys(&self) -> Result<String, DevIdpError> {
        let _one_at_a_time = self.inner.rotation.lock().await;
        let current = self.keys();
        let data_dir = self.inner.data_dir.clone();
        let rotated = tokio::task::spawn_blocking(move || -> Result<KeyStore, DevIdpError> {
            let rotated = current.rotated(SigningKey::generate()?);
            rotated.save(&data_dir)?;
            Ok(rotated)
        })
        .await
        .map_err(|e| DevIdpError::Task(e.to_string()))??;
        let kid = rotated.current().kid().to_owned();
        *self
            .inner
            .keys
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(rotated);
        tracing::info!(kid, "rotated the signing key");
        Ok(kid)
    }

    /// Replaces the current signing key by a new one published under the *same* kid (a
    /// provider that reuses kids): clients that cached the old key by kid must fetch the
    /// keys again. Returns the kid.
    pub async fn replace_key_same_kid(&self) -> Result<String, DevIdpError> {
        let _one_at_a_time = self.inner.rotation.lock().await;
        let current = self.keys();
        let data_dir = self.inner.data_dir.clone();
        let replaced = tokio::task::spawn_blocking(move || -> Result<KeyStore, DevIdpError> {
            let kid = current.current().kid().to_owned();
            let replaced = current.with_current(SigningKey::generate()?.with_kid(kid));
            replaced.save(&data_dir)?;
            Ok(replaced)
        })
        .await
        .map_err(|e| DevIdpError::Task(e.to_string()))??;
        let kid = replaced.current().kid().to_owned();
        *self
            .inner
            .keys
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(replaced);
        tracing::info!(kid, "replaced the signing key under the same kid");
        Ok(kid)
    }

    pub(crate) fn codes(&self) -> &codes::CodeStore {
        &self.inner.codes
    }

    pub(crate) fn access_tokens(&self) -> &userinfo::AccessTokens {
        &self.inner.access_tokens
    }

    /// The never-published key of `unknown_kid` tokens (made on first use).
    pub(crate) async fn rogue_key(&self) -> Result<&SigningKey, DevIdpError> {
        self.inner
            .rogue_key
            .get_or_try_init(|| async {
                tokio::task::spawn_blocking(SigningKey::generate)
                    .await
                    .map_err(|e| DevIdpError::Task(e.to_string()))?
            })
            .await
    }

    /// Whether this is the identity's first Apple authorization (true once per identity).
    pub(crate) fn first_apple_authorization(&self, identity_id: &str) -> bool {
        self.inner
            .apple_user_sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(identity_id.to_owned())
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
    // Check the client configuration before touching the disk or the network.
    ClientRegistry::new(
        &config.client_secret,
        config.apple_client_public_key_pem.as_deref(),
    )?
    .with_client_key(config.client_public_key_pem.as_deref())?;
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
    let base_url = match config.public_url.clone() {
        Some(url) => url,
        None => local_base_url(local_addr)?,
    };
    let state = AppState::new(base_url, keys, &config)?;
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

    /// The server's state; clone it before [`DevIdp::serve`] to rotate keys in process.
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
