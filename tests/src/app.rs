//! The real app, started through tauri-driver + WebKitWebDriver. Each app gets its own
//! D-Bus session (single-instance would otherwise forward to another test's window) and
//! its own HOME (config, data, keyring).

use std::os::unix::process::CommandExt;
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
    server: String,
    binary: PathBuf,
    /// What the app process sees: its HOME, session bus, display, extra variables.
    env: Vec<(String, String)>,
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

/// A private session bus; returns the daemon and its address.
pub fn start_session_bus(home: &Path) -> Result<(Child, String)> {
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
        Self::launch_binary(app_binary()?, env).await
    }

    /// The app pointed at the world's portal, opening `browser` for sign-ins, showing the
    /// connected sign-in screen. `redirect`: the app's SWITCHBOARD_REDIRECT.
    pub async fn launch_for(
        world: &crate::world::World,
        browser: &crate::browser::RecordingBrowser,
        redirect: &str,
    ) -> Result<Self> {
        Self::launch_for_with(world, browser, redirect, &[]).await
    }

    /// As `launch_for`, with these environment variables too.
    pub async fn launch_for_with(
        world: &crate::world::World,
        browser: &crate::browser::RecordingBrowser,
        redirect: &str,
        extra: &[(&str, &str)],
    ) -> Result<Self> {
        let portal = world.portal.to_string();
        let script = browser.script.display().to_string();
        let mut env = vec![
            ("SWITCHBOARD_PORTAL_URL", portal.as_str()),
            ("SWITCHBOARD_BROWSER", script.as_str()),
            ("SWITCHBOARD_REDIRECT", redirect),
        ];
        env.extend_from_slice(extra);
        let app = Self::launch(&env).await?;
        app.session
            .wait_until_connected(Duration::from_secs(30))
            .await?;
        Ok(app)
    }

    /// As `launch`, for another build of the app (the one a package installed).
    pub async fn launch_binary(binary: PathBuf, env: &[(&str, &str)]) -> Result<Self> {
        let home = tempfile::Builder::new()
            .prefix("switchboard-e2e-home")
            .tempdir()?;
        let (mut dbus, bus_address) = start_session_bus(home.path())?;
        let port = free_port()?;
        let native_port = free_port()?;
        let driver_path = std::env::var_os("TAURI_DRIVER").unwrap_or_else(|| "tauri-driver".into());
        let mut app_env: Vec<(String, String)> = vec![
            ("HOME".into(), home.path().display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                home.path().join(".config").display().to_string(),
            ),
            (
                "XDG_DATA_HOME".into(),
                home.path().join(".local/share").display().to_string(),
            ),
            (
                "XDG_CACHE_HOME".into(),
                home.path().join(".cache").display().to_string(),
            ),
            ("DBUS_SESSION_BUS_ADDRESS".into(), bus_address.clone()),
            // WebKit's sandbox needs user namespaces a test container may not have.
            (
                "WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS".into(),
                "1".into(),
            ),
            ("RUST_LOG".into(), "info".into()),
        ];
        app_env.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        start_keyring(&app_env)?;
        let mut driver = Command::new(&driver_path);
        driver
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .envs(app_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            // Its own process group, so the driver, WebKitWebDriver and the app go together.
            .process_group(0)
            .stdout(Stdio::null());
        let mut driver = driver.spawn().with_context(|| {
            format!("cannot start tauri-driver ({driver_path:?}): `cargo xtask test` installs it")
        })?;
        let server = format!("http://127.0.0.1:{port}");
        wait_for_port(port, &mut driver).await?;
        // tauri-driver forwards the new session to WebKitWebDriver, which it starts itself
        // and which may still be starting on a busy machine: wait for it too.
        wait_for_port(native_port, &mut driver).await?;
        let session = Session::start(&server, capabilities(&binary)).await;
        let session = match session {
            Ok(session) => session,
            Err(error) => {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", driver.id())])
                    .status();
                let _ = driver.wait();
                let _ = dbus.kill();
                let _ = dbus.wait();
                return Err(error);
            }
        };
        Ok(Self {
            session,
            driver,
            dbus,
            server,
            binary,
            env: app_env,
            _home: home,
        })
    }

    /// Quits the app and starts it again on the same machine: same HOME, data folder,
    /// keychain and session bus.
    pub async fn restart(mut self) -> Result<Self> {
        // WebKitWebDriver runs one session at a time: the old window goes first, and the
        // old process must be gone from the bus, or the new one would hand over to it.
        self.session.close().await?;
        self.wait_until_no_instance().await?;
        self.session = Session::start(&self.server, capabilities(&self.binary)).await?;
        Ok(self)
    }

    /// Waits until no app instance holds its single-instance name on this app's bus.
    async fn wait_until_no_instance(&self) -> Result<()> {
        let bus = self
            .env
            .iter()
            .find(|(k, _)| k == "DBUS_SESSION_BUS_ADDRESS")
            .map(|(_, v)| v.clone())
            .context("no bus")?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let names = Command::new("dbus-send")
                .args(["--session", "--print-reply", "--dest=org.freedesktop.DBus"])
                .args(["/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"])
                .env("DBUS_SESSION_BUS_ADDRESS", &bus)
                .output()
                .context("cannot run dbus-send")?;
            if !String::from_utf8_lossy(&names.stdout).contains("SingleInstance") {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the previous app instance did not quit within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Hands the app a link the way the OS does: a second app process started with the
    /// URL, which forwards it to the running window (single instance) and exits.
    pub fn deliver_link(&self, url: &str) -> Result<()> {
        let status = Command::new(&self.binary)
            .arg(url)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("cannot start the second app process")?;
        if !status.success() {
            bail!("the second app process exited with {status}");
        }
        Ok(())
    }

    /// The app's environment, for programs run "on the same desktop" (xdg-open).
    pub fn env(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The call engine's log (baresip's, with its SIP trace when the test asked for one),
    /// for a failed call test to print: empty when no engine started.
    pub fn engine_log(&self) -> String {
        let data = self._home.path().join(".local/share");
        std::fs::read_dir(&data)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("engine").join("baresip.log"))
            .find_map(|log| std::fs::read_to_string(log).ok())
            .unwrap_or_default()
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

    pub async fn quit(self) -> Result<()> {
        // The rest is cleaned up on drop.
        self.session.close().await
    }
}

impl Drop for App {
    /// Whatever happened to the test: tauri-driver, WebKitWebDriver and the app (one
    /// process group), then the bus (its keyring daemon leaves with it).
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = self.dbus.kill();
        let _ = self.dbus.wait();
    }
}

fn capabilities(binary: &Path) -> serde_json::Value {
    json!({
        "browserName": "wry",
        "tauri:options": { "application": binary },
    })
}

/// gnome-keyring's Secret Service on the app's own bus, unlocked with a throwaway password.
pub fn start_keyring(env: &[(String, String)]) -> Result<()> {
    use std::io::Write;
    let mut keyring = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start gnome-keyring-daemon (package gnome-keyring)")?;
    if let Some(mut stdin) = keyring.stdin.take() {
        stdin.write_all(b"switchboard-e2e")?;
    }
    // It forks into the background once the keyring is unlocked.
    keyring.wait()?;
    Ok(())
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
            bail!("tauri-driver exited ({status}) before port {port} listened");
        }
        if Instant::now() > deadline {
            bail!(
                "nothing listened on port {port} (tauri-driver or its WebKitWebDriver) within 20 s"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
