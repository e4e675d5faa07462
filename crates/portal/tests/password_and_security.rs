//! Password + authenticator sign-in and the security settings, over real HTTP. The test's
//! authenticator app (`common::authenticator`) is written from the RFCs, not the portal's
//! code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::authenticator;
use common::world::*;
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_api::{
    ApiError, AuthenticatorSetup, EmailPurpose, ErrorCode, LinkIntent, LoginStep, RecoveryCodes,
    SecurityOverview, SecurityWarning, SessionTokens,
};
use switchboard_portal::clock::Clock;
use url::Url;

impl World {
    async fn password(&self, username: &str, password: &str) -> reqwest::Response {
        self.post(
            "/v1/login/password",
            None,
            json!({ "username": username, "password": password, "device_name": "Test laptop" }),
        )
        .await
    }

    async fn mfa(&self, ticket: &str, code: &str) -> reqwest::Response {
        self.post(
            "/v1/login/mfa",
            None,
            json!({ "ticket": ticket, "code": code }),
        )
        .await
    }

    async fn security(&self, token: &str) -> SecurityOverview {
        let response = self
            .browser
            .get(self.portal.endpoint("/v1/account/security"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// "Add a provider" while signed in: the intent (with the password), the browser at the
    /// provider as `login_hint`, the app redeeming the code.
    async fn link_provider(&self, token: &str, provider: &str, login_hint: &str) -> LoginStep {
        let verifier = random_string();
        let intent = self
            .link_intent(
                token,
                provider,
                "alice-demo-pass",
                &pkce_challenge(&verifier),
            )
            .await;
        let response = self
            .authorize_with_intent(provider, login_hint, &verifier, &intent)
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let provider_url: Url = response.headers()[LOCATION]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let link = World::app_link(self.browse_provider(provider_url).await).await;
        let code = query(&link, "code").unwrap_or_else(|| panic!("no code in {link}"));
        ok_json(self.redeem(&code, Some(&verifier), APP_REDIRECT).await).await
    }

    async fn link_intent(
        &self,
        token: &str,
        provider: &str,
        password: &str,
        challenge: &str,
    ) -> String {
        let intent: LinkIntent = ok_json(
            self.post(
                "/v1/account/linked-providers/start",
                Some(token),
                json!({ "provider": provider, "password": password, "code_challenge": challenge }),
            )
            .await,
        )
        .await;
        intent.link_intent
    }

    async fn authorize_with_intent(
        &self,
        provider: &str,
        login_hint: &str,
        verifier: &str,
        intent: &str,
    ) -> reqwest::Response {
        let mut url = self.portal.endpoint("/v1/authorize");
        url.query_pairs_mut()
            .append_pair("provider", provider)
            .append_pair("redirect_uri", APP_REDIRECT)
            .append_pair("code_challenge", &pkce_challenge(verifier))
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", "s")
            .append_pair("login_hint", login_hint)
            .append_pair("link_intent", intent);
        self.browser.get(url).send().await.unwrap()
    }
}

async fn ok_json<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn refused(response: reqwest::Response, status: StatusCode) -> ApiError {
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

fn mfa_ticket(step: LoginStep) -> String {
    match step {
        LoginStep::MfaRequired { ticket, .. } => ticket,
        other => panic!("expected MfaRequired, got {other:?}"),
    }
}

async fn password_session(world: &World, username: &str, password: &str) -> SessionTokens {
    signed_in(ok_json(world.password(username, password).await).await)
}

#[test]
fn the_tests_authenticator_passes_the_rfc_6238_vectors() {
    let secret = b"12345678901234567890";
    for (time, expected) in [
        (59, "287082"),
        (1_111_111_109, "081804"),
        (1_111_111_111, "050471"),
        (1_234_567_890, "005924"),
        (2_000_000_000, "279037"),
        (20_000_000_000, "353130"),
    ] {
        assert_eq!(authenticator::code(secret, time), expected);
    }
    assert_eq!(
        authenticator::base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap(),
        secret
    );
}

#[tokio::test]
async fn unknown_user_and_wrong_password_answer_alike() {
    let world = World::start().await;
    let wrong = world.password("alice", "wrong").await;
    let unknown = world.password("nobody", "wrong").await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(unknown.status(), wrong.status());
    let wrong = wrong.text().await.unwrap();
    assert_eq!(unknown.text().await.unwrap(), wrong);
    let error: ApiError = serde_json::from_str(&wrong).unwrap();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);
    assert_eq!(error.message, "The username or password is wrong.");

    // The username, or a login email that is one account's only.
    assert_eq!(
        password_session(&world, "alice", "alice-demo-pass")
            .await
            .account
            .username,
        "alice"
    );
    assert_eq!(
        password_session(&world, "Alice@Acme.example", "alice-demo-pass")
            .await
            .account
            .username,
        "alice"
    );
    // A notification-only email is no username.
    refused(
        world.password("nora@acme.example", "alice-demo-pass").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn repeated_failures_back_off_then_lock_for_a_while() {
    let world = World::start().await;
    for _ in 0..3 {
        refused(
            world.password("maria", "guess").await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    // From the third failure the next attempt must wait: even the right password.
    let waiting = refused(
        world.password("maria", "maria-demo-pass").await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(
        waiting.message,
        "Too many wrong attempts. Try again in 1 second."
    );
    world.clock.advance(1);
    refused(
        world.password("maria", "guess").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let waiting = refused(
        world.password("maria", "guess").await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(waiting.retry_after_seconds, Some(2));
    // Up to the tenth failure, then 15 minutes.
    let mut locked = None;
    for _ in 0..10 {
        world.clock.advance(61);
        let response = world.password("maria", "guess").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            locked = Some(response.json::<ApiError>().await.unwrap());
            break;
        }
    }
    let locked = locked.expect("locked out");
    assert_eq!(locked.code, ErrorCode::TooManyAttempts);
    assert_eq!(
        locked.message,
        "Too many wrong attempts. Try again in 15 minutes."
    );
    // Other accounts are not affected; after the lockout the right password works.
    password_session(&world, "adam", "adam-demo-pass").await;
    world.clock.advance(15 * 60);
    password_session(&world, "maria", "maria-demo-pass").await;
}

#[tokio::test]
async fn a_wrong_password_that_starts_a_wait_says_so_and_a_retry_within_it_gets_the_same_wait() {
    let world = World::start().await;
    for _ in 0..2 {
        let wrong = refused(
            world.password("maria", "guess").await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(wrong.retry_after_seconds, None);
        assert_eq!(wrong.message, "The username or password is wrong.");
    }
    // From the third wrong password to the ninth, the answer says the wait it started: the
    // client holds its button instead of trying at once and being refused.
    for (nth, wait) in [(3, 1), (4, 2), (5, 4), (6, 8), (7, 16), (8, 32), (9, 60)] {
        let response = world.password("maria", "guess").await;
        let header = response.headers().get("retry-after").cloned();
        let wrong = refused(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(wrong.code, ErrorCode::InvalidCredentials, "the {nth}th");
        assert_eq!(wrong.retry_after_seconds, Some(wait), "the {nth}th");
        assert_eq!(header.unwrap().to_str().unwrap(), wait.to_string());
        let when = match wait {
            1 => "1 second".to_owned(),
            60 => "1 minute".to_owned(),
            seconds => format!("{seconds} seconds"),
        };
        assert_eq!(
            wrong.message,
            format!("The username or password is wrong. Try again in {when}.")
        );
        // A try within the wait, even with the right password, is refused with the same
        // wait, counted from the same moment.
        let response = world.password("maria", "maria-demo-pass").await;
        assert_eq!(
            response.headers()["retry-after"].to_str().unwrap(),
            wait.to_string()
        );
        let held = refused(response, StatusCode::TOO_MANY_REQUESTS).await;
        assert_eq!(held.code, ErrorCode::TooManyAttempts);
        assert_eq!(held.retry_after_seconds, Some(wait));
        if wait > 1 {
            world.clock.advance(wait as i64 / 2);
            let later = refused(
                world.password("maria", "guess").await,
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await;
            assert_eq!(later.retry_after_seconds, Some(wait - wait / 2));
            world.clock.advance((wait - wait / 2) as i64);
        } else {
            world.clock.advance(1);
        }
    }
    // The tenth locks the address out for 15 minutes.
    let locked = refused(
        world.password("maria", "guess").await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(locked.retry_after_seconds, Some(15 * 60));
}

#[tokio::test]
async fn a_wrong_current_password_in_the_settings_says_its_wait_too() {
    let world = World::start().await;
    let maria = password_session(&world, "maria", "maria-demo-pass").await;
    let confirm = |password: &'static str| {
        world.post(
            "/v1/account/confirm",
            Some(&maria.access_token),
            json!({ "password": password }),
        )
    };
    for _ in 0..2 {
        let wrong = refused(confirm("guess").await, StatusCode::BAD_REQUEST).await;
        assert_eq!(wrong.retry_after_seconds, None);
    }
    let wrong = refused(confirm("guess").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
    assert_eq!(wrong.retry_after_seconds, Some(1));
    assert_eq!(
        wrong.message,
        "Your current password is wrong. Try again in 1 second."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn attempts_sent_all_at_once_cannot_slip_under_the_limit() {
    let world = World::start().await;
    let url = world.portal.endpoint("/v1/login/password");
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let client = world.browser.clone();
            let url = url.clone();
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&json!({ "username": "maria", "password": "guess" }))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::BAD_REQUEST)
        .count();
    let held = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // The third failure starts the backoff: the others are refused without being checked.
    assert!(checked <= 3, "{checked} attempts were checked");
    assert_eq!(checked + held, 20);
}

#[tokio::test]
async fn enrol_an_authenticator_then_sign_in_with_password_and_code() {
    let world = World::start().await;
    let alice = password_session(&world, "alice", "alice-demo-pass").await;
    let token = alice.access_token.as_str();
    assert!(!world.security(token).await.authenticator.enabled);

    let setup: AuthenticatorSetup = ok_json(
        world
            .post("/v1/account/authenticator", Some(token), json!({}))
            .await,
    )
    .await;
    assert!(
        setup.otpauth_uri.starts_with("otpauth://totp/"),
        "{}",
        setup.otpauth_uri
    );
    assert!(
        setup.otpauth_uri.contains(":alice?"),
        "{}",
        setup.otpauth_uri
    );
    let secret = authenticator::secret_of(&setup.otpauth_uri).unwrap();
    assert_eq!(secret.len(), 20, "160-bit secret");
    assert_eq!(authenticator::base32_decode(&setup.secret).unwrap(), secret);

    // Confirming needs the password and a right code.
    let now = world.clock.now();
    let code = authenticator::code(&secret, now);
    let wrong_password = refused(
        world
            .post(
                "/v1/account/authenticator/confirm",
                Some(token),
                json!({ "password": "nope", "code": code }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(wrong_password.code, ErrorCode::InvalidCredentials);
    let wrong_code = refused(
        world
            .post(
                "/v1/account/authenticator/confirm",
                Some(token),
                json!({ "password": "alice-demo-pass", "code": "000000" }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(wrong_code.code, ErrorCode::InvalidCode);
    let recovery: RecoveryCodes = ok_json(
        world
            .post(
                "/v1/account/authenticator/confirm",
                Some(token),
                json!({ "password": "alice-demo-pass", "code": code }),
            )
            .await,
    )
    .await;
    assert_eq!(recovery.codes.len(), 10);
    let overview = world.security(token).await;
    assert!(overview.authenticator.enabled);
    assert_eq!(overview.authenticator.recovery_codes_left, 10);

    // Sign out, then the password alone is not enough.
    world
        .browser
        .post(world.portal.endpoint("/v1/revoke"))
        .form(&[("token", alice.refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    let ticket = mfa_ticket(ok_json(world.password("alice", "alice-demo-pass").await).await);
    // The code used to confirm is never accepted again.
    let replayed = refused(world.mfa(&ticket, &code).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(replayed.code, ErrorCode::InvalidCode);
    world.clock.advance(30);
    let next = authenticator::code(&secret, world.clock.now());
    let session = signed_in(ok_json(world.mfa(&ticket, &next).await).await);
    assert_eq!(session.account.username, "alice");
    // The ticket is used up.
    let used = refused(world.mfa(&ticket, &next).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(used.code, ErrorCode::InvalidGrant);
    // And the same code again, with a fresh ticket: refused.
    let ticket = mfa_ticket(ok_json(world.password("alice", "alice-demo-pass").await).await);
    refused(world.mfa(&ticket, &next).await, StatusCode::BAD_REQUEST).await;

    // A recovery code works once, in any case and spacing.
    let spoken = recovery.codes[3].to_uppercase().replace('-', " ");
    let by_recovery = signed_in(ok_json(world.mfa(&ticket, &spoken).await).await);
    assert_eq!(by_recovery.account.username, "alice");
    let ticket = mfa_ticket(ok_json(world.password("alice", "alice-demo-pass").await).await);
    let again = refused(
        world.mfa(&ticket, &recovery.codes[3]).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(again.code, ErrorCode::InvalidCode);
    assert_eq!(
        world
            .security(&by_recovery.access_token)
            .await
            .authenticator
            .recovery_codes_left,
        9
    );

    // New recovery codes replace the old ones.
    world.clock.advance(30);
    let fresh: RecoveryCodes = ok_json(
        world
            .post(
                "/v1/account/recovery-codes",
                Some(&by_recovery.access_token),
                json!({ "password": "alice-demo-pass", "code": authenticator::code(&secret, world.clock.now()) }),
            )
            .await,
    )
    .await;
    assert_ne!(fresh.codes, recovery.codes);
    refused(
        world.mfa(&ticket, &recovery.codes[5]).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    signed_in(ok_json(world.mfa(&ticket, &fresh.codes[0]).await).await);

    // Turning it off needs the password and a code; then the password alone signs in.
    world.clock.advance(30);
    let off = world
        .post(
            "/v1/account/authenticator/disable",
            Some(&by_recovery.access_token),
            json!({ "password": "alice-demo-pass", "code": authenticator::code(&secret, world.clock.now()) }),
        )
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    password_session(&world, "alice", "alice-demo-pass").await;
}

#[tokio::test]
async fn wrong_codes_lock_the_code_step() {
    let world = World::start().await;
    let ticket = mfa_ticket(ok_json(world.password("tom", "tom-demo-pass").await).await);
    for _ in 0..4 {
        let wrong = refused(world.mfa(&ticket, "123456").await, StatusCode::BAD_REQUEST).await;
        assert_eq!(wrong.code, ErrorCode::InvalidCode);
    }
    let locked = refused(
        world.mfa(&ticket, "123456").await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(
        locked.message,
        "Too many wrong attempts. Try again in 15 minutes."
    );
    // Locked even for the right code.
    let secret = authenticator::base32_decode(switchboard_portal::seed::DEMO_TOTP_SECRET).unwrap();
    let right = authenticator::code(&secret, world.clock.now());
    refused(
        world.mfa(&ticket, &right).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    world.clock.advance(15 * 60 + 1);
    let ticket = mfa_ticket(ok_json(world.password("tom", "tom-demo-pass").await).await);
    let right = authenticator::code(&secret, world.clock.now());
    signed_in(ok_json(world.mfa(&ticket, &right).await).await);
}

#[tokio::test]
async fn sso_skips_the_code_unless_the_organization_asks_for_it() {
    let world = World::start().await;
    // Tom has an authenticator; his company SSO did its own second factor.
    let tom = signed_in(world.sign_in("acme-sso", "tom@acme.example").await);
    assert_eq!(tom.account.username, "tom");

    world
        .store()
        .await
        .set_organization_policy("acme", Some(true), None, None)
        .await
        .unwrap();
    let ticket = mfa_ticket(world.sign_in("acme-sso", "tom@acme.example").await);
    let secret = authenticator::base32_decode(switchboard_portal::seed::DEMO_TOTP_SECRET).unwrap();
    let session = signed_in(
        ok_json(
            world
                .mfa(&ticket, &authenticator::code(&secret, world.clock.now()))
                .await,
        )
        .await,
    );
    assert_eq!(session.account.username, "tom");
    let overview = world.security(&session.access_token).await;
    let current = overview.sessions.iter().find(|s| s.current).unwrap();
    assert_eq!(current.auth_method, "sso:acme-sso+totp");
}

#[tokio::test]
async fn emails_show_their_warnings_and_a_notification_email_never_signs_in() {
    let world = World::start().await;
    let maria = password_session(&world, "maria", "maria-demo-pass").await;
    let overview = world.security(&maria.access_token).await;
    let emails: Vec<(&str, EmailPurpose, u32)> = overview
        .emails
        .iter()
        .map(|e| (e.email.as_str(), e.purpose, e.also_login_email_of))
        .collect();
    assert_eq!(
        emails,
        [
            ("adam@acme.example", EmailPurpose::Login, 1),
            ("maria@acme.example", EmailPurpose::Login, 0),
        ]
    );
    assert_eq!(
        overview.warnings,
        [
            SecurityWarning::SeveralLoginEmails { count: 2 },
            SecurityWarning::SharedLoginEmail {
                email: "adam@acme.example".into(),
                other_accounts: 1
            },
        ]
    );

    // Adam adds nora@ to receive voicemail copies: Nora's Google still links nothing.
    let adam = password_session(&world, "adam", "adam-demo-pass").await;
    let token = adam.access_token.as_str();
    world.confirm(token, "adam-demo-pass", None).await;
    let added = world
        .post(
            "/v1/account/emails",
            Some(token),
            json!({ "email": " Nora@Acme.example " }),
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let overview = world.security(token).await;
    assert!(overview
        .emails
        .iter()
        .any(|e| e.email == "nora@acme.example" && e.purpose == EmailPurpose::Notification));
    assert!(matches!(
        world.sign_in("google", "nora@acme.example").await,
        LoginStep::LinkAccount { .. }
    ));
    let duplicate = refused(
        world
            .post(
                "/v1/account/emails",
                Some(token),
                json!({ "email": "adam@acme.example" }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        duplicate.message.contains("already on your account"),
        "{}",
        duplicate.message
    );
    refused(
        world
            .post(
                "/v1/account/emails",
                Some(token),
                json!({ "email": "not an email" }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // Login emails are the administrator's; notification emails can go.
    let login = refused(
        world
            .post(
                "/v1/account/emails/remove",
                Some(token),
                json!({ "email": "adam@acme.example" }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(login.code, ErrorCode::NotAvailable);
    let removed = world
        .post(
            "/v1/account/emails/remove",
            Some(token),
            json!({ "email": "nora@acme.example" }),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
}

#[tokio::test]
async fn sessions_are_listed_and_others_can_be_signed_out() {
    let world = World::start().await;
    let laptop = password_session(&world, "alice", "alice-demo-pass").await;
    let desktop = signed_in(world.sign_in("google", "alice@acme.example").await);
    let overview = world.security(&laptop.access_token).await;
    assert_eq!(overview.sessions.len(), 2);
    let other = overview.sessions.iter().find(|s| !s.current).unwrap();
    assert_eq!(other.auth_method, "sso:google");
    assert_eq!(other.device_name, "Test laptop");

    // Not this one, and not somebody else's.
    world
        .confirm(&laptop.access_token, "alice-demo-pass", None)
        .await;
    let current = overview.sessions.iter().find(|s| s.current).unwrap();
    let own = refused(
        world
            .post(
                "/v1/account/sessions/revoke",
                Some(&laptop.access_token),
                json!({ "session_id": current.session_id }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(own.message.contains("Sign out"), "{}", own.message);
    let adam = password_session(&world, "adam", "adam-demo-pass").await;
    world
        .confirm(&adam.access_token, "adam-demo-pass", None)
        .await;
    refused(
        world
            .post(
                "/v1/account/sessions/revoke",
                Some(&adam.access_token),
                json!({ "session_id": other.session_id }),
            )
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let revoked = world
        .post(
            "/v1/account/sessions/revoke",
            Some(&laptop.access_token),
            json!({ "session_id": other.session_id }),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        world.refresh(&desktop.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(world.security(&laptop.access_token).await.sessions.len(), 1);
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let world = World::start().await;
    let here = password_session(&world, "alice", "alice-demo-pass").await;
    let elsewhere = password_session(&world, "alice", "alice-demo-pass").await;
    let change = |current: &str, new: &str| {
        world.post(
            "/v1/account/password",
            Some(&here.access_token),
            json!({ "current_password": current, "new_password": new }),
        )
    };
    let wrong = refused(
        change("nope", "a much longer password").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
    let short = refused(
        change("alice-demo-pass", "short").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(short.message.contains("at least 10"), "{}", short.message);
    assert_eq!(
        change("alice-demo-pass", "correct horse battery")
            .await
            .status(),
        StatusCode::OK
    );

    assert_eq!(
        world.refresh(&elsewhere.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        world.refresh(&here.refresh_token).await.status(),
        StatusCode::OK
    );
    refused(
        world.password("alice", "alice-demo-pass").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    password_session(&world, "alice", "correct horse battery").await;
}

#[tokio::test]
async fn a_provider_removed_can_be_added_again_through_the_browser() {
    let world = World::start().await;
    // Alice's Google links by her verified Workspace email.
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    let overview = world.security(&alice.access_token).await;
    assert_eq!(overview.linked_providers.len(), 1);
    let google = &overview.linked_providers[0];
    assert_eq!(google.provider_id, "google");
    assert_eq!(google.email.as_deref(), Some("alice@acme.example"));

    // She links her personal Google too, from the settings (the rules alone never would).
    let linked = signed_in(
        world
            .link_provider(&alice.access_token, "google", "newbie@gmail.com")
            .await,
    );
    assert_eq!(linked.account.username, "alice");
    let overview = world.security(&linked.access_token).await;
    let personal = overview
        .linked_providers
        .iter()
        .find(|l| l.email.as_deref() == Some("newbie@gmail.com"))
        .expect("the personal account is listed");
    let next = signed_in(world.sign_in("google", "newbie@gmail.com").await);
    assert_eq!(next.account.username, "alice");

    // Removed (after confirming it is her): that identity is unlinked again...
    world
        .confirm(&linked.access_token, "alice-demo-pass", None)
        .await;
    let removed = world
        .post(
            "/v1/account/linked-providers/remove",
            Some(&linked.access_token),
            json!({ "link_id": personal.link_id }),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert!(matches!(
        world.sign_in("google", "newbie@gmail.com").await,
        LoginStep::LinkAccount { .. }
    ));
    let gone = refused(
        world
            .post(
                "/v1/account/linked-providers/remove",
                Some(&linked.access_token),
                json!({ "link_id": personal.link_id }),
            )
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(gone.code, ErrorCode::NotFound);
    // ...and adding it again works like the first time.
    let again = signed_in(
        world
            .link_provider(&linked.access_token, "google", "newbie@gmail.com")
            .await,
    );
    assert_eq!(again.account.username, "alice");
    assert_eq!(
        world
            .security(&again.access_token)
            .await
            .linked_providers
            .len(),
        2
    );

    // An intent needs the password, is for a provider offered here, for the PKCE challenge
    // it was made with, and for one use.
    let token = again.access_token.as_str();
    let wrong = refused(
        world
            .post(
                "/v1/account/linked-providers/start",
                Some(token),
                json!({ "provider": "google", "password": "guess", "code_challenge": pkce_challenge("v") }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
    assert_eq!(wrong.message, "Your current password is wrong.");
    let unknown = refused(
        world
            .post(
                "/v1/account/linked-providers/start",
                Some(token),
                json!({ "provider": "myspace", "password": "alice-demo-pass", "code_challenge": pkce_challenge("v") }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(unknown.code, ErrorCode::InvalidRequest);
    let verifier = random_string();
    let intent = world
        .link_intent(
            token,
            "google",
            "alice-demo-pass",
            &pkce_challenge(&verifier),
        )
        .await;
    // Somebody who copied the link but has their own PKCE pair: refused, nothing redirected
    // to the provider.
    let stolen = world
        .authorize_with_intent("google", "newbie@gmail.com", &random_string(), &intent)
        .await;
    assert_eq!(stolen.status(), StatusCode::OK);
    assert!(stolen.text().await.unwrap().contains("expired or was used"));
    let used = world
        .authorize_with_intent("google", "newbie@gmail.com", &verifier, &intent)
        .await;
    assert_eq!(used.status(), StatusCode::SEE_OTHER);
    let reused = world
        .authorize_with_intent("google", "newbie@gmail.com", &verifier, &intent)
        .await;
    assert_eq!(reused.status(), StatusCode::OK);
    assert!(reused.text().await.unwrap().contains("expired or was used"));
}
