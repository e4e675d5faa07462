//! The keychain the demo's app needs, on a machine without a desktop session (a server, a
//! container, `xvfb-run`): when no session bus is set (`DBUS_SESSION_BUS_ADDRESS`), the
//! demo starts its own D-Bus session with gnome-keyring's Secret Service on it, unlocked
//! with a demo password, keeping the keyring in `<data-dir>/keyring` (never the user's own).
//! The bus lives as long as the demo, so an app reopened with `--app-only` finds the same
//! keyring and signs in without the browser.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Stdio};

use anyhow::{bail, Context, Result};

use crate::shell::cmd;

/// The Debian packages it takes.
pub const PACKAGES: &[&str] = &["dbus-daemon", "gnome-keyring"];

/// The demo keyring's password: it holds demo accounts' tokens only.
const KEYRING_PASSWORD: &[u8] = b"switchboard-demo";

/// A session bus that starts no services on demand (the desktop's own would start
/// xdg-desktop-portal, which then waits for a keyring and slows the app's start).
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

/// Whether this process has a session bus (a desktop session, or `dbus-run-session`).
pub fn has_session_bus(var: impl Fn(&str) -> Option<String>) -> bool {
    var("DBUS_SESSION_BUS_ADDRESS").is_some_and(|address| !address.trim().is_empty())
}

/// The demo's own session bus, with an unlocked keyring on it. Returns the bus daemon
/// (stopping it ends the keyring daemon too) and its address.
pub fn start(data_dir: &Path) -> Result<(Child, String)> {
    let config = data_dir.join("session-bus.conf");
    std::fs::write(&config, SESSION_BUS_CONFIG)
        .with_context(|| format!("cannot write {}", config.display()))?;
    let mut bus = cmd("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start dbus-daemon (package dbus-daemon)")?;
    let mut address = String::new();
    if let Some(stdout) = bus.stdout.take() {
        BufReader::new(stdout).read_line(&mut address)?;
    }
    let address = address.trim().to_owned();
    if address.is_empty() {
        let _ = bus.kill();
        let _ = bus.wait();
        bail!("dbus-daemon printed no address");
    }
    if let Err(error) = unlock_keyring(data_dir, &address) {
        let _ = bus.kill();
        let _ = bus.wait();
        return Err(error);
    }
    Ok((bus, address))
}

/// gnome-keyring's Secret Service on `address`, its keyring kept in `<data-dir>/keyring`.
fn unlock_keyring(data_dir: &Path, address: &str) -> Result<()> {
    let keyring_home = data_dir.join("keyring");
    std::fs::create_dir_all(&keyring_home)
        .with_context(|| format!("cannot create {}", keyring_home.display()))?;
    let mut keyring = cmd("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .env("XDG_DATA_HOME", &keyring_home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("cannot start gnome-keyring-daemon (package gnome-keyring)")?;
    if let Some(mut stdin) = keyring.stdin.take() {
        stdin.write_all(KEYRING_PASSWORD)?;
    }
    // It forks into the background once the keyring is unlocked.
    let status = keyring.wait()?;
    if !status.success() {
        bail!(
            "gnome-keyring-daemon could not unlock the demo keyring in {} ({status}); delete that folder to start it afresh",
            keyring_home.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_bus_is_one_whose_address_is_set() {
        assert!(has_session_bus(|_| Some(
            "unix:path=/run/user/1000/bus".into()
        )));
        assert!(!has_session_bus(|_| None));
        assert!(!has_session_bus(|_| Some(" ".into())));
    }
}
