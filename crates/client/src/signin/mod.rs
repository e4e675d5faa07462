//! Pending provider sign-ins: each holds its PKCE verifier, `state`, redirect URI and
//! expiry, and is used once. A callback whose `state` matches none is dropped.

use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl};
use url::Url;

use crate::clock::Clock;
use crate::guarded::{Guarded, Poisoned};
use crate::keychain::Secret;

/// Seconds a started sign-in waits for the browser.
pub const PENDING_LIFETIME: i64 = 600;

/// The app's custom URL scheme: a reverse-DNS name of a domain the operator controls, set
/// at build time (`SWITCHBOARD_URL_SCHEME`) so two vendors' builds never share one.
pub const APP_SCHEME: &str = match option_env!("SWITCHBOARD_URL_SCHEME") {
    Some(scheme) => scheme,
    None => "example.switchboard.desktop",
};

/// The redirect URI of the custom scheme.
pub fn app_redirect_uri() -> String {
    format!("{APP_SCHEME}://oauth/callback")
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignInError {
    #[error("this link is not a Switchboard sign-in link")]
    NotACallback,
    #[error("this sign-in link does not belong to a sign-in started here, so it was ignored")]
    NoPendingSignIn,
    #[error("signing in took too long. Start again.")]
    Expired,
    #[error("this sign-in link comes from another server than your portal, so it was ignored")]
    WrongIssuer,
    #[error("{message}")]
    Provider { code: String, message: String },
    #[error("the sign-in link carries no code. Start again.")]
    NoCode,
    #[error(transparent)]
    Poisoned(#[from] Poisoned),
}

impl SignInError {
    pub fn code(&self) -> &str {
        match self {
            SignInError::NotACallback => "not_a_callback",
            SignInError::NoPendingSignIn => "no_pending_sign_in",
            SignInError::Expired => "sign_in_expired",
            SignInError::WrongIssuer => "wrong_issuer",
            SignInError::Provider { code, .. } => code,
            SignInError::NoCode => "no_code",
            SignInError::Poisoned(_) => "internal_error",
        }
    }
}

#[derive(Debug)]
pub struct PendingSignIn {
    pub provider_id: String,
    pub provider_name: String,
    pub verifier: Secret,
    pub redirect_uri: String,
    pub expires_at: i64,
    /// Started from the security settings to link this provider to the signed-in account.
    pub links_provider: bool,
}

/// A started sign-in: where to open the browser.
#[derive(Debug, Clone)]
pub struct SignInStart {
    pub authorize_url: Url,
    pub state: String,
    /// The PKCE S256 challenge in the URL.
    pub code_challenge: String,
}

#[derive(Debug)]
pub struct PendingSignIns {
    by_state: Guarded<HashMap<String, PendingSignIn>>,
    /// Bumped whenever a sign-in is taken or cancelled: wakes `ended`.
    changes: tokio::sync::watch::Sender<u64>,
}

impl Default for PendingSignIns {
    fn default() -> Self {
        Self {
            by_state: Guarded::default(),
            changes: tokio::sync::watch::channel(0).0,
        }
    }
}

fn random_urlsafe() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

impl PendingSignIns {
    /// Remembers a new sign-in and builds the portal's authorize URL for it.
    pub fn begin(
        &self,
        portal: &Url,
        provider_id: &str,
        provider_name: &str,
        login_hint: Option<&str>,
        redirect_uri: &str,
        now: i64,
    ) -> Result<SignInStart, SignInError> {
        let authorize = portal
            .join(switchboard_api::paths::AUTHORIZE.trim_start_matches('/'))
            .map_err(|_| SignInError::NotACallback)?;
        let client = oauth2::basic::BasicClient::new(ClientId::new("switchboard-desktop".into()))
            .set_auth_uri(AuthUrl::from_url(authorize))
            .set_redirect_uri(
                RedirectUrl::new(redirect_uri.to_owned()).map_err(|_| SignInError::NotACallback)?,
            );
        let verifier = PkceCodeVerifier::new(random_urlsafe());
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        let code_challenge = challenge.as_str().to_owned();
        let state = random_urlsafe();
        let state_for_request = state.clone();
        let mut request = client
            .authorize_url(move || CsrfToken::new(state_for_request))
            .set_pkce_challenge(challenge)
            .add_extra_param("provider", provider_id);
        if let Some(hint) = login_hint {
            request = request.add_extra_param("login_hint", hint);
        }
        let (authorize_url, _) = request.url();
        let pending = PendingSignIn {
            provider_id: provider_id.to_owned(),
            provider_name: provider_name.to_owned(),
            verifier: Secret::new(verifier.secret().clone()),
            redirect_uri: redirect_uri.to_owned(),
            expires_at: now + PENDING_LIFETIME,
            links_provider: false,
        };
        let mut map = self.by_state.lock()?;
        map.retain(|_, p| p.expires_at >= now);
        map.insert(state.clone(), pending);
        Ok(SignInStart {
            authorize_url,
            state,
            code_challenge,
        })
    }

    /// Makes a started sign-in link its provider to the signed-in account: the portal's
    /// `link_intent` goes into its authorize URL.
    pub fn link_provider(
        &self,
        start: &mut SignInStart,
        link_intent: &str,
    ) -> Result<(), SignInError> {
        start
            .authorize_url
            .query_pairs_mut()
            .append_pair("link_intent", link_intent);
        if let Some(pending) = self.by_state.lock()?.get_mut(&start.state) {
            pending.links_provider = true;
        }
        Ok(())
    }

    /// Forgets one started sign-in.
    pub fn cancel(&self, state: &str) -> Result<(), SignInError> {
        self.by_state.lock()?.remove(state);
        self.changed();
        Ok(())
    }

    /// Forgets every pending sign-in (Cancel): their links are dropped if they still come.
    pub fn cancel_all(&self) -> Result<(), SignInError> {
        self.by_state.lock()?.clear();
        self.changed();
        Ok(())
    }

    fn changed(&self) {
        self.changes.send_modify(|generation| *generation += 1);
    }

    pub fn is_waiting(&self, now: i64) -> Result<bool, SignInError> {
        Ok(self.by_state.lock()?.values().any(|p| p.expires_at >= now))
    }

    /// Seconds the sign-in started with `state` still waits, or `None` once it is taken,
    /// cancelled or expired.
    fn waits_for(&self, state: &str, now: i64) -> Option<i64> {
        let map = self.by_state.lock().ok()?;
        let pending = map.get(state)?;
        (pending.expires_at >= now).then_some(pending.expires_at - now)
    }

    /// Resolves once the sign-in started with `state` is no longer waiting for its link.
    pub async fn ended(&self, state: &str, clock: &Clock) {
        let mut changes = self.changes.subscribe();
        while let Some(left) = self.waits_for(state, clock()) {
            let left = Duration::from_secs(u64::try_from(left).unwrap_or(0) + 1);
            tokio::select! {
                _ = changes.changed() => {}
                _ = tokio::time::sleep(left) => {}
            }
        }
    }

    /// Takes the pending sign-in a callback belongs to and what the callback says: the code,
    /// or the provider's error. `portal` is the issuer the callback must name.
    pub fn take(
        &self,
        callback: &Url,
        portal: &Url,
        now: i64,
    ) -> Result<(PendingSignIn, String), SignInError> {
        // One of each: a link that carries two codes (or states, or issuers) is not the
        // portal's, whichever of them came first.
        let query = |key: &str| -> Result<Option<String>, SignInError> {
            let mut values = callback
                .query_pairs()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned());
            let first = values.next();
            if values.next().is_some() {
                return Err(SignInError::NotACallback);
            }
            Ok(first)
        };
        let state = query("state")?.ok_or(SignInError::NoPendingSignIn)?;
        // Exactly the redirect URI the sign-in started with, not an address that merely
        // starts like it; a link elsewhere leaves the pending sign-in as it is.
        let mut address = callback.clone();
        address.set_query(None);
        address.set_fragment(None);
        let pending = {
            let mut map = self.by_state.lock()?;
            let expected = map
                .get(&state)
                .ok_or(SignInError::NoPendingSignIn)?
                .redirect_uri
                .parse::<Url>()
                .ok();
            if expected.as_ref() != Some(&address) {
                return Err(SignInError::NotACallback);
            }
            map.remove(&state).ok_or(SignInError::NoPendingSignIn)?
        };
        self.changed();
        if now > pending.expires_at {
            return Err(SignInError::Expired);
        }
        // RFC 9207: the answer must come from our portal (mix-up attacks).
        if query("iss")?.as_deref() != Some(portal.as_str()) {
            return Err(SignInError::WrongIssuer);
        }
        if let Some(code) = query("error")? {
            let message = query("error_description")?
                .unwrap_or_else(|| "Signing in did not succeed. Try again.".to_owned());
            let message = if code == "access_denied" {
                format!("Signing in with {} was cancelled.", pending.provider_name)
            } else {
                message
            };
            return Err(SignInError::Provider { code, message });
        }
        let code = query("code")?
            .filter(|code| !code.is_empty())
            .ok_or(SignInError::NoCode)?;
        Ok((pending, code))
    }
}

/// The callback without its query (which carries the code): what may be logged.
pub fn loggable(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

#[cfg(test)]
mod tests;
