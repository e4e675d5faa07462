//! `switchboard-cli phone register|status` against the real portal and a real registrar
//! (Kamailio): registering waits for the registrar and says why it failed; status shows
//! what the process holding the lines reports.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::{cli, login_without_browser, run};
use switchboard_e2e::registrar::TestRegistrar;
use switchboard_e2e::world::World;

#[tokio::test(flavor = "multi_thread")]
async fn register_waits_for_the_registrar_and_status_shows_the_held_line() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    login_without_browser(&world, &data_dir, "alice@acme.example", &[], &[], &[]).await;

    // Nothing holds the line yet.
    let mut status = cli(&world, &data_dir);
    status.args(["phone", "status"]);
    let (ok, out, err) = run(status);
    assert!(ok, "{err}");
    assert!(
        out.contains("201 Alice Archer (alice): not registered"),
        "{out}"
    );
    assert!(out.contains("`switchboard-cli phone register`"), "{out}");

    // Registered, then unregistered on the way out.
    let mut register = cli(&world, &data_dir);
    register.args(["phone", "register", "--timeout", "20"]);
    let (ok, out, err) = run(register);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("201 Alice Archer (alice): registered, for"),
        "{out}"
    );
    assert!(out.contains("Unregistered again"), "{out}");
    // The line uses this computer's own credential, and says which.
    assert!(out.contains("Credential: dev-"), "{out}");
    assert!(registrar.contacts("201").unwrap().is_empty());

    // Held until Ctrl-C: the registrar has the contact, and `status --json` shows it.
    let mut hold = cli(&world, &data_dir);
    hold.args(["phone", "register", "--hold"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut holding = hold.spawn().unwrap();
    let mut stdout = BufReader::new(holding.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("registered, for"), "{line}");
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);

    let mut status = cli(&world, &data_dir);
    status.args(["phone", "status", "--json"]);
    let (ok, out, err) = run(status);
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["held_by_pid"], holding.id());
    assert_eq!(json["lines"][0]["extension"], "201");
    assert_eq!(json["lines"][0]["status"]["state"], "registered");
    assert!(json["lines"][0]["credential"]
        .as_str()
        .unwrap()
        .starts_with("dev-"));
    assert!(
        !out.contains("demo-sip-"),
        "no SIP password in the output: {out}"
    );

    // Ctrl-C unregisters.
    std::process::Command::new("kill")
        .args(["-INT", &holding.id().to_string()])
        .status()
        .unwrap();
    assert!(holding.wait().unwrap().success());
    assert!(registrar.contacts("201").unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn register_exits_non_zero_with_the_reason_when_the_registrar_refuses_the_password() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let _registrar = TestRegistrar::start_refusing(&world, &["alice"])
        .await
        .unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    login_without_browser(&world, &data_dir, "alice@acme.example", &[], &[], &[]).await;

    let mut register = cli(&world, &data_dir);
    register.args(["phone", "register", "--timeout", "20"]);
    let started = std::time::Instant::now();
    let (ok, out, err) = run(register);
    assert!(!ok, "{out}");
    assert!(out.contains("wrong SIP password"), "{out}");
    assert!(
        err.contains("not registered: 201 (alice)") && err.contains("office manager"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it did not wait for the timeout"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn register_says_when_the_registrar_cannot_be_reached() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let mut registrar = TestRegistrar::start_for(&world).await.unwrap();
    registrar.kamailio.stop();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    login_without_browser(&world, &data_dir, "alice@acme.example", &[], &[], &[]).await;

    let mut register = cli(&world, &data_dir);
    register.args(["phone", "register", "--timeout", "40"]);
    let (ok, out, err) = run(register);
    assert!(!ok, "{out}");
    assert!(out.contains("registrar unreachable, next try in"), "{out}");
    assert!(err.contains("Can't reach the phone system"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_says_at_once_when_an_administrator_signs_this_computer_out() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    login_without_browser(&world, &data_dir, "alice@acme.example", &[], &[], &[]).await;

    let mut watch = cli(&world, &data_dir);
    watch
        .arg("watch")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut watching = tokio::process::Command::from(watch)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(
        watching.stdout.take().unwrap(),
    ));
    let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("watch says it follows")
        .unwrap()
        .unwrap();
    assert_eq!(first, "Following Alice Archer for sign-outs and changes.");

    let started = std::time::Instant::now();
    world
        .admin()
        .await
        .unwrap()
        .account_sign_out("alice")
        .await
        .unwrap();
    let said = tokio::time::timeout(Duration::from_secs(5), lines.next_line())
        .await
        .expect("watch says why within 5 s")
        .unwrap()
        .unwrap();
    println!(
        "admin sign-out to `watch` saying so: {:?}",
        started.elapsed()
    );
    assert_eq!(
        said,
        "An administrator signed you out of Alice Archer on this computer."
    );
    let status = tokio::time::timeout(Duration::from_secs(5), watching.wait())
        .await
        .expect("watch ends with no account left")
        .unwrap();
    assert!(status.success());
    // Forgotten here, keychain entries and all.
    let mut accounts = cli(&world, &data_dir);
    accounts.arg("accounts");
    let (ok, out, _) = run(accounts);
    assert!(ok);
    assert!(out.contains("step: signed_out"), "{out}");
}
