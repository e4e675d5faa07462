//! Step-up for sensitive changes, tried as an attacker holding a stolen access token: adding
//! a notification email, removing a linked sign-in, signing out other sessions and changing
//! the password need the password (and the authenticator code when it is on), or a
//! confirmation less than five minutes old. A password change ends what the old password
//! started (authenticator-code tickets, link intents).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::authenticator;
use common::world::*;
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_api::{
    ApiError, AuthenticatorSetup, Confirmation, ErrorCode, LinkIntent, LoginStep, SecurityOverview,
    SessionTokens,
};
use switchboard_portal::clock::Clock;

async fn ok_json<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn refused(response: reqwest::Response, status: StatusCode) -> ApiError {
    let actual = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(actual, status, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn password_step(world: &World, username: &str, password: &str) -> LoginStep {
    ok_json(
        world
            .post(
                "/v1/login/password",
                None,
                json!({ "username": username, "password": password, "device_name": "Victim laptop" }),
            )
            .await,
    )
    .await
}

async fn password_session(world: &World, username: &str, password: &str) -> SessionTokens {
    signed_in(password_step(world, username, password).await)
}

/// The code step's ticket after the right password of an account with an authenticator.
async fn mfa_ticket(world: &World, username: &str, password: &str) -> String {
    match password_step(world, username, password).await {
        LoginStep::MfaRequired { ticket, .. } => ticket,
        other => panic!("expected MfaRequired, got {other:?}"),
    }
}

/// A new session of an account with an authenticator: its password, then the next code.
async fn session_with_code(
    world: &World,
    username: &str,
    password: &str,
    secret: &[u8],
) -> SessionTokens {
    let ticket = mfa_ticket(world, username, password).await;
    signed_in(
        ok_json(
            world
                .post(
                    "/v1/login/mfa",
                    None,
                    json!({ "ticket": ticket, "code": next_code(world, secret) }),
                )
                .await,
        )
        .await,
    )
}

async fn security(world: &World, token: &str) -> SecurityOverview {
    let response = world
        .browser
        .get(world.portal.endpoint("/v1/account/security"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    ok_json(response).await
}

/// Turns the authenticator on for the session's account; answers its secret. The clock
/// moves on a step, so the next code is a fresh one.
async fn enable_authenticator(world: &World, token: &str, password: &str) -> Vec<u8> {
    let setup: AuthenticatorSetup = ok_json(
        world
            .post("/v1/account/authenticator", Some(token), json!({}))
            .await,
    )
    .await;
    let secret = authenticator::secret_of(&setup.otpauth_uri).unwrap();
    let code = authenticator::code(&secret, world.clock.now());
    let _: serde_json::Value = ok_json(
        world
            .post(
                "/v1/account/authenticator/confirm",
                Some(token),
                json!({ "password": password, "code": code }),
            )
            .await,
    )
    .await;
    world.clock.advance(30);
    secret
}

/// The code the authenticator shows now; the clock then moves on a step.
fn next_code(world: &World, secret: &[u8]) -> String {
    let code = authenticator::code(secret, world.clock.now());
    world.clock.advance(30);
    code
}

/// The four sensitive changes, each as the attacker would send them with `token`.
struct Attempts<'a> {
    world: &'a World,
    token: &'a str,
}

impl Attempts<'_> {
    async fn add_email(&self, email: &str) -> reqwest::Response {
        self.world
            .post(
                "/v1/account/emails",
                Some(self.token),
                json!({ "email": email }),
            )
            .await
    }

    async fn remove_link(&self, link_id: &str) -> reqwest::Response {
        self.world
            .post(
                "/v1/account/linked-providers/remove",
                Some(self.token),
                json!({ "link_id": link_id }),
            )
            .await
    }

    async fn sign_out(&self, session_id: &str) -> reqwest::Response {
        self.world
            .post(
                "/v1/account/sessions/revoke",
                Some(self.token),
                json!({ "session_id": session_id }),
            )
            .await
    }

    async fn change_password(
        &self,
        current: &str,
        new: &str,
        code: Option<&str>,
    ) -> reqwest::Response {
        self.world
            .post(
                "/v1/account/password",
                Some(self.token),
                json!({ "current_password": current, "new_password": new, "code": code }),
            )
            .await
    }
}

/// Alice signed in twice (Google on one computer, where the linked sign-in comes from,
/// and her password on another, whose access token the attacker stole): the stolen token,
/// the other session's id and the Google link's id.
async fn victim(world: &World) -> (SessionTokens, SessionTokens, String, String) {
    let google = signed_in(world.sign_in("google", "alice@acme.example").await);
    let stolen = password_session(world, "alice", "alice-demo-pass").await;
    let overview = security(world, &stolen.access_token).await;
    let other = overview
        .sessions
        .iter()
        .find(|s| !s.current)
        .unwrap()
        .session_id
        .clone();
    let link = overview.linked_providers[0].link_id.clone();
    (stolen, google, other, link)
}

async fn confirmation_required(response: reqwest::Response) {
    let error = refused(response, StatusCode::FORBIDDEN).await;
    assert_eq!(error.code, ErrorCode::ConfirmationRequired);
    assert!(error.message.contains("password"), "{}", error.message);
}

#[tokio::test]
async fn a_stolen_access_token_alone_changes_nothing() {
    let world = World::start().await;
    let (stolen, google, other, link) = victim(&world).await;
    let attacker = Attempts {
        world: &world,
        token: &stolen.access_token,
    };
    assert_eq!(
        security(&world, &stolen.access_token)
            .await
            .confirmed_for_seconds,
        0
    );

    confirmation_required(attacker.add_email("attacker@evil.example").await).await;
    confirmation_required(attacker.remove_link(&link).await).await;
    confirmation_required(attacker.sign_out(&other).await).await;
    let guessed = refused(
        attacker
            .change_password("password123", "attacker's password", None)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(guessed.code, ErrorCode::InvalidCredentials);
    // Confirming needs the password too.
    let wrong = refused(
        world
            .post(
                "/v1/account/confirm",
                Some(&stolen.access_token),
                json!({ "password": "password123" }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);

    // Nothing changed: no new email, the link and the other session are still there.
    let overview = security(&world, &google.access_token).await;
    assert!(overview.emails.iter().all(|e| !e.email.contains("evil")));
    assert_eq!(overview.linked_providers.len(), 1);
    assert_eq!(overview.sessions.len(), 2);
    assert_eq!(
        world.refresh(&google.refresh_token).await.status(),
        StatusCode::OK
    );
    password_session(&world, "alice", "alice-demo-pass").await;
}

#[tokio::test]
async fn a_confirmation_holds_for_five_minutes() {
    let world = World::start().await;
    let (me, google, other, link) = victim(&world).await;
    let user = Attempts {
        world: &world,
        token: &me.access_token,
    };
    let confirmation: Confirmation = ok_json(
        world
            .post(
                "/v1/account/confirm",
                Some(&me.access_token),
                json!({ "password": "alice-demo-pass" }),
            )
            .await,
    )
    .await;
    assert_eq!(confirmation.expires_in, 300);
    assert_eq!(
        security(&world, &me.access_token)
            .await
            .confirmed_for_seconds,
        300
    );
    // A confirmation belongs to its session: the other one still has to confirm.
    let other_user = Attempts {
        world: &world,
        token: &google.access_token,
    };
    confirmation_required(other_user.add_email("copies@acme.example").await).await;

    // Asked once, then each section works without asking again.
    world.clock.advance(60);
    assert_eq!(
        user.add_email("copies@acme.example").await.status(),
        StatusCode::OK
    );
    assert_eq!(user.remove_link(&link).await.status(), StatusCode::OK);
    assert_eq!(user.sign_out(&other).await.status(), StatusCode::OK);
    assert_eq!(
        world.refresh(&google.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        security(&world, &me.access_token)
            .await
            .confirmed_for_seconds,
        240
    );

    // Five minutes after confirming, the same token is refused again.
    world.clock.advance(241);
    assert_eq!(
        security(&world, &me.access_token)
            .await
            .confirmed_for_seconds,
        0
    );
    confirmation_required(user.add_email("more@acme.example").await).await;
    let third = password_session(&world, "alice", "alice-demo-pass").await;
    let third_id = security(&world, &third.access_token)
        .await
        .sessions
        .into_iter()
        .find(|s| s.current)
        .unwrap()
        .session_id;
    confirmation_required(user.sign_out(&third_id).await).await;
    confirmation_required(user.remove_link("anything").await).await;
}

#[tokio::test]
async fn with_the_authenticator_on_the_password_alone_is_not_enough() {
    let world = World::start().await;
    let me = password_session(&world, "alice", "alice-demo-pass").await;
    let secret = enable_authenticator(&world, &me.access_token, "alice-demo-pass").await;
    // The attacker has the token and the password, not the phone.
    let attacker = Attempts {
        world: &world,
        token: &me.access_token,
    };
    let no_code = refused(
        attacker
            .change_password("alice-demo-pass", "attacker's password", None)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(no_code.code, ErrorCode::InvalidCode);
    let wrong_code = refused(
        attacker
            .change_password("alice-demo-pass", "attacker's password", Some("000000"))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(wrong_code.code, ErrorCode::InvalidCode);
    let confirm = |code: Option<String>| {
        world.post(
            "/v1/account/confirm",
            Some(&me.access_token),
            json!({ "password": "alice-demo-pass", "code": code }),
        )
    };
    let without = refused(confirm(None).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(without.code, ErrorCode::InvalidCode);
    confirmation_required(attacker.add_email("attacker@evil.example").await).await;

    // Wrong codes count towards the code limit: the fifth locks the code step, and then
    // even the right code is refused.
    let fourth = refused(
        confirm(Some("222222".into())).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(fourth.code, ErrorCode::InvalidCode);
    let fifth = refused(
        confirm(Some("111111".into())).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(fifth.code, ErrorCode::TooManyAttempts);
    assert!(fifth.retry_after_seconds.is_some());
    let locked = refused(
        confirm(Some(next_code(&world, &secret))).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(locked.code, ErrorCode::TooManyAttempts);

    // After the lockout (and a new sign-in: the access token lasts ten minutes), the user
    // with the phone confirms once and changes the password without typing the code again.
    world.clock.advance(15 * 60);
    let me = session_with_code(&world, "alice", "alice-demo-pass", &secret).await;
    let user = Attempts {
        world: &world,
        token: &me.access_token,
    };
    let _: Confirmation = ok_json(
        world
            .post(
                "/v1/account/confirm",
                Some(&me.access_token),
                json!({ "password": "alice-demo-pass", "code": next_code(&world, &secret) }),
            )
            .await,
    )
    .await;
    assert_eq!(
        user.add_email("copies@acme.example").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        user.change_password("alice-demo-pass", "correct horse battery", None)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn wrong_passwords_when_confirming_count_towards_the_password_limit() {
    let world = World::start().await;
    let me = password_session(&world, "alice", "alice-demo-pass").await;
    let confirm = |password: &'static str| {
        world.post(
            "/v1/account/confirm",
            Some(&me.access_token),
            json!({ "password": password }),
        )
    };
    for _ in 0..2 {
        let wrong = refused(confirm("guess").await, StatusCode::BAD_REQUEST).await;
        assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
    }
    // From the third failure each attempt waits: the right password at once is refused.
    refused(confirm("guess").await, StatusCode::BAD_REQUEST).await;
    let waiting = refused(
        confirm("alice-demo-pass").await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(waiting.code, ErrorCode::TooManyAttempts);
    assert!(waiting.retry_after_seconds.is_some());
}

#[tokio::test]
async fn a_password_change_ends_earlier_code_tickets_and_link_intents() {
    let world = World::start().await;
    let me = password_session(&world, "alice", "alice-demo-pass").await;
    let secret = enable_authenticator(&world, &me.access_token, "alice-demo-pass").await;

    // Someone who knew the old password got as far as the code step, and a link intent
    // was made with the old password and a code.
    let ticket = mfa_ticket(&world, "alice", "alice-demo-pass").await;
    let verifier = random_string();
    let intent: LinkIntent = ok_json(
        world
            .post(
                "/v1/account/linked-providers/start",
                Some(&me.access_token),
                json!({
                    "provider": "google",
                    "password": "alice-demo-pass",
                    "code": next_code(&world, &secret),
                    "code_challenge": pkce_challenge(&verifier),
                }),
            )
            .await,
    )
    .await;
    // Adam's ticket, which has nothing to do with Alice's password, stays usable.
    let adam_ticket = {
        let adam = password_session(&world, "adam", "adam-demo-pass").await;
        let adam_secret = enable_authenticator(&world, &adam.access_token, "adam-demo-pass").await;
        let ticket = mfa_ticket(&world, "adam", "adam-demo-pass").await;
        (ticket, adam_secret)
    };

    let changed = world
        .post(
            "/v1/account/password",
            Some(&me.access_token),
            json!({
                "current_password": "alice-demo-pass",
                "new_password": "correct horse battery",
                "code": next_code(&world, &secret),
            }),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);

    let stale = refused(
        world
            .post(
                "/v1/login/mfa",
                None,
                json!({ "ticket": ticket, "code": next_code(&world, &secret) }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(stale.code, ErrorCode::InvalidGrant);

    let mut url = world.portal.endpoint("/v1/authorize");
    url.query_pairs_mut()
        .append_pair("provider", "google")
        .append_pair("redirect_uri", APP_REDIRECT)
        .append_pair("code_challenge", &pkce_challenge(&verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", "s")
        .append_pair("login_hint", "newbie@gmail.com")
        .append_pair("link_intent", &intent.link_intent);
    let response = world.browser.get(url).send().await.unwrap();
    assert!(
        response.headers().get(LOCATION).is_none(),
        "not on to the provider"
    );
    let back = World::app_link(response).await;
    assert!(back.as_str().starts_with(APP_REDIRECT), "{back}");
    assert_eq!(query(&back, "error").as_deref(), Some("invalid_request"));

    let (adam_ticket, adam_secret) = adam_ticket;
    let adam = world
        .post(
            "/v1/login/mfa",
            None,
            json!({ "ticket": adam_ticket, "code": next_code(&world, &adam_secret) }),
        )
        .await;
    assert_eq!(adam.status(), StatusCode::OK);
}

/// Sends a credential change with no password and no code, as a window that relies on the
/// session's confirmation does.
async fn without_password(
    world: &World,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    world.post(path, Some(token), body).await
}

#[tokio::test]
async fn a_fresh_confirmation_of_this_session_is_the_proof_for_credential_changes() {
    let world = World::start().await;
    let me = password_session(&world, "alice", "alice-demo-pass").await;
    let secret = enable_authenticator(&world, &me.access_token, "alice-demo-pass").await;
    let _: Confirmation = ok_json(
        world
            .post(
                "/v1/account/confirm",
                Some(&me.access_token),
                json!({ "password": "alice-demo-pass", "code": next_code(&world, &secret) }),
            )
            .await,
    )
    .await;

    // Confirmed once: new recovery codes, a new linked sign-in and a new password come
    // without the password or a code.
    let codes: serde_json::Value = ok_json(
        without_password(
            &world,
            &me.access_token,
            "/v1/account/recovery-codes",
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(codes["codes"].as_array().map(Vec::len), Some(10));
    let _: LinkIntent = ok_json(
        without_password(
            &world,
            &me.access_token,
            "/v1/account/linked-providers/start",
            json!({ "provider": "google", "code_challenge": pkce_challenge(&random_string()) }),
        )
        .await,
    )
    .await;
    // The new password must still differ from the current one the user did not type.
    let same = refused(
        without_password(
            &world,
            &me.access_token,
            "/v1/account/password",
            json!({ "new_password": "alice-demo-pass" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(same.message.contains("differ"), "{}", same.message);
    assert_eq!(
        without_password(
            &world,
            &me.access_token,
            "/v1/account/password",
            json!({ "new_password": "correct horse battery" }),
        )
        .await
        .status(),
        StatusCode::OK
    );
    // A password sent is still checked.
    let wrong = refused(
        world
            .post(
                "/v1/account/authenticator/disable",
                Some(&me.access_token),
                json!({ "password": "alice-demo-pass", "code": "" }),
            )
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
    assert_eq!(
        without_password(
            &world,
            &me.access_token,
            "/v1/account/authenticator/disable",
            json!({})
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert!(
        !security(&world, &me.access_token)
            .await
            .authenticator
            .enabled
    );
    // Turning it on again: the code from the new secret is still needed, not the password.
    let setup: AuthenticatorSetup = ok_json(
        world
            .post(
                "/v1/account/authenticator",
                Some(&me.access_token),
                json!({}),
            )
            .await,
    )
    .await;
    let new_secret = authenticator::secret_of(&setup.otpauth_uri).unwrap();
    let no_code = refused(
        without_password(
            &world,
            &me.access_token,
            "/v1/account/authenticator/confirm",
            json!({ "code": "" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(no_code.code, ErrorCode::InvalidCode);
    let _: serde_json::Value = ok_json(
        without_password(
            &world,
            &me.access_token,
            "/v1/account/authenticator/confirm",
            json!({ "code": next_code(&world, &new_secret) }),
        )
        .await,
    )
    .await;
    assert!(
        security(&world, &me.access_token)
            .await
            .authenticator
            .enabled
    );
}

#[tokio::test]
async fn another_sessions_or_a_stale_confirmation_is_no_proof() {
    let world = World::start().await;
    let me = password_session(&world, "alice", "alice-demo-pass").await;
    let secret = enable_authenticator(&world, &me.access_token, "alice-demo-pass").await;
    // The attacker's stolen token is another session of Alice's; Alice confirms on hers.
    let stolen = session_with_code(&world, "alice", "alice-demo-pass", &secret).await;
    let _: Confirmation = ok_json(
        world
            .post(
                "/v1/account/confirm",
                Some(&me.access_token),
                json!({ "password": "alice-demo-pass", "code": next_code(&world, &secret) }),
            )
            .await,
    )
    .await;

    let attempts = |token: String| {
        let world = &world;
        async move {
            let challenge = pkce_challenge(&random_string());
            vec![
                without_password(
                    world,
                    &token,
                    "/v1/account/authenticator/disable",
                    json!({}),
                )
                .await,
                without_password(
                    world,
                    &token,
                    "/v1/account/recovery-codes",
                    json!({ "password": "" }),
                )
                .await,
                without_password(
                    world,
                    &token,
                    "/v1/account/password",
                    json!({ "current_password": "", "new_password": "attacker's password" }),
                )
                .await,
                without_password(
                    world,
                    &token,
                    "/v1/account/linked-providers/start",
                    json!({ "provider": "google", "code_challenge": challenge }),
                )
                .await,
            ]
        }
    };
    for response in attempts(stolen.access_token.clone()).await {
        confirmation_required(response).await;
    }
    // Five minutes later Alice's own confirmation has run out too.
    world.clock.advance(301);
    for response in attempts(me.access_token.clone()).await {
        confirmation_required(response).await;
    }
    // Nothing changed: the authenticator is on and the password is the old one.
    assert!(
        security(&world, &me.access_token)
            .await
            .authenticator
            .enabled
    );
    assert!(matches!(
        password_step(&world, "alice", "alice-demo-pass").await,
        LoginStep::MfaRequired { .. }
    ));
}
