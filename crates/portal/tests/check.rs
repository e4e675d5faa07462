//! `switchboard-portal check`: a fixture configuration with one mistake per provider,
//! against a live dev-idp.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use switchboard_portal::check::check_file;
use switchboard_portal::clock::SystemClock;
use switchboard_portal::crypto::EncryptionKey;

fn fixture(dir: &std::path::Path, idp: &url::Url) -> std::path::PathBuf {
    switchboard_portal::private_file::write_private_file(
        &dir.join("encryption.key"),
        EncryptionKey::generate_base64().as_bytes(),
    )
    .unwrap();
    std::fs::write(
        dir.join("client-secret"),
        switchboard_dev_idp::DEFAULT_CLIENT_SECRET,
    )
    .unwrap();
    let provider = |id: &str, issuer: &str, extra: &str| {
        format!(
            "\n[[providers]]\nid = '{id}'\nkind = 'oidc'\ndisplay_name = '{id}'\nissuer = '{issuer}'\n\
             client_id = 'switchboard-portal'\n{extra}"
        )
    };
    let mut text = String::from(
        "name = 'Checked'\nlisten = '127.0.0.1:8799'\ndatabase_url = 'sqlite::memory:'\n\
         encryption_key_file = 'encryption.key'\n",
    );
    // Relative to the file: found.
    text += &provider(
        "good",
        &format!("{idp}acme-sso"),
        "client_secret_file = 'client-secret'\n",
    );
    text += &provider(
        "strict-good",
        &format!("{idp}strict/"),
        "client_secret_file = 'client-secret'\ntoken_endpoint_auth_method = 'client_secret_post'\n",
    );
    text += &provider(
        "no-slash",
        &format!("{idp}strict"),
        "client_secret_file = 'client-secret'\ntoken_endpoint_auth_method = 'client_secret_post'\n",
    );
    text += &provider(
        "basic",
        &format!("{idp}strict/"),
        "client_secret_file = 'client-secret'\n",
    );
    text += &provider(
        "nowhere",
        &format!("{idp}nowhere"),
        "client_secret_file = 'client-secret'\n",
    );
    text += &provider(
        "no-secret-file",
        &format!("{idp}acme-sso"),
        "client_secret_file = 'missing-secret'\n",
    );
    text += &provider(
        "no-key",
        &format!("{idp}strict/"),
        "token_endpoint_auth_method = 'private_key_jwt'\n",
    );
    text += &provider("down", "http://127.0.0.1:1/sso", "");
    text += &provider(
        "good",
        &format!("{idp}acme-sso"),
        "client_secret_file = 'client-secret'\n",
    );
    let path = dir.join("portal.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn check_finds_each_misconfiguration_and_prints_the_redirect_uris() {
    let dir = tempfile::tempdir().unwrap();
    let (idp, _stop) = common::start_dev_idp(switchboard_dev_idp::DevIdpConfig {
        data_dir: dir.path().join("idp"),
        ..Default::default()
    })
    .await;
    let path = fixture(dir.path(), &idp);
    let report = check_file(&path, Arc::new(SystemClock)).await;
    let text = report.to_string();
    assert!(!report.is_ok(), "{text}");
    assert!(
        report
            .config_problems
            .iter()
            .any(|p| p.contains("two providers have the id \"good\"")),
        "{text}"
    );
    let problems = |id: &str| -> Vec<(bool, String)> {
        report
            .providers
            .iter()
            .filter(|p| p.id == id)
            .flat_map(|p| {
                p.problems
                    .iter()
                    .map(|q| (q.unreachable, q.message.clone()))
            })
            .collect()
    };
    assert!(problems("good").is_empty(), "{text}");
    assert!(problems("strict-good").is_empty(), "{text}");
    let has = |id: &str, needle: &str| {
        let found = problems(id);
        assert!(
            found
                .iter()
                .any(|(unreachable, message)| !unreachable && message.contains(needle)),
            "{id} should report {needle:?}: {text}"
        );
    };
    has(
        "no-slash",
        "set `issuer` to exactly what the provider names",
    );
    has("basic", "does not accept client_secret_basic");
    has("basic", "set `token_endpoint_auth_method`");
    has("nowhere", "404");
    has("no-secret-file", "missing-secret");
    has("no-key", "needs `private_key_file`");
    let down = problems("down");
    assert!(
        !down.is_empty() && down.iter().all(|(unreachable, _)| *unreachable),
        "{text}"
    );
    assert!(
        text.contains("redirect URI to register: http://127.0.0.1:8799/v1/providers/good/callback"),
        "{text}"
    );
    assert!(
        text.contains("provider down (down): cannot be reached"),
        "{text}"
    );
    assert!(
        text.contains("provider basic (basic): NOT SET UP CORRECTLY"),
        "{text}"
    );
}

#[tokio::test]
async fn the_check_command_exits_non_zero_and_says_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (idp, _stop) = common::start_dev_idp(switchboard_dev_idp::DevIdpConfig {
        data_dir: dir.path().join("idp"),
        ..Default::default()
    })
    .await;
    let path = fixture(dir.path(), &idp);
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard-portal"))
        .args(["check", "--config"])
        .arg(&path)
        // Not the test's working directory: paths are relative to the file.
        .current_dir("/")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("provider good (good): ok"), "{stdout}");
    assert!(stdout.contains("problem(s) to fix"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_starts_with_a_broken_provider_and_logs_which_and_why() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let (idp, _stop) = common::start_dev_idp(switchboard_dev_idp::DevIdpConfig {
        data_dir: dir.path().join("idp"),
        ..Default::default()
    })
    .await;
    switchboard_portal::private_file::write_private_file(
        &dir.path().join("encryption.key"),
        EncryptionKey::generate_base64().as_bytes(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("client-secret"),
        switchboard_dev_idp::DEFAULT_CLIENT_SECRET,
    )
    .unwrap();
    let provider = |id: &str, issuer: &str| {
        format!(
            "\n[[providers]]\nid = '{id}'\nkind = 'oidc'\ndisplay_name = '{id}'\nissuer = '{issuer}'\n\
             client_id = 'switchboard-portal'\nclient_secret_file = 'client-secret'\n"
        )
    };
    let text = format!(
        "name = 'Serve'\nlisten = '127.0.0.1:0'\ndatabase_url = 'sqlite://portal.db?mode=rwc'\n\
         encryption_key_file = 'encryption.key'\n{}{}{}",
        provider("good", &format!("{idp}acme-sso")),
        provider("no-slash", &format!("{idp}strict")),
        provider("down", "http://127.0.0.1:1/sso"),
    );
    let path = dir.path().join("portal.toml");
    std::fs::write(&path, text).unwrap();
    let mut portal = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard-portal"))
        .args(["serve", "--config"])
        .arg(&path)
        .current_dir("/")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(portal.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("portal="), "{line}");
    let stderr = portal.stderr.take().unwrap();
    let reader = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        let mut wanted = [false, false];
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let line = strip_ansi(&line);
            if line.contains("provider=no-slash") && line.contains("not set up correctly") {
                wanted[0] = true;
            }
            if line.contains("provider=down") && line.contains("cannot be reached") {
                wanted[1] = true;
            }
            lines.push(line);
            if wanted.iter().all(|w| *w) {
                break;
            }
        }
        (wanted, lines)
    });
    // A portal that never logs them is stopped, which ends the reading.
    let read = tokio::time::timeout(std::time::Duration::from_secs(60), reader).await;
    let _ = portal.kill();
    let _ = portal.wait();
    let (found, lines) = match read {
        Ok(result) => result.unwrap(),
        Err(_) => panic!("the portal did not log both providers' problems within a minute"),
    };
    assert!(found.iter().all(|f| *f), "{}", lines.join("\n"));
    // The SQLite file is next to the configuration, not in the working directory.
    assert!(dir.path().join("portal.db").exists());
}

/// The log without its terminal colours.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
