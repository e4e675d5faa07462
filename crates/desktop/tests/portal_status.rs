//! The client core against a real portal over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_client::PortalClient;
use switchboard_desktop::{portal_status, PortalStatus};
use switchboard_portal::config::PortalConfig;
use switchboard_portal::Portal;

fn config(dir: &std::path::Path) -> PortalConfig {
    let mut config = switchboard_e2e::portal_config::test_portal_config(dir).unwrap();
    config.name = "Status Test Phones".into();
    config.mail = Default::default();
    config
}

#[tokio::test]
async fn reachable_portal_reports_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::bind(&config(dir.path())).await.unwrap();
    let client = PortalClient::new(portal.url().clone()).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(portal.serve(async {
        let _ = stopped.await;
    }));

    match portal_status(&client).await {
        PortalStatus::Reachable { options } => {
            assert_eq!(options.portal_name, "Status Test Phones")
        }
        other => panic!("expected reachable, got {other:?}"),
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn portal_down_is_a_clear_message_not_an_error() {
    // Bind and drop a listener: nothing listens on that port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = PortalClient::new(format!("http://127.0.0.1:{port}/").parse().unwrap()).unwrap();
    match portal_status(&client).await {
        PortalStatus::Unreachable { message, .. } => {
            assert!(
                message.starts_with("nothing answers at http://127.0.0.1:"),
                "{message}"
            );
            assert!(
                message.contains("Check your network connection"),
                "{message}"
            );
        }
        other => panic!("expected unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn something_that_is_not_a_portal_is_reported_as_such() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let app = axum_like_not_found(listener).await;
        app
    });
    let client = PortalClient::new(format!("http://{addr}/").parse().unwrap()).unwrap();
    match portal_status(&client).await {
        PortalStatus::Unreachable { message, .. } => {
            assert!(message.contains("does not understand"), "{message}");
            assert!(message.contains("portal address"), "{message}");
        }
        other => panic!("expected unreachable, got {other:?}"),
    }
    server.abort();
}

/// A plain HTTP server answering 404 with HTML, like a web server at the wrong address.
async fn axum_like_not_found(listener: tokio::net::TcpListener) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut buffer = [0u8; 4096];
        let _ = socket.read(&mut buffer).await;
        let body = "<html>Not here</html>";
        let _ = socket
            .write_all(format!("HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).as_bytes())
            .await;
    }
}

#[tokio::test]
async fn status_page_named_by_the_portal_is_offered_once_it_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.status_page_url = Some("https://status.example.test/".parse().unwrap());
    let portal = Portal::bind(&config).await.unwrap();
    let client = PortalClient::new(portal.url().clone()).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(portal.serve(async {
        let _ = stopped.await;
    }));
    assert!(matches!(
        portal_status(&client).await,
        PortalStatus::Reachable { .. }
    ));
    let _ = stop.send(());
    server.await.unwrap().unwrap();

    match portal_status(&client).await {
        PortalStatus::Unreachable {
            status_page_url, ..
        } => assert_eq!(
            status_page_url.as_deref(),
            Some("https://status.example.test/")
        ),
        other => panic!("expected unreachable, got {other:?}"),
    }
}
