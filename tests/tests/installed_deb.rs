//! The .deb as users get it: its desktop file registers the app's URL scheme, so
//! `xdg-open <scheme>://oauth/callback?…` (what a browser does) reaches the running app.
//! The package is unpacked into a folder that stands in for `/` (no root needed).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use switchboard_e2e::app::App;
use switchboard_e2e::browser::{Browser, RecordingBrowser};
use switchboard_e2e::world::World;

const WAIT: Duration = Duration::from_secs(30);
const SCHEME: &str = "example.switchboard.desktop";

fn built_deb() -> PathBuf {
    let path = std::env::var_os("SWITCHBOARD_DEB")
        .map(PathBuf::from)
        .expect("SWITCHBOARD_DEB is not set: run the end-to-end tests through `cargo xtask test`, which builds the .deb");
    assert!(path.is_file(), "no package at {}", path.display());
    path
}

fn unpack(deb: &Path, root: &Path) {
    let status = Command::new("dpkg-deb")
        .arg("-x")
        .arg(deb)
        .arg(root)
        .status()
        .unwrap();
    assert!(status.success(), "dpkg-deb -x failed");
    // What the package's trigger does on a real install.
    let status = Command::new("update-desktop-database")
        .arg(root.join("usr/share/applications"))
        .status()
        .unwrap();
    assert!(status.success(), "update-desktop-database failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_installed_package_receives_sign_in_links_through_xdg_open() {
    let deb = built_deb();
    let world = World::start("127.0.0.1:0").await.unwrap();
    let root = world.scratch_dir("package-root").unwrap();
    unpack(&deb, &root);

    let desktop_files: Vec<_> = std::fs::read_dir(root.join("usr/share/applications"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "desktop"))
        .collect();
    assert_eq!(desktop_files.len(), 1, "{desktop_files:?}");
    let desktop = std::fs::read_to_string(&desktop_files[0]).unwrap();
    assert!(
        desktop.contains(&format!("MimeType=x-scheme-handler/{SCHEME}")),
        "{desktop}"
    );
    assert!(
        desktop
            .lines()
            .any(|l| l.starts_with("Exec=") && l.ends_with(" %u") && !l.contains('"')),
        "{desktop}"
    );

    let scratch = world.scratch_dir("browser").unwrap();
    let recorder = RecordingBrowser::new(&scratch).unwrap();
    let portal = world.portal.to_string();
    let browser = recorder.script.display().to_string();
    let path = format!(
        "{}:{}",
        root.join("usr/bin").display(),
        std::env::var("PATH").unwrap()
    );
    let data_dirs = format!("{}:/usr/share", root.join("usr/share").display());
    // No SWITCHBOARD_REDIRECT: the app sees its scheme registered and uses it.
    let app = App::launch_binary(
        root.join("usr/bin/switchboard"),
        &[
            ("SWITCHBOARD_PORTAL_URL", &portal),
            ("SWITCHBOARD_BROWSER", &browser),
            ("PATH", &path),
            ("XDG_DATA_DIRS", &data_dirs),
        ],
    )
    .await
    .unwrap();

    let query = Command::new("xdg-mime")
        .args(["query", "default", &format!("x-scheme-handler/{SCHEME}")])
        .envs(app.env())
        .output()
        .unwrap();
    let handler = String::from_utf8_lossy(&query.stdout).trim().to_owned();
    assert_eq!(
        Some(handler.as_str()),
        desktop_files[0].file_name().and_then(|n| n.to_str())
    );

    let session = &app.session;
    session.wait_until_connected(WAIT).await.unwrap();
    session
        .click_first("button[data-provider=\"google\"]")
        .await
        .unwrap();
    let authorize = recorder.wait_for_url(WAIT).await.unwrap();
    let link = Browser::new()
        .sign_in(&authorize, "alice@acme.example", &[])
        .await
        .unwrap();
    assert_eq!(
        link.scheme(),
        SCHEME,
        "the registered scheme is used: {link}"
    );

    // What the browser does with the link.
    let status = Command::new("xdg-open")
        .arg(link.as_str())
        .envs(app.env())
        .status()
        .unwrap();
    assert!(status.success(), "xdg-open failed");
    session
        .wait_for(
            "#ready-extension",
            WAIT,
            |text, _| text.contains("201"),
            "id",
        )
        .await
        .unwrap();
    app.quit().await.unwrap();
}
