//! A whole sign-in world over HTTP: dev-idp playing Google, Entra, Apple and a company
//! provider, a seeded portal on a manual clock, and a client that plays both the system
//! browser and the app.

use std::sync::Arc;

use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use reqwest::header::{IF_NONE_MATCH, LOCATION};
use reqwest::StatusCode;
use switchboard_api::{ApiError, LinkReason, LoginStep, ProviderKind, SessionTokens};
use switchboard_dev_idp::{DevIdpConfig, ACME_TENANT_ID, CONTOSO_TENANT_ID};
use switchboard_portal::clock::{Clock, ManualClock, SystemClock};
use switchboard_portal::config::{PortalConfig, ProviderConfig};
use switchboard_portal::seed::seed_demo;
use switchboard_portal::store::{PoolSettings, Store};
use switchboard_portal::Portal;
use tokio::sync::oneshot;
use url::Url;

pub const APP_REDIRECT: &str = "example.switchboard.desktop://oauth/callback";

pub struct World {
    pub idp: Url,
    pub portal: super::RunningPortal,
    pub config: PortalConfig,
    pub clock: ManualClock,
    pub browser: reqwest::Client,
    pub _idp_stop: oneshot::Sender<()>,
    pub _dir: tempfile::TempDir,
}

/// What the app keeps while the browser is away.
pub struct AppSignIn {
    pub state: String,
    pub verifier: String,
    pub redirect_uri: String,
}

pub fn provider(
    id: &str,
    kind: ProviderKind,
    issuer: String,
    secret: &std::path::Path,
) -> ProviderConfig {
    let mut provider = switchboard_e2e::portal_config::test_provider(
        id,
        kind,
        id,
        &issuer,
        Some(secret.to_owned()),
    )
    .unwrap();
    provider.match_by_email = None;
    provider
}

pub fn random_string() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub fn pkce_challenge(verifier: &str) -> String {
    switchboard_portal::tokens::pkce_s256(verifier)
}

pub fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

pub fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// What a test may change before the portal starts.
pub struct Setup<'a> {
    pub config: &'a mut PortalConfig,
    pub idp: &'a Url,
    /// The shared client secret file.
    pub secret: &'a std::path::Path,
    /// The portal's `private_key_jwt` key file, whose public half dev-idp's strict issuer
    /// knows.
    pub client_key: &'a std::path::Path,
    /// Add the demo organization and accounts (default); `false` leaves the database empty.
    pub seed_demo: bool,
}

/// The kind of the portal's `private_key_jwt` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKey {
    Es256,
    Rs256,
}

impl World {
    /// dev-idp and a portal seeded with the demo organization.
    pub async fn start() -> World {
        Self::start_with(ClientKey::Es256, |_| {}).await
    }

    /// dev-idp and a portal with an empty database (an operator sets it up).
    pub async fn start_empty() -> World {
        Self::start_with(ClientKey::Es256, |setup| setup.seed_demo = false).await
    }

    /// A world whose configuration `customize` changes first.
    pub async fn start_with(client_key: ClientKey, customize: impl FnOnce(&mut Setup)) -> World {
        let dir = tempfile::tempdir().unwrap();
        let client_key_file = dir.path().join("client-key.pem");
        let client_public = match client_key {
            ClientKey::Es256 => {
                let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
                std::fs::write(
                    &client_key_file,
                    key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
                )
                .unwrap();
                p256::ecdsa::VerifyingKey::from(&key)
                    .to_public_key_pem(LineEnding::LF)
                    .unwrap()
            }
            ClientKey::Rs256 => {
                use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
                let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
                std::fs::write(
                    &client_key_file,
                    key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
                )
                .unwrap();
                key.to_public_key()
                    .to_public_key_pem(LineEnding::LF)
                    .unwrap()
            }
        };
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

        let (idp_url, idp_stop) = super::start_dev_idp(DevIdpConfig {
            data_dir: dir.path().join("idp"),
            apple_client_public_key_pem: Some(apple_public),
            client_public_key_pem: Some(client_public),
            ..DevIdpConfig::default()
        })
        .await;

        let secret = dir.path().join("client-secret");
        std::fs::write(&secret, switchboard_dev_idp::DEFAULT_CLIENT_SECRET).unwrap();
        let mut config = super::test_config(dir.path());
        let mut apple = provider(
            "apple",
            ProviderKind::Apple,
            format!("{idp_url}apple"),
            &apple_key_file,
        );
        apple.apple_team_id = Some("TEAM123456".into());
        apple.apple_key_id = Some("KEY1234567".into());
        // The operator trusts Apple's and Acme's own provider's emails (off by default).
        apple.match_by_email = Some(true);
        let mut acme_sso = provider(
            "acme-sso",
            ProviderKind::Oidc,
            format!("{idp_url}acme-sso"),
            &secret,
        );
        acme_sso.match_by_email = Some(true);
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
            acme_sso,
        ];
        let mut setup = Setup {
            config: &mut config,
            idp: &idp_url,
            secret: &secret,
            client_key: &client_key_file,
            seed_demo: true,
        };
        customize(&mut setup);
        let seed = setup.seed_demo;
        let clock = ManualClock::new(SystemClock.now());
        let portal = Portal::bind_with_clock(&config, Arc::new(clock.clone()))
            .await
            .unwrap();
        if seed {
            seed_demo(
                portal.store(),
                &config.encryption_key().unwrap(),
                clock.now(),
            )
            .await
            .unwrap();
        }
        let portal = super::serve(portal).await;
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

    /// The configuration as a file, for the `switchboard-portal` command (`admin …`).
    pub fn config_file(&self) -> std::path::PathBuf {
        let path = self._dir.path().join("portal.toml");
        let text = toml_of(&self.config);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Runs `switchboard-portal admin --config … ARGS` against this world's database.
    pub fn admin(&self, args: &[&str]) -> AdminRun {
        self.admin_with_stdin(args, "")
    }

    pub fn admin_with_stdin(&self, args: &[&str], stdin: &str) -> AdminRun {
        use std::io::Write;
        let config = self.config_file();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard-portal"))
            .arg("admin")
            .arg("--config")
            .arg(&config)
            .args(["--actor", "test-operator"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        AdminRun {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// A second connection to the portal's database, to change what an administrator would.
    pub async fn store(&self) -> Store {
        Store::connect(&self.config.database_url, &PoolSettings::default())
            .await
            .unwrap()
    }

    /// `POST`s JSON to the portal, with an access token when given.
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: serde_json::Value,
    ) -> reqwest::Response {
        let mut request = self.browser.post(self.portal.endpoint(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// Step-up: the session confirms its user (password, and the authenticator code when
    /// given), so sensitive changes go through for five minutes.
    pub async fn confirm(&self, token: &str, password: &str, code: Option<&str>) {
        let response = self
            .post(
                "/v1/account/confirm",
                Some(token),
                serde_json::json!({ "password": password, "code": code }),
            )
            .await;
        let status = response.status();
        assert_eq!(status, StatusCode::OK, "{}", response.text().await.unwrap());
    }

    /// The app opens the browser at the portal's authorize URL.
    pub async fn authorize(
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

    /// A sign-in for the app's scheme started and the browser through the provider: the
    /// portal's callback URL the provider sends the browser to, not opened yet.
    pub async fn provider_callback(&self, provider: &str, login_hint: &str) -> Url {
        let (_, response) = self
            .authorize(provider, Some(login_hint), APP_REDIRECT)
            .await;
        let provider_url: Url = response.headers()[LOCATION]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let at_provider = self.browser.get(provider_url).send().await.unwrap();
        at_provider.headers()[LOCATION]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// The browser from the provider's authorize URL back to the portal's answer.
    pub async fn browse_provider(&self, provider_url: Url) -> reqwest::Response {
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
    pub async fn app_link(response: reqwest::Response) -> Url {
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
    pub async fn sign_in_link(
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

    pub async fn redeem(
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
    pub async fn sign_in(&self, provider: &str, login_hint: &str) -> LoginStep {
        let (sign_in, link) = self.sign_in_link(provider, login_hint, None).await;
        let code = query(&link, "code").unwrap_or_else(|| panic!("no code in {link}"));
        let response = self
            .redeem(&code, Some(&sign_in.verifier), &sign_in.redirect_uri)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
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

    pub async fn sip_profile(&self, access_token: &str, etag: Option<&str>) -> reqwest::Response {
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

/// What an `admin` command printed.
#[derive(Debug)]
pub struct AdminRun {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl AdminRun {
    /// The JSON it printed (run with `--json`), after checking it succeeded.
    pub fn json(&self) -> serde_json::Value {
        assert!(self.success, "admin failed: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("{error}: {}", self.stdout))
    }

    /// The error it printed, after checking it failed.
    pub fn error(&self) -> &str {
        assert!(!self.success, "admin should have failed: {}", self.stdout);
        &self.stderr
    }
}

fn toml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// The configuration file `config` was read from, more or less.
pub fn toml_of(config: &PortalConfig) -> String {
    let mut text = format!(
        "name = {}\nlisten = {}\ndatabase_url = {}\n",
        toml_string(&config.name),
        toml_string(&config.listen.to_string()),
        toml_string(&config.database_url),
    );
    if let Some(key) = &config.encryption_key_file {
        text.push_str(&format!(
            "encryption_key_file = {}\n",
            toml_string(&key.display().to_string())
        ));
    }
    for provider in &config.providers {
        text.push_str(&format!(
            "\n[[providers]]\nid = {}\nkind = {}\ndisplay_name = {}\nissuer = {}\nclient_id = {}\n",
            toml_string(&provider.id),
            serde_json::to_string(&provider.kind).unwrap(),
            toml_string(&provider.display_name),
            toml_string(provider.issuer.as_str()),
            toml_string(&provider.client_id),
        ));
        if let Some(secret) = &provider.client_secret_file {
            text.push_str(&format!(
                "client_secret_file = {}\n",
                toml_string(&secret.display().to_string())
            ));
        }
        if let Some(matches) = provider.match_by_email {
            text.push_str(&format!("match_by_email = {matches}\n"));
        }
        if let Some(shown) = provider.shown_to_everyone {
            text.push_str(&format!("shown_to_everyone = {shown}\n"));
        }
        if let (Some(team), Some(key)) = (&provider.apple_team_id, &provider.apple_key_id) {
            text.push_str(&format!(
                "apple_team_id = {}\napple_key_id = {}\n",
                toml_string(team),
                toml_string(key)
            ));
        }
    }
    text
}

pub fn signed_in(step: LoginStep) -> SessionTokens {
    match step {
        LoginStep::SignedIn { session } => session,
        other => panic!("expected SignedIn, got {other:?}"),
    }
}

pub fn link_reason(step: &LoginStep) -> LinkReason {
    match step {
        LoginStep::LinkAccount { reason, .. } => *reason,
        other => panic!("expected LinkAccount, got {other:?}"),
    }
}

pub async fn api_error(response: reqwest::Response) -> ApiError {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    response.json().await.unwrap()
}
