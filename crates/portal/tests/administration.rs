//! `switchboard-portal admin …` as an operator runs it (the real binary, against the
//! database a running portal serves), and what users then see over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_api::{ApiError, ErrorCode, LinkReason, LoginStep, SecurityOverview};

const NORA_GOOGLE_SUBJECT: &str = "108345836201948873402";
const ACME_TENANT: &str = switchboard_dev_idp::ACME_TENANT_ID;

impl World {
    async fn password_sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        self.post(
            "/v1/login/password",
            None,
            json!({ "username": username, "password": password, "device_name": "Test laptop" }),
        )
        .await
    }

    /// A provider sign-in that the portal answers with an error (the code's redemption).
    async fn refused_sign_in(&self, provider: &str, login_hint: &str) -> ApiError {
        let (sign_in, link) = self.sign_in_link(provider, login_hint, None).await;
        let code = query(&link, "code").unwrap_or_else(|| panic!("no code in {link}"));
        let response = self
            .redeem(&code, Some(&sign_in.verifier), &sign_in.redirect_uri)
            .await;
        api_error(response).await
    }

    fn audit(&self, args: &[&str]) -> Vec<Value> {
        let mut all = vec!["audit", "--json"];
        all.extend_from_slice(args);
        let run = self.admin(&all);
        assert!(run.success, "{}", run.stderr);
        run.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    async fn account_count(&self) -> usize {
        self.admin(&["account", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len()
    }
}

fn write_csv(world: &World, name: &str, text: &str) -> String {
    let path = world._dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const CSV_HEADER: &str = "username,display_name,extension,login_emails,notification_emails,sip_password,sip_domain,registrar,transport,identities\n";

#[tokio::test]
async fn an_operator_goes_from_an_empty_database_to_a_signed_in_user() {
    let world = World::start_empty().await;
    // docs/admin.md's walk-through, step by step.
    let created = world
        .admin(&["--json", "org", "create", "acme", "--name", "Acme Corp"])
        .json();
    assert_eq!(created["id"], "acme");
    let enabled = world
        .admin(&[
            "--json",
            "provider",
            "enable",
            "acme",
            "google",
            "acme.example",
        ])
        .json();
    assert_eq!(enabled["enabled"], true);
    let csv = write_csv(
        &world,
        "users.csv",
        &format!(
            "{CSV_HEADER}alice,Alice Archer,201,alice@acme.example,,sip-secret-1,sip.acme.example,sip:sip.acme.example:5061;transport=tls,tls,\n\
             nora,Nora Notify,202,nora.n@acme.example,,sip-secret-2,sip.acme.example,sip:sip.acme.example:5061;transport=tls,tls,google:{NORA_GOOGLE_SUBJECT}\n"
        ),
    );
    let imported = world.admin(&["--json", "import", "acme", &csv]).json();
    let outcomes: Vec<&str> = imported["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["created", "created"]);

    // Alice's verified Workspace email matches her account.
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    assert_eq!(alice.account.username, "alice");
    // Nora's Google identity was pre-linked by the import (her Google email is not her
    // login email, so only the link can reach her account).
    let nora = signed_in(world.sign_in("google", "nora@acme.example").await);
    assert_eq!(nora.account.username, "nora");
    // Her phone is set up with what the CSV said.
    let profile: Value = world
        .sip_profile(&nora.access_token, None)
        .await
        .json()
        .await
        .unwrap();
    // The app gets a credential of its own; the CSV's password is the static one the
    // registrar holds for her desk phone.
    assert!(profile["auth_user"].as_str().unwrap().starts_with("dev-"));
    assert_ne!(profile["password"], "sip-secret-2");
    let registrar = world
        .store()
        .await
        .registrar_credentials(false)
        .await
        .unwrap();
    let desk_phone = registrar
        .iter()
        .find(|row| row.extension == "202" && !row.username.starts_with("dev-"))
        .expect("Nora's static credential");
    assert_eq!(
        desk_phone.ha1,
        switchboard_portal::sip_credentials::digests(
            &desk_phone.username,
            &desk_phone.domain,
            "sip-secret-2"
        )
        .0
    );
    assert_eq!(profile["extension"], "202");

    // An imported account has no password until an operator sets one.
    let response = world.password_sign_in("alice", "").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let reset = world
        .admin_with_stdin(
            &[
                "--json",
                "account",
                "reset-password",
                "alice",
                "--password-stdin",
            ],
            "a-long-new-password\n",
        )
        .json();
    assert_eq!(reset["sessions_ended"], 1);
    assert_eq!(
        reset["password"],
        Value::Null,
        "a typed password is never echoed"
    );
    let response = world.password_sign_in("alice", "a-long-new-password").await;
    assert_eq!(response.status(), StatusCode::OK);
    // Alice's Google session ended with the reset.
    assert_eq!(
        world.refresh(&alice.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );

    // Importing the same file again changes nothing.
    let again = world.admin(&["--json", "import", "acme", &csv]).json();
    let outcomes: Vec<&str> = again["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["unchanged", "unchanged"]);

    // Every change is in the audit log with the operator.
    let admin_events = world.audit(&["--kind", "admin"]);
    let actions: Vec<&str> = admin_events
        .iter()
        .map(|event| event["detail"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "organization_created",
            "provider_enabled",
            "accounts_imported",
            "password_reset"
        ]
    );
    assert!(admin_events
        .iter()
        .all(|event| event["actor"] == "admin:test-operator"));
}

#[tokio::test]
async fn bad_inputs_are_refused_with_what_to_do_and_change_nothing() {
    let world = World::start().await;
    let before_accounts = world.account_count().await;
    let before_events = world.audit(&[]).len();

    let error = world
        .admin(&[
            "account",
            "create",
            "nowhere",
            "zed",
            "--display-name",
            "Zed",
            "--extension",
            "300",
            "--sip-domain",
            "sip.acme.example",
            "--registrar",
            "sip:sip.acme.example",
        ])
        .error()
        .to_owned();
    assert!(
        error.contains("no organization is called \"nowhere\""),
        "{error}"
    );
    assert!(error.contains("org list"), "{error}");

    let error = world
        .admin(&[
            "account",
            "create",
            "acme",
            "Alice",
            "--display-name",
            "Another Alice",
            "--extension",
            "300",
            "--sip-domain",
            "sip.acme.example",
            "--registrar",
            "sip:sip.acme.example",
        ])
        .error()
        .to_owned();
    assert!(error.contains("username \"alice\" is taken"), "{error}");

    let error = world
        .admin(&[
            "account",
            "create",
            "acme",
            "zed",
            "--display-name",
            "Zed",
            "--extension",
            "300",
            "--login-email",
            "alice@acme.example",
            "--sip-domain",
            "sip.acme.example",
            "--registrar",
            "sip:sip.acme.example",
        ])
        .error()
        .to_owned();
    assert!(
        error.contains("alice@acme.example is already a login email of alice"),
        "{error}"
    );
    assert!(error.contains("--shared"), "{error}");

    let error = world
        .admin(&["provider", "enable", "acme", "okta", "acme.example"])
        .error()
        .to_owned();
    assert!(error.contains("no provider \"okta\""), "{error}");
    assert!(
        error.contains("google, microsoft, contoso, apple, acme-sso"),
        "{error}"
    );

    let error = world
        .admin(&["provider", "enable", "acme", "microsoft", "acme.example"])
        .error()
        .to_owned();
    assert!(error.contains("not an Entra tenant id"), "{error}");

    let error = world.admin(&["org", "delete", "acme"]).error().to_owned();
    assert!(error.contains("still has 4 account(s)"), "{error}");

    // A CSV whose third row is bad: nothing of the file is written.
    let csv = write_csv(
        &world,
        "bad.csv",
        &format!(
            "{CSV_HEADER}zed,Zed,300,zed@acme.example,,s1,sip.acme.example,sip:sip.acme.example,tls,\n\
             yan,Yan,301,yan@acme.example,,s2,sip.acme.example,sip:sip.acme.example,tls,\n\
             xia,Xia,30x,xia@acme.example,,s3,sip.acme.example,sip:sip.acme.example,tls,\n"
        ),
    );
    let error = world.admin(&["import", "acme", &csv]).error().to_owned();
    assert!(error.contains("row 4, column extension"), "{error}");
    assert!(error.contains("Nothing was imported"), "{error}");
    let csv = write_csv(
        &world,
        "taken.csv",
        &format!(
            "{CSV_HEADER}zed,Zed,300,zed@acme.example,,s1,sip.acme.example,sip:sip.acme.example,tls,\n\
             yan,Yan,301,tom@acme.example,,s2,sip.acme.example,sip:sip.acme.example,tls,\n"
        ),
    );
    let error = world.admin(&["import", "acme", &csv]).error().to_owned();
    assert!(error.contains("row 3, column login_emails"), "{error}");
    assert!(
        error.contains("tom@acme.example is already a login email of tom"),
        "{error}"
    );
    let csv = write_csv(
        &world,
        "unknown-provider.csv",
        &format!(
            "{CSV_HEADER}zed,Zed,300,zed@acme.example,,s1,sip.acme.example,sip:sip.acme.example,tls,okta:123\n"
        ),
    );
    let error = world.admin(&["import", "acme", &csv]).error().to_owned();
    assert!(error.contains("row 2, column identities"), "{error}");
    let csv = write_csv(
        &world,
        "columns.csv",
        "username,display_name,shoe_size\nzed,Zed,44\n",
    );
    let error = world.admin(&["import", "acme", &csv]).error().to_owned();
    assert!(
        error.contains("row 1, column shoe_size: unknown column"),
        "{error}"
    );

    assert_eq!(world.account_count().await, before_accounts);
    assert_eq!(world.audit(&[]).len(), before_events);
}

#[tokio::test]
async fn a_user_denied_sso_is_told_so_and_keeps_the_password() {
    let world = World::start().await;
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    let denied = world
        .admin(&["--json", "account", "sso", "alice", "deny"])
        .json();
    assert_eq!(denied["sessions_ended"], 1);
    // Her single sign-on session ended.
    assert_eq!(
        world.refresh(&alice.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    // A new single sign-on is refused with words that say what to do.
    let refused = world.refused_sign_in("google", "alice@acme.example").await;
    assert_eq!(refused.code, ErrorCode::NotAvailable);
    assert!(
        refused
            .message
            .contains("does not allow signing in to this account through a provider"),
        "{}",
        refused.message
    );
    assert!(
        refused.message.contains("username and password"),
        "{}",
        refused.message
    );
    // The password still signs in.
    let response = world.password_sign_in("alice", "alice-demo-pass").await;
    assert_eq!(response.status(), StatusCode::OK);
    // Allowed again, single sign-on works again.
    world.admin(&["account", "sso", "alice", "allow"]);
    signed_in(world.sign_in("google", "alice@acme.example").await);
}

#[tokio::test]
async fn a_login_email_made_notification_only_no_longer_signs_in_through_its_link() {
    let world = World::start().await;
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    let changed = world
        .admin(&[
            "--json",
            "account",
            "add-email",
            "alice",
            "alice@acme.example",
            "--notification",
        ])
        .json();
    assert_eq!(changed["ended"], json!({ "links": 1, "sessions": 1 }));
    assert_eq!(
        world.refresh(&alice.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    let step = world.sign_in("google", "alice@acme.example").await;
    assert_eq!(link_reason(&step), LinkReason::NoAccountForEmail);

    // Made a login email again, it matches again; removed, it stops.
    world.admin(&["account", "add-email", "alice", "alice@acme.example"]);
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    let removed = world
        .admin(&[
            "--json",
            "account",
            "remove-email",
            "alice",
            "alice@acme.example",
        ])
        .json();
    assert_eq!(removed["ended"], json!({ "links": 1, "sessions": 1 }));
    assert_eq!(
        world.refresh(&alice.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    let step = world.sign_in("google", "alice@acme.example").await;
    assert_eq!(link_reason(&step), LinkReason::NoAccountForEmail);

    // A link made with the password does not follow the email.
    let LoginStep::LinkAccount { ticket, .. } = step else {
        unreachable!()
    };
    let linked = world
        .post(
            "/v1/login/link-account",
            None,
            json!({ "ticket": ticket, "username": "alice", "password": "alice-demo-pass" }),
        )
        .await;
    assert_eq!(linked.status(), StatusCode::OK);
    world.admin(&["account", "add-email", "alice", "alice@acme.example"]);
    world.admin(&[
        "account",
        "add-email",
        "alice",
        "alice@acme.example",
        "--notification",
    ]);
    signed_in(world.sign_in("google", "alice@acme.example").await);

    // Each link that ended is in the audit log, with who ended it and why.
    let unlinks = world.audit(&["--kind", "unlink", "--account", "alice"]);
    assert_eq!(unlinks.len(), 2, "{unlinks:#?}");
    assert!(unlinks
        .iter()
        .all(|event| event["actor"] == "admin:test-operator"
            && event["provider_id"] == "google"
            && event["detail"]["reason"] == "login_email_removed"));
    let links = world.audit(&["--kind", "link", "--account", "alice"]);
    let made_by: Vec<&str> = links
        .iter()
        .map(|event| event["detail"]["made_by"].as_str().unwrap())
        .collect();
    assert_eq!(made_by, ["email", "email", "password"]);
}

#[tokio::test]
async fn a_link_the_user_removed_is_not_made_again_by_email_matching() {
    let world = World::start().await;
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    let overview: SecurityOverview = world
        .browser
        .get(world.portal.endpoint("/v1/account/security"))
        .bearer_auth(&alice.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link_id = overview.linked_providers[0].link_id.clone();
    world
        .confirm(&alice.access_token, "alice-demo-pass", None)
        .await;
    let removed = world
        .post(
            "/v1/account/linked-providers/remove",
            Some(&alice.access_token),
            json!({ "link_id": link_id }),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    // The same Google identity is not silently linked again by its email.
    let step = world.sign_in("google", "alice@acme.example").await;
    assert!(matches!(step, LoginStep::LinkAccount { .. }), "{step:?}");
    let unlinks = world.audit(&["--kind", "unlink", "--account", "alice"]);
    assert_eq!(unlinks.len(), 1);
    assert_eq!(unlinks[0]["detail"]["reason"], "removed_by_user");
}

#[tokio::test]
async fn re_linking_moves_an_organization_to_another_provider() {
    let world = World::start().await;
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    let tom = signed_in(world.sign_in("microsoft", "tom@acme.example").await);

    // One user first: Alice's Google link ends, the organization keeps Google.
    let moved = world
        .admin(&[
            "--json",
            "relink",
            "acme",
            "--from",
            "google",
            "--to",
            "microsoft",
            "--user",
            "alice",
        ])
        .json();
    assert_eq!(moved["ended"], json!({ "links": 1, "sessions": 1 }));
    assert_eq!(
        world.refresh(&alice.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    // Her next Google sign-in links again by the usual rules (Google is still enabled).
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);

    // The whole organization: Google is disabled for acme.example and Microsoft enabled
    // for Acme's tenant; every Google link and session ends.
    let moved = world
        .admin(&[
            "--json",
            "relink",
            "acme",
            "--from",
            "google",
            "--to",
            "microsoft",
            "--for",
            ACME_TENANT,
        ])
        .json();
    assert_eq!(moved["ended"]["sessions"], 1);
    assert_eq!(
        world.refresh(&alice.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    let step = world.sign_in("google", "alice@acme.example").await;
    assert_eq!(link_reason(&step), LinkReason::ProviderNotEnabled);
    // Microsoft sessions are untouched and Microsoft signs in.
    assert_eq!(
        world.refresh(&tom.refresh_token).await.status(),
        StatusCode::OK
    );
    signed_in(world.sign_in("microsoft", "tom@acme.example").await);
    let shown = world.admin(&["--json", "org", "show", "acme"]).json();
    let providers: Vec<&str> = shown["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["provider_id"].as_str().unwrap())
        .collect();
    assert!(!providers.contains(&"google"), "{providers:?}");
    assert!(providers.contains(&"microsoft"), "{providers:?}");
}

#[tokio::test]
async fn disabling_a_provider_ends_the_sessions_that_came_through_it() {
    let world = World::start().await;
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    let password = world.password_sign_in("maria", "maria-demo-pass").await;
    let maria: switchboard_api::SessionTokens = match password.json().await.unwrap() {
        LoginStep::SignedIn { session } => session,
        other => panic!("{other:?}"),
    };
    let disabled = world
        .admin(&[
            "--json",
            "provider",
            "disable",
            "acme",
            "google",
            "acme.example",
        ])
        .json();
    assert_eq!(disabled["ended"], json!({ "links": 1, "sessions": 1 }));
    assert_eq!(
        world.refresh(&alice.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        world.refresh(&maria.refresh_token).await.status(),
        StatusCode::OK
    );
    // Asking again says so, and is not an error.
    let again = world.admin(&["provider", "disable", "acme", "google", "acme.example"]);
    assert!(again.success, "{}", again.stderr);
    assert!(again.stdout.contains("Nothing changed"), "{}", again.stdout);
}

#[tokio::test]
async fn the_report_lists_exactly_the_risky_emails() {
    let world = World::start().await;
    // Tom also signs in with Nora's address, which receives Alice's voicemail copies.
    world.admin(&["account", "add-email", "tom", "nora@acme.example"]);
    let report = world.admin(&["--json", "report", "--org", "acme"]).json();
    assert_eq!(
        report,
        json!({
            "accounts_with_several_login_emails": {
                "maria": ["adam@acme.example", "maria@acme.example"],
                "tom": ["nora@acme.example", "tom@acme.example"],
            },
            "shared_login_emails": {
                "adam@acme.example": ["adam", "maria"],
            },
            "notification_emails_of_other_accounts": [
                ["nora@acme.example", "alice", "tom"],
            ],
        })
    );
    let table = world.admin(&["report"]);
    assert!(
        table
            .stdout
            .contains("receives copies for alice, signs in to tom"),
        "{}",
        table.stdout
    );
}

#[tokio::test]
async fn organizations_and_accounts_are_managed_end_to_end() {
    let world = World::start().await;
    world.admin(&[
        "org",
        "create",
        "globex",
        "--name",
        "Globex",
        "--idle-days",
        "7",
    ]);
    let policy = world
        .admin(&[
            "--json",
            "org",
            "policy",
            "globex",
            "--require-totp-for-sso",
            "true",
            "--absolute-days",
            "30",
        ])
        .json();
    assert_eq!(policy["require_totp_for_sso"], true);
    assert_eq!(policy["session_idle_days"], 7);
    assert_eq!(policy["session_absolute_days"], 30);
    let error = world
        .admin(&["org", "policy", "globex", "--idle-days", "31"])
        .error()
        .to_owned();
    assert!(
        error.contains("cannot be longer than the absolute one"),
        "{error}"
    );
    world.admin(&["org", "rename", "globex", "Globex Corporation"]);
    let created = world
        .admin(&[
            "--json",
            "account",
            "create",
            "globex",
            "hank",
            "--display-name",
            "Hank Scorpio",
            "--extension",
            "500",
            "--login-email",
            "hank@globex.example",
            "--sip-domain",
            "sip.globex.example",
            "--registrar",
            "sip:sip.globex.example:5060",
            "--transport",
            "udp",
        ])
        .json();
    let first_password = created["password"].as_str().unwrap().to_owned();
    assert!(created["sip_password"].as_str().unwrap().len() >= 20);
    let response = world.password_sign_in("hank", &first_password).await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated = world
        .admin(&[
            "--json",
            "account",
            "update",
            "hank",
            "--extension",
            "501",
            "--voicemail-number",
            "*98",
        ])
        .json();
    assert_eq!(updated["changed"], json!(["extension", "voicemail_number"]));
    let shown = world.admin(&["--json", "account", "show", "hank"]).json();
    assert_eq!(shown["extension"], "501");
    assert_eq!(shown["sip"]["voicemail_number"], "*98");
    assert_eq!(shown["sip"]["version"], 2);
    assert_eq!(shown["sessions"].as_array().unwrap().len(), 1);
    let signed_out = world
        .admin(&["--json", "account", "sign-out", "hank"])
        .json();
    assert_eq!(signed_out["sessions_ended"], 1);
    let listed = world
        .admin(&["--json", "account", "list", "--org", "globex"])
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let error = world.admin(&["org", "delete", "globex"]).error().to_owned();
    assert!(error.contains("still has 1 account(s)"), "{error}");
    world.admin(&["org", "create", "initech", "--name", "Initech"]);
    let deleted = world.admin(&["--json", "org", "delete", "initech"]).json();
    assert_eq!(deleted["deleted"], true);
    let organizations = world.admin(&["--json", "org", "list"]).json();
    let ids: Vec<&str> = organizations
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["acme", "globex"]);
    // Tom loses his phone: his authenticator is reset and the password alone signs in.
    world.admin(&["account", "reset-authenticator", "tom"]);
    let response = world.password_sign_in("tom", "tom-demo-pass").await;
    let step: LoginStep = response.json().await.unwrap();
    assert!(matches!(step, LoginStep::SignedIn { .. }), "{step:?}");
}

#[tokio::test]
async fn every_flow_leaves_its_audit_entry() {
    let world = World::start().await;
    // Provider sign-in matched by email (a link and a sign-in).
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    // Password sign-in, a wrong password, then a lockout.
    world.password_sign_in("adam", "adam-demo-pass").await;
    for _ in 0..10 {
        world.password_sign_in("maria", "wrong password").await;
    }
    // A security change in the app.
    world
        .confirm(&alice.access_token, "alice-demo-pass", None)
        .await;
    world
        .post(
            "/v1/account/emails",
            Some(&alice.access_token),
            json!({ "email": "copies@acme.example" }),
        )
        .await;
    // A replayed refresh token ends the session.
    let rotated: Value = world
        .refresh(&alice.refresh_token)
        .await
        .json()
        .await
        .unwrap();
    assert!(rotated["refresh_token"].is_string());
    world.clock.advance(120);
    world.refresh(&alice.refresh_token).await;
    // An administrator's change.
    world.admin(&["account", "sso", "adam", "deny"]);

    let events = world.audit(&[]);
    let find = |kind: &str, predicate: &dyn Fn(&Value) -> bool| {
        events
            .iter()
            .find(|event| event["kind"] == kind && predicate(event))
            .unwrap_or_else(|| panic!("no {kind} event in {events:#?}"))
            .clone()
    };
    let sign_in = find("sign_in", &|event| event["method"] == "sso:google");
    assert_eq!(sign_in["account_id"], "acct-alice");
    assert_eq!(sign_in["organization_id"], "acme");
    assert_eq!(sign_in["provider_id"], "google");
    assert_eq!(sign_in["device"], "Test laptop");
    assert_eq!(sign_in["ip"], "127.0.0.1");
    let link = find("link", &|event| event["account_id"] == "acct-alice");
    assert_eq!(link["detail"]["made_by"], "email");
    find("sign_in", &|event| {
        event["method"] == "password" && event["account_id"] == "acct-adam"
    });
    let failed = find("sign_in_failed", &|event| {
        event["account_id"] == "acct-maria"
    });
    assert_eq!(failed["detail"]["username"], "maria");
    assert_eq!(failed["result"], "refused");
    let lockout = find("lockout", &|event| event["account_id"] == "acct-maria");
    assert_eq!(lockout["result"], "locked");
    let change = find("security", &|event| {
        event["account_id"] == "acct-alice"
            && event["detail"]["action"] == "notification_email_added"
    });
    assert_eq!(change["detail"]["email"], "copies@acme.example");
    // The step-up before it is in the log too.
    find("security", &|event| {
        event["account_id"] == "acct-alice" && event["detail"]["action"] == "confirmed"
    });
    let ended = find("session_ended", &|event| {
        event["account_id"] == "acct-alice"
    });
    assert_eq!(ended["detail"]["reason"], "refresh_token_replayed");
    let admin = find("admin", &|event| event["account_id"] == "acct-adam");
    assert_eq!(admin["detail"]["action"], "sso_denied");
    // No secret in any event.
    let all = serde_json::to_string(&events).unwrap();
    for secret in [
        "wrong password",
        "alice-demo-pass",
        "adam-demo-pass",
        &alice.refresh_token,
    ] {
        assert!(!all.contains(secret), "{secret} in the audit log");
    }
    // Filters: by account, kind and time.
    let maria = world.audit(&["--account", "maria", "--kind", "lockout"]);
    assert!(!maria.is_empty());
    assert!(maria
        .iter()
        .all(|event| event["account_id"] == "acct-maria"));
    let future = world.audit(&["--since", "2100-01-01"]);
    assert!(future.is_empty());
    let error = world
        .admin(&["audit", "--kind", "logins"])
        .error()
        .to_owned();
    assert!(
        error.contains("the kinds are sign_in, sign_in_failed"),
        "{error}"
    );
}

#[tokio::test]
async fn audit_events_are_kept_for_the_retention_period_only() {
    use switchboard_portal::audit::{AuditEvent, AuditKind};
    use switchboard_portal::store::AuditFilter;
    let world = World::start_empty().await;
    let store = world.store().await;
    let day = 24 * 3600;
    for at in [1_000 * day, 1_200 * day] {
        store
            .insert_audit(&AuditEvent::new(AuditKind::SignIn).into_row(at))
            .await
            .unwrap();
    }
    // 365 days by default, or what `[audit] retention_days` says.
    let mut config = world.config.clone();
    assert_eq!(config.audit_retention_seconds(), 365 * day);
    config.audit.retention_days = Some(30);
    assert_eq!(config.audit_retention_seconds(), 30 * day);
    let now = 1_300 * day;
    assert_eq!(store.purge_audit(now - 365 * day).await.unwrap(), 0);
    assert_eq!(
        store
            .purge_audit(now - config.audit_retention_seconds())
            .await
            .unwrap(),
        2
    );
    let left = store.audit_events(&AuditFilter::default()).await.unwrap();
    assert!(left.is_empty());
    for at in [1_000 * day, 1_200 * day] {
        store
            .insert_audit(&AuditEvent::new(AuditKind::SignIn).into_row(at))
            .await
            .unwrap();
    }
    assert_eq!(store.purge_audit(1_100 * day).await.unwrap(), 1);
    let left = store.audit_events(&AuditFilter::default()).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].at, 1_200 * day);
}

#[tokio::test]
async fn a_change_that_changes_nothing_rolls_back_without_an_audit_event() {
    use switchboard_portal::audit::AuditEvent;
    use switchboard_portal::seed::DEMO_ORGANIZATION_ID;
    use switchboard_portal::store::AuditFilter;
    let world = World::start().await;
    let store = world.store().await;
    // The events of this test's operator.
    let events = async || {
        let all = store.audit_events(&AuditFilter::default()).await.unwrap();
        all.into_iter()
            .filter(|event| event.actor == "admin:test-operator")
            .collect::<Vec<_>>()
    };
    let audit = |action| AuditEvent::admin("test-operator", action).into_row(1);

    // No such organization: nothing renamed, nothing recorded.
    let renamed = store
        .rename_organization("no-such-org", "Nobody", &audit("renamed"))
        .await
        .unwrap();
    assert!(!renamed);
    // An organization with accounts stays, though its row was locked for the count.
    let accounts = store
        .delete_organization(DEMO_ORGANIZATION_ID, &audit("deleted"))
        .await
        .unwrap();
    assert!(
        accounts.is_some_and(|accounts| accounts > 0),
        "{accounts:?}"
    );
    let organization = store.organization(DEMO_ORGANIZATION_ID).await.unwrap();
    assert_eq!(organization.unwrap().name, "Acme Corp");
    assert!(events().await.is_empty());

    // A change that changes something lands with its event.
    let renamed = store
        .rename_organization(DEMO_ORGANIZATION_ID, "Acme Two", &audit("renamed"))
        .await
        .unwrap();
    assert!(renamed);
    let recorded = events().await;
    assert_eq!(recorded.len(), 1, "{recorded:#?}");
    assert_eq!(
        recorded[0].detail.as_deref(),
        Some(r#"{"action":"renamed"}"#)
    );
    let organization = store.organization(DEMO_ORGANIZATION_ID).await.unwrap();
    assert_eq!(organization.unwrap().name, "Acme Two");
}
