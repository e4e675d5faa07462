//! Talking to the portal over HTTP.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_api::{
    paths, ApiError, ChooseAccountRequest, ChooseAgainRequest, EmailSignInOptions,
    EmailSignInRequest, ErrorCode, LinkAccountRequest, LoginStep, MfaRequest,
    PasswordSignInRequest, RevokeRequest, SessionTokens, SignInOptions, SipProfile, TokenRequest,
    TokenTypeHint,
};
use url::Url;

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

/// Which Switchboard program talks to the portal: it says so in its User-Agent, and the
/// portal shows it in the account's list of sessions ("Switchboard app on alice-laptop").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Program {
    /// The desktop app.
    #[default]
    App,
    /// `switchboard-cli`.
    CommandLine,
}

impl Program {
    /// "Switchboard-App/1.2.0", "Switchboard-CLI/1.2.0".
    pub fn user_agent(self) -> String {
        let product = match self {
            Program::App => switchboard_api::APP_USER_AGENT_PRODUCT,
            Program::CommandLine => switchboard_api::CLI_USER_AGENT_PRODUCT,
        };
        format!("{product}/{}", env!("CARGO_PKG_VERSION"))
    }
}

#[derive(Debug, Clone)]
pub struct PortalClient {
    base: Url,
    http: reqwest::Client,
    /// For the event stream: no overall timeout (it stays open), a short connect one.
    stream_http: reqwest::Client,
    /// The operator's status page: from configuration, then as the portal last said.
    status_page: Arc<Mutex<Option<String>>>,
}

impl PortalClient {
    /// The desktop app's client.
    pub fn new(base: Url) -> Result<Self, PortalClientError> {
        Self::for_program(base, Program::App)
    }

    /// The client of `program`, which names itself in every request's User-Agent.
    pub fn for_program(base: Url, program: Program) -> Result<Self, PortalClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .user_agent(program.user_agent())
            .build()
            .map_err(|error| PortalClientError::Setup(error.to_string()))?;
        let stream_http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .user_agent(program.user_agent())
            .build()
            .map_err(|error| PortalClientError::Setup(error.to_string()))?;
        Ok(Self {
            base,
            http,
            stream_http,
            status_page: Arc::default(),
        })
    }

    /// Where to send users when the portal does not answer, until the portal names one.
    pub fn with_status_page(self, status_page: Option<Url>) -> Self {
        self.remember_status_page(status_page.map(String::from));
        self
    }

    /// Keeps the status page the portal named (a `None` keeps the one known). A panic
    /// elsewhere cannot leave an address half-written, so a poisoned lock's value is used.
    pub fn remember_status_page(&self, status_page: Option<String>) {
        if status_page.is_some() {
            *self
                .status_page
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = status_page;
        }
    }

    /// Where to send users when the portal does not answer.
    pub fn known_status_page(&self) -> Option<String> {
        self.status_page
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
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
        self.send(self.http.get(self.endpoint(path))).await
    }

    async fn post_form<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        form: &impl serde::Serialize,
    ) -> Result<T, PortalClientError> {
        self.send(self.http.post(self.endpoint(path)).form(form))
            .await
    }

    async fn response(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, PortalClientError> {
        let url = self.base.clone();
        let response = request.send().await.map_err(|error| {
            if error.is_timeout() {
                PortalClientError::TimedOut { url: url.clone() }
            } else {
                PortalClientError::Unreachable { url: url.clone() }
            }
        })?;
        let status = response.status();
        if status.is_success() || status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(response);
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

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, PortalClientError> {
        let response = self.response(request).await?;
        let status = response.status().as_u16();
        response
            .json()
            .await
            .map_err(|_| PortalClientError::UnexpectedAnswer {
                url: self.base.clone(),
                status,
            })
    }

    /// Redeems the one-time code of a provider sign-in.
    pub async fn redeem_code(
        &self,
        code: &str,
        code_verifier: &str,
        redirect_uri: &str,
        device_name: &str,
    ) -> Result<LoginStep, PortalClientError> {
        let request = TokenRequest::AuthorizationCode {
            code: code.to_owned(),
            code_verifier: Some(code_verifier.to_owned()),
            redirect_uri: redirect_uri.to_owned(),
            device_name: Some(device_name.to_owned()),
        };
        self.post_form(paths::TOKEN, &request).await
    }

    /// Continues a `ChooseAccount` step.
    pub async fn choose_account(
        &self,
        request: &ChooseAccountRequest,
    ) -> Result<LoginStep, PortalClientError> {
        self.send(
            self.http
                .post(self.endpoint(paths::CHOOSE_ACCOUNT))
                .json(request),
        )
        .await
    }

    /// Continues a `LinkAccount` step with the account's credentials.
    pub async fn link_account(
        &self,
        request: &LinkAccountRequest,
    ) -> Result<LoginStep, PortalClientError> {
        self.send(
            self.http
                .post(self.endpoint(paths::LINK_ACCOUNT))
                .json(request),
        )
        .await
    }

    /// "Use a different account": the chooser for the signed-in session's identity.
    pub async fn choose_again(
        &self,
        access_token: &str,
        request: &ChooseAgainRequest,
    ) -> Result<LoginStep, PortalClientError> {
        self.send(
            self.http
                .post(self.endpoint(paths::CHOOSE_AGAIN))
                .bearer_auth(access_token)
                .json(request),
        )
        .await
    }

    /// Username + password sign-in.
    pub async fn password_sign_in(
        &self,
        request: &PasswordSignInRequest,
    ) -> Result<LoginStep, PortalClientError> {
        self.send(
            self.http
                .post(self.endpoint(paths::PASSWORD_SIGN_IN))
                .json(request),
        )
        .await
    }

    /// The authenticator or recovery code of an `MfaRequired` step.
    pub async fn submit_mfa(&self, request: &MfaRequest) -> Result<LoginStep, PortalClientError> {
        self.send(self.http.post(self.endpoint(paths::MFA)).json(request))
            .await
    }

    /// `GET` with the access token.
    pub async fn get_authorized<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        access_token: &str,
    ) -> Result<T, PortalClientError> {
        self.send(self.http.get(self.endpoint(path)).bearer_auth(access_token))
            .await
    }

    /// `POST` a JSON body with the access token.
    pub async fn post_authorized<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        access_token: &str,
        body: &impl serde::Serialize,
    ) -> Result<T, PortalClientError> {
        self.send(
            self.http
                .post(self.endpoint(path))
                .bearer_auth(access_token)
                .json(body),
        )
        .await
    }

    /// Rotates a refresh token: the answer holds the next one.
    pub async fn refresh(&self, refresh_token: &str) -> Result<SessionTokens, PortalClientError> {
        let request = TokenRequest::RefreshToken {
            refresh_token: refresh_token.to_owned(),
        };
        self.post_form(paths::TOKEN, &request).await
    }

    /// Ends the session the refresh token belongs to (RFC 7009).
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), PortalClientError> {
        let request = RevokeRequest {
            token: refresh_token.to_owned(),
            token_type_hint: Some(TokenTypeHint::RefreshToken),
        };
        self.response(self.http.post(self.endpoint(paths::REVOKE)).form(&request))
            .await?;
        Ok(())
    }

    /// The SIP profile, or `None` when it still has the ETag the app holds.
    pub async fn sip_profile(
        &self,
        access_token: &str,
        etag: Option<&str>,
    ) -> Result<Option<(SipProfile, Option<String>)>, PortalClientError> {
        let mut request = self
            .http
            .get(self.endpoint(paths::SIP_PROFILE))
            .bearer_auth(access_token);
        if let Some(etag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        let response = self.response(request).await?;
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let status = response.status().as_u16();
        let profile = response
            .json()
            .await
            .map_err(|_| PortalClientError::UnexpectedAnswer {
                url: self.base.clone(),
                status,
            })?;
        Ok(Some((profile, etag)))
    }

    /// Opens the session's event stream (`GET /v1/events`).
    pub async fn events(
        &self,
        access_token: &str,
    ) -> Result<crate::portal_events::EventReader, PortalClientError> {
        // The stream stays open; its answer (the headers) still comes in time or not at all.
        let opening = self.response(
            self.stream_http
                .get(self.endpoint(paths::EVENTS))
                .bearer_auth(access_token),
        );
        let response = tokio::time::timeout(Duration::from_secs(15), opening)
            .await
            .map_err(|_| PortalClientError::TimedOut {
                url: self.base.clone(),
            })??;
        Ok(crate::portal_events::EventReader::new(
            response,
            self.base.clone(),
        ))
    }

    /// Whether the portal refused the access token (refresh it and try again).
    pub fn is_token_rejection(error: &PortalClientError) -> bool {
        matches!(
            error,
            PortalClientError::Api { error, .. } if error.code == ErrorCode::InvalidToken
        )
    }

    /// Whether the portal refused a grant (the sign-in is over), as opposed to not answering.
    pub fn is_rejection(error: &PortalClientError) -> bool {
        matches!(
            error,
            PortalClientError::Api { error, .. }
                if matches!(error.code, ErrorCode::InvalidGrant | ErrorCode::InvalidToken)
        )
    }

    pub async fn sign_in_options(&self) -> Result<SignInOptions, PortalClientError> {
        self.get_json(paths::SIGN_IN_OPTIONS).await
    }

    /// "Continue with work email": the providers the email's domain has enabled. A POST,
    /// so the address stays out of URLs and their logs.
    pub async fn sign_in_options_for_email(
        &self,
        email: &str,
    ) -> Result<EmailSignInOptions, PortalClientError> {
        self.send(
            self.http
                .post(self.endpoint(paths::SIGN_IN_OPTIONS_FOR_EMAIL))
                .json(&EmailSignInRequest {
                    email: email.to_owned(),
                }),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_api::SessionClient;

    #[test]
    fn each_program_names_itself_so_the_portal_tells_its_sessions_apart() {
        assert!(Program::App.user_agent().starts_with("Switchboard-App/"));
        assert_eq!(
            SessionClient::of_user_agent(&Program::App.user_agent()),
            SessionClient::App
        );
        assert_eq!(
            SessionClient::of_user_agent(&Program::CommandLine.user_agent()),
            SessionClient::CommandLine
        );
    }
}
