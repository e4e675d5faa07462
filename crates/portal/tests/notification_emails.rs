//! Notification emails added in the app, through the real portal: the addresses it refuses
//! (and says why), the limit per account, the warning for another account's login email, and
//! the confirmation code mailed to the address (read from the development outbox) before it
//! receives anything.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::*;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_api::{
    ApiError, ErrorCode, NotificationEmailAdded, NotificationEmailWarning, SecurityOverview,
    SessionTokens,
};
use switchboard_portal::mail::Outbox;

async fn adam(world: &World) -> SessionTokens {
    let response = world
        .post(
            "/v1/login/password",
            None,
            json!({ "username": "adam", "password": "adam-demo-pass" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let session = signed_in(response.json().await.unwrap());
    world
        .confirm(&session.access_token, "adam-demo-pass", None)
        .await;
    session
}

async fn add(world: &World, token: &str, email: &str) -> reqwest::Response {
    world
        .post("/v1/account/emails", Some(token), json!({ "email": email }))
        .await
}

async fn added(world: &World, token: &str, email: &str) -> NotificationEmailAdded {
    let response = add(world, token, email).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn refused(world: &World, token: &str, email: &str) -> ApiError {
    let response = add(world, token, email).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{email:?}");
    let error: ApiError = response.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::InvalidRequest, "{email:?}");
    error
}

async fn confirm(world: &World, token: &str, email: &str, code: &str) -> reqwest::Response {
    world
        .post(
            "/v1/account/emails/confirm",
            Some(token),
            json!({ "email": email, "code": code }),
        )
        .await
}

async fn overview(world: &World, token: &str) -> SecurityOverview {
    world
        .browser
        .get(world.portal.endpoint("/v1/account/security"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The messages the portal mailed to `to`, oldest first.
fn mail_to(world: &World, to: &str) -> Vec<switchboard_portal::mail::Mail> {
    let outbox = world
        .config
        .mail
        .outbox
        .as_ref()
        .expect("tests use an outbox");
    Outbox::read(outbox)
        .unwrap()
        .into_iter()
        .filter(|mail| mail.to == to)
        .collect()
}

/// The six-digit code in the latest message to `to`.
fn code_for(world: &World, to: &str) -> String {
    let mail = mail_to(world, to).pop().expect("a message was sent");
    mail.body
        .split(|c: char| !c.is_ascii_digit())
        .find(|word| word.len() == 6)
        .unwrap_or_else(|| panic!("no code in {:?}", mail.body))
        .to_owned()
}

#[tokio::test]
async fn refused_addresses_say_why() {
    let world = World::start().await;
    let token = adam(&world).await.access_token;
    for (email, says) in [
        ("not an email", "not an email address"),
        ("nora@acme", "not an email address"),
        ("<b>nora</b>@acme.example", "cannot contain <"),
        ("nora>@acme.example", "cannot contain >"),
        ("\"Boss\"@acme.example", "quotes"),
        ("o'neil@acme.example", "quotes"),
        // "nora@elpmaxe.com" shown right to left as "nora@moc.example".
        ("nora@\u{202e}elpmaxe.com", "direction of text"),
        ("nora\u{200b}@acme.example", "invisible character"),
        // A Cyrillic "а" in "аcme".
        (
            "nora@\u{0430}cme.example",
            "different alphabets (Cyrillic and Latin)",
        ),
        ("n\u{043e}ra@acme.example", "different alphabets"),
    ] {
        let error = refused(&world, &token, email).await;
        assert!(error.message.contains(says), "{email:?}: {}", error.message);
    }
    // Nothing was stored, and nothing mailed.
    let emails = overview(&world, &token).await.emails;
    assert!(
        emails
            .iter()
            .all(|e| e.purpose == switchboard_api::EmailPurpose::Login),
        "{emails:?}"
    );
    let outbox = world.config.mail.outbox.as_ref().unwrap();
    assert!(Outbox::read(outbox).unwrap().is_empty());
    // Its own login email, and one already there.
    let own = refused(&world, &token, "adam@acme.example").await;
    assert!(own.message.contains("already on your account"));
}

#[tokio::test]
async fn at_most_five_notification_emails() {
    let world = World::start().await;
    let token = adam(&world).await.access_token;
    for n in 1..=5 {
        added(&world, &token, &format!("copies{n}@acme.example")).await;
    }
    let sixth = refused(&world, &token, "copies6@acme.example").await;
    assert!(sixth.message.contains("at most 5"), "{}", sixth.message);
    // Removing one makes room.
    let removed = world
        .post(
            "/v1/account/emails/remove",
            Some(&token),
            json!({ "email": "copies1@acme.example" }),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    added(&world, &token, "copies6@acme.example").await;
}

#[tokio::test]
async fn another_accounts_login_email_is_added_with_a_warning() {
    let world = World::start().await;
    let token = adam(&world).await.access_token;
    // maria@ signs in to Maria's account.
    let answer = added(&world, &token, "Maria@Acme.example").await;
    assert_eq!(answer.email, "maria@acme.example");
    assert_eq!(
        answer.warnings,
        [NotificationEmailWarning::LoginEmailOfAnotherAccount]
    );
    let plain = added(&world, &token, "voicemail@acme.example").await;
    assert!(plain.warnings.is_empty());
}

#[tokio::test]
async fn an_address_receives_nothing_until_the_mailed_code_is_entered() {
    let world = World::start().await;
    let session = adam(&world).await;
    let token = session.access_token.as_str();
    let answer = added(&world, token, "copies@acme.example").await;
    assert!(answer.confirmation_sent);
    assert_eq!(answer.expires_in, 30 * 60);

    // Waiting: shown so, and not among the addresses copies may go to.
    let waiting = overview(&world, token).await;
    let listed = waiting
        .emails
        .iter()
        .find(|e| e.email == "copies@acme.example")
        .unwrap();
    assert!(!listed.confirmed);
    let store = world.store().await;
    let account = "acct-adam";
    assert!(
        switchboard_portal::notification_emails::deliverable(&store, account)
            .await
            .unwrap()
            .is_empty()
    );
    // One message went to it: the code, and nothing else.
    let messages = mail_to(&world, "copies@acme.example");
    assert_eq!(messages.len(), 1);
    assert!(messages[0].subject.contains("confirm"), "{:?}", messages[0]);
    let code = code_for(&world, "copies@acme.example");

    // A wrong code, and the right code for another address, are refused.
    let wrong = confirm(&world, token, "copies@acme.example", "000000").await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let wrong: ApiError = wrong.json().await.unwrap();
    assert_eq!(wrong.code, ErrorCode::InvalidCode);
    added(&world, token, "other@acme.example").await;
    let elsewhere = confirm(&world, token, "other@acme.example", &code).await;
    assert_eq!(elsewhere.status(), StatusCode::BAD_REQUEST);

    // The right one confirms it.
    let right = confirm(&world, token, " Copies@acme.example ", &code).await;
    assert_eq!(right.status(), StatusCode::OK);
    let confirmed = overview(&world, token).await;
    assert!(confirmed
        .emails
        .iter()
        .any(|e| e.email == "copies@acme.example" && e.confirmed));
    assert!(confirmed
        .emails
        .iter()
        .any(|e| e.email == "other@acme.example" && !e.confirmed));
    assert_eq!(
        switchboard_portal::notification_emails::deliverable(&store, account)
            .await
            .unwrap(),
        ["copies@acme.example"]
    );
    // Used: the code does nothing twice.
    assert_eq!(
        confirm(&world, token, "copies@acme.example", &code)
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    // Emails an administrator set up are confirmed.
    assert!(confirmed
        .emails
        .iter()
        .filter(|e| e.purpose == switchboard_api::EmailPurpose::Login)
        .all(|e| e.confirmed));
}

#[tokio::test]
async fn a_code_expires_and_adding_again_sends_a_new_one() {
    let world = World::start().await;
    let token = adam(&world).await.access_token;
    added(&world, &token, "copies@acme.example").await;
    let old = code_for(&world, "copies@acme.example");
    world.clock.advance(30 * 60 + 1);
    // The access token lasts ten minutes: sign in again (and confirm it is Adam).
    let token = adam(&world).await.access_token;
    assert_eq!(
        confirm(&world, &token, "copies@acme.example", &old)
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    added(&world, &token, "copies@acme.example").await;
    assert_eq!(mail_to(&world, "copies@acme.example").len(), 2);
    let new = code_for(&world, "copies@acme.example");
    assert_eq!(
        confirm(&world, &token, "copies@acme.example", &new)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn guessing_codes_locks_confirming_for_a_while() {
    let world = World::start().await;
    let token = adam(&world).await.access_token;
    added(&world, &token, "copies@acme.example").await;
    let code = code_for(&world, "copies@acme.example");
    let guess = if code == "111111" { "222222" } else { "111111" };
    for _ in 0..4 {
        let wrong = confirm(&world, &token, "copies@acme.example", guess).await;
        assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    }
    let fifth = confirm(&world, &token, "copies@acme.example", guess).await;
    assert_eq!(fifth.status(), StatusCode::TOO_MANY_REQUESTS);
    // Locked: even the right code waits.
    let locked = confirm(&world, &token, "copies@acme.example", &code).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let error: ApiError = locked.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::TooManyAttempts);
    assert!(error.retry_after_seconds.is_some());
}
