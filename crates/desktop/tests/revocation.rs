//! Sign-out takes the phone back, with the real portal, the real registrar (Kamailio
//! reading the portal's database) and real SIP devices: a device signed out elsewhere is
//! told at once over its event stream (the window says why, the account is gone, its line
//! unregistered) while the account's other device stays registered; and a SIP profile
//! copied off a device is useless once that device's session ends: its contact is removed
//! at the registrar and its credentials are refused. Times are measured, not slept.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{ready, App};
use switchboard_client::{LineConfig, LineStatus};
use switchboard_desktop::AppView;
use switchboard_e2e::phone::Device;
use switchboard_e2e::registrar::TestRegistrar;
use switchboard_e2e::world::World;
use switchboard_phone::{EngineEvent, LineSpec};

/// How long a revocation may take to reach the app and the registrar.
const WITHIN: Duration = Duration::from_secs(5);

/// Polls `check` until it holds, for at most [`WITHIN`]; how long it took.
async fn within(what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while started.elapsed() < WITHIN {
        if check() {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} did not happen within {WITHIN:?}");
}

async fn registered(app: &App, account_id: &str) {
    let mut changes = app.client.line_changes();
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if matches!(
                changes.borrow_and_update().get(account_id),
                Some(LineStatus::Registered { .. })
            ) {
                return;
            }
            changes.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("not registered: {:?}", app.client.line_statuses()));
}

/// Maria's desk phone on another computer: signed in with her password over the portal's
/// API, registered with its own SIP credential on a call engine of its own.
struct Desk {
    http: reqwest::Client,
    portal: url::Url,
    tokens: switchboard_api::SessionTokens,
    phone: Device,
}

impl Desk {
    async fn sign_in(world: &World, registrar: &TestRegistrar) -> Desk {
        let http = reqwest::Client::new();
        let step: switchboard_api::LoginStep = http
            .post(world.portal.join("v1/login/password").unwrap())
            .json(&switchboard_api::PasswordSignInRequest {
                username: "maria".into(),
                password: "maria-demo-pass".into(),
                device_name: Some("maria-desk".into()),
            })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let switchboard_api::LoginStep::SignedIn { session } = step else {
            panic!("expected SignedIn, got {step:?}");
        };
        let profile: switchboard_api::SipProfile = http
            .get(world.portal.join("v1/sip-profile").unwrap())
            .bearer_auth(&session.access_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut line = LineSpec::from_profile(&profile);
        line.outbound = registrar.address();
        line.register_every = Some(Duration::from_secs(600));
        let phone = Device::with_line(1000, &line).await.unwrap();
        Desk {
            http,
            portal: world.portal.clone(),
            tokens: session,
            phone,
        }
    }

    /// Signs out another session of Maria's from the desk's list of sessions (confirming
    /// it is her with her password first, as the settings ask).
    async fn sign_out_session(&self, session_id: &str) {
        let confirmed = self
            .http
            .post(self.portal.join("v1/account/confirm").unwrap())
            .bearer_auth(&self.tokens.access_token)
            .json(&switchboard_api::ConfirmRequest {
                password: "maria-demo-pass".into(),
                code: None,
            })
            .send()
            .await
            .unwrap();
        assert!(confirmed.status().is_success(), "{}", confirmed.status());
        let response = self
            .http
            .post(self.portal.join("v1/account/sessions/revoke").unwrap())
            .bearer_auth(&self.tokens.access_token)
            .json(&switchboard_api::RevokeSessionRequest {
                session_id: session_id.to_owned(),
            })
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    async fn sessions(&self) -> Vec<switchboard_api::SessionInfo> {
        let overview: switchboard_api::SecurityOverview = self
            .http
            .get(self.portal.join("v1/account/security").unwrap())
            .bearer_auth(&self.tokens.access_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        overview.sessions
    }
}

fn last_notice(app: &App) -> Option<String> {
    let shown = app.platform.shown.lock().unwrap();
    match shown.last()? {
        AppView::SignIn { notice, .. } | AppView::Ready { notice, .. } => {
            notice.as_ref().map(|notice| notice.message.clone())
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_signed_out_from_another_is_told_why_and_its_line_is_taken_back() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let laptop = App::open(&world, world.scratch_dir("laptop").unwrap());
    let engine_dir = tempfile::tempdir().unwrap();
    laptop
        .views
        .start_calls(switchboard_e2e::phone::test_engine_config(
            engine_dir.path(),
            440,
        ));
    laptop.client.enable_lines(LineConfig::default()).unwrap();
    let mut notices = laptop.client.portal_notices();
    laptop.views.follow_portal();
    let (alice, _) = ready(laptop.sign_in("google", "alice@acme.example").await);
    let (maria, _) = ready(laptop.sign_in("microsoft", "maria@acme.example").await);
    let mut desk = Desk::sign_in(&world, &registrar).await;
    for account in [&alice, &maria] {
        registered(&laptop, &account.account_id).await;
    }
    // The laptop follows both accounts' streams (as an app running for a while does).
    let mut following = std::collections::HashSet::new();
    tokio::time::timeout(WITHIN, async {
        while following.len() < 2 {
            if let Ok(switchboard_client::PortalNotice::Following { account }) =
                notices.recv().await
            {
                following.insert(account.account_id);
            }
        }
    })
    .await
    .expect("the laptop follows both accounts");
    let contacts = registrar.contacts("210").unwrap();
    assert_eq!(contacts.len(), 2, "{contacts:?}");
    let laptop_password = laptop
        .client
        .sip_password(&maria.account_id)
        .await
        .unwrap()
        .unwrap();

    // From the desk, Maria signs the laptop out (her list of sessions names it).
    let laptop_session = desk
        .sessions()
        .await
        .into_iter()
        .find(|session| !session.current)
        .expect("the laptop's session")
        .session_id;
    let started = Instant::now();
    desk.sign_out_session(&laptop_session).await;

    // The laptop's window says why and Maria is gone from it; Alice stays.
    let told = within("the laptop's window saying why", || {
        last_notice(&laptop).is_some_and(|notice| {
            notice == "Maria Manager was signed out of this computer from another device."
        })
    })
    .await;
    println!("sign-out on the desk to the laptop's window: {told:?}");
    let accounts = laptop.client.signed_in_accounts().unwrap();
    assert_eq!(
        accounts
            .iter()
            .map(|a| a.username.as_str())
            .collect::<Vec<_>>(),
        ["alice"]
    );
    assert!(laptop
        .client
        .sip_password(&maria.account_id)
        .await
        .unwrap()
        .is_none());
    // Only the desk's contact is left; the desk's line and Alice's stay registered.
    within("the laptop's contact leaving the registrar", || {
        registrar.contacts("210").unwrap().len() == 1
    })
    .await;
    println!(
        "sign-out on the desk: the laptop's contact was gone by {:?}",
        started.elapsed()
    );
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);
    // The desk still rings: Alice calls Maria's line from the laptop.
    laptop.client.dial(&alice.account_id, "210").await.unwrap();
    let call = desk.phone.incoming().await.unwrap();
    assert_eq!(call.peer_number(), "201");

    // What the laptop held no longer registers anywhere.
    let stale = laptop_profile_line(&world, &registrar, "210", laptop_password.expose());
    let mut thief = Device::start(1000).await.unwrap();
    let aor = thief.engine.add_line(&stale).await.unwrap();
    let refused = thief
        .next(|event| matches!(event, EngineEvent::RegisterFailed { line, .. } if *line == aor))
        .await
        .unwrap();
    assert!(
        matches!(
            refused,
            EngineEvent::RegisterFailed {
                status: Some(401 | 403),
                ..
            }
        ),
        "{refused:?}"
    );
}

/// A line with a device's old password (its user is unknown to the registrar now, so any
/// `dev-` user will do: both user and password are refused).
fn laptop_profile_line(
    world: &World,
    registrar: &TestRegistrar,
    extension: &str,
    password: &str,
) -> LineSpec {
    let _ = world;
    LineSpec {
        user: extension.into(),
        domain: "sip.acme.example".into(),
        display_name: "Old laptop".into(),
        auth_user: "dev-0000000000000000".into(),
        password: password.into(),
        outbound: registrar.address(),
        register_every: Some(Duration::from_secs(600)),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copied_sip_profile_is_useless_once_its_session_ends() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    // The app signs in (its lines off: only the copy registers).
    let app = App::open(&world, world.scratch_dir("app").unwrap());
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    // Someone copies the profile with one stolen access token and registers with it.
    let access = app.client.access_token(&alice.account_id).await.unwrap();
    let (profile, _) = app
        .client
        .portal()
        .sip_profile(access.expose(), None)
        .await
        .unwrap()
        .unwrap();
    let mut line = LineSpec::from_profile(&profile);
    line.outbound = registrar.address();
    line.register_every = Some(Duration::from_secs(600));
    let mut thief = Device::with_line(1000, &line).await.unwrap();
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);

    // The device signs out: the registrar drops the copy's contact at once (the copy
    // itself never unregisters), and the copy's credentials no longer register.
    let started = Instant::now();
    app.client.sign_out(&alice.account_id).await.unwrap();
    let removed = within("the copy's contact leaving the registrar", || {
        registrar.contacts("201").unwrap().is_empty()
    })
    .await;
    println!("sign-out to the copy's contact removed: {removed:?}");
    assert!(started.elapsed() < WITHIN);
    thief.engine.remove_line(&line.aor()).await.unwrap();
    let aor = thief.engine.add_line(&line).await.unwrap();
    let refused = thief
        .next(|event| matches!(event, EngineEvent::RegisterFailed { line, .. } if *line == aor))
        .await
        .unwrap();
    assert!(
        matches!(
            refused,
            EngineEvent::RegisterFailed {
                status: Some(401 | 403),
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(registrar.contacts("201").unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removal_the_registrar_missed_reaches_it_once_it_answers_again() {
    let mut world = World::start("127.0.0.1:0").await.unwrap();
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let app = App::open(&world, world.scratch_dir("app").unwrap());
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    let access = app.client.access_token(&alice.account_id).await.unwrap();
    let (profile, _) = app
        .client
        .portal()
        .sip_profile(access.expose(), None)
        .await
        .unwrap()
        .unwrap();
    let mut line = LineSpec::from_profile(&profile);
    line.outbound = registrar.address();
    line.register_every = Some(Duration::from_secs(600));
    let _copy = Device::with_line(1000, &line).await.unwrap();

    // The portal cannot reach the registrar's control endpoint while the session ends
    // (SIP still works: the copy stays registered meanwhile).
    let (control_port, _) = world.registrar_control();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    world.set_registrar_control_port(closed_port);
    world.restart_portal().await.unwrap();
    app.client.sign_out(&alice.account_id).await.unwrap();
    let store = world.database().await.unwrap();
    let mut tried = Vec::new();
    within("a failed attempt", || {
        tried = futures_now(store.registrar_outbox());
        tried.first().is_some_and(|removal| removal.attempts >= 1)
    })
    .await;
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);

    // It answers again (here: the portal, restarted, reaches it): the removal kept in the
    // outbox is sent and the contact goes.
    world.set_registrar_control_port(control_port);
    // Time passes (the portal's clock is the test's): the removal's next try is due.
    world.clock.advance(60);
    world.restart_portal().await.unwrap();
    let removed = within("the kept removal reaching the registrar", || {
        registrar.contacts("201").unwrap().is_empty()
    })
    .await;
    println!("registrar reachable again to contact removed: {removed:?}");
    // The portal deletes the row once the registrar's answer is in (just after the removal).
    within("the outbox emptying", || {
        futures_now(store.registrar_outbox()).is_empty()
    })
    .await;
}

/// Runs a store query from the synchronous check of [`within`].
fn futures_now<T>(
    query: impl std::future::Future<Output = Result<T, switchboard_portal::store::StoreError>>,
) -> T {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(query)).unwrap()
}

/// The ways an account's session ends without the device asking, in an order each leaves
/// the next possible.
#[derive(Debug, Clone, Copy)]
enum Way {
    AdminSignOut,
    PasswordReset,
    RefreshTokenReplayed,
    SsoDenied,
    ProviderDisabled,
    LoginEmailRemoved,
}

#[tokio::test(flavor = "multi_thread")]
async fn every_way_a_session_ends_reaches_the_window_and_the_registrar_within_seconds() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let app = App::open(&world, world.scratch_dir("app").unwrap());
    app.client.enable_lines(LineConfig::default()).unwrap();
    let mut notices = app.client.portal_notices();
    app.views.follow_portal();
    let http = reqwest::Client::new();
    for (way, said) in [
        (
            Way::AdminSignOut,
            "An administrator signed you out of Alice Archer on this computer.",
        ),
        (
            Way::PasswordReset,
            "An administrator reset the password of Alice Archer, so this computer was signed out.",
        ),
        (
            Way::RefreshTokenReplayed,
            "Alice Archer was signed out on this computer to keep it safe: its sign-in was used from two places.",
        ),
        (
            Way::SsoDenied,
            "An administrator turned off single sign-on for Alice Archer, so this computer was signed out.",
        ),
        (
            Way::ProviderDisabled,
            "The way you signed in to Alice Archer was turned off for your organization, so this computer was signed out.",
        ),
        (
            Way::LoginEmailRemoved,
            "The email you signed in to Alice Archer with was removed from it, so this computer was signed out.",
        ),
    ] {
        let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
        registered(&app, &alice.account_id).await;
        tokio::time::timeout(WITHIN, async {
            loop {
                if let Ok(switchboard_client::PortalNotice::Following { .. }) = notices.recv().await {
                    return;
                }
            }
        })
        .await
        .expect("the app follows Alice's stream");
        assert_eq!(registrar.contacts("201").unwrap().len(), 1, "{way:?}");

        let admin = world.admin().await.unwrap();
        let started = Instant::now();
        match way {
            Way::AdminSignOut => drop(admin.account_sign_out("alice").await.unwrap()),
            Way::PasswordReset => drop(
                admin
                    .account_reset_password("alice", Some("a-new-password-for-alice-77"))
                    .await
                    .unwrap(),
            ),
            Way::RefreshTokenReplayed => {
                // The refresh token leaks and is used elsewhere; later the old one comes
                // back (from the app or the thief): the portal ends the whole session.
                let stolen = switchboard_client::Keychain::for_portal(&world.portal)
                    .load(&alice.account_id, switchboard_client::keychain::SecretKind::RefreshToken)
                    .unwrap()
                    .unwrap();
                let token_url = world.portal.join("v1/token").unwrap();
                let form = [("grant_type", "refresh_token"), ("refresh_token", stolen.expose())];
                let used = http.post(token_url.clone()).form(&form).send().await.unwrap();
                assert!(used.status().is_success());
                world.clock.advance(60);
                let replayed = http.post(token_url).form(&form).send().await.unwrap();
                assert_eq!(replayed.status(), reqwest::StatusCode::BAD_REQUEST);
            }
            Way::SsoDenied => drop(admin.account_sso("alice", false).await.unwrap()),
            Way::ProviderDisabled => drop(
                admin
                    .provider_disable("acme", "google", "acme.example")
                    .await
                    .unwrap(),
            ),
            Way::LoginEmailRemoved => drop(
                admin
                    .account_remove_email("alice", "alice@acme.example")
                    .await
                    .unwrap(),
            ),
        }
        let told = within("the window saying why", || {
            last_notice(&app).is_some_and(|notice| notice == said)
        })
        .await;
        within("the contact leaving the registrar", || {
            registrar.contacts("201").unwrap().is_empty()
        })
        .await;
        println!(
            "{way:?}: the window said why after {told:?}; the contact was gone by {:?}",
            started.elapsed()
        );
        assert!(app.client.signed_in_accounts().unwrap().is_empty(), "{way:?}");
        // What the next round needs back.
        match way {
            Way::SsoDenied => drop(admin.account_sso("alice", true).await.unwrap()),
            Way::ProviderDisabled => drop(
                admin
                    .provider_enable("acme", "google", "acme.example")
                    .await
                    .unwrap(),
            ),
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_again_replaces_the_session_without_signing_the_account_out() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let app = App::open(&world, world.scratch_dir("app").unwrap());
    let mut notices = app.client.portal_notices();
    app.views.follow_portal();
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    let following = |notice: &switchboard_client::PortalNotice| {
        matches!(notice, switchboard_client::PortalNotice::Following { .. })
    };
    assert!(following(
        &tokio::time::timeout(WITHIN, notices.recv())
            .await
            .unwrap()
            .unwrap()
    ));

    // The same account signs in again here (as adding a provider in the settings does):
    // the old session ends at the portal, and that is no sign-out of this computer.
    ready(app.sign_in("google", "alice@acme.example").await);
    assert!(following(
        &tokio::time::timeout(WITHIN, notices.recv())
            .await
            .unwrap()
            .unwrap()
    ));
    let quiet = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match notices.recv().await {
                Ok(switchboard_client::PortalNotice::SignedOut { .. }) => return,
                Ok(_) => {}
                Err(_) => std::future::pending::<()>().await,
            }
        }
    })
    .await;
    assert!(
        quiet.is_err(),
        "the replaced session signed the account out"
    );
    assert_eq!(
        app.client.signed_in_accounts().unwrap()[0].account_id,
        alice.account_id
    );
    assert!(app.client.access_token(&alice.account_id).await.is_ok());
}
