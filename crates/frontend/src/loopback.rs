//! The loopback redirect (RFC 8252 §7.3): when the app's URL scheme cannot be used, the
//! browser comes back to `http://127.0.0.1:<ephemeral port>/oauth/callback` instead.
//!
//! Any local process (or a web page the user has open) can reach the port, so the listener
//! trusts nothing: each connection is read on its own task with a time limit (a connection
//! that sends nothing cannot hold up the real callback), a request to the callback that does
//! not carry the pending sign-in's `state` is answered 400 and the listener keeps waiting,
//! and it stops after the sign-in or after [`LISTEN_LIFETIME`].

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use url::Url;

const CALLBACK_PATH: &str = "/oauth/callback";
/// How long the listener waits for the browser in all (the pending sign-in's lifetime).
pub const LISTEN_LIFETIME: Duration =
    Duration::from_secs(switchboard_client::signin::PENDING_LIFETIME as u64);
/// How long one connection may take to send its request head.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a request head read; a browser's callback request is far smaller.
const MAX_HEAD: usize = 16 * 1024;

pub struct LoopbackRedirect {
    listener: TcpListener,
    port: u16,
    lifetime: Duration,
    read_timeout: Duration,
}

/// What a connection asked for.
enum Request {
    /// The callback with the pending `state`: its full URL.
    Callback(Url),
    /// The callback without the pending `state` (or with several): answered 400.
    WrongState,
    /// Anything else: answered 404.
    Other,
}

impl LoopbackRedirect {
    pub async fn bind() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            listener,
            port,
            lifetime: LISTEN_LIFETIME,
            read_timeout: READ_TIMEOUT,
        })
    }

    /// Shorter limits (tests).
    pub fn with_limits(mut self, lifetime: Duration, read_timeout: Duration) -> Self {
        self.lifetime = lifetime;
        self.read_timeout = read_timeout;
        self
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Waits for the browser's request to the callback path carrying `state` (the pending
    /// sign-in's), answers it with a page that sends the user back to the app, and returns
    /// the full callback URL. Other requests are answered (400 or 404) and the wait goes
    /// on; after the lifetime it ends with `TimedOut`, and the port is closed either way.
    pub async fn wait_for_callback(self, state: &str) -> std::io::Result<Url> {
        let deadline = tokio::time::sleep(self.lifetime);
        tokio::pin!(deadline);
        let (found, mut callbacks) = mpsc::channel::<Url>(1);
        loop {
            tokio::select! {
                () = &mut deadline => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the browser did not come back in time",
                    ));
                }
                Some(url) = callbacks.recv() => return Ok(url),
                accepted = self.listener.accept() => {
                    let Ok((socket, _)) = accepted else {
                        // Out of file descriptors or similar: wait a little, not spin.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    let found = found.clone();
                    let state = state.to_owned();
                    let port = self.port;
                    let read_timeout = self.read_timeout;
                    tokio::spawn(async move {
                        if let Some(url) = serve(socket, port, &state, read_timeout).await {
                            let _ = found.send(url).await;
                        }
                    });
                }
            }
        }
    }
}

/// Reads one request (within `read_timeout`) and answers it; the callback URL when it was
/// the real one.
async fn serve(
    mut socket: TcpStream,
    port: u16,
    state: &str,
    read_timeout: Duration,
) -> Option<Url> {
    let head = tokio::time::timeout(read_timeout, read_head(&mut socket))
        .await
        .ok()??;
    let request = classify(&head, port, state);
    let (status, body) = match &request {
        Request::Callback(url) => {
            let (title, text) = callback_page(url);
            ("200 OK", page(title, text))
        }
        Request::WrongState => (
            "400 Bad Request",
            page(
                "This is not the sign-in Switchboard is waiting for",
                "Start signing in again from the Switchboard window.",
            ),
        ),
        Request::Other => ("404 Not Found", String::new()),
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nreferrer-policy: no-referrer\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(read_timeout, socket.write_all(answer.as_bytes())).await;
    let _ = socket.shutdown().await;
    match request {
        Request::Callback(url) => Some(url),
        _ => None,
    }
}

/// What the browser tab says once it came back: a sign-in that goes on in the app, the
/// user's own cancel, or a provider that refused (the app says why).
fn callback_page(url: &Url) -> (&'static str, &'static str) {
    let error = url
        .query_pairs()
        .find(|(key, _)| key == "error")
        .map(|(_, value)| value.into_owned());
    match error.as_deref() {
        None => (
            "Return to Switchboard",
            "You can close this tab: Switchboard finishes signing you in.",
        ),
        Some("access_denied") => (
            "Sign-in cancelled",
            "You can close this tab. Nothing changed: Switchboard is back at its sign-in screen.",
        ),
        Some(_) => (
            "The sign-in did not finish",
            "You can close this tab: Switchboard says what happened and how to try again.",
        ),
    }
}

fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Switchboard</title>\
         <body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto\">\
         <h1>{title}</h1><p>{text}</p></body></html>"
    )
}

/// The request head (up to the blank line, at most [`MAX_HEAD`] bytes); `None` when the
/// connection closed or sent too much first.
async fn read_head(socket: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buffer = [0u8; 2048];
    loop {
        let read = socket.read(&mut buffer).await.ok()?;
        if read == 0 {
            return (!head.is_empty()).then(|| String::from_utf8_lossy(&head).into_owned());
        }
        head.extend_from_slice(&buffer[..read]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            return Some(String::from_utf8_lossy(&head).into_owned());
        }
        if head.len() > MAX_HEAD {
            return None;
        }
    }
}

fn classify(head: &str, port: u16, state: &str) -> Request {
    let target = head
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("GET "))
        .and_then(|rest| rest.split(' ').next());
    let Some(target) = target else {
        return Request::Other;
    };
    let Ok(url) = Url::parse(&format!("http://127.0.0.1:{port}{target}")) else {
        return Request::Other;
    };
    if url.path() != CALLBACK_PATH {
        return Request::Other;
    }
    let states: Vec<_> = url
        .query_pairs()
        .filter(|(key, _)| key == "state")
        .map(|(_, value)| value.into_owned())
        .collect();
    if !state.is_empty() && states.len() == 1 && states[0] == state {
        Request::Callback(url)
    } else {
        Request::WrongState
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn waiting(
        lifetime: Duration,
        read_timeout: Duration,
    ) -> (String, tokio::task::JoinHandle<std::io::Result<Url>>) {
        let loopback = LoopbackRedirect::bind()
            .await
            .unwrap()
            .with_limits(lifetime, read_timeout);
        let redirect = loopback.redirect_uri();
        let task = tokio::spawn(async move { loopback.wait_for_callback("s1").await });
        (redirect, task)
    }

    #[tokio::test]
    async fn hands_back_the_callback_and_ignores_other_paths() {
        let (redirect, waiting) = waiting(LISTEN_LIFETIME, READ_TIMEOUT).await;
        let base = redirect.trim_end_matches(CALLBACK_PATH).to_owned();
        let other = reqwest::get(format!("{base}/favicon.ico")).await.unwrap();
        assert_eq!(other.status(), 404);
        let page = reqwest::get(format!("{redirect}?code=c&state=s1"))
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Return to Switchboard"));
        let url = waiting.await.unwrap().unwrap();
        assert_eq!(url.as_str(), format!("{redirect}?code=c&state=s1"));
    }

    #[tokio::test]
    async fn a_cancel_or_an_error_is_not_called_finishing_the_sign_in() {
        for (query, says) in [
            ("error=access_denied&state=s1", "Sign-in cancelled"),
            ("error=server_error&state=s1", "The sign-in did not finish"),
        ] {
            let (redirect, waiting) = waiting(LISTEN_LIFETIME, READ_TIMEOUT).await;
            let page = reqwest::get(format!("{redirect}?{query}")).await.unwrap();
            assert_eq!(page.status(), 200);
            let text = page.text().await.unwrap();
            assert!(text.contains(says), "{text}");
            assert!(!text.contains("finishes signing you in"), "{text}");
            assert!(waiting.await.unwrap().is_ok());
        }
    }

    #[tokio::test]
    async fn a_request_without_the_pending_state_gets_400_and_the_real_one_still_completes() {
        let (redirect, waiting) = waiting(LISTEN_LIFETIME, READ_TIMEOUT).await;
        for forged in [
            format!("{redirect}?code=attacker&state=guess"),
            format!("{redirect}?code=attacker"),
            format!("{redirect}?code=attacker&state=s1&state=guess"),
            format!("{redirect}?error=access_denied"),
        ] {
            let answer = reqwest::get(&forged).await.unwrap();
            assert_eq!(answer.status(), 400, "{forged}");
            assert!(answer.text().await.unwrap().contains("not the sign-in"));
        }
        assert!(!waiting.is_finished(), "a forged request ended the sign-in");
        let page = reqwest::get(format!("{redirect}?code=real&state=s1"))
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let url = waiting.await.unwrap().unwrap();
        assert_eq!(
            url.query_pairs().find(|(k, _)| k == "code").unwrap().1,
            "real"
        );
    }

    #[tokio::test]
    async fn a_silent_connection_does_not_block_the_real_callback() {
        // Read limit far longer than the test: the silent connection is still open when
        // the browser comes.
        let (redirect, waiting) = waiting(LISTEN_LIFETIME, Duration::from_secs(600)).await;
        let address = redirect
            .trim_start_matches("http://")
            .trim_end_matches(CALLBACK_PATH)
            .to_owned();
        let _silent = TcpStream::connect(&address).await.unwrap();
        let mut half = TcpStream::connect(&address).await.unwrap();
        half.write_all(b"GET /oauth/callback?state=s1")
            .await
            .unwrap();
        let page = tokio::time::timeout(
            Duration::from_secs(20),
            reqwest::get(format!("{redirect}?code=c&state=s1")),
        )
        .await
        .expect("the callback was answered while a silent connection stays open")
        .unwrap();
        assert_eq!(page.status(), 200);
        assert!(waiting.await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn a_connection_that_sends_nothing_is_closed_after_the_read_limit() {
        let (redirect, _waiting) = waiting(LISTEN_LIFETIME, Duration::from_millis(200)).await;
        let address = redirect
            .trim_start_matches("http://")
            .trim_end_matches(CALLBACK_PATH)
            .to_owned();
        let mut silent = TcpStream::connect(&address).await.unwrap();
        let mut buffer = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buffer))
            .await
            .expect("the listener closed the silent connection");
        assert_eq!(read.unwrap_or(0), 0);
    }

    #[tokio::test]
    async fn the_listener_stops_after_its_lifetime_and_closes_the_port() {
        let (redirect, waiting) = waiting(Duration::from_millis(300), READ_TIMEOUT).await;
        let error = waiting.await.unwrap().unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
        assert!(reqwest::get(format!("{redirect}?code=c&state=s1"))
            .await
            .is_err());
    }

    #[tokio::test]
    async fn the_listener_stops_after_the_sign_in() {
        let (redirect, waiting) = waiting(LISTEN_LIFETIME, READ_TIMEOUT).await;
        reqwest::get(format!("{redirect}?code=c&state=s1"))
            .await
            .unwrap();
        waiting.await.unwrap().unwrap();
        assert!(reqwest::get(format!("{redirect}?code=c&state=s1"))
            .await
            .is_err());
    }
}
