//! Several accounts per identity over real HTTP (dev-idp, portal, the test as browser and
//! app): choosing and remembering, choosing again, linking with the account's password
//! (and authenticator code) once, attempt limits, and tickets that cannot be bent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::*;
use reqwest::StatusCode;
use switchboard_api::{ApiError, ErrorCode, LinkReason, LoginStep, SessionTokens};
use switchboard_portal::clock::Clock;
use switchboard_portal::request::RequestContext;
use switchboard_portal::seed::DEMO_TOTP_SECRET;

impl World {
    async fn choose(&self, ticket: &str, account_id: &str, remember: bool) -> reqwest::Response {
        self.post(
            "/v1/login/choose-account",
            None,
            serde_json::json!({ "ticket": ticket, "account_id": account_id, "remember": remember }),
        )
        .await
    }

    async fn link(
        &self,
        ticket: &str,
        username: &str,
        password: &str,
        code: Option<&str>,
    ) -> reqwest::Response {
        self.post(
            "/v1/login/link-account",
            None,
            serde_json::json!({
                "ticket": ticket, "username": username, "password": password,
                "totp_code": code, "device_name": "Test laptop",
            }),
        )
        .await
    }

    async fn choose_again(&self, access_token: &str) -> reqwest::Response {
        self.post(
            "/v1/login/choose-again",
            Some(access_token),
            serde_json::json!({}),
        )
        .await
    }
}

struct Chooser {
    ticket: String,
    account_ids: Vec<String>,
    remembered: Option<String>,
    shared: bool,
}

fn chooser(step: LoginStep) -> Chooser {
    match step {
        LoginStep::ChooseAccount {
            ticket,
            accounts,
            remembered_account_id,
            ..
        } => Chooser {
            ticket,
            shared: accounts.iter().all(|a| a.reached_through_shared_email),
            account_ids: accounts.into_iter().map(|a| a.account_id).collect(),
            remembered: remembered_account_id,
        },
        other => panic!("expected ChooseAccount, got {other:?}"),
    }
}

fn link_ticket(step: LoginStep) -> (String, LinkReason) {
    match step {
        LoginStep::LinkAccount { ticket, reason, .. } => (ticket, reason),
        other => panic!("expected LinkAccount, got {other:?}"),
    }
}

async fn step_of(response: reqwest::Response) -> LoginStep {
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn session_of(response: reqwest::Response) -> SessionTokens {
    signed_in(step_of(response).await)
}

async fn refusal(response: reqwest::Response, status: StatusCode) -> ApiError {
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_remembered_choice_signs_straight_in_until_the_user_chooses_again() {
    let world = World::start().await;
    // adam@ is a login email of Adam's and Maria's accounts (the assistant's address).
    let first = chooser(world.sign_in("google", "adam@acme.example").await);
    assert_eq!(first.account_ids, ["acct-adam", "acct-maria"]);
    assert_eq!(first.remembered, None);
    assert!(first.shared, "the chooser says the email is shared");

    let adam = session_of(world.choose(&first.ticket, "acct-adam", true).await).await;
    assert_eq!(adam.account.username, "adam");
    // The session says how many accounts the sign-in reached.
    assert_eq!(adam.reaches_accounts, Some(2));

    // Next sign-in (any computer: it is the portal that remembers): no chooser, and the
    // app still learns that this sign-in reaches two accounts.
    let again = signed_in(world.sign_in("google", "adam@acme.example").await);
    assert_eq!(again.account.username, "adam");
    assert_eq!(again.reaches_accounts, Some(2));

    // "Use a different account" from the signed-in session asks again, no browser, with
    // the remembered account preselected.
    let asked = chooser(step_of(world.choose_again(&again.access_token).await).await);
    assert_eq!(asked.account_ids, ["acct-adam", "acct-maria"]);
    assert_eq!(asked.remembered.as_deref(), Some("acct-adam"));
    // Picked without "remember": the earlier choice is forgotten.
    let maria = session_of(world.choose(&asked.ticket, "acct-maria", false).await).await;
    assert_eq!(maria.account.username, "maria");
    let asks_again = chooser(world.sign_in("google", "adam@acme.example").await);
    assert_eq!(asks_again.remembered, None);

    // Remembering the other one makes it the default instead.
    session_of(world.choose(&asks_again.ticket, "acct-maria", true).await).await;
    let straight = signed_in(world.sign_in("google", "adam@acme.example").await);
    assert_eq!(straight.account.username, "maria");
}

#[tokio::test]
async fn a_choose_ticket_is_single_use_in_time_and_only_for_the_accounts_it_listed() {
    let world = World::start().await;
    // An account the chooser did not list: refused, and the ticket is gone too.
    let step = chooser(world.sign_in("google", "adam@acme.example").await);
    let error = refusal(
        world.choose(&step.ticket, "acct-alice", true).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);
    assert!(error.message.contains("not offered"), "{}", error.message);
    let error = refusal(
        world.choose(&step.ticket, "acct-adam", false).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);

    // Used once.
    let step = chooser(world.sign_in("google", "adam@acme.example").await);
    session_of(world.choose(&step.ticket, "acct-adam", false).await).await;
    let replay = refusal(
        world.choose(&step.ticket, "acct-maria", false).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(replay.code, ErrorCode::InvalidGrant);

    // Expired after ten minutes.
    let step = chooser(world.sign_in("google", "adam@acme.example").await);
    world.clock.advance(601);
    let late = refusal(
        world.choose(&step.ticket, "acct-adam", false).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(late.message.contains("expired"), "{}", late.message);

    // A choose ticket is not a link ticket, and a made-up one is nothing.
    let step = chooser(world.sign_in("google", "adam@acme.example").await);
    let wrong_kind = refusal(
        world
            .link(&step.ticket, "alice", "alice-demo-pass", None)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(wrong_kind.code, ErrorCode::InvalidGrant);
    let made_up = refusal(
        world.choose("sbt_made-up", "acct-adam", false).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(made_up.code, ErrorCode::InvalidGrant);

    // Choosing again needs a live session.
    let unauthorised = world.choose_again("sba_not-a-token").await;
    assert_eq!(unauthorised.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn linking_with_the_password_once_then_no_prompt() {
    let world = World::start().await;
    let (ticket, reason) = link_ticket(world.sign_in("google", "newbie@gmail.com").await);
    assert_eq!(reason, LinkReason::NoAccountForEmail);

    // Wrong password and unknown username answer exactly alike.
    let wrong = world.link(&ticket, "alice", "not-her-password", None).await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let wrong = wrong.text().await.unwrap();
    let unknown = world
        .link(&ticket, "nobody", "not-her-password", None)
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert_eq!(unknown.text().await.unwrap(), wrong);
    let wrong: ApiError = serde_json::from_str(&wrong).unwrap();
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);

    // The ticket survives wrong attempts; the right password links and signs in.
    let session = session_of(world.link(&ticket, "Alice", "alice-demo-pass", None).await).await;
    assert_eq!(session.account.username, "alice");
    // The ticket is used up.
    let replay = refusal(
        world.link(&ticket, "alice", "alice-demo-pass", None).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(replay.code, ErrorCode::InvalidGrant);

    // Next time: straight in, no prompt.
    let next = signed_in(world.sign_in("google", "newbie@gmail.com").await);
    assert_eq!(next.account.username, "alice");
}

#[tokio::test]
async fn wrong_passwords_lock_linking_for_a_while_per_identity_not_per_account() {
    let world = World::start().await;
    let (ticket, _) = link_ticket(world.sign_in("google", "newbie@gmail.com").await);
    for attempt in 1..=4 {
        let error = refusal(
            world.link(&ticket, "maria", "guess", None).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(
            error.code,
            ErrorCode::InvalidCredentials,
            "attempt {attempt}"
        );
    }
    let fifth = world.link(&ticket, "maria", "guess", None).await;
    assert_eq!(fifth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(fifth.headers()["retry-after"], "900");
    let locked: ApiError = fifth.json().await.unwrap();
    assert_eq!(locked.code, ErrorCode::TooManyAttempts);
    assert_eq!(locked.retry_after_seconds, Some(900));
    assert_eq!(
        locked.message,
        "Too many wrong attempts. Try again in 15 minutes."
    );

    // Locked: even the right password is refused, for this identity whatever the account...
    world.clock.advance(5 * 60);
    let still = refusal(
        world.link(&ticket, "alice", "alice-demo-pass", None).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(
        still.message,
        "Too many wrong attempts. Try again in 10 minutes."
    );
    // ...but one identity's guesses do not lock the account: another identity still links
    // to it with the right password.
    let (other_ticket, _) = link_ticket(world.sign_in("google", "eve@acme.example").await);
    let maria = session_of(
        world
            .link(&other_ticket, "maria", "maria-demo-pass", None)
            .await,
    )
    .await;
    assert_eq!(maria.account.username, "maria");

    // After the lockout the right password links.
    world.clock.advance(10 * 60 + 1);
    let (ticket, _) = link_ticket(world.sign_in("google", "newbie@gmail.com").await);
    let maria = session_of(world.link(&ticket, "maria", "maria-demo-pass", None).await).await;
    assert_eq!(maria.account.username, "maria");
}

/// RFC 6238 as an authenticator app computes it, with totp-rs directly (not the portal's
/// verification code).
fn authenticator_code(secret_base32: &str, unix_time: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_base32).unwrap();
    totp_rs::Builder::new()
        .with_secret(secret.as_ref().to_vec())
        .build_noncompliant()
        .generate(unix_time as u64)
        .to_string()
}

#[tokio::test]
async fn linking_an_account_with_an_authenticator_needs_its_code_once() {
    let world = World::start().await;
    let (ticket, _) = link_ticket(world.sign_in("google", "newbie@gmail.com").await);
    // Tom's account has an authenticator app: the password alone is not enough, and the
    // answer does not tell that the password was right.
    let without = refusal(
        world.link(&ticket, "tom", "tom-demo-pass", None).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(without.code, ErrorCode::InvalidCredentials);
    let wrong_code = refusal(
        world
            .link(&ticket, "tom", "tom-demo-pass", Some("000000"))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(wrong_code.code, ErrorCode::InvalidCredentials);

    let code = authenticator_code(DEMO_TOTP_SECRET, world.clock.now());
    let tom = session_of(
        world
            .link(&ticket, "tom", "tom-demo-pass", Some(&code))
            .await,
    )
    .await;
    assert_eq!(tom.account.username, "tom");

    // The same code is never accepted twice.
    let (ticket, _) = link_ticket(world.sign_in("google", "eve@acme.example").await);
    let replayed = refusal(
        world
            .link(&ticket, "tom", "tom-demo-pass", Some(&code))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(replayed.code, ErrorCode::InvalidCredentials);
    // The next step's code is.
    world.clock.advance(30);
    let next = authenticator_code(DEMO_TOTP_SECRET, world.clock.now());
    session_of(
        world
            .link(&ticket, "tom", "tom-demo-pass", Some(&next))
            .await,
    )
    .await;
}

#[tokio::test]
async fn choosing_again_is_only_for_provider_sign_ins() {
    let world = World::start().await;
    let store = world.store().await;
    let (_, password_session) = switchboard_portal::signin::sessions::start_session(
        &store,
        "acct-alice",
        "password",
        "laptop",
        &RequestContext::default(),
        world.clock.now(),
    )
    .await
    .unwrap();
    let error = refusal(
        world.choose_again(&password_session.access_token).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error.code, ErrorCode::NotAvailable);
    assert!(
        error.message.contains("Add another account"),
        "{}",
        error.message
    );
}
