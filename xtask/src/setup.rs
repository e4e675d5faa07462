//! Installing what a fresh Debian/Ubuntu machine lacks: system packages (when root; else
//! the one sudo command to run), the front end's npm packages (the Tauri CLI among them),
//! tauri-driver.

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::shell::{cargo, cmd, is_root, on_path, run};
use crate::workspace_root;

/// Building and running the app (WebKitGTK, GTK, a compiler).
pub const APP_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "file",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libsoup-3.0-dev",
    "libssl-dev",
    "libdbus-1-dev",
    "xdg-utils",
    "desktop-file-utils",
    // The call engine the app drives (crates/phone).
    "baresip-core",
];

/// Testing: a headless display, D-Bus sessions, a Secret Service, the WebKit WebDriver,
/// PostgreSQL (the portal's tests run on it too), Kamailio with its TLS and database
/// modules (the SIP registrar of crates/sip's and crates/kamailio's tests; the same as
/// `crate::kamailio::PACKAGES`, which a test keeps in step).
pub const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "dbus",
    "dbus-daemon",
    "dbus-x11",
    "gnome-keyring",
    "webkit2gtk-driver",
    crate::postgres::PACKAGE,
    "kamailio",
    "kamailio-tls-modules",
    "kamailio-sqlite-modules",
    "kamailio-postgres-modules",
];

fn is_installed(package: &str) -> bool {
    cmd("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

pub fn ensure_system_packages(packages: &[&str]) -> Result<()> {
    if !on_path("dpkg-query") {
        eprintln!(
            "xtask: this is not a Debian/Ubuntu system; make sure the equivalents of these are installed: {}",
            packages.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|package| !is_installed(package))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        bail!(
            "these system packages are missing; install them, then run this again:\n\n    sudo apt-get install -y {}\n",
            missing.join(" ")
        );
    }
    eprintln!("xtask: installing system packages: {}", missing.join(" "));
    run(cmd("apt-get").args(["update", "-qq"]))?;
    run(cmd("apt-get")
        .args(["install", "-y", "-qq"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// `npm ci` when node_modules is missing or older than the lock file.
pub fn ensure_ui_packages() -> Result<()> {
    if !on_path("npm") {
        bail!("npm is missing: install Node.js 20.19 or newer (Debian: `apt-get install nodejs npm`, or from nodejs.org), then run this again");
    }
    let ui = workspace_root().join("ui");
    let lock = ui.join("package-lock.json");
    let installed = ui.join("node_modules").join(".package-lock.json");
    if is_newer(&installed, &lock) {
        return Ok(());
    }
    run(cmd("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&ui))
}

fn is_newer(file: &Path, than: &Path) -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    match (modified(file), modified(than)) {
        (Some(a), Some(b)) => a >= b,
        _ => false,
    }
}

pub fn build_ui() -> Result<()> {
    run(cmd("npm")
        .args(["run", "build"])
        .current_dir(workspace_root().join("ui")))
}

/// tauri-driver bridges WebDriver to WebKitWebDriver; installed with cargo when missing.
pub fn ensure_tauri_driver() -> Result<std::path::PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let installed = cargo_home.join("bin").join("tauri-driver");
    if installed.is_file() {
        return Ok(installed);
    }
    if on_path("tauri-driver") {
        return Ok("tauri-driver".into());
    }
    run(cargo().args(["install", "tauri-driver", "--locked", "--version", "^2"]))?;
    Ok(installed)
}

pub fn ensure_nextest() -> Result<()> {
    let present = cargo()
        .args(["nextest", "--version"])
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    if present {
        return Ok(());
    }
    run(cargo().args(["install", "cargo-nextest", "--locked"]))
}

/// The Tauri CLI bundles the .deb; `ensure_ui_packages` installs it (npm).
pub fn ensure_tauri_cli() -> Result<()> {
    let cli = tauri_cli();
    if cli.is_file() {
        return Ok(());
    }
    bail!(
        "the Tauri CLI is missing from the front end's npm packages ({}): run `npm ci` in ui/",
        cli.display()
    )
}

/// The Tauri CLI, prebuilt, from the npm package `@tauri-apps/cli` (a devDependency of the
/// front end): seconds to install, where `cargo install tauri-cli` compiles for minutes.
fn tauri_cli() -> std::path::PathBuf {
    workspace_root()
        .join("ui")
        .join("node_modules")
        .join(".bin")
        .join("tauri")
}

/// Cargo profiles the app and its .deb are built with: `release` for the tests (thin LTO, a
/// few minutes less per build), `dist` as the app is distributed and measured (Cargo.toml).
#[derive(Debug, Clone, Copy)]
pub enum AppProfile {
    Release,
    Dist,
}

impl AppProfile {
    fn name(self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Dist => "dist",
        }
    }
}

/// Builds the app and its .deb with `profile`; returns the package's path (the binary is
/// `<target>/<profile>/switchboard`).
pub fn build_deb(target: &Path, profile: AppProfile) -> Result<std::path::PathBuf> {
    ensure_tauri_cli()?;
    run(cmd(tauri_cli())
        .args(["build", "--bundles", "deb", "--ci"])
        .args(["--", "--profile", profile.name()])
        .current_dir(workspace_root()))?;
    let dir = target.join(profile.name()).join("bundle").join("deb");
    let newest = std::fs::read_dir(&dir)
        .with_context(|| format!("no packages in {}", dir.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "deb"))
        .max_by_key(|path| std::fs::metadata(path).and_then(|m| m.modified()).ok());
    newest.with_context(|| format!("tauri build made no .deb in {}", dir.display()))
}
