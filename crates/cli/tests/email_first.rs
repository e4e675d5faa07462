//! `switchboard-cli login --email`: the provider the work email's domain has.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

use switchboard_e2e::world::World;
use switchboard_portal::store::NewOrganization;

/// Initech enabled only Acme's company provider for initech.example.
async fn add_single_provider_organization(world: &World) {
    let store = world.database().await.unwrap();
    store
        .insert_organization_with_accounts(
            &NewOrganization {
                id: "initech",
                name: "Initech",
                require_totp_for_sso: false,
                session_idle_seconds: 3600,
                session_absolute_seconds: 86_400,
                providers: &[("acme-sso", "initech.example")],
            },
            &[],
            0,
        )
        .await
        .unwrap();
    store.close().await;
}

fn cli(world: &switchboard_e2e::world::World, data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard-cli"));
    command
        .env("SWITCHBOARD_PORTAL_URL", world.portal.as_str())
        .env("SWITCHBOARD_DATA_DIR", data_dir)
        .env_remove("BROWSER")
        .stdin(Stdio::null());
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_signs_in_by_work_email() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    let run = |args: &[&str]| {
        let output = cli(&world, &data_dir).args(args).output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };

    // Several providers: the CLI lists them and says how to choose.
    let (ok, _, err) = run(&["login", "--email", "tom@acme.example", "--no-browser"]);
    assert!(!ok);
    assert!(err.contains("--provider"), "{err}");
    assert!(err.contains("acme-sso (Acme SSO)"), "{err}");

    // No single sign-on for the domain: what to do instead.
    let (ok, _, err) = run(&[
        "login",
        "--email",
        "someone@unknown.example",
        "--no-browser",
    ]);
    assert!(!ok);
    assert!(
        err.contains("No single sign-on is set up for unknown.example")
            && err.contains("--username"),
        "{err}"
    );

    let (ok, _, err) = run(&["login", "--email", "garbage", "--no-browser"]);
    assert!(!ok);
    assert!(
        err.contains("Enter your work email address") && err.contains("invalid_request"),
        "{err}"
    );

    // One provider: started at once with the email as hint.
    add_single_provider_organization(&world).await;
    let mut login = cli(&world, &data_dir);
    login
        .args(["login", "--email", "peter@initech.example", "--no-browser"])
        .stdout(Stdio::piped());
    let mut child = login.spawn().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut stdout, &mut line).unwrap() > 0 {
        printed.push_str(&line);
        if line.starts_with("Then paste") {
            break;
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(printed.contains("sign in with Acme SSO"), "{printed}");
    assert!(printed.contains("provider=acme-sso"), "{printed}");
    assert!(
        printed.contains("login_hint=peter%40initech.example"),
        "{printed}"
    );
}
