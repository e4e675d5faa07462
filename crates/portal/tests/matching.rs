//! docs/design.md's matching rules against the seeded demo organization, identity by identity.
//! (The same rules over real HTTP with dev-idp are in `broker.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use switchboard_api::{LinkReason, LoginStep, ProviderKind};
use switchboard_portal::providers::ProviderIdentity;
use switchboard_portal::request::RequestContext;
use switchboard_portal::seed::{seed_demo, ACME_ENTRA_TENANT};
use switchboard_portal::signin::login::{step_for_identity, LoginError};
use switchboard_portal::store::Store;

const NOW: i64 = 1_800_000_000;

fn google(subject: &str, email: &str, hd: Option<&str>, verified: bool) -> ProviderIdentity {
    ProviderIdentity {
        provider_id: "google".into(),
        kind: ProviderKind::Google,
        issuer: "https://idp.test/google".into(),
        subject: subject.into(),
        email: Some(email.into()),
        email_verified: verified,
        hosted_domain: hd.map(str::to_owned),
        tenant_id: None,
        email_domain_verified: None,
        private_relay_email: false,
        matches_by_email: true,
    }
}

fn entra(tenant: &str, oid: &str, email: &str, domain_verified: bool) -> ProviderIdentity {
    ProviderIdentity {
        provider_id: "microsoft".into(),
        kind: ProviderKind::Microsoft,
        issuer: format!("https://idp.test/entra/{tenant}/v2.0"),
        subject: oid.into(),
        email: Some(email.into()),
        email_verified: domain_verified,
        hosted_domain: None,
        tenant_id: Some(tenant.into()),
        email_domain_verified: Some(domain_verified),
        private_relay_email: false,
        matches_by_email: true,
    }
}

async fn seeded_pool(dir: &std::path::Path) -> Store {
    let config = common::test_config(dir);
    let (_, portal) = common::start(&config).await;
    seed_demo(portal.store(), &config.encryption_key().unwrap(), NOW)
        .await
        .unwrap();
    portal.store().clone()
}

async fn links_of(pool: &Store, identity: &ProviderIdentity) -> Vec<String> {
    pool.accounts_linked_to(&identity.issuer, &identity.subject)
        .await
        .unwrap()
}

async fn step(pool: &Store, identity: &ProviderIdentity) -> LoginStep {
    step_for_identity(
        pool,
        identity,
        "test device",
        &RequestContext::default(),
        NOW,
    )
    .await
    .unwrap()
    .0
}

fn link_reason(step: &LoginStep) -> LinkReason {
    match step {
        LoginStep::LinkAccount { reason, .. } => *reason,
        other => panic!("expected LinkAccount, got {other:?}"),
    }
}

#[tokio::test]
async fn verified_workspace_email_signs_in_and_is_recorded_as_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let alice = google("g-alice", "alice@acme.example", Some("acme.example"), true);

    match step(&pool, &alice).await {
        LoginStep::SignedIn { session } => assert_eq!(session.account.username, "alice"),
        other => panic!("expected SignedIn, got {other:?}"),
    }
    assert_eq!(links_of(&pool, &alice).await, ["acct-alice"]);

    // Linked now: the email no longer matters (rule 1 first).
    let renamed = ProviderIdentity {
        email: Some("alice.archer@acme.example".into()),
        ..alice
    };
    assert!(matches!(
        step(&pool, &renamed).await,
        LoginStep::SignedIn { .. }
    ));
}

#[tokio::test]
async fn shared_login_email_offers_a_choice_and_says_it_is_shared() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let adam = google("g-adam", "adam@acme.example", Some("acme.example"), true);

    match step(&pool, &adam).await {
        LoginStep::ChooseAccount {
            accounts,
            remembered_account_id,
            ..
        } => {
            let ids: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
            assert_eq!(ids, ["acct-adam", "acct-maria"]);
            assert!(accounts.iter().all(|a| a.reached_through_shared_email));
            assert_eq!(remembered_account_id, None);
        }
        other => panic!("expected ChooseAccount, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unverified_email_matches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let eve = google("g-eve", "alice@acme.example", Some("acme.example"), false);
    assert_eq!(
        link_reason(&step(&pool, &eve).await),
        LinkReason::EmailUnverified
    );
    assert!(links_of(&pool, &eve).await.is_empty());
}

#[tokio::test]
async fn google_account_outside_the_enabled_workspace_matches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    // A consumer Google account created with the work address: no `hd`.
    let consumer = google("g-consumer", "alice@acme.example", None, true);
    assert_eq!(
        link_reason(&step(&pool, &consumer).await),
        LinkReason::ProviderNotEnabled
    );
    let other_workspace = google("g-other", "alice@acme.example", Some("evil.example"), true);
    assert_eq!(
        link_reason(&step(&pool, &other_workspace).await),
        LinkReason::ProviderNotEnabled
    );
    assert!(links_of(&pool, &consumer).await.is_empty());
    assert!(links_of(&pool, &other_workspace).await.is_empty());
}

#[tokio::test]
async fn notification_only_email_never_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let nora = google("g-nora", "nora@acme.example", Some("acme.example"), true);
    assert_eq!(
        link_reason(&step(&pool, &nora).await),
        LinkReason::NoAccountForEmail
    );
    assert!(links_of(&pool, &nora).await.is_empty());
}

#[tokio::test]
async fn entra_email_counts_only_from_an_enabled_tenant_with_a_verified_domain() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;

    // nOAuth: another tenant sets Alice's address on its own user.
    let unverified = entra(
        "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "oid-mallory",
        "alice@acme.example",
        false,
    );
    assert_eq!(
        link_reason(&step(&pool, &unverified).await),
        LinkReason::EmailUnverified
    );
    // Even a verified domain in a tenant the organization did not enable.
    let other_tenant = entra(
        "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "oid-mallory2",
        "alice@acme.example",
        true,
    );
    assert_eq!(
        link_reason(&step(&pool, &other_tenant).await),
        LinkReason::ProviderNotEnabled
    );
    assert!(links_of(&pool, &unverified).await.is_empty());
    assert!(links_of(&pool, &other_tenant).await.is_empty());

    let maria = entra(ACME_ENTRA_TENANT, "oid-maria", "maria@acme.example", true);
    match step(&pool, &maria).await {
        LoginStep::SignedIn { session } => assert_eq!(session.account.username, "maria"),
        other => panic!("expected SignedIn, got {other:?}"),
    }
}

#[tokio::test]
async fn sso_is_refused_for_users_an_admin_denied_it() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    pool.set_sso_allowed("acct-alice", false).await.unwrap();
    // Matched by email: refused with words that say why and what to do.
    let alice = google("g-alice", "alice@acme.example", Some("acme.example"), true);
    let refused = step_for_identity(
        &pool,
        &alice,
        "test device",
        &RequestContext::default(),
        NOW,
    )
    .await
    .expect_err("refused");
    assert!(matches!(refused, LoginError::SsoNotAllowed), "{refused}");
    assert!(
        refused.to_string().contains("username and password"),
        "{refused}"
    );
    assert!(links_of(&pool, &alice).await.is_empty());

    // Linked before the administrator denied it: refused as well.
    pool.set_sso_allowed("acct-alice", true).await.unwrap();
    assert!(matches!(
        step(&pool, &alice).await,
        LoginStep::SignedIn { .. }
    ));
    pool.set_sso_allowed("acct-alice", false).await.unwrap();
    let refused = step_for_identity(
        &pool,
        &alice,
        "test device",
        &RequestContext::default(),
        NOW,
    )
    .await
    .expect_err("refused");
    assert!(matches!(refused, LoginError::SsoNotAllowed), "{refused}");
}

#[tokio::test]
async fn organization_policy_makes_sso_ask_for_the_authenticator_code() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let tom = entra(ACME_ENTRA_TENANT, "oid-tom", "tom@acme.example", true);
    assert!(matches!(
        step(&pool, &tom).await,
        LoginStep::SignedIn { .. }
    ));

    pool.set_organization_policy("acme", Some(true), None, None)
        .await
        .unwrap();
    assert!(matches!(
        step(&pool, &tom).await,
        LoginStep::MfaRequired { .. }
    ));
    // Accounts without an authenticator are not locked out by the policy.
    let maria = entra(ACME_ENTRA_TENANT, "oid-maria", "maria@acme.example", true);
    assert!(matches!(
        step(&pool, &maria).await,
        LoginStep::SignedIn { .. }
    ));
}

#[tokio::test]
async fn a_remembered_choice_signs_straight_in() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let adam = google("g-adam", "adam@acme.example", Some("acme.example"), true);
    assert!(matches!(
        step(&pool, &adam).await,
        LoginStep::ChooseAccount { .. }
    ));
    pool.remember_choice(&adam.issuer, &adam.subject, "acct-maria")
        .await
        .unwrap();
    match step(&pool, &adam).await {
        LoginStep::SignedIn { session } => assert_eq!(session.account.username, "maria"),
        other => panic!("expected SignedIn, got {other:?}"),
    }
}
