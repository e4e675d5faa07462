//! The portal binary, at the most verbose log level, through a whole sign-in: its logs
//! never contain a code, a token, a state, or a SIP password; nor, through password and
//! authenticator sign-in and set-up, a password, a ticket, an authenticator secret or a
//! recovery code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::authenticator;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::header::LOCATION;
use switchboard_api::{LoginStep, SipProfile};
use switchboard_dev_idp::DevIdpConfig;
use switchboard_portal::crypto::EncryptionKey;

fn query(url: &url::Url, key: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn trace_logs_of_a_whole_sign_in_hold_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (idp_url, _stop) = common::start_dev_idp(DevIdpConfig {
        data_dir: dir.path().join("idp"),
        ..DevIdpConfig::default()
    })
    .await;

    switchboard_portal::private_file::write_private_file(
        &dir.path().join("key"),
        EncryptionKey::generate_base64().as_bytes(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("secret"),
        switchboard_dev_idp::DEFAULT_CLIENT_SECRET,
    )
    .unwrap();
    let config = dir.path().join("portal.toml");
    std::fs::write(
        &config,
        format!(
            "name = 'Log Test'\nlisten = '127.0.0.1:0'\n\
             database_url = 'sqlite://{db}?mode=rwc'\nencryption_key_file = 'key'\n\
             [[providers]]\nid = 'google'\nkind = 'google'\ndisplay_name = 'Google'\n\
             issuer = '{idp_url}google'\nclient_id = '{client}'\nclient_secret_file = '{secret}'\n",
            db = dir.path().join("portal.db").display(),
            client = switchboard_dev_idp::CLIENT_ID,
            secret = dir.path().join("secret").display(),
        ),
    )
    .unwrap();

    let mut portal = Command::new(env!("CARGO_BIN_EXE_switchboard-portal"))
        .args(["serve", "--seed-demo", "--config"])
        .arg(&config)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The log is read from the start: at trace level, starting up (the migrations) writes
    // more than a pipe holds, and a portal blocked on a full pipe never says its address.
    let stderr = portal.stderr.take().unwrap();
    let log_reader = std::thread::spawn(move || {
        let mut log = String::new();
        let mut reader = BufReader::new(stderr);
        while reader.read_line(&mut log).unwrap_or(0) > 0 {}
        log
    });
    let mut line = String::new();
    BufReader::new(portal.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let portal_url: url::Url = line
        .trim()
        .strip_prefix("portal=")
        .unwrap()
        .parse()
        .unwrap();

    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let verifier = "v".repeat(50);
    let app_state = "app-state-secret-value-1234567890";
    let mut authorize = portal_url.join("v1/authorize").unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("provider", "google")
        .append_pair("redirect_uri", "http://127.0.0.1:50000/oauth/callback")
        .append_pair(
            "code_challenge",
            &switchboard_portal::tokens::pkce_s256(&verifier),
        )
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", app_state)
        .append_pair("login_hint", "alice@acme.example");
    let to_idp = browser.get(authorize).send().await.unwrap();
    let idp_authorize: url::Url = to_idp.headers()[LOCATION]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let portal_state = query(&idp_authorize, "state");
    let nonce = query(&idp_authorize, "nonce");
    let to_portal = browser.get(idp_authorize).send().await.unwrap();
    let callback: url::Url = to_portal.headers()[LOCATION]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let provider_code = query(&callback, "code");
    let to_app = browser.get(callback).send().await.unwrap();
    let app_link: url::Url = to_app.headers()[LOCATION]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let code = query(&app_link, "code");
    let step: LoginStep = browser
        .post(portal_url.join("v1/token").unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &verifier),
            ("redirect_uri", "http://127.0.0.1:50000/oauth/callback"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let LoginStep::SignedIn { session } = step else {
        panic!("expected SignedIn, got {step:?}");
    };
    let profile: SipProfile = browser
        .get(portal_url.join("v1/sip-profile").unwrap())
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refreshed: switchboard_api::SessionTokens = browser
        .post(portal_url.join("v1/token").unwrap())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &session.refresh_token),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Password and authenticator: sign in as Tom (who has one), set one up for Alice.
    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut request = browser.post(portal_url.join(path).unwrap()).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let tom: LoginStep = post(
        "v1/login/password",
        None,
        serde_json::json!({ "username": "tom", "password": "tom-demo-pass" }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let LoginStep::MfaRequired { ticket, .. } = tom else {
        panic!("expected MfaRequired, got {tom:?}");
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let tom_secret =
        authenticator::base32_decode(switchboard_portal::seed::DEMO_TOTP_SECRET).unwrap();
    let tom_signed_in: LoginStep = post(
        "v1/login/mfa",
        None,
        serde_json::json!({ "ticket": ticket, "code": authenticator::code(&tom_secret, now) }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(matches!(tom_signed_in, LoginStep::SignedIn { .. }));
    let setup: switchboard_api::AuthenticatorSetup = post(
        "v1/account/authenticator",
        Some(&refreshed.access_token),
        serde_json::json!({}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let wrong_typed = "alice-typed-this-wrong-password";
    post(
        "v1/account/authenticator/confirm",
        Some(&refreshed.access_token),
        serde_json::json!({ "password": wrong_typed, "code": "123456" }),
    )
    .await
    .unwrap();
    let alice_secret = authenticator::secret_of(&setup.otpauth_uri).unwrap();
    let recovery: switchboard_api::RecoveryCodes = post(
        "v1/account/authenticator/confirm",
        Some(&refreshed.access_token),
        serde_json::json!({ "password": "alice-demo-pass", "code": authenticator::code(&alice_secret, now) }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(recovery.codes.len(), 10);

    // A provider's error answer that tries to start a log line of its own.
    let mut authorize = portal_url.join("v1/authorize").unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("provider", "google")
        .append_pair("redirect_uri", "http://127.0.0.1:50000/oauth/callback")
        .append_pair(
            "code_challenge",
            &switchboard_portal::tokens::pkce_s256(&verifier),
        )
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "another-app-state-value-12345");
    let to_idp = browser.get(authorize).send().await.unwrap();
    let idp_authorize: url::Url = to_idp.headers()[LOCATION]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut forged = portal_url.join("v1/providers/google/callback").unwrap();
    forged
        .query_pairs_mut()
        .append_pair("state", &query(&idp_authorize, "state"))
        .append_pair("iss", &format!("{idp_url}google"))
        .append_pair(
            "error",
            "access_denied\n2026-01-01T00:00:00.000000Z  INFO forged: administrator signed in",
        )
        .append_pair("error_description", "x\r\n\u{202e}forged too");
    let answered = browser.get(forged).send().await.unwrap();
    assert!(answered.status().is_redirection() || answered.status().is_success());

    let _ = Command::new("kill")
        .args(["-TERM", &portal.id().to_string()])
        .status();
    portal.wait().unwrap();
    let log = log_reader.join().unwrap();
    assert!(
        log.contains("/v1/token"),
        "the log should show requests: {log}"
    );
    // The provider's words are in the log, escaped: no line of the log is theirs.
    assert!(
        log.contains("access_denied\\n2026-01-01"),
        "the provider's error should be logged, escaped: {log}"
    );
    for line in log.lines() {
        assert!(
            !line.starts_with("2026-01-01")
                && (!line.contains("forged too") || line.contains("\\u{202e}")),
            "a forged log line: {line}"
        );
    }
    for (what, secret) in [
        ("app state", app_state),
        ("portal state", portal_state.as_str()),
        ("nonce", nonce.as_str()),
        ("provider code", provider_code.as_str()),
        ("one-time code", code.as_str()),
        ("PKCE verifier", verifier.as_str()),
        ("access token", session.access_token.as_str()),
        ("refresh token", session.refresh_token.as_str()),
        ("rotated refresh token", refreshed.refresh_token.as_str()),
        ("SIP password", profile.password.as_str()),
        ("client secret", switchboard_dev_idp::DEFAULT_CLIENT_SECRET),
        ("password", "tom-demo-pass"),
        ("password", "alice-demo-pass"),
        ("mistyped password", wrong_typed),
        ("authenticator step ticket", ticket.as_str()),
        ("authenticator secret", setup.secret.as_str()),
        ("first recovery code", recovery.codes[0].as_str()),
        ("last recovery code", recovery.codes[9].as_str()),
    ] {
        assert!(!secret.is_empty(), "{what} was not captured");
        assert!(!log.contains(secret), "the log contains the {what}");
    }
}
