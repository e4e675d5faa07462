//! Talking to the portal over HTTP.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_api::{paths, ApiError, SignInOptions};
use url::Url;

use crate::bridge::PortalStatus;

#[derive(Debug, thiserror::Error)]
pub enum PortalClientError {
    #[error("nothing answers at {url}. Check your network connection, then try again.")]
    Unreachable { url: Url },
    #[error("{url} did not answer in time. Try again in a moment.")]
    TimedOut { url: Url },
    #[error("{}", error.message)]
    Api { status: u16, error: ApiError },
    #[error("{url} answered something this app does not understand (HTTP {status}). Is the portal address right?")]
    UnexpectedAnswer { url: Url, status: u16 },
    #[error("cannot set up the connection to the portal: {0}")]
    Setup(String),
}

#[derive(Debug, Clone)]
pub struct PortalClient {
    base: Url,
    http: reqwest::Client,
    /// The operator's status page: from configuration, then as the portal last said.
    status_page: Arc<Mutex<Option<String>>>,
}

impl PortalClient {
    pub fn new(base: Url) -> Result<Self, PortalClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| PortalClientError::Setup(error.to_string()))?;
        Ok(Self {
            base,
            http,
            status_page: Arc::default(),
        })
    }

    /// Where to send users when the portal does not answer, until the portal names one.
    pub fn with_status_page(self, status_page: Option<Url>) -> Self {
        self.remember_status_page(status_page.map(String::from));
        self
    }

    fn remember_status_page(&self, status_page: Option<String>) {
        if let Ok(mut known) = self.status_page.lock() {
            if status_page.is_some() {
                *known = status_page;
            }
        }
    }

    fn known_status_page(&self) -> Option<String> {
        self.status_page.lock().ok().and_then(|known| known.clone())
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    fn endpoint(&self, path: &str) -> Url {
        // `base` ends in '/', so joining a relative path keeps any path prefix.
        self.base
            .join(path.trim_start_matches('/'))
            .unwrap_or_else(|_| self.base.clone())
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, PortalClientError> {
        let url = self.base.clone();
        let response = self
            .http
            .get(self.endpoint(path))
            .send()
            .await
            .map_err(|error| {
                if error.is_timeout() {
                    PortalClientError::TimedOut { url: url.clone() }
                } else {
                    PortalClientError::Unreachable { url: url.clone() }
                }
            })?;
        let status = response.status();
        if status.is_success() {
            return response
                .json()
                .await
                .map_err(|_| PortalClientError::UnexpectedAnswer {
                    url,
                    status: status.as_u16(),
                });
        }
        match response.json::<ApiError>().await {
            Ok(error) => Err(PortalClientError::Api {
                status: status.as_u16(),
                error,
            }),
            Err(_) => Err(PortalClientError::UnexpectedAnswer {
                url,
                status: status.as_u16(),
            }),
        }
    }

    pub async fn sign_in_options(&self) -> Result<SignInOptions, PortalClientError> {
        self.get_json(paths::SIGN_IN_OPTIONS).await
    }

    /// Never fails: an unreachable portal is a state the sign-in screen shows.
    pub async fn status(&self) -> PortalStatus {
        match self.sign_in_options().await {
            Ok(options) => {
                self.remember_status_page(options.status_page_url.clone());
                PortalStatus::Reachable { options }
            }
            Err(error) => {
                tracing::warn!(portal = %self.base, %error, "portal not reachable");
                PortalStatus::Unreachable {
                    message: error.to_string(),
                    status_page_url: self.known_status_page(),
                }
            }
        }
    }
}
