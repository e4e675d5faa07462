//! `switchboard-cli` driven by a script, as a person would in a terminal without a browser
//! on that machine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{cli, login_without_browser, run};

use std::process::{Command, Stdio};

use switchboard_e2e::world::World;

#[tokio::test(flavor = "multi_thread")]
async fn login_without_a_browser_status_and_logout() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();

    let rest = login_without_browser(&world, &data_dir, "alice@acme.example", &[], &[], &[]).await;
    assert!(rest.contains("step: signed_in"), "{rest}");
    assert!(rest.contains("extension 201 on sip.acme.example"), "{rest}");

    let mut status = cli(&world, &data_dir);
    status.arg("status");
    let (ok, out, err) = run(status);
    assert!(ok, "{err}");
    assert!(
        out.contains("step: signed_in") && out.contains("Alice Archer"),
        "{out}"
    );

    // Without a keychain the CLI says what to do instead of failing obscurely.
    let mut no_keychain = cli(&world, &data_dir);
    no_keychain
        .arg("status")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let (ok, _, err) = run(no_keychain);
    assert!(!ok);
    assert!(
        err.contains("keychain") && err.contains("no_keychain"),
        "{err}"
    );

    let mut logout = cli(&world, &data_dir);
    logout.arg("logout");
    let (ok, out, err) = run(logout);
    assert!(ok, "{err}");
    assert!(out.contains("step: signed_out"), "{out}");

    let mut status = cli(&world, &data_dir);
    status.arg("status");
    let (_, out, _) = run(status);
    assert!(out.contains("step: signed_out"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_provider_is_a_clear_error() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    let mut login = cli(&world, &data_dir);
    login
        .args(["login", "--provider", "myspace", "--no-browser"])
        .stdin(Stdio::null());
    let (ok, _, err) = run(login);
    assert!(!ok);
    assert!(
        err.contains("myspace") && err.contains("unknown_provider"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_keychain_is_a_clear_error() {
    use switchboard_e2e::app::{start_keyring, start_session_bus};
    let world = World::start("127.0.0.1:0").await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    // A desktop of its own: bus, HOME and keyring, so locking it disturbs no other test.
    let home = world.scratch_dir("home").unwrap();
    let (mut bus, address) = start_session_bus(&home).unwrap();
    let env = vec![
        ("HOME".to_owned(), home.display().to_string()),
        ("DBUS_SESSION_BUS_ADDRESS".to_owned(), address.clone()),
    ];
    start_keyring(&env).unwrap();
    let on_desktop = |mut command: Command| {
        command.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command
    };

    let desktop: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    login_without_browser(&world, &data_dir, "alice@acme.example", &[], &desktop, &[]).await;

    // The user's keyring gets locked (screen lock, another program).
    let locked = Command::new("busctl")
        .args([
            "--user",
            "call",
            "org.freedesktop.secrets",
            "/org/freedesktop/secrets",
        ])
        .args(["org.freedesktop.Secret.Service", "Lock", "ao", "1"])
        .arg("/org/freedesktop/secrets/collection/login")
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .status()
        .unwrap();
    assert!(locked.success());

    let mut status = on_desktop(cli(&world, &data_dir));
    status.arg("status");
    let (ok, out, err) = run(status);
    assert!(!ok, "{out}");
    assert!(err.contains("locked") && err.contains("Unlock it"), "{err}");
    assert!(err.contains("keychain_locked"), "{err}");
    // Nothing was thrown away: the account is still remembered for when it is unlocked.
    let accounts = std::fs::read_dir(data_dir.join("portals")).unwrap().count();
    assert_eq!(accounts, 1);
    let _ = bus.kill();
    let _ = bus.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn choose_an_account_sign_in_another_switch_and_log_out_of_all() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();

    // adam@ reaches two accounts: the CLI lists them and asks.
    let out = login_without_browser(&world, &data_dir, "adam@acme.example", &[], &[], &["2"]).await;
    assert!(out.contains("step: choose_account"), "{out}");
    assert!(out.contains("shared by several accounts"), "{out}");
    assert!(out.contains("1. Adam Assistant (extension 211"), "{out}");
    assert!(out.contains("2. Maria Manager (extension 210"), "{out}");
    assert!(out.contains("extension 210 on sip.acme.example"), "{out}");

    // A second account on the same computer.
    let out = login_without_browser(&world, &data_dir, "alice@acme.example", &[], &[], &[]).await;
    assert!(out.contains("extension 201"), "{out}");

    let mut accounts = cli(&world, &data_dir);
    accounts.arg("accounts");
    let (ok, out, err) = run(accounts);
    assert!(ok, "{err}");
    assert!(
        out.contains("  Maria Manager (maria, extension 210"),
        "{out}"
    );
    assert!(
        out.contains("* Alice Archer (alice, extension 201"),
        "{out}"
    );

    // Switch by extension: no browser, the softphone is provisioned for Maria.
    let mut switch = cli(&world, &data_dir);
    switch.args(["switch", "210"]);
    let (ok, out, err) = run(switch);
    assert!(ok, "{err}");
    assert!(out.contains("Signed in as Maria Manager"), "{out}");
    assert!(out.contains("extension 210 on sip.acme.example"), "{out}");
    let mut status = cli(&world, &data_dir);
    status.arg("status");
    let (_, out, _) = run(status);
    assert!(out.contains("Maria Manager"), "{out}");

    let mut unknown = cli(&world, &data_dir);
    unknown.args(["switch", "tom"]);
    let (ok, _, err) = run(unknown);
    assert!(!ok);
    assert!(
        err.contains("no account \"tom\" is signed in here"),
        "{err}"
    );

    let mut logout = cli(&world, &data_dir);
    logout.args(["logout", "--all"]);
    let (ok, out, err) = run(logout);
    assert!(ok, "{err}");
    assert!(
        out.contains("Signed out Maria Manager") && out.contains("Signed out Alice Archer"),
        "{out}"
    );
    let mut accounts = cli(&world, &data_dir);
    accounts.arg("accounts");
    let (_, out, _) = run(accounts);
    assert!(out.contains("step: signed_out"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn link_an_unlinked_sign_in_with_the_password_read_from_the_environment() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    let out = login_without_browser(
        &world,
        &data_dir,
        "newbie@gmail.com",
        &["--username", "maria"],
        &[("SWITCHBOARD_PASSWORD", "maria-demo-pass")],
        &[],
    )
    .await;
    assert!(out.contains("step: link_account"), "{out}");
    assert!(out.contains("(newbie@gmail.com) is not linked"), "{out}");
    assert!(out.contains("Signed in as Maria Manager"), "{out}");
}
