//! Reading the portal's event stream as an app would: one event at a time, with its
//! `event:` name and `data:` JSON.

use std::time::Duration;

use switchboard_api::PortalEvent;

pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Opens `GET /v1/events` with the access token; panics unless it is 200.
    pub async fn open(client: &reqwest::Client, url: url::Url, access_token: &str) -> Self {
        let response = client
            .get(url)
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (heartbeat comments skipped), or `None` when the stream ended.
    /// Panics when nothing comes within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<PortalEvent> {
        tokio::time::timeout(wait, async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let data: String = block
                        .lines()
                        .filter_map(|line| line.strip_prefix("data:"))
                        .map(str::trim)
                        .collect();
                    if data.is_empty() {
                        continue;
                    }
                    return Some(serde_json::from_str(&data).unwrap());
                }
                match self.response.chunk().await.unwrap() {
                    Some(bytes) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                    None => return None,
                }
            }
        })
        .await
        .expect("no event within the wait")
    }
}
