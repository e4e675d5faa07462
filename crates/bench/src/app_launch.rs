//! One cold start of the release app, the way a user's first launch goes: a fresh HOME (no
//! config, data, WebKit cache or keyring), a session bus of its own with an unlocked
//! gnome-keyring on it, the display the caller has (Xvfb under `cargo xtask bench`).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use switchboard_e2e::app::{start_keyring, start_session_bus};
use url::Url;

/// The app's environment variable naming the file it writes the ready time to
/// (src-tauri/src/startup_probe.rs).
const READY_FILE_ENV: &str = "SWITCHBOARD_BENCH_READY_FILE";

/// A running app in its own process group, and its session bus; both stopped on drop.
pub struct LaunchedApp {
    child: Child,
    bus: Child,
    started: SystemTime,
    ready_file: PathBuf,
    _home: tempfile::TempDir,
}

impl LaunchedApp {
    /// Starts `binary` against `portal`; `extra` is added to its environment.
    pub fn start(binary: &Path, portal: &Url, extra: &[(&str, &str)]) -> Result<Self> {
        let home = tempfile::Builder::new()
            .prefix("switchboard-bench-home")
            .tempdir()
            .context("cannot make a HOME")?;
        let (mut bus, bus_address) = start_session_bus(home.path())?;
        let path = |relative: &str| home.path().join(relative).display().to_string();
        let mut env: Vec<(String, String)> = vec![
            ("HOME".into(), path("")),
            ("XDG_CONFIG_HOME".into(), path(".config")),
            ("XDG_DATA_HOME".into(), path(".local/share")),
            ("XDG_CACHE_HOME".into(), path(".cache")),
            ("DBUS_SESSION_BUS_ADDRESS".into(), bus_address),
            // As in the end-to-end tests: WebKit's sandbox needs user namespaces this
            // machine's containers may not give.
            (
                "WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS".into(),
                "1".into(),
            ),
            ("SWITCHBOARD_PORTAL_URL".into(), portal.to_string()),
            ("RUST_LOG".into(), "warn".into()),
            // The WebKit tuning is opt-in in the app (src-tauri/src/webkit_tuning.rs).
            ("SWITCHBOARD_WEBKIT_TUNING".into(), "1".into()),
        ];
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let ready_file = home.path().join("ready");
        env.push((READY_FILE_ENV.into(), ready_file.display().to_string()));
        let mut command = Command::new(binary);
        command
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            // Its own group: the app and its WebKit processes are stopped together.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        // The keyring is up before the clock starts: it is the desktop's, not the app's.
        let spawned = start_keyring(&env).and_then(|()| {
            let started = SystemTime::now();
            let child = command
                .spawn()
                .with_context(|| format!("cannot start {}", binary.display()))?;
            Ok((started, child))
        });
        let (started, child) = match spawned {
            Ok(spawned) => spawned,
            Err(error) => {
                stop_bus(&mut bus);
                return Err(error);
            }
        };
        Ok(Self {
            child,
            bus,
            started,
            ready_file,
            _home: home,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the ready file; returns the time from the process's start to the
    /// sign-in screen painted with the portal's providers.
    pub fn wait_until_shown(&mut self, timeout: Duration) -> Result<Duration> {
        let deadline = Instant::now() + timeout;
        loop {
            match std::fs::read_to_string(&self.ready_file) {
                Ok(text) => {
                    let micros: u64 = text.trim().parse().with_context(|| {
                        format!("the ready file holds {text:?}, not a time in microseconds")
                    })?;
                    let shown = UNIX_EPOCH + Duration::from_micros(micros);
                    return shown
                        .duration_since(self.started)
                        .context("the app says it was ready before it was started");
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(error).context("cannot read the ready file"),
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("the app exited ({status}) before it showed the sign-in screen");
            }
            if Instant::now() > deadline {
                bail!("the app did not show the sign-in screen within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for LaunchedApp {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let group = format!("-{}", self.child.id());
            let _ = Command::new("kill")
                .args(["-TERM", "--", &group])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            // WebKit's processes too, whether or not the app waited for them.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &group])
                .stderr(Stdio::null())
                .status();
            let _ = self.child.wait();
        }
        stop_bus(&mut self.bus);
    }
}

fn stop_bus(bus: &mut Child) {
    let _ = bus.kill();
    let _ = bus.wait();
}
