//! The loopback redirect (RFC 8252 §7.3): when the app's URL scheme cannot be used, the
//! browser comes back to `http://127.0.0.1:<ephemeral port>/oauth/callback` instead.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

const CALLBACK_PATH: &str = "/oauth/callback";

pub struct LoopbackRedirect {
    listener: TcpListener,
    port: u16,
}

impl LoopbackRedirect {
    pub async fn bind() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, port })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Waits for the browser's request to the callback path, answers it with a page that
    /// sends the user back to the app, and returns the full callback URL.
    pub async fn wait_for_callback(self) -> std::io::Result<Url> {
        loop {
            let (mut socket, _) = self.listener.accept().await?;
            let mut buffer = vec![0u8; 8192];
            let read = socket.read(&mut buffer).await?;
            let request = String::from_utf8_lossy(&buffer[..read]);
            let target = request
                .lines()
                .next()
                .and_then(|line| line.strip_prefix("GET "))
                .and_then(|rest| rest.split(' ').next())
                .map(str::to_owned);
            let Some(target) = target.filter(|t| t.starts_with(CALLBACK_PATH)) else {
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            };
            let body = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Switchboard</title>\
                        <body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto\">\
                        <h1>Return to Switchboard</h1><p>You can close this tab: Switchboard finishes signing you in.</p></body></html>";
            let _ = socket
                .write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nreferrer-policy: no-referrer\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                )
                .await;
            return Url::parse(&format!("http://127.0.0.1:{}{target}", self.port))
                .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hands_back_the_callback_and_ignores_other_paths() {
        let loopback = LoopbackRedirect::bind().await.unwrap();
        let redirect = loopback.redirect_uri();
        let waiting = tokio::spawn(loopback.wait_for_callback());
        let base = redirect.trim_end_matches(CALLBACK_PATH).to_owned();
        let other = reqwest::get(format!("{base}/favicon.ico")).await.unwrap();
        assert_eq!(other.status(), 404);
        let page = reqwest::get(format!("{redirect}?code=c&state=s"))
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Return to Switchboard"));
        let url = waiting.await.unwrap().unwrap();
        assert_eq!(url.as_str(), format!("{redirect}?code=c&state=s"));
    }
}
