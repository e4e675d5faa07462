//! The client core with several accounts, against the real portal and dev-idp over HTTP
//! and the real Secret Service: choosing (and the portal remembering), choosing again,
//! linking once, switching (re-provisioning, no browser), signing out one or all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

use std::sync::atomic::Ordering;

use switchboard_api::LinkReason;
use switchboard_client::keychain::{Keychain, SecretKind};
use switchboard_client::{ClientError, SignInOutcome};
use switchboard_desktop::{AppView, ErrorCode};

fn chooser(outcome: SignInOutcome) -> (Vec<String>, Option<String>, bool) {
    match outcome {
        SignInOutcome::ChooseAccount {
            accounts,
            remembered_account_id,
            shared_email,
            in_place_of: None,
        } => (
            accounts.into_iter().map(|a| a.account_id).collect(),
            remembered_account_id,
            shared_email,
        ),
        other => panic!("expected ChooseAccount, got {other:?}"),
    }
}

/// The accounts signed in here, in the order the client keeps them.
fn signed_in_ids(app: &App) -> Vec<String> {
    app.client
        .signed_in_accounts()
        .unwrap()
        .into_iter()
        .map(|a| a.account_id)
        .collect()
}

fn has_secrets(keychain: &Keychain, account_id: &str) -> [bool; 2] {
    [SecretKind::RefreshToken, SecretKind::SipPassword]
        .map(|kind| keychain.load(account_id, kind).unwrap().is_some())
}

#[tokio::test]
async fn choose_remember_choose_again_switch_and_sign_out_one_then_all() {
    let (world, app) = world_and_app().await;
    let keychain = Keychain::for_portal(&world.portal);

    // The assistant's address reaches Adam's and Maria's accounts.
    let (ids, remembered, shared) = chooser(app.sign_in("google", "adam@acme.example").await);
    assert_eq!(ids, ["acct-adam", "acct-maria"]);
    assert_eq!(remembered, None);
    assert!(shared);
    let (adam, adam_phone) = ready(app.client.choose_account("acct-adam", true).await.unwrap());
    assert_eq!(adam.username, "adam");
    assert_eq!(adam_phone.extension, "211");

    // The portal remembers: the next provider sign-in needs no chooser, and still says the
    // sign-in reaches two accounts (so "Use a different account" is offered).
    let (again, _) = ready(app.sign_in("google", "adam@acme.example").await);
    assert_eq!(again.account_id, "acct-adam");
    assert_eq!(app.client.reaches_accounts("acct-adam").unwrap(), 2);
    let adam_session = keychain
        .load("acct-adam", SecretKind::RefreshToken)
        .unwrap()
        .unwrap();

    // "Use a different account": the chooser, no browser, saying which account it replaces.
    match app.views.choose_again_view().await {
        AppView::ChooseAccount {
            accounts,
            remembered_account_id,
            in_place_of,
            ..
        } => {
            let ids: Vec<_> = accounts.into_iter().map(|a| a.account_id).collect();
            assert_eq!(ids, ["acct-adam", "acct-maria"]);
            assert_eq!(remembered_account_id.as_deref(), Some("acct-adam"));
            assert_eq!(in_place_of.unwrap().account_id, "acct-adam");
        }
        other => panic!("expected ChooseAccount, got {other:?}"),
    }
    let (maria, maria_phone) = ready(
        app.client
            .choose_account("acct-maria", false)
            .await
            .unwrap(),
    );
    assert_eq!(maria.username, "maria");
    assert_eq!(maria_phone.extension, "210");

    // It switched: Maria is used instead of Adam, who is signed out here (his keychain
    // entries gone, his session ended at the portal), not added beside him.
    assert_eq!(signed_in_ids(&app), ["acct-maria"]);
    assert_eq!(has_secrets(&keychain, "acct-adam"), [false, false]);
    assert!(app
        .client
        .portal()
        .refresh(adam_session.expose())
        .await
        .is_err());

    // Adam is added back by signing in (the choice was forgotten: the chooser again).
    let (ids, remembered, _) = chooser(app.sign_in("google", "adam@acme.example").await);
    assert_eq!(ids, ["acct-adam", "acct-maria"]);
    assert_eq!(remembered, None);
    let (adam, _) = ready(app.client.choose_account("acct-adam", false).await.unwrap());
    assert_eq!(adam.account_id, "acct-adam");

    // Both are signed in now, in the order they were added, each with its own entries.
    assert_eq!(signed_in_ids(&app), ["acct-maria", "acct-adam"]);
    assert_eq!(has_secrets(&keychain, "acct-adam"), [true, true]);
    assert_eq!(has_secrets(&keychain, "acct-maria"), [true, true]);
    let adam_sip = app.client.sip_password("acct-adam").await.unwrap().unwrap();
    let maria_sip = app
        .client
        .sip_password("acct-maria")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(adam_sip.expose(), maria_sip.expose());

    // Switching needs no browser and provisions the softphone for that account.
    let (current, phone) = ready(app.client.switch_to("acct-maria").await.unwrap());
    assert_eq!(phone.extension, "210");
    assert_eq!(current.account_id, "acct-maria");
    let (current, phone) = ready(app.client.switch_to("acct-adam").await.unwrap());
    assert_eq!(current.account_id, "acct-adam");
    assert_eq!(phone.extension, "211");
    assert_eq!(
        app.client.current_account().unwrap().unwrap().account_id,
        "acct-adam"
    );
    // An account signed in elsewhere only is not switchable.
    assert!(matches!(
        app.client.switch_to("acct-alice").await,
        Err(ClientError::UnknownAccount)
    ));
    // A restart keeps both and the current one.
    let restarted = app.restart();
    let (restored, _) = ready(restarted.client.restore().await.unwrap().unwrap());
    assert_eq!(restored.account_id, "acct-adam");
    assert_eq!(restarted.client.signed_in_accounts().unwrap().len(), 2);

    // Sign out the current one: the other takes its place, its entries untouched.
    match app.views.sign_out_view().await {
        AppView::Ready {
            account,
            phone,
            notice,
            signed_in,
            reaches_accounts,
        } => {
            assert_eq!(account.account_id, "acct-maria");
            // Maria was chosen among the two accounts adam@'s sign-in reaches.
            assert_eq!(reaches_accounts, 2);
            assert_eq!(phone.extension, "210");
            assert!(notice
                .unwrap()
                .message
                .contains("Signed out Adam Assistant"));
            assert_eq!(signed_in.len(), 1);
        }
        other => panic!("expected Ready, got {other:?}"),
    }
    assert_eq!(has_secrets(&keychain, "acct-adam"), [false, false]);
    assert_eq!(has_secrets(&keychain, "acct-maria"), [true, true]);

    // Add one more, then sign out of all.
    ready(app.sign_in("google", "alice@acme.example").await);
    match app.views.sign_out_all_view().await {
        AppView::SignIn { notice, back_to } => {
            assert_eq!(back_to, None);
            assert!(notice.unwrap().message.contains("every account"));
        }
        other => panic!("expected SignIn, got {other:?}"),
    }
    for id in ["acct-adam", "acct-maria", "acct-alice"] {
        assert_eq!(has_secrets(&keychain, id), [false, false], "{id}");
    }
    assert!(app.client.signed_in_accounts().unwrap().is_empty());
}

/// A line refetching its profile in the background refreshes that account's access token:
/// the window must stay on the account the user is looking at.
#[tokio::test]
async fn refreshing_another_accounts_token_does_not_switch_to_it() {
    let (_world, app) = world_and_app().await;
    chooser(app.sign_in("google", "adam@acme.example").await);
    ready(app.client.choose_account("acct-adam", false).await.unwrap());
    ready(app.sign_in("google", "alice@acme.example").await);
    assert_eq!(
        app.client.current_account().unwrap().unwrap().account_id,
        "acct-alice"
    );

    // Two hours on: Adam's access token has run out, and his line asks for a new one.
    app.now.fetch_add(2 * 3600, Ordering::SeqCst);
    app.client.access_token("acct-adam").await.unwrap();

    assert_eq!(
        app.client.current_account().unwrap().unwrap().account_id,
        "acct-alice"
    );
    assert_eq!(signed_in_ids(&app), ["acct-adam", "acct-alice"]);
}

#[tokio::test]
async fn linking_once_keeps_the_form_on_a_wrong_password_and_then_needs_no_prompt() {
    let (_world, app) = world_and_app().await;
    match app.sign_in("google", "newbie@gmail.com").await {
        SignInOutcome::LinkAccount {
            provider_name,
            email,
            reason,
        } => {
            assert_eq!(provider_name, "Google");
            assert_eq!(email.as_deref(), Some("newbie@gmail.com"));
            assert_eq!(reason, LinkReason::NoAccountForEmail);
        }
        other => panic!("expected LinkAccount, got {other:?}"),
    }

    // A wrong password keeps the link form, with what went wrong.
    match app
        .views
        .link_account_view("alice", "wrong password", None)
        .await
    {
        AppView::LinkAccount { notice, .. } => {
            let notice = notice.unwrap();
            assert_eq!(
                notice.code.map(ErrorCode::as_str).as_deref(),
                Some("invalid_credentials")
            );
            assert!(
                notice
                    .message
                    .contains("username, password or authenticator code"),
                "{}",
                notice.message
            );
        }
        other => panic!("expected LinkAccount, got {other:?}"),
    }
    match app
        .views
        .link_account_view(" alice ", "alice-demo-pass", Some(""))
        .await
    {
        AppView::Ready { account, .. } => assert_eq!(account.username, "alice"),
        other => panic!("expected Ready, got {other:?}"),
    }
    // The step is over.
    assert!(matches!(
        app.client
            .link_account("alice", "alice-demo-pass", None)
            .await,
        Err(ClientError::NoPendingStep)
    ));
    // Next time no prompt.
    let (account, _) = ready(app.sign_in("google", "newbie@gmail.com").await);
    assert_eq!(account.username, "alice");
}

#[tokio::test]
async fn an_expired_or_cancelled_step_is_a_clear_way_back_to_sign_in() {
    let (_world, app) = world_and_app().await;
    chooser(app.sign_in("google", "adam@acme.example").await);
    app.now.fetch_add(601, Ordering::SeqCst);
    match app.views.choose_account_view("acct-adam", false).await {
        AppView::SignIn { notice, .. } => {
            let notice = notice.unwrap();
            assert_eq!(
                notice.code.map(ErrorCode::as_str).as_deref(),
                Some("no_pending_step")
            );
            assert!(notice.message.contains("start signing in again"));
        }
        other => panic!("expected SignIn, got {other:?}"),
    }

    chooser(app.sign_in("google", "adam@acme.example").await);
    // An account the chooser did not list is refused before asking the portal.
    assert!(matches!(
        app.client.choose_account("acct-alice", false).await,
        Err(ClientError::UnknownAccount)
    ));
    app.client.cancel_sign_in().unwrap();
    assert!(matches!(
        app.client.choose_account("acct-adam", false).await,
        Err(ClientError::NoPendingStep)
    ));
}
