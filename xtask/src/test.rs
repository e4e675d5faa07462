//! `cargo xtask test`: fmt, clippy, the front end's checks and unit tests, then every Rust
//! test (keychain and real-window tests included) under Xvfb in a private D-Bus session
//! with an unlocked gnome-keyring. Ends with one `summary: N passed, N failed` line.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::setup;
use crate::shell::{cargo, cmd, run as run_command};
use crate::{target_dir, workspace_root};

#[derive(clap::Args)]
pub struct TestArgs {
    /// Skip the end-to-end tests that drive the app window.
    #[arg(long)]
    pub no_e2e: bool,
}

#[derive(Default)]
struct Tally {
    checks_passed: Vec<&'static str>,
    checks_failed: Vec<&'static str>,
    tests_passed: u64,
    tests_failed: u64,
}

impl Tally {
    fn check(&mut self, name: &'static str, result: Result<()>) -> bool {
        match result {
            Ok(()) => {
                self.checks_passed.push(name);
                true
            }
            Err(error) => {
                eprintln!("xtask: {name} FAILED: {error:#}");
                self.checks_failed.push(name);
                false
            }
        }
    }

    fn add_junit(&mut self, path: &Path) {
        match junit_counts(path) {
            Some((tests, failed)) => {
                self.tests_passed += tests.saturating_sub(failed);
                self.tests_failed += failed;
            }
            None => eprintln!("xtask: no test report at {}", path.display()),
        }
    }
}

/// `tests` and `failures + errors` of a JUnit report's first element that carries them.
fn junit_counts(path: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(path).ok()?;
    let start = text.find("<testsuites")?;
    let head = &text[start..start + text[start..].find('>')?];
    let attribute = |name: &str| -> u64 {
        let key = format!(" {name}=\"");
        head.find(&key)
            .and_then(|at| {
                let rest = &head[at + key.len()..];
                rest[..rest.find('"')?].parse().ok()
            })
            .unwrap_or(0)
    };
    Some((
        attribute("tests"),
        attribute("failures") + attribute("errors"),
    ))
}

pub fn run(args: TestArgs) -> Result<()> {
    let mut packages = setup::APP_PACKAGES.to_vec();
    packages.extend_from_slice(setup::TEST_PACKAGES);
    setup::ensure_system_packages(&packages)?;
    setup::ensure_ui_packages()?;
    setup::ensure_nextest()?;
    let tauri_driver = if args.no_e2e {
        None
    } else {
        setup::ensure_tauri_cli()?;
        Some(setup::ensure_tauri_driver()?)
    };

    let root = workspace_root();
    let ui = root.join("ui");
    let target = target_dir();
    let mut tally = Tally::default();

    tally.check(
        "cargo fmt",
        run_command(
            cargo()
                .args(["fmt", "--all", "--", "--check"])
                .current_dir(&root),
        ),
    );
    // The app embeds ui/dist, so the UI is built before anything compiles it.
    let ui_built = tally.check("ui build", setup::build_ui());
    tally.check(
        "ui type check",
        run_command(cmd("npm").args(["run", "check"]).current_dir(&ui)),
    );
    tally.check(
        "ui lint",
        run_command(cmd("npm").args(["run", "lint"]).current_dir(&ui)),
    );
    let vitest_report = target.join("vitest-junit.xml");
    let _ = std::fs::remove_file(&vitest_report);
    let vitest = run_command(
        cmd("npm")
            .args([
                "run",
                "test",
                "--",
                "--reporter=default",
                "--reporter=junit",
            ])
            .arg(format!("--outputFile.junit={}", vitest_report.display()))
            .current_dir(&ui),
    );
    tally.add_junit(&vitest_report);
    if vitest.is_err() && junit_counts(&vitest_report).is_none() {
        tally.check("ui unit tests", vitest);
    }

    if ui_built {
        tally.check(
            "cargo clippy",
            run_command(
                cargo()
                    .args(["clippy", "--workspace", "--all-targets"])
                    .args(["--features", "switchboard-app/custom-protocol"])
                    .args(["--", "-D", "warnings"])
                    .current_dir(&root),
            ),
        );
        // One build with the exact feature set nextest uses, so nothing compiles twice.
        let app_built = tally.check(
            "build",
            run_command(
                cargo()
                    .args(["build", "--workspace", "--all-targets"])
                    .args(["--features", "switchboard-app/custom-protocol"])
                    .current_dir(&root),
            ),
        );
        // The .deb as users install it (its desktop file registers the URL scheme).
        let deb = if app_built && !args.no_e2e {
            let mut deb = None;
            let built = setup::build_deb(&target).map(|path| deb = Some(path));
            tally.check("deb package", built);
            deb
        } else {
            None
        };
        if app_built {
            // nextest keeps its reports under the workspace's own target/, whatever
            // CARGO_TARGET_DIR says.
            let report = root
                .join("target")
                .join("nextest")
                .join("default")
                .join("junit.xml");
            let _ = std::fs::remove_file(&report);
            let result = run_rust_tests(
                &root,
                &target,
                tauri_driver.as_deref(),
                deb.as_deref(),
                args.no_e2e,
            );
            tally.add_junit(&report);
            if result.is_err() && junit_counts(&report).is_none() {
                tally.check("rust tests", result);
            }
        }
    }

    eprintln!();
    eprintln!("checks passed: {}", tally.checks_passed.join(", "));
    if !tally.checks_failed.is_empty() {
        eprintln!("checks FAILED: {}", tally.checks_failed.join(", "));
    }
    let passed = tally.tests_passed + tally.checks_passed.len() as u64;
    let failed = tally.tests_failed + tally.checks_failed.len() as u64;
    println!("summary: {passed} passed, {failed} failed");
    if failed > 0 {
        bail!("{failed} failed");
    }
    Ok(())
}

/// nextest inside Xvfb and a private D-Bus session whose gnome-keyring is unlocked. HOME is
/// a fresh folder (a stale, locked login keyring would refuse every test); cargo's and
/// rustup's homes are pinned first so the toolchain is still found.
fn run_rust_tests(
    root: &Path,
    target: &Path,
    tauri_driver: Option<&Path>,
    deb: Option<&Path>,
    no_e2e: bool,
) -> Result<()> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".cargo"));
    let rustup_home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".rustup"));
    let mut nextest = String::from(
        "cargo nextest run --workspace --features switchboard-app/custom-protocol --no-tests=fail",
    );
    if no_e2e {
        nextest.push_str(" --exclude switchboard-e2e");
    }
    let script = format!(
        "set -e; export HOME=\"$(mktemp -d)\"; \
         eval \"$(printf 'switchboard' | gnome-keyring-daemon --unlock --components=secrets)\"; \
         export GNOME_KEYRING_CONTROL; \
         exec {nextest}"
    );
    let mut command = cmd("xvfb-run");
    command
        .args(["--auto-servernum", "--server-args=-screen 0 1280x1024x24"])
        .args(["dbus-run-session", "--", "sh", "-c", &script])
        .current_dir(root)
        .env("CARGO_HOME", cargo_home)
        .env("RUSTUP_HOME", rustup_home)
        .env("CARGO_TARGET_DIR", target)
        .env(
            "SWITCHBOARD_APP_BIN",
            target.join("debug").join("switchboard"),
        );
    if let Some(driver) = tauri_driver {
        command.env("TAURI_DRIVER", driver);
    }
    if let Some(deb) = deb {
        command.env("SWITCHBOARD_DEB", deb);
    }
    run_command(&mut command)
}
