//! Holding connections open cannot stop the portal answering: a cap on open connections
//! answered with 503 instead of silence, and time limits on a request's head and body.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn portal_with_limits(dir: &std::path::Path) -> common::RunningPortal {
    let mut config = common::test_config(dir);
    config.server.max_connections = Some(4);
    config.server.header_timeout_seconds = Some(1);
    config.server.body_timeout_seconds = Some(1);
    common::start_serving(&config).await
}

async fn connect(portal: &common::RunningPortal) -> TcpStream {
    let host = portal.url.host_str().unwrap();
    let port = portal.url.port().unwrap();
    TcpStream::connect((host, port)).await.unwrap()
}

/// Everything the portal sends until it closes the connection (or 5 s pass).
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

async fn health(portal: &common::RunningPortal) -> reqwest::StatusCode {
    reqwest::get(portal.endpoint("/healthz"))
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn held_connections_get_a_busy_answer_and_are_closed_after_the_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_with_limits(dir.path()).await;
    assert_eq!(health(&portal).await, reqwest::StatusCode::OK);

    // Four connections: two silent, two sending half a request head, slowly.
    let mut held = Vec::new();
    for half in [false, false, true, true] {
        let mut stream = connect(&portal).await;
        if half {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: portal\r\n")
                .await
                .unwrap();
        }
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The fifth hears at once that the portal is busy, and when to try again.
    let started = Instant::now();
    let mut fifth = connect(&portal).await;
    let answer = read_to_close(&mut fifth).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 5"), "{answer}");
    assert!(
        answer.contains("\"code\":\"temporarily_unavailable\""),
        "{answer}"
    );

    // After the head's time limit every held connection is closed, and the portal answers
    // again.
    for stream in &mut held {
        let started = Instant::now();
        let _ = read_to_close(stream).await;
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "held open too long"
        );
    }
    assert_eq!(health(&portal).await, reqwest::StatusCode::OK);
    portal.stop().await;
}

#[tokio::test]
async fn a_body_that_never_finishes_is_given_up_on() {
    let dir = tempfile::tempdir().unwrap();
    let portal = portal_with_limits(dir.path()).await;
    let mut stream = connect(&portal).await;
    stream
        .write_all(
            b"POST /v1/login/password HTTP/1.1\r\nHost: portal\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"username\":",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let answer = read_to_close(&mut stream).await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(health(&portal).await, reqwest::StatusCode::OK);
    portal.stop().await;
}

/// The real binary under an open-files limit far below `max_connections` (128 against the
/// default 512), as a service with a small `LimitNOFILE` would run: 200 held connections
/// must meet the busy answer, not a full file table where nobody is answered at all.
#[tokio::test]
async fn under_a_low_open_files_limit_held_connections_still_leave_the_portal_answering() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    switchboard_portal::private_file::write_private_file(
        &dir.path().join("encryption.key"),
        switchboard_portal::crypto::EncryptionKey::generate_base64().as_bytes(),
    )
    .unwrap();
    let path = dir.path().join("portal.toml");
    std::fs::write(
        &path,
        "name = 'Low limits'\nlisten = '127.0.0.1:0'\ndatabase_url = 'sqlite://portal.db?mode=rwc'\n\
         encryption_key_file = 'encryption.key'\n[server]\nheader_timeout_seconds = 2\n",
    )
    .unwrap();
    let mut portal = std::process::Command::new("prlimit")
        .arg("--nofile=128:128")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_switchboard-portal"))
        .args(["serve", "--config"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("prlimit (util-linux) runs the portal");
    let mut line = String::new();
    BufReader::new(portal.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url: url::Url = line
        .trim()
        .strip_prefix("portal=")
        .unwrap()
        .parse()
        .unwrap();
    let address = (url.host_str().unwrap().to_owned(), url.port().unwrap());
    let health = || async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        client.get(url.join("healthz").unwrap()).send().await
    };
    assert_eq!(health().await.unwrap().status(), reqwest::StatusCode::OK);

    let mut held = Vec::new();
    for _ in 0..200 {
        held.push(TcpStream::connect(&address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Answered at once, busy: not a connection left waiting in silence. Read over a plain
    // socket: the busy answer is written as soon as the connection is accepted (before any
    // request), which an HTTP client library may refuse as an answer to nothing it sent.
    let busy = tokio::time::timeout(Duration::from_secs(5), async {
        let mut stream = TcpStream::connect(&address).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        std::io::Result::Ok(String::from_utf8_lossy(&answer).into_owned())
    })
    .await
    .expect("the portal answers while connections are held")
    .unwrap();
    assert!(busy.starts_with("HTTP/1.1 503 "), "{busy}");
    assert!(busy.to_ascii_lowercase().contains("retry-after:"), "{busy}");
    // After the header time limit the held connections are closed and it serves again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(health().await.unwrap().status(), reqwest::StatusCode::OK);
    drop(held);
    portal.kill().unwrap();
    portal.wait().unwrap();
}
