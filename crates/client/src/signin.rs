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
mod tests {
    use super::*;

    fn portal() -> Url {
        "https://phones.example.test/".parse().unwrap()
    }

    fn callback(state: &str, extra: &str) -> Url {
        format!(
            "{}?state={state}&iss=https%3A%2F%2Fphones.example.test%2F{extra}",
            app_redirect_uri()
        )
        .parse()
        .unwrap()
    }

    #[test]
    fn authorize_url_carries_pkce_state_provider_and_hint() {
        let pending = PendingSignIns::default();
        let start = pending
            .begin(
                &portal(),
                "google",
                "Google",
                Some("a@b.example"),
                &app_redirect_uri(),
                0,
            )
            .unwrap();
        let url = start.authorize_url;
        assert!(url
            .as_str()
            .starts_with("https://phones.example.test/v1/authorize?"));
        let get = |k: &str| {
            url.query_pairs()
                .find(|(q, _)| q == k)
                .map(|(_, v)| v.into_owned())
        };
        assert_eq!(get("provider").as_deref(), Some("google"));
        assert_eq!(get("login_hint").as_deref(), Some("a@b.example"));
        assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
        assert_eq!(get("state"), Some(start.state));
        assert_eq!(get("redirect_uri"), Some(app_redirect_uri()));
        assert_eq!(get("code_challenge").map(|c| c.len()), Some(43));
    }

    #[test]
    fn a_callback_is_taken_once() {
        let pending = PendingSignIns::default();
        let start = pending
            .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
            .unwrap();
        let (_, code) = pending
            .take(&callback(&start.state, "&code=c1"), &portal(), 5)
            .unwrap();
        assert_eq!(code, "c1");
        assert_eq!(
            pending
                .take(&callback(&start.state, "&code=c1"), &portal(), 6)
                .unwrap_err(),
            SignInError::NoPendingSignIn
        );
    }

    /// Found by the `deep_link` fuzz target: a link whose address only starts like the
    /// redirect URI (here `/oauth/callback` and 33 NUL bytes) was taken as the callback.
    #[test]
    fn a_link_at_an_address_that_only_starts_like_the_redirect_uri_is_refused() {
        let pending = PendingSignIns::default();
        let redirect = "http://127.0.0.1:8123/oauth/callback";
        let start = pending
            .begin(&portal(), "google", "Google", None, redirect, 0)
            .unwrap();
        let state = &start.state;
        for address in [
            format!("{redirect}{}", "\0".repeat(33)),
            format!("{redirect}/admin"),
            format!("{redirect}x"),
            format!("{}://oauth/callback", APP_SCHEME),
        ] {
            let link: Url = format!("{address}?code=c0&state={state}&iss={}", portal())
                .parse()
                .unwrap();
            assert_eq!(
                pending.take(&link, &portal(), 1).unwrap_err(),
                SignInError::NotACallback,
                "{link}"
            );
        }
        // The sign-in is still waiting for its real link.
        let link: Url = format!("{redirect}?code=c0&state={state}&iss={}", portal())
            .parse()
            .unwrap();
        assert_eq!(pending.take(&link, &portal(), 1).unwrap().1, "c0");
    }

    /// Two codes, states or issuers in one link: refused, not "the first one wins"; an
    /// empty code is no code.
    #[test]
    fn a_link_with_a_parameter_twice_or_an_empty_code_is_refused() {
        for extra in ["&code=c&code=attacker", "&code=c&iss=https://evil.test/"] {
            let pending = PendingSignIns::default();
            let start = pending
                .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
                .unwrap();
            assert_eq!(
                pending
                    .take(&callback(&start.state, extra), &portal(), 1)
                    .unwrap_err(),
                SignInError::NotACallback,
                "{extra}"
            );
        }
        let pending = PendingSignIns::default();
        let start = pending
            .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
            .unwrap();
        assert_eq!(
            pending
                .take(&callback(&start.state, "&code="), &portal(), 1)
                .unwrap_err(),
            SignInError::NoCode
        );
    }

    #[test]
    fn forged_stale_and_foreign_links_are_refused() {
        let pending = PendingSignIns::default();
        assert_eq!(
            pending
                .take(&callback("made-up", "&code=c"), &portal(), 0)
                .unwrap_err(),
            SignInError::NoPendingSignIn
        );
        let start = pending
            .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
            .unwrap();
        assert_eq!(
            pending
                .take(
                    &callback(&start.state, "&code=c"),
                    &portal(),
                    PENDING_LIFETIME + 1
                )
                .unwrap_err(),
            SignInError::Expired
        );
        let start = pending
            .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
            .unwrap();
        let other: Url = "https://evil.example.test/".parse().unwrap();
        assert_eq!(
            pending
                .take(&callback(&start.state, "&code=c"), &other, 1)
                .unwrap_err(),
            SignInError::WrongIssuer
        );
    }

    #[test]
    fn provider_errors_become_messages() {
        let pending = PendingSignIns::default();
        let start = pending
            .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
            .unwrap();
        let error = pending
            .take(
                &callback(&start.state, "&error=access_denied"),
                &portal(),
                1,
            )
            .unwrap_err();
        assert_eq!(error.code(), "access_denied");
        assert_eq!(error.to_string(), "Signing in with Google was cancelled.");
    }

    #[test]
    fn cancel_drops_pending_sign_ins() {
        let pending = PendingSignIns::default();
        let start = pending
            .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
            .unwrap();
        assert!(pending.is_waiting(1).unwrap());
        pending.cancel_all().unwrap();
        assert!(!pending.is_waiting(1).unwrap());
        assert_eq!(
            pending
                .take(&callback(&start.state, "&code=c"), &portal(), 1)
                .unwrap_err(),
            SignInError::NoPendingSignIn
        );
    }

    /// What a loopback listener waits on: it stops when its sign-in is cancelled, taken or
    /// expired, so the core's pending sign-ins are the one record of what is in progress.
    #[tokio::test]
    async fn ended_resolves_once_the_sign_in_is_cancelled_or_expired() {
        let pending = std::sync::Arc::new(PendingSignIns::default());
        let now: Clock = std::sync::Arc::new(|| 0);
        let start = pending
            .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
            .unwrap();
        let waiting = {
            let pending = std::sync::Arc::clone(&pending);
            let state = start.state.clone();
            tokio::spawn(async move { pending.ended(&state, &now).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "ended before anything happened");
        pending.cancel_all().unwrap();
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("still waiting after Cancel")
            .unwrap();

        let start = pending
            .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
            .unwrap();
        let later: Clock = std::sync::Arc::new(|| PENDING_LIFETIME + 1);
        tokio::time::timeout(Duration::from_secs(5), pending.ended(&start.state, &later))
            .await
            .expect("still waiting after the sign-in expired");
    }

    #[test]
    fn logs_never_see_the_query() {
        let url = callback("s", "&code=secret-code");
        assert!(!loggable(&url).contains("secret-code"));
    }
}
