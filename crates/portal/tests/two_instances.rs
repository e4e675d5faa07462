//! Two portal processes on one database, as behind a load balancer: any request may reach
//! either instance, and nothing a sign-in needs lives in one process's memory. On the
//! PostgreSQL pass (`SWITCHBOARD_TEST_POSTGRES`) they share a PostgreSQL database, else one
//! SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::authenticator;
use common::world::{pkce_challenge, query, random_string};
use reqwest::header::{LOCATION, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use switchboard_api::{ApiError, ErrorCode, LoginStep, RecoveryCodes, SessionTokens};
use switchboard_dev_idp::DevIdpConfig;
use switchboard_portal::crypto::EncryptionKey;
use switchboard_portal::seed::DEMO_TOTP_SECRET;
use switchboard_portal::store::{PoolSettings, Store};
use switchboard_portal::tokens::token_hash;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use url::Url;

/// The loopback redirect URI the "app" uses: the portal answers it with a 302.
const APP_REDIRECT: &str = "http://127.0.0.1:9/oauth/callback";

struct Instance {
    url: Url,
    child: Child,
}

struct Pair {
    a: Instance,
    b: Instance,
    /// The address users and providers know (the "load balancer"'s).
    public_url: Url,
    idp: Url,
    database_url: String,
    browser: reqwest::Client,
    _idp_stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

/// Starts `switchboard-portal serve` with the configuration and waits until it listens.
async fn spawn_portal(config: &std::path::Path, seed: bool) -> Instance {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard-portal"));
    command
        .arg("serve")
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if seed {
        command.arg("--seed-demo");
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Its own address, not the public one: requests sent there reach this instance.
    let listen = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(address) = line.strip_prefix("listen=") {
                return address.to_owned();
            }
        }
        panic!("the portal exited before it listened");
    })
    .await
    .expect("the portal did not start within 60 s");
    Instance {
        url: format!("http://{listen}/").parse().unwrap(),
        child,
    }
}

impl Pair {
    async fn start() -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let (idp_url, idp_stop) = common::start_dev_idp(DevIdpConfig {
            data_dir: dir.path().join("idp"),
            ..DevIdpConfig::default()
        })
        .await;
        std::fs::write(
            dir.path().join("client-secret"),
            switchboard_dev_idp::DEFAULT_CLIENT_SECRET,
        )
        .unwrap();
        switchboard_portal::private_file::write_private_file(
            &dir.path().join("encryption.key"),
            EncryptionKey::generate_base64().as_bytes(),
        )
        .unwrap();
        let database_url = common::test_database_url(dir.path());
        // The load balancer's address: providers send the browser there, and the test
        // hands each such request to the instance it chooses.
        let public_url: Url = "http://127.0.0.1:9/".parse().unwrap();
        // One configuration for both: what instances share (each listens on a free port).
        let config = {
            let path = dir.path().join("portal.toml");
            std::fs::write(
                &path,
                format!(
                    "name = \"Test Phones\"\n\
                     listen = \"127.0.0.1:0\"\n\
                     public_url = \"{public_url}\"\n\
                     database_url = \"{database_url}\"\n\
                     encryption_key_file = \"encryption.key\"\n\
                     \n[[providers]]\nid = \"google\"\nkind = \"google\"\ndisplay_name = \"Google\"\n\
                     issuer = \"{idp_url}google\"\nclient_id = \"{client_id}\"\n\
                     client_secret_file = \"{secret}\"\n",
                    client_id = switchboard_dev_idp::CLIENT_ID,
                    secret = dir.path().join("client-secret").display(),
                ),
            )
            .unwrap();
            path
        };
        let a = spawn_portal(&config, true).await;
        let b = spawn_portal(&config, false).await;
        Pair {
            a,
            b,
            public_url,
            idp: idp_url,
            database_url,
            browser: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _idp_stop: idp_stop,
            _dir: dir,
        }
    }

    /// The same path on the given instance.
    fn on(instance: &Instance, path: &str) -> Url {
        instance.url.join(path.trim_start_matches('/')).unwrap()
    }

    /// The app opens the browser at `instance`'s authorize endpoint; the provider's URL.
    async fn authorize(&self, instance: &Instance, login_hint: &str) -> (String, String, Url) {
        let state = random_string();
        let verifier = random_string();
        let mut url = Self::on(instance, "/v1/authorize");
        url.query_pairs_mut()
            .append_pair("provider", "google")
            .append_pair("redirect_uri", APP_REDIRECT)
            .append_pair("code_challenge", &pkce_challenge(&verifier))
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &state)
            .append_pair("login_hint", login_hint);
        let response = self.browser.get(url).send().await.unwrap();
        assert!(response.status().is_redirection(), "{}", response.status());
        let provider: Url = response.headers()[LOCATION]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(provider.as_str().starts_with(self.idp.as_str()));
        (state, verifier, provider)
    }

    /// The provider signs the user in; its redirect back to the portal goes to `instance`
    /// (as a load balancer may send it). The app's one-time code.
    async fn provider_returns_to(&self, instance: &Instance, provider: Url, state: &str) -> String {
        let at_provider = self.browser.get(provider).send().await.unwrap();
        assert!(at_provider.status().is_redirection());
        let callback: Url = at_provider.headers()[LOCATION]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(callback.as_str().starts_with(self.public_url.as_str()));
        let mut to_instance = Self::on(instance, callback.path());
        to_instance.set_query(callback.query());
        let back = self.browser.get(to_instance).send().await.unwrap();
        assert!(back.status().is_redirection(), "{}", back.status());
        let link: Url = back.headers()[LOCATION].to_str().unwrap().parse().unwrap();
        assert_eq!(query(&link, "state").as_deref(), Some(state));
        query(&link, "code").unwrap_or_else(|| panic!("no code in {link}"))
    }

    fn redeem(&self, instance: &Instance, code: &str, verifier: &str) -> RequestBuilder {
        self.browser.post(Self::on(instance, "/v1/token")).form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", APP_REDIRECT),
            ("code_verifier", verifier),
            ("device_name", "Test laptop"),
        ])
    }

    fn refresh(&self, instance: &Instance, refresh_token: &str) -> RequestBuilder {
        self.browser.post(Self::on(instance, "/v1/token")).form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
    }

    fn post(
        &self,
        instance: &Instance,
        path: &str,
        token: Option<&str>,
        body: serde_json::Value,
    ) -> RequestBuilder {
        let request = self.browser.post(Self::on(instance, path)).json(&body);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Alice signs in through Google: authorize on one instance, the callback on the other.
    async fn alice_signs_in(&self) -> SessionTokens {
        let (state, verifier, provider) = self.authorize(&self.b, "alice@acme.example").await;
        let code = self.provider_returns_to(&self.a, provider, &state).await;
        tokens(send(self.redeem(&self.a, &code, &verifier)).await).await
    }

    /// Tom's password: his account asks for the authenticator code next. The ticket.
    async fn tom_mfa_ticket(&self, instance: &Instance) -> String {
        let response = send(self.post(
            instance,
            "/v1/login/password",
            None,
            serde_json::json!({"username": "tom", "password": "tom-demo-pass"}),
        ))
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        match response.json::<LoginStep>().await.unwrap() {
            LoginStep::MfaRequired { ticket, .. } => ticket,
            other => panic!("expected MfaRequired, got {other:?}"),
        }
    }

    fn mfa(&self, instance: &Instance, ticket: &str, code: &str) -> RequestBuilder {
        self.post(
            instance,
            "/v1/login/mfa",
            None,
            serde_json::json!({"ticket": ticket, "code": code}),
        )
    }

    /// Which instance the n-th of several parallel requests goes to.
    fn alternate(&self, n: usize) -> &Instance {
        if n % 2 == 0 {
            &self.a
        } else {
            &self.b
        }
    }
}

async fn send(request: RequestBuilder) -> reqwest::Response {
    request.send().await.unwrap()
}

/// Sends the requests at once; their statuses, in order.
async fn send_all(requests: Vec<RequestBuilder>) -> Vec<(StatusCode, String)> {
    let handles: Vec<_> = requests
        .into_iter()
        .map(|request| {
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                (response.status(), response.text().await.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(handles.len());
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    answers
}

fn count(answers: &[(StatusCode, String)], status: StatusCode) -> usize {
    answers.iter().filter(|(got, _)| *got == status).count()
}

async fn tokens(response: reqwest::Response) -> SessionTokens {
    assert_eq!(response.status(), StatusCode::OK);
    match response.json::<LoginStep>().await.unwrap() {
        LoginStep::SignedIn { session } => session,
        other => panic!("expected SignedIn, got {other:?}"),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Tom's authenticator code, `offset_seconds` from now (the instances run on real time).
fn tom_code(offset_seconds: i64) -> String {
    let secret = authenticator::base32_decode(DEMO_TOTP_SECRET).unwrap();
    authenticator::code(&secret, unix_now() + offset_seconds)
}

#[tokio::test]
async fn a_sign_in_hops_between_instances_and_a_revocation_holds_on_both() {
    let pair = Pair::start().await;
    // Authorize on A, the provider's callback on B, the code redeemed on A, refresh on B.
    let (state, verifier, provider) = pair.authorize(&pair.a, "alice@acme.example").await;
    let code = pair.provider_returns_to(&pair.b, provider, &state).await;
    let session = tokens(send(pair.redeem(&pair.a, &code, &verifier)).await).await;
    assert_eq!(session.account.username, "alice");
    let refreshed: SessionTokens = {
        let response = send(pair.refresh(&pair.b, &session.refresh_token)).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    };
    let profile = send(
        pair.browser
            .get(Pair::on(&pair.b, "/v1/sip-profile"))
            .bearer_auth(&refreshed.access_token),
    )
    .await;
    assert_eq!(profile.status(), StatusCode::OK);

    // Signed out on A: B refuses the session at once.
    let revoked = send(
        pair.browser
            .post(Pair::on(&pair.a, "/v1/revoke"))
            .form(&[("token", refreshed.refresh_token.as_str())]),
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let refused = send(pair.refresh(&pair.b, &refreshed.refresh_token)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let profile = send(
        pair.browser
            .get(Pair::on(&pair.b, "/v1/sip-profile"))
            .bearer_auth(&refreshed.access_token),
    )
    .await;
    assert_eq!(profile.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn killing_an_instance_mid_sign_in_lets_the_other_finish_it() {
    let mut pair = Pair::start().await;
    let (state, verifier, provider) = pair.authorize(&pair.a, "alice@acme.example").await;
    pair.a.child.kill().await.unwrap();
    let code = pair.provider_returns_to(&pair.b, provider, &state).await;
    let session = tokens(send(pair.redeem(&pair.b, &code, &verifier)).await).await;
    assert_eq!(session.account.username, "alice");
}

#[tokio::test]
async fn a_lockout_counts_wrong_codes_sent_to_either_instance() {
    let pair = Pair::start().await;
    let ticket = pair.tom_mfa_ticket(&pair.a).await;
    // Five wrong codes, alternating instances: the fifth locks the code step.
    for attempt in 0..5 {
        let response = send(pair.mfa(pair.alternate(attempt), &ticket, "000000")).await;
        let expected = if attempt < 4 {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(response.status(), expected, "attempt {attempt}");
    }
    // Locked on both, even for the right code.
    for instance in [&pair.a, &pair.b] {
        let response = send(pair.mfa(instance, &ticket, &tom_code(0))).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.headers().contains_key(RETRY_AFTER));
        let error: ApiError = response.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::TooManyAttempts);
    }
}

#[tokio::test]
async fn parallel_requests_across_instances_use_each_single_use_thing_once() {
    let pair = Pair::start().await;
    let store = Store::connect(&pair.database_url, &PoolSettings::default())
        .await
        .unwrap();

    // One code, redeemed six times at once on both instances: at most one session, and
    // since the code was replayed, that session ends whichever request came first.
    let (state, verifier, provider) = pair.authorize(&pair.a, "alice@acme.example").await;
    let code = pair.provider_returns_to(&pair.b, provider, &state).await;
    let redemptions = send_all(
        (0..6)
            .map(|n| pair.redeem(pair.alternate(n), &code, &verifier))
            .collect(),
    )
    .await;
    assert!(count(&redemptions, StatusCode::OK) <= 1, "{redemptions:?}");
    assert_eq!(
        count(&redemptions, StatusCode::OK) + count(&redemptions, StatusCode::BAD_REQUEST),
        6,
        "{redemptions:?}"
    );
    for (_, body) in redemptions
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
    {
        let LoginStep::SignedIn { session } = serde_json::from_str(body).unwrap() else {
            panic!("expected SignedIn: {body}");
        };
        let refused = send(pair.refresh(&pair.a, &session.refresh_token)).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    }

    // One refresh token rotated six times at once: concurrent refreshes within the grace
    // window may each succeed, but every success adds exactly one token and the family
    // keeps exactly one current token: it never forks.
    let session = pair.alice_signs_in().await;
    let refreshes = send_all(
        (0..6)
            .map(|n| pair.refresh(pair.alternate(n), &session.refresh_token))
            .collect(),
    )
    .await;
    let rotated = count(&refreshes, StatusCode::OK);
    assert!(rotated >= 1, "{refreshes:?}");
    assert_eq!(
        count(&refreshes, StatusCode::BAD_REQUEST) + rotated,
        6,
        "{refreshes:?}"
    );
    // (A refresh that arrives after two rotations is a replay and ends the session: the
    // family may end, but it never forks.)
    let session_id = store
        .session_of_refresh_token(&token_hash(&session.refresh_token))
        .await
        .unwrap()
        .expect("the first refresh token is stored");
    let family = store.refresh_token_hashes(&session_id).await.unwrap();
    assert_eq!(family.len(), 1 + rotated, "one new token per rotation");
    assert_eq!(
        family.iter().filter(|(_, current)| *current).count(),
        1,
        "exactly one current token"
    );

    // One authenticator code sent with four tickets at once: accepted once.
    let mut tickets = Vec::new();
    for n in 0..4 {
        tickets.push(pair.tom_mfa_ticket(pair.alternate(n)).await);
    }
    let code = tom_code(0);
    let answers = send_all(
        tickets
            .iter()
            .enumerate()
            .map(|(n, ticket)| pair.mfa(pair.alternate(n + 1), ticket, &code))
            .collect(),
    )
    .await;
    assert_eq!(count(&answers, StatusCode::OK), 1, "{answers:?}");
    let tom: LoginStep = serde_json::from_str(
        &answers
            .iter()
            .find(|(status, _)| *status == StatusCode::OK)
            .unwrap()
            .1,
    )
    .unwrap();
    let LoginStep::SignedIn { session: tom } = tom else {
        panic!("expected SignedIn");
    };

    // A recovery code used with four tickets at once: accepted once.
    let codes = send(pair.post(
        &pair.b,
        "/v1/account/recovery-codes",
        Some(&tom.access_token),
        serde_json::json!({"password": "tom-demo-pass", "code": tom_code(30)}),
    ))
    .await;
    assert_eq!(codes.status(), StatusCode::OK);
    let codes: RecoveryCodes = codes.json().await.unwrap();
    let mut tickets = Vec::new();
    for n in 0..4 {
        tickets.push(pair.tom_mfa_ticket(pair.alternate(n)).await);
    }
    let answers = send_all(
        tickets
            .iter()
            .enumerate()
            .map(|(n, ticket)| pair.mfa(pair.alternate(n), ticket, &codes.codes[0]))
            .collect(),
    )
    .await;
    assert_eq!(count(&answers, StatusCode::OK), 1, "{answers:?}");

    // Twenty wrong codes at once on both instances: at most four are checked before the
    // fifth locks the step; every other attempt is refused unchecked.
    let ticket = pair.tom_mfa_ticket(&pair.b).await;
    let wrong = send_all(
        (0..20)
            .map(|n| pair.mfa(pair.alternate(n), &ticket, "000000"))
            .collect(),
    )
    .await;
    let checked = count(&wrong, StatusCode::BAD_REQUEST);
    assert!(checked <= 4, "{checked} wrong codes were checked");
    assert_eq!(
        checked + count(&wrong, StatusCode::TOO_MANY_REQUESTS),
        20,
        "{wrong:?}"
    );
}

#[tokio::test]
async fn a_revocation_on_one_instance_reaches_a_device_following_the_other() {
    let pair = Pair::start().await;
    let session = pair.alice_signs_in().await;
    let mut stream = common::sse::EventStream::open(
        &pair.browser,
        Pair::on(&pair.b, "/v1/events"),
        &session.access_token,
    )
    .await;
    let wait = Duration::from_secs(5);
    assert_eq!(
        stream.next(wait).await,
        Some(switchboard_api::PortalEvent::Ready)
    );
    let started = std::time::Instant::now();
    let revoked = send(
        pair.browser
            .post(Pair::on(&pair.a, "/v1/revoke"))
            .form(&[("token", session.refresh_token.as_str())]),
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        stream.next(wait).await,
        Some(switchboard_api::PortalEvent::SessionEnded {
            reason: switchboard_api::SessionEndReason::SignedOut
        })
    );
    println!("revoked on A, heard on B after {:?}", started.elapsed());
}
