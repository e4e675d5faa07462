//! The `switchboard-dev-idp` binary as scripts use it: one `dev-idp=<url>` line on stdout,
//! a clean stop on SIGTERM.
// Test helpers outside #[test] functions may panic too: this whole crate is a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio::time::timeout;

#[tokio::test]
async fn binary_prints_its_url_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-dev-idp"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("nested"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    timeout(Duration::from_secs(60), stdout.read_line(&mut line))
        .await
        .expect("the binary printed its URL in time")
        .unwrap();
    let url = line
        .trim_end()
        .strip_prefix("dev-idp=")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(url.ends_with('/'), "{url}");

    let doc: Value = reqwest::get(format!("{url}google/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], format!("{url}google"));
    assert!(dir.path().join("nested/dev-idp-keys.json").is_file());

    let pid = child.id().unwrap().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(kill.success());
    let status = timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the binary stopped after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");

    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    assert_eq!(rest, "", "stdout has exactly one line");
}

#[tokio::test]
async fn binary_reports_a_bad_listen_address() {
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard-dev-idp"))
        .args(["--listen", "not-an-address"])
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen"));
}

#[tokio::test]
async fn binary_reports_an_unreadable_apple_client_key() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard-dev-idp"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .arg("--apple-client-public-key")
        .arg(dir.path().join("missing.pem"))
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("Apple client public key"));
}
