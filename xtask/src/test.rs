//! `cargo xtask test`: fmt, clippy, the front end's checks and unit tests, then every Rust
//! test (keychain and real-window tests included) under Xvfb in a private D-Bus session
//! with an unlocked gnome-keyring; then the portal's and client's tests once more on a
//! throwaway PostgreSQL cluster. Ends with one `summary: N passed, N failed` line.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::postgres::TempCluster;
use crate::setup;
use crate::shell::{cargo, cmd, run as run_command};
use crate::{target_dir, workspace_root};

#[derive(clap::Args)]
pub struct TestArgs {
    /// Skip the end-to-end tests that drive the app window.
    #[arg(long)]
    pub no_e2e: bool,
    /// Skip the second run of the portal's and client's tests on PostgreSQL (they then run
    /// on SQLite only).
    #[arg(long)]
    pub no_postgres: bool,
}

/// Set to the admin URL of a PostgreSQL cluster for the second run: the tests that read it
/// make their databases there instead of in SQLite files.
pub const POSTGRES_ENV: &str = "SWITCHBOARD_TEST_POSTGRES";

/// What runs again on PostgreSQL: the portal's tests (the two-instance tests among them)
/// and the client's tests over HTTP.
const POSTGRES_FILTER: &str =
    "package(switchboard-portal) | package(switchboard-desktop) | package(switchboard-cli) | package(switchboard-kamailio)";

#[derive(Default)]
struct Tally {
    checks_passed: Vec<&'static str>,
    checks_failed: Vec<&'static str>,
    tests_passed: u64,
    tests_failed: u64,
    /// One `rust tests on <backend>: N passed, M failed` line per run of nextest.
    backends: Vec<String>,
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

    /// Adds a JUnit report's counts; returns them as (passed, failed).
    fn add_junit(&mut self, path: &Path) -> Option<(u64, u64)> {
        match junit_counts(path) {
            Some((tests, failed)) => {
                let passed = tests.saturating_sub(failed);
                self.tests_passed += passed;
                self.tests_failed += failed;
                Some((passed, failed))
            }
            None => {
                eprintln!("xtask: no test report at {}", path.display());
                None
            }
        }
    }

    /// A run of nextest on one database: its report's counts, or, when it made no report
    /// (it did not build, the cluster did not start), its error as a failed check.
    fn rust_tests(
        &mut self,
        backend: &'static str,
        check: &'static str,
        report: &Path,
        result: Result<()>,
    ) {
        match self.add_junit(report) {
            Some((passed, failed)) => self.backends.push(format!(
                "rust tests on {backend}: {passed} passed, {failed} failed"
            )),
            None => {
                let result = result.and_then(|()| bail!("nextest made no report"));
                self.check(check, result);
                self.backends
                    .push(format!("rust tests on {backend}: did not run"));
            }
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
            let built =
                setup::build_deb(&target, setup::AppProfile::Release).map(|path| deb = Some(path));
            tally.check("deb package", built);
            deb
        } else {
            None
        };
        if app_built {
            let tests = RustTests {
                root: &root,
                target: &target,
                tauri_driver: tauri_driver.as_deref(),
                deb: deb.as_deref(),
                no_e2e: args.no_e2e,
            };
            let report = nextest_report(&root, "default");
            let _ = std::fs::remove_file(&report);
            let result = tests.run(&[], None);
            tally.rust_tests("SQLite", "rust tests", &report, result);

            if !args.no_postgres {
                // Its own nextest profile, so its report does not replace the first one.
                let report = nextest_report(&root, "postgres");
                let _ = std::fs::remove_file(&report);
                // From here on Ctrl-C stops nextest (it gets the signal too) but not xtask,
                // which then stops and deletes the cluster (its server is not in our process
                // group, so nothing else would) and prints the summary.
                let _ = ctrlc::set_handler(|| eprintln!("xtask: interrupted"));
                // The cluster lives only for this run; dropping it stops it, also on errors.
                let result = TempCluster::start().and_then(|cluster| {
                    eprintln!("xtask: the portal's and client's tests again, on PostgreSQL");
                    tests.run(
                        &["--profile", "postgres", "-E", POSTGRES_FILTER],
                        Some(&cluster.url()),
                    )
                });
                tally.rust_tests("PostgreSQL", "rust tests on PostgreSQL", &report, result);
            }
        }
    }

    eprintln!();
    eprintln!("checks passed: {}", tally.checks_passed.join(", "));
    if !tally.checks_failed.is_empty() {
        eprintln!("checks FAILED: {}", tally.checks_failed.join(", "));
    }
    for line in &tally.backends {
        println!("{line}");
    }
    let passed = tally.tests_passed + tally.checks_passed.len() as u64;
    let failed = tally.tests_failed + tally.checks_failed.len() as u64;
    println!("summary: {passed} passed, {failed} failed");
    if failed > 0 {
        bail!("{failed} failed");
    }
    Ok(())
}

/// nextest's JUnit report of a profile: under the workspace's own target/, whatever
/// CARGO_TARGET_DIR says.
fn nextest_report(root: &Path, profile: &str) -> PathBuf {
    root.join("target")
        .join("nextest")
        .join(profile)
        .join("junit.xml")
}

/// What every run of the Rust tests shares.
struct RustTests<'a> {
    root: &'a Path,
    target: &'a Path,
    tauri_driver: Option<&'a Path>,
    deb: Option<&'a Path>,
    no_e2e: bool,
}

impl RustTests<'_> {
    /// nextest inside Xvfb and a private D-Bus session whose gnome-keyring is unlocked. HOME
    /// is a fresh folder (a stale, locked login keyring would refuse every test); cargo's
    /// and rustup's homes are pinned first so the toolchain is still found. `extra` goes to
    /// nextest; `postgres`, an admin URL, is handed to the tests in SWITCHBOARD_TEST_POSTGRES
    /// (never inherited, so the first run is on SQLite whatever the caller's environment).
    /// Every run builds the same workspace with the same features, so nothing recompiles.
    fn run(&self, extra: &[&str], postgres: Option<&str>) -> Result<()> {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".cargo"));
        let rustup_home = std::env::var_os("RUSTUP_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".rustup"));
        let script = "set -e; export HOME=\"$(mktemp -d)\"; \
             eval \"$(printf 'switchboard' | gnome-keyring-daemon --unlock --components=secrets)\"; \
             export GNOME_KEYRING_CONTROL; \
             exec \"$@\"";
        let mut command = cmd("xvfb-run");
        command
            .args(["--auto-servernum", "--server-args=-screen 0 1280x1024x24"])
            .args(["dbus-run-session", "--", "sh", "-c", script, "sh"])
            .args(["cargo", "nextest", "run", "--workspace"])
            .args([
                "--features",
                "switchboard-app/custom-protocol",
                "--no-tests=fail",
            ]);
        if self.no_e2e {
            command.args(["--exclude", "switchboard-e2e"]);
        }
        command
            .args(extra)
            .current_dir(self.root)
            .env("CARGO_HOME", cargo_home)
            .env("RUSTUP_HOME", rustup_home)
            .env("CARGO_TARGET_DIR", self.target)
            .env(
                "SWITCHBOARD_APP_BIN",
                self.target.join("debug").join("switchboard"),
            )
            .env_remove(POSTGRES_ENV);
        if let Some(url) = postgres {
            command.env(POSTGRES_ENV, url);
        }
        if let Some(driver) = self.tauri_driver {
            command.env("TAURI_DRIVER", driver);
        }
        if let Some(deb) = self.deb {
            command.env("SWITCHBOARD_DEB", deb);
        }
        run_command(&mut command)
    }
}
