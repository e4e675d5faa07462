//! The real app, started through tauri-driver + WebKitWebDriver. Each app gets its own
//! D-Bus session (single-instance would otherwise forward to another test's window) and
//! its own HOME (config, data, keyring).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::webdriver::Session;

pub struct App {
    pub session: Session,
    driver: Child,
    dbus: Child,
    _home: tempfile::TempDir,
}

/// The app binary `cargo xtask test` built (SWITCHBOARD_APP_BIN).
pub fn app_binary() -> Result<PathBuf> {
    let path = std::env::var_os("SWITCHBOARD_APP_BIN")
        .map(PathBuf::from)
        .context(
            "SWITCHBOARD_APP_BIN is not set: run the end-to-end tests through `cargo xtask test`",
        )?;
    if !path.is_file() {
        bail!(
            "the app is not built at {}: run `cargo xtask test`",
            path.display()
        );
    }
    Ok(path)
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A session bus that starts no services on demand: the desktop's own (xdg-desktop-portal,
/// which then waits 25 s for a keyring) would slow every start and leak between tests.
const SESSION_BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

fn start_session_bus(home: &Path) -> Result<(Child, String)> {
    use std::io::{BufRead, BufReader};
    let config = home.join("session-bus.conf");
    std::fs::write(&config, SESSION_BUS_CONFIG)?;
    let mut child = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start dbus-daemon (package dbus-daemon)")?;
    let stdout = child.stdout.take().context("no dbus-daemon output")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let address = line.trim().to_owned();
    if address.is_empty() {
        let _ = child.kill();
        bail!("dbus-daemon printed no address");
    }
    Ok((child, address))
}

impl App {
    /// Starts the app with these extra environment variables (e.g. the portal URL).
    pub async fn launch(env: &[(&str, &str)]) -> Result<Self> {
        let binary = app_binary()?;
        let home = tempfile::Builder::new()
            .prefix("switchboard-e2e-home")
            .tempdir()?;
        let (dbus, bus_address) = start_session_bus(home.path())?;
        let port = free_port()?;
        let native_port = free_port()?;
        let driver_path = std::env::var_os("TAURI_DRIVER").unwrap_or_else(|| "tauri-driver".into());
        let mut driver = Command::new(&driver_path);
        driver
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .env("XDG_DATA_HOME", home.path().join(".local/share"))
            .env("XDG_CACHE_HOME", home.path().join(".cache"))
            .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
            // WebKit's sandbox needs user namespaces a test container may not have.
            .env("WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS", "1")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null());
        for (key, value) in env {
            driver.env(key, value);
        }
        let mut driver = driver.spawn().with_context(|| {
            format!("cannot start tauri-driver ({driver_path:?}): `cargo xtask test` installs it")
        })?;
        let server = format!("http://127.0.0.1:{port}");
        wait_for_port(port, &mut driver).await?;
        let session = Session::start(
            &server,
            json!({
                "browserName": "wry",
                "tauri:options": { "application": binary },
            }),
        )
        .await;
        let session = match session {
            Ok(session) => session,
            Err(error) => {
                let _ = driver.kill();
                return Err(error);
            }
        };
        Ok(Self {
            session,
            driver,
            dbus,
            _home: home,
        })
    }

    /// Saves a screenshot under the target folder, for people to look at.
    pub async fn save_screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self.session.screenshot_png().await?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    pub async fn quit(mut self) -> Result<()> {
        let closed = self.session.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = self.dbus.kill();
        let _ = self.dbus.wait();
        closed
    }
}

fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("e2e-screenshots")
}

async fn wait_for_port(port: u16, driver: &mut Child) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if let Ok(Some(status)) = driver.try_wait() {
            bail!("tauri-driver exited ({status}) before listening");
        }
        if Instant::now() > deadline {
            bail!("tauri-driver did not listen on port {port} within 20 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
