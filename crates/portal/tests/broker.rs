//! The sign-in broker over real HTTP: dev-idp plays Google, Entra, Apple and a company
//! provider; the test plays both the system browser and the app.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use reqwest::header::{ETAG, IF_NONE_MATCH, LOCATION};
use reqwest::StatusCode;
use switchboard_api::{
    ApiError, ErrorCode, LinkReason, LoginStep, ProviderKind, SessionTokens, SipProfile,
};
use switchboard_dev_idp::{DevIdpConfig, ACME_TENANT_ID, CONTOSO_TENANT_ID};
use switchboard_portal::clock::{Clock, ManualClock, SystemClock};
use switchboard_portal::config::{PortalConfig, ProviderConfig, DEFAULT_APP_SCHEME};
use switchboard_portal::seed::seed_demo;
use switchboard_portal::Portal;
use tokio::sync::oneshot;
use url::Url;

const APP_REDIRECT: &str = "example.switchboard.desktop://oauth/callback";

struct World {
    idp: Url,
    portal: common::RunningPortal,
    config: PortalConfig,
    clock: ManualClock,
    browser: reqwest::Client,
    _idp_stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

/// What the app keeps while the browser is away.
struct AppSignIn {
    state: String,
    verifier: String,
    redirect_uri: String,
}

fn provider(
    id: &str,
    kind: ProviderKind,
    issuer: String,
    secret: &std::path::Path,
) -> ProviderConfig {
    ProviderConfig {
        id: id.into(),
        kind,
        display_name: id.into(),
        issuer: issuer.parse().unwrap(),
        client_id: switchboard_dev_idp::CLIENT_ID.into(),
        client_secret_file: Some(secret.to_owned()),
        apple_team_id: None,
        apple_key_id: None,
    }
}

fn random_string() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn pkce_challenge(verifier: &str) -> String {
    switchboard_portal::tokens::pkce_s256(verifier)
}

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

impl World {
    async fn start() -> World {
        let dir = tempfile::tempdir().unwrap();
        let apple_key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
        let apple_key_file = dir.path().join("apple.p8");
        std::fs::write(
            &apple_key_file,
            apple_key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
        )
        .unwrap();
        let apple_public = p256::ecdsa::VerifyingKey::from(&apple_key)
            .to_public_key_pem(LineEnding::LF)
            .unwrap();

        let idp = switchboard_dev_idp::bind(DevIdpConfig {
            data_dir: dir.path().join("idp"),
            apple_client_public_key_pem: Some(apple_public),
            ..DevIdpConfig::default()
        })
        .await
        .unwrap();
        let idp_url = idp.url();
        let (idp_stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(idp.serve(async {
            let _ = stopped.await;
        }));

        let secret = dir.path().join("client-secret");
        std::fs::write(&secret, switchboard_dev_idp::DEFAULT_CLIENT_SECRET).unwrap();
        let mut config = common::test_config(dir.path());
        let mut apple = provider(
            "apple",
            ProviderKind::Apple,
            format!("{idp_url}apple"),
            &apple_key_file,
        );
        apple.apple_team_id = Some("TEAM123456".into());
        apple.apple_key_id = Some("KEY1234567".into());
        config.providers = vec![
            provider(
                "google",
                ProviderKind::Google,
                format!("{idp_url}google"),
                &secret,
            ),
            provider(
                "microsoft",
                ProviderKind::Microsoft,
                format!("{idp_url}entra/{ACME_TENANT_ID}/v2.0"),
                &secret,
            ),
            // A second Entra tenant the organization never enabled.
            provider(
                "contoso",
                ProviderKind::Microsoft,
                format!("{idp_url}entra/{CONTOSO_TENANT_ID}/v2.0"),
                &secret,
            ),
            apple,
            provider(
                "acme-sso",
                ProviderKind::Oidc,
                format!("{idp_url}acme-sso"),
                &secret,
            ),
        ];
        let clock = ManualClock::new(SystemClock.now());
        let portal = Portal::bind_with_clock(&config, Arc::new(clock.clone()))
            .await
            .unwrap();
        seed_demo(
            portal.pool(),
            &config.encryption_key().unwrap(),
            clock.now(),
        )
        .await
        .unwrap();
        let portal = common::serve(portal).await;
        World {
            idp: idp_url,
            portal,
            config,
            clock,
            browser: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _idp_stop: idp_stop,
            _dir: dir,
        }
    }

    /// The app opens the browser at the portal's authorize URL.
    async fn authorize(
        &self,
        provider: &str,
        login_hint: Option<&str>,
        redirect_uri: &str,
    ) -> (AppSignIn, reqwest::Response) {
        let sign_in = AppSignIn {
            state: random_string(),
            verifier: random_string(),
            redirect_uri: redirect_uri.to_owned(),
        };
        let mut url = self.portal.endpoint("/v1/authorize");
        url.query_pairs_mut()
            .append_pair("provider", provider)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("code_challenge", &pkce_challenge(&sign_in.verifier))
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &sign_in.state);
        if let Some(hint) = login_hint {
            url.query_pairs_mut().append_pair("login_hint", hint);
        }
        let response = self.browser.get(url).send().await.unwrap();
        (sign_in, response)
    }

    /// The browser from the provider's authorize URL back to the portal's answer.
    async fn browse_provider(&self, provider_url: Url) -> reqwest::Response {
        let at_provider = self.browser.get(provider_url).send().await.unwrap();
        if at_provider.status().is_redirection() {
            let next = at_provider.headers()[LOCATION].to_str().unwrap().to_owned();
            return self.browser.get(next).send().await.unwrap();
        }
        // Apple's form_post: the page's form is posted by the browser.
        assert_eq!(at_provider.status(), StatusCode::OK);
        let page = at_provider.text().await.unwrap();
        let form_start = page.find("<form").expect("a form_post page");
        let form_tag = &page[form_start..form_start + page[form_start..].find('>').unwrap()];
        let action = attribute(form_tag, "action").unwrap();
        let mut fields = Vec::new();
        for input in page.split("<input").skip(1) {
            let tag = &input[..input.find('>').unwrap()];
            if let (Some(name), Some(value)) = (attribute(tag, "name"), attribute(tag, "value")) {
                fields.push((name, value));
            }
        }
        self.browser
            .post(action)
            .form(&fields)
            .send()
            .await
            .unwrap()
    }

    /// What the OS hands the app: the deep link (custom scheme) or the loopback request.
    async fn app_link(response: reqwest::Response) -> Url {
        if response.status().is_redirection() {
            return response.headers()[LOCATION]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
        }
        let page = response.text().await.unwrap();
        let start = page
            .find("id=\"continue\"")
            .expect("a page that opens the app");
        let tag = &page[start..start + page[start..].find('>').unwrap()];
        attribute(tag, "href").unwrap().parse().unwrap()
    }

    /// A whole provider sign-in, optionally spoiled by a dev-idp knob; the app's link.
    async fn sign_in_link(
        &self,
        provider: &str,
        login_hint: &str,
        extra: Option<(&str, &str)>,
    ) -> (AppSignIn, Url) {
        let (sign_in, response) = self
            .authorize(provider, Some(login_hint), APP_REDIRECT)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "authorize should redirect"
        );
        let mut provider_url: Url = response.headers()[LOCATION]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(provider_url.as_str().starts_with(self.idp.as_str()));
        if let Some((key, value)) = extra {
            provider_url.query_pairs_mut().append_pair(key, value);
        }
        let link = Self::app_link(self.browse_provider(provider_url).await).await;
        assert_eq!(
            query(&link, "state").as_deref(),
            Some(sign_in.state.as_str())
        );
        assert_eq!(
            query(&link, "iss").as_deref(),
            Some(self.portal.url.as_str())
        );
        (sign_in, link)
    }

    async fn redeem(
        &self,
        code: &str,
        verifier: Option<&str>,
        redirect_uri: &str,
    ) -> reqwest::Response {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("device_name", "Test laptop"),
        ];
        if let Some(verifier) = verifier {
            form.push(("code_verifier", verifier));
        }
        self.browser
            .post(self.portal.endpoint("/v1/token"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Sign in completely and return the login step.
    async fn sign_in(&self, provider: &str, login_hint: &str) -> LoginStep {
        let (sign_in, link) = self.sign_in_link(provider, login_hint, None).await;
        let code = query(&link, "code").unwrap_or_else(|| panic!("no code in {link}"));
        let response = self
            .redeem(&code, Some(&sign_in.verifier), &sign_in.redirect_uri)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.browser
            .post(self.portal.endpoint("/v1/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ])
            .send()
            .await
            .unwrap()
    }

    async fn sip_profile(&self, access_token: &str, etag: Option<&str>) -> reqwest::Response {
        let mut request = self
            .browser
            .get(self.portal.endpoint("/v1/sip-profile"))
            .bearer_auth(access_token);
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        request.send().await.unwrap()
    }
}

fn signed_in(step: LoginStep) -> SessionTokens {
    match step {
        LoginStep::SignedIn { session } => session,
        other => panic!("expected SignedIn, got {other:?}"),
    }
}

fn link_reason(step: &LoginStep) -> LinkReason {
    match step {
        LoginStep::LinkAccount { reason, .. } => *reason,
        other => panic!("expected LinkAccount, got {other:?}"),
    }
}

async fn api_error(response: reqwest::Response) -> ApiError {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    response.json().await.unwrap()
}

#[tokio::test]
async fn each_provider_profile_signs_in_and_provisions() {
    let world = World::start().await;
    for (provider, hint, username, extension) in [
        ("google", "alice@acme.example", "alice", "201"),
        ("microsoft", "maria@acme.example", "maria", "210"),
        ("apple", "tom@acme.example", "tom", "220"),
        ("acme-sso", "tom@acme.example", "tom", "220"),
    ] {
        let session = signed_in(world.sign_in(provider, hint).await);
        assert_eq!(session.account.username, username, "{provider}");
        assert_eq!(session.token_type, "Bearer");

        let response = world.sip_profile(&session.access_token, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{provider}");
        let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
        let profile: SipProfile = response.json().await.unwrap();
        assert_eq!(profile.extension, extension);
        assert_eq!(profile.domain, "sip.acme.example");
        assert!(profile.password.starts_with("demo-sip-"));
        let unchanged = world.sip_profile(&session.access_token, Some(&etag)).await;
        assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    }
}

#[tokio::test]
async fn a_shared_email_answers_choose_account() {
    let world = World::start().await;
    match world.sign_in("google", "adam@acme.example").await {
        LoginStep::ChooseAccount { accounts, .. } => {
            let names: Vec<&str> = accounts.iter().map(|a| a.display_name.as_str()).collect();
            assert_eq!(names, ["Adam Assistant", "Maria Manager"]);
            assert!(accounts.iter().all(|a| a.reached_through_shared_email));
        }
        other => panic!("expected ChooseAccount, got {other:?}"),
    }
}

#[tokio::test]
async fn identities_the_rules_do_not_trust_must_be_linked() {
    let world = World::start().await;
    // Not associated with any account.
    let newbie = world.sign_in("google", "newbie@gmail.com").await;
    assert_eq!(link_reason(&newbie), LinkReason::NoAccountForEmail);
    // Notification-only email (gets Alice's voicemail copies).
    let nora = world.sign_in("google", "nora@acme.example").await;
    assert_eq!(link_reason(&nora), LinkReason::NoAccountForEmail);
    // The provider does not vouch for the email.
    let eve = world.sign_in("google", "eve@acme.example").await;
    assert_eq!(link_reason(&eve), LinkReason::EmailUnverified);
    // A consumer Google account with the work address: not the enabled Workspace (`hd`).
    let consumer = world.sign_in("google", "google-alice-consumer").await;
    assert_eq!(link_reason(&consumer), LinkReason::ProviderNotEnabled);
    // nOAuth: another Entra tenant claims Alice's address on its own user.
    let mallory = world.sign_in("contoso", "alice@acme.example").await;
    assert!(
        matches!(mallory, LoginStep::LinkAccount { .. }),
        "{mallory:?}"
    );
    // Apple's private relay address matches no login email.
    let relay = world.sign_in("apple", "alice@acme.example").await;
    assert_eq!(link_reason(&relay), LinkReason::NoAccountForEmail);
    // And an unverified email from an otherwise trusted provider.
    let (sign_in, link) = world
        .sign_in_link(
            "google",
            "alice@acme.example",
            Some(("dev_idp_forge", "unverified_email")),
        )
        .await;
    let step: LoginStep = world
        .redeem(
            &query(&link, "code").unwrap(),
            Some(&sign_in.verifier),
            APP_REDIRECT,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(link_reason(&step), LinkReason::EmailUnverified);
}

#[tokio::test]
async fn forged_id_tokens_never_reach_the_app_as_a_code() {
    let world = World::start().await;
    for knob in [
        "bad_signature",
        "wrong_aud",
        "wrong_iss",
        "expired",
        "missing_nonce",
        "wrong_nonce",
        "unknown_kid",
    ] {
        let (_, link) = world
            .sign_in_link(
                "google",
                "alice@acme.example",
                Some(("dev_idp_forge", knob)),
            )
            .await;
        assert_eq!(query(&link, "code"), None, "{knob}: {link}");
        assert_eq!(
            query(&link, "error").as_deref(),
            Some("invalid_id_token"),
            "{knob}"
        );
        assert!(query(&link, "error_description").is_some());
    }
}

#[tokio::test]
async fn cancelling_at_the_provider_is_a_clear_error_for_the_app() {
    let world = World::start().await;
    let (_, link) = world
        .sign_in_link(
            "google",
            "alice@acme.example",
            Some(("dev_idp_cancel", "1")),
        )
        .await;
    assert_eq!(query(&link, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&link, "code"), None);
}

#[tokio::test]
async fn the_code_is_bound_to_the_verifier_the_redirect_uri_and_one_use() {
    let world = World::start().await;

    // Wrong verifier: refused, and the code is spent.
    let (sign_in, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    let code = query(&link, "code").unwrap();
    let error = api_error(
        world
            .redeem(&code, Some(&random_string()), APP_REDIRECT)
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);
    let error = api_error(
        world
            .redeem(&code, Some(&sign_in.verifier), APP_REDIRECT)
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);

    // Missing verifier.
    let (_, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    let error = api_error(
        world
            .redeem(&query(&link, "code").unwrap(), None, APP_REDIRECT)
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);

    // Another redirect URI than the one the code was issued for.
    let (sign_in, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    let error = api_error(
        world
            .redeem(
                &query(&link, "code").unwrap(),
                Some(&sign_in.verifier),
                "http://127.0.0.1:4567/callback",
            )
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);

    // Replayed after success: refused, and the session it made is ended.
    let (sign_in, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    let code = query(&link, "code").unwrap();
    let first = world
        .redeem(&code, Some(&sign_in.verifier), APP_REDIRECT)
        .await;
    let session = signed_in(first.json().await.unwrap());
    let error = api_error(
        world
            .redeem(&code, Some(&sign_in.verifier), APP_REDIRECT)
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);
    let refresh = world.refresh(&session.refresh_token).await;
    assert_eq!(api_error(refresh).await.code, ErrorCode::InvalidGrant);

    // Expired: codes live under a minute.
    let (sign_in, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    world.clock.advance(61);
    let error = api_error(
        world
            .redeem(
                &query(&link, "code").unwrap(),
                Some(&sign_in.verifier),
                APP_REDIRECT,
            )
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);
    assert!(error.message.contains("expired"), "{}", error.message);
}

#[tokio::test]
async fn unregistered_redirect_uris_are_refused_without_a_redirect() {
    let world = World::start().await;
    for redirect in [
        "https://attacker.example/callback",
        "other.vendor.app://oauth/callback",
        "http://localhost:8080/callback",
    ] {
        let (_, response) = world
            .authorize("google", Some("alice@acme.example"), redirect)
            .await;
        assert!(response.headers().get(LOCATION).is_none(), "{redirect}");
        assert_eq!(
            api_error(response).await.code,
            ErrorCode::InvalidRedirectUri
        );
    }
}

#[tokio::test]
async fn authorize_requires_s256_pkce_and_a_known_provider() {
    let world = World::start().await;
    let mut url = world.portal.endpoint("/v1/authorize");
    url.query_pairs_mut()
        .append_pair("provider", "google")
        .append_pair("redirect_uri", APP_REDIRECT)
        .append_pair("state", "s1")
        .append_pair("code_challenge", "short")
        .append_pair("code_challenge_method", "plain");
    let response = world.browser.get(url).send().await.unwrap();
    let link = World::app_link(response).await;
    assert_eq!(query(&link, "error").as_deref(), Some("invalid_request"));
    assert_eq!(query(&link, "state").as_deref(), Some("s1"));

    let (_, response) = world.authorize("myspace", None, APP_REDIRECT).await;
    let link = World::app_link(response).await;
    assert_eq!(query(&link, "error").as_deref(), Some("invalid_request"));
}

#[tokio::test]
async fn loopback_redirects_get_a_plain_redirect_with_the_code() {
    let world = World::start().await;
    let redirect = "http://127.0.0.1:45678/oauth/callback";
    let (sign_in, response) = world
        .authorize("google", Some("alice@acme.example"), redirect)
        .await;
    let provider_url: Url = response.headers()[LOCATION]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let answer = world.browse_provider(provider_url).await;
    assert!(answer.status().is_redirection());
    let link = World::app_link(answer).await;
    assert!(link.as_str().starts_with(redirect));
    let step: LoginStep = world
        .redeem(
            &query(&link, "code").unwrap(),
            Some(&sign_in.verifier),
            redirect,
        )
        .await
        .json()
        .await
        .unwrap();
    signed_in(step);
}

#[tokio::test]
async fn a_provider_callback_is_used_once() {
    let world = World::start().await;
    let (_, response) = world
        .authorize("google", Some("alice@acme.example"), APP_REDIRECT)
        .await;
    let provider_url: Url = response.headers()[LOCATION]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let at_provider = world.browser.get(provider_url).send().await.unwrap();
    let callback = at_provider.headers()[LOCATION].to_str().unwrap().to_owned();
    let first = world.browser.get(&callback).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let again = world.browser.get(&callback).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(!again.text().await.unwrap().contains("code="));
}

#[tokio::test]
async fn refresh_rotates_over_http_and_a_replay_ends_the_session() {
    let world = World::start().await;
    let first = signed_in(world.sign_in("google", "alice@acme.example").await);
    let response = world.refresh(&first.refresh_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let second: SessionTokens = response.json().await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);

    world.clock.advance(3600);
    let replay = api_error(world.refresh(&first.refresh_token).await).await;
    assert_eq!(replay.code, ErrorCode::InvalidGrant);
    let after = api_error(world.refresh(&second.refresh_token).await).await;
    assert_eq!(after.code, ErrorCode::InvalidGrant);
    let profile = world.sip_profile(&second.access_token, None).await;
    assert_eq!(profile.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoking_signs_the_session_out() {
    let world = World::start().await;
    let session = signed_in(world.sign_in("microsoft", "maria@acme.example").await);
    let revoked = world
        .browser
        .post(world.portal.endpoint("/v1/revoke"))
        .form(&[("token", session.refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        world
            .sip_profile(&session.access_token, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api_error(world.refresh(&session.refresh_token).await)
            .await
            .code,
        ErrorCode::InvalidGrant
    );
}

#[tokio::test]
async fn a_provider_key_rotation_does_not_break_sign_in() {
    let world = World::start().await;
    signed_in(world.sign_in("google", "alice@acme.example").await);
    let rotated = world
        .browser
        .post(world.idp.join("admin/rotate-keys").unwrap())
        .send()
        .await
        .unwrap();
    assert!(rotated.status().is_success());
    signed_in(world.sign_in("google", "alice@acme.example").await);
}

#[tokio::test]
async fn sessions_and_links_survive_a_portal_restart() {
    let world = World::start().await;
    let session = signed_in(world.sign_in("google", "alice@acme.example").await);
    let World {
        portal,
        config,
        clock,
        ..
    } = world;
    portal.stop().await;

    let portal = Portal::bind_with_clock(&config, Arc::new(clock.clone()))
        .await
        .unwrap();
    let portal = common::serve(portal).await;
    let response = reqwest::Client::new()
        .post(portal.endpoint("/v1/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", session.refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let refreshed: SessionTokens = response.json().await.unwrap();
    assert_eq!(refreshed.account.username, "alice");
    let _ = DEFAULT_APP_SCHEME;
}
