//! Helpers for the OpenID provider tests: a dev IdP on 127.0.0.1:0 in this process, a
//! "browser" that does not follow redirects, PKCE, JWT checks against the JWKS.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use rand::rngs::OsRng;
use rand::RngCore;
use reqwest::StatusCode;
use rsa::pkcs1v15;
use rsa::signature::Verifier;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use switchboard_dev_idp::{
    bind, AppState, DevIdpConfig, DevIdpError, ACME_TENANT_ID, CLIENT_ID, DEFAULT_CLIENT_SECRET,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

/// Where the tests' relying party would be called back; never contacted.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/callback";

pub const GOOGLE: &str = "google";
pub const APPLE: &str = "apple";
pub const ACME_SSO: &str = "acme-sso";

pub fn entra_acme() -> String {
    format!("entra/{ACME_TENANT_ID}/v2.0")
}

/// A running dev IdP.
pub struct Idp {
    pub url: Url,
    pub state: AppState,
    pub http: reqwest::Client,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), DevIdpError>>,
    _dir: Option<tempfile::TempDir>,
}

impl Idp {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with a fresh data folder and the config `configure` leaves.
    pub async fn start_with(configure: impl FnOnce(&mut DevIdpConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut idp = Self::start_in(dir.path(), configure).await;
        idp._dir = Some(dir);
        idp
    }

    pub async fn start_in(data_dir: &Path, configure: impl FnOnce(&mut DevIdpConfig)) -> Self {
        let mut config = DevIdpConfig {
            data_dir: data_dir.to_owned(),
            ..DevIdpConfig::default()
        };
        configure(&mut config);
        let idp = bind(config).await.unwrap();
        let url = idp.url();
        let state = idp.state().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(idp.serve(async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            url,
            state,
            http,
            stop,
            task,
            _dir: None,
        }
    }

    pub async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }

    /// The issuer at `path` below the base URL (`google`, `entra/<tid>/v2.0`, ...).
    pub fn issuer(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub async fn jwks(&self) -> Value {
        let response = self
            .http
            .get(self.url.join("jwks").unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// GET the authorize URL of `request`, without following anything.
    pub async fn authorize(&self, request: &AuthRequest) -> reqwest::Response {
        self.get(request.url()).await
    }

    pub async fn get(&self, url: impl reqwest::IntoUrl) -> reqwest::Response {
        self.http.get(url).send().await.unwrap()
    }

    /// What the authorize endpoint sent back to [`REDIRECT_URI`], by redirect or by form post.
    pub async fn authorize_result(&self, request: &AuthRequest) -> HashMap<String, String> {
        let response = self.authorize(request).await;
        callback_params(response).await
    }

    /// Signs in and returns the code, checking `state` came back.
    pub async fn code(&self, request: &AuthRequest) -> String {
        let params = self.authorize_result(request).await;
        assert_eq!(
            params.get("state"),
            Some(&request.state),
            "state came back: {params:?}"
        );
        params
            .get("code")
            .unwrap_or_else(|| panic!("no code in {params:?}"))
            .clone()
    }

    /// POSTs a form to `{issuer}/token`, with HTTP Basic when `basic` is given.
    pub async fn token(
        &self,
        issuer: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> reqwest::Response {
        let mut request = self.http.post(format!("{issuer}/token")).form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        request.send().await.unwrap()
    }

    /// Redeems `code` for `request` with `client_secret_basic` and `secret`.
    pub async fn redeem_with(
        &self,
        request: &AuthRequest,
        code: &str,
        secret: &str,
    ) -> reqwest::Response {
        self.token(
            &request.issuer,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &request.verifier),
            ],
            Some((CLIENT_ID, secret)),
        )
        .await
    }

    /// Redeems `code` with the default secret and returns the token response, checked.
    pub async fn redeem(&self, request: &AuthRequest, code: &str) -> Value {
        let response = self.redeem_with(request, code, DEFAULT_CLIENT_SECRET).await;
        token_json(response).await
    }

    /// Signs in with `login_hint` at `issuer` (a path) and returns the request and ID token.
    pub async fn id_token(&self, issuer: &str, hint: &str) -> (AuthRequest, String) {
        let request = AuthRequest::new(&self.issuer(issuer)).with("login_hint", hint);
        let code = self.code(&request).await;
        let tokens = self.redeem(&request, &code).await;
        let id_token = tokens["id_token"].as_str().unwrap().to_owned();
        (request, id_token)
    }
}

/// A successful token response's JSON.
pub async fn token_json(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// An error token response: (status, error, error_description).
pub async fn token_error(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    let error = body["error"].as_str().unwrap().to_owned();
    let description = body["error_description"].as_str().unwrap().to_owned();
    assert!(!description.is_empty());
    (status, error, description)
}

/// Parameters the authorize endpoint sends to [`REDIRECT_URI`]: a 302's query, or the
/// hidden inputs of a form post page.
pub async fn callback_params(response: reqwest::Response) -> HashMap<String, String> {
    match response.status() {
        StatusCode::FOUND => redirect_params(&response),
        StatusCode::OK => {
            let html = response.text().await.unwrap();
            assert!(
                html.contains(&format!(r#"<form method="post" action="{REDIRECT_URI}">"#)),
                "not a form post page: {html}"
            );
            hidden_inputs(&html)
        }
        status => panic!(
            "unexpected {status}: {}",
            response.text().await.unwrap_or_default()
        ),
    }
}

/// The query of a 302 to [`REDIRECT_URI`].
pub fn redirect_params(response: &reqwest::Response) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap();
    let url = Url::parse(location).unwrap();
    assert!(
        location.starts_with(&format!("{REDIRECT_URI}?")),
        "{location}"
    );
    let mut params = HashMap::new();
    for (k, v) in url.query_pairs() {
        assert!(
            params.insert(k.into_owned(), v.into_owned()).is_none(),
            "repeated parameter in {location}"
        );
    }
    params
}

pub fn html_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The `<input type="hidden" name="…" value="…">` of a page.
pub fn hidden_inputs(html: &str) -> HashMap<String, String> {
    let mut inputs = HashMap::new();
    for piece in html.split(r#"<input type="hidden" name=""#).skip(1) {
        let (name, rest) = piece.split_once('"').unwrap();
        let rest = rest.strip_prefix(r#" value=""#).unwrap();
        let (value, _) = rest.split_once('"').unwrap();
        inputs.insert(html_unescape(name), html_unescape(value));
    }
    inputs
}

/// The `href` of the element whose attributes start with `marker` (e.g.
/// `data-identity="google-alice"` or `id="cancel"`).
pub fn link(html: &str, marker: &str) -> String {
    let (_, rest) = html
        .split_once(&format!(r#"{marker} href=""#))
        .unwrap_or_else(|| panic!("no link {marker} in {html}"));
    html_unescape(rest.split_once('"').unwrap().0)
}

pub fn random_string() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// An authorize request of the portal: code flow, PKCE S256, state and nonce.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub issuer: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    params: Vec<(String, String)>,
}

impl AuthRequest {
    pub fn new(issuer: &str) -> Self {
        let state = random_string();
        let nonce = random_string();
        let verifier = random_string();
        let params = [
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "openid email profile"),
            ("state", &state),
            ("nonce", &nonce),
            ("code_challenge", &s256(&verifier)),
            ("code_challenge_method", "S256"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        Self {
            issuer: issuer.to_owned(),
            state,
            nonce,
            verifier,
            params,
        }
    }

    /// Sets (or replaces) a parameter.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        match self.params.iter_mut().find(|(k, _)| k == name) {
            Some(pair) => pair.1 = value.to_owned(),
            None => self.params.push((name.to_owned(), value.to_owned())),
        }
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.params.retain(|(k, _)| k != name);
        self
    }

    pub fn url(&self) -> Url {
        let mut url = Url::parse(&format!("{}/authorize", self.issuer)).unwrap();
        url.query_pairs_mut().extend_pairs(&self.params);
        url
    }
}

/// A JWT's header and claims (nothing verified).
pub fn jwt_parts(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let json = |part: Option<&str>| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part.unwrap()).unwrap()).unwrap()
    };
    let header = json(parts.next());
    let claims = json(parts.next());
    (header, claims)
}

/// Checks an RS256 JWS against the key of its `kid` in `jwks`.
pub fn verify_rs256(token: &str, jwks: &Value) -> Result<(), String> {
    let (header, _) = jwt_parts(token);
    if header["alg"] != "RS256" {
        return Err(format!("alg is {}", header["alg"]));
    }
    let kid = header["kid"].as_str().ok_or("no kid")?;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .ok_or_else(|| format!("kid {kid} is not in the JWKS"))?;
    let number = |field: &str| {
        rsa::BigUint::from_bytes_be(
            &URL_SAFE_NO_PAD
                .decode(jwk[field].as_str().unwrap())
                .unwrap(),
        )
    };
    let public = rsa::RsaPublicKey::new(number("n"), number("e")).unwrap();
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|e| e.to_string())?;
    let signature =
        pkcs1v15::Signature::try_from(signature.as_slice()).map_err(|e| e.to_string())?;
    pkcs1v15::VerifyingKey::<Sha256>::new(public)
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|e| format!("bad signature: {e}"))
}

/// An Apple-style client secret: ES256 JWS with `kid`, signed by `key`.
pub fn apple_client_secret(key: &p256::ecdsa::SigningKey, claims: Value) -> String {
    let header = json!({"alg": "ES256", "kid": "ABC123DEFG"});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature: p256::ecdsa::Signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// The claims of a good Apple client secret at `now`.
pub fn apple_secret_claims(now: u64) -> Value {
    json!({
        "iss": "TEAM123456",
        "sub": CLIENT_ID,
        "aud": "https://appleid.apple.com",
        "iat": now - 5,
        "exp": now + 3600,
    })
}
