//! The dev IdP over real HTTP: a server on 127.0.0.1:0 in this process, queried with reqwest.
// Test helpers outside #[test] functions may panic too: this whole crate is a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::StatusCode;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::Value;
use switchboard_dev_idp::{
    bind, demo_identities, DevIdpConfig, Profile, ACME_TENANT_ID, CONTOSO_TENANT_ID,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

/// A running dev IdP; `stop` shuts it down gracefully.
struct Running {
    url: Url,
    addr: std::net::SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), switchboard_dev_idp::DevIdpError>>,
}

impl Running {
    async fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, None).await
    }

    async fn start_with(data_dir: &Path, public_url: Option<Url>) -> Self {
        let idp = bind(DevIdpConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            public_url,
            data_dir: data_dir.to_owned(),
            ..DevIdpConfig::default()
        })
        .await
        .unwrap();
        let url = idp.url();
        let addr = idp.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(idp.serve(async {
            let _ = stopped.await;
        }));
        Self {
            url,
            addr,
            stop,
            task,
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        let url = self.url.join(path).unwrap();
        reqwest::get(url).await.unwrap()
    }

    async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    async fn stop(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn base_url_is_loopback_with_the_bound_port() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Running::start(dir.path()).await;
    assert_eq!(idp.url.scheme(), "http");
    assert_eq!(idp.url.host_str(), Some("127.0.0.1"));
    assert_ne!(idp.url.port(), Some(0));
    assert_eq!(idp.url.path(), "/");
    idp.stop().await;
}

#[tokio::test]
async fn discovery_of_every_profile_names_its_issuer_and_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Running::start(dir.path()).await;
    let base = idp.url.as_str().to_owned();
    let expected_issuers = [
        format!("{base}google"),
        format!("{base}entra/{ACME_TENANT_ID}/v2.0"),
        format!("{base}entra/{CONTOSO_TENANT_ID}/v2.0"),
        format!("{base}apple"),
        format!("{base}acme-sso"),
    ];
    for issuer in &expected_issuers {
        let response = reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{issuer}");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let doc: Value = response.json().await.unwrap();
        assert_eq!(doc["issuer"], issuer.as_str());
        assert_eq!(doc["authorization_endpoint"], format!("{issuer}/authorize"));
        assert_eq!(doc["token_endpoint"], format!("{issuer}/token"));
        assert_eq!(doc["jwks_uri"], format!("{base}jwks"));
        assert_eq!(strings(&doc["response_types_supported"]), ["code"]);
        assert_eq!(
            strings(&doc["id_token_signing_alg_values_supported"]),
            ["RS256"]
        );
        assert_eq!(
            strings(&doc["scopes_supported"]),
            ["openid", "email", "profile"]
        );
        assert_eq!(strings(&doc["code_challenge_methods_supported"]), ["S256"]);
        assert_eq!(
            strings(&doc["token_endpoint_auth_methods_supported"]),
            ["client_secret_post", "client_secret_basic"]
        );
        let subject_types = strings(&doc["subject_types_supported"]);
        assert!(
            subject_types == ["public"] || subject_types == ["pairwise"],
            "{subject_types:?}"
        );
        let claims = strings(&doc["claims_supported"]);
        for claim in ["sub", "iss", "aud", "email"] {
            assert!(claims.contains(&claim), "{issuer} lacks {claim}");
        }
    }
    idp.stop().await;
}

#[tokio::test]
async fn each_profile_advertises_its_own_claims() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Running::start(dir.path()).await;
    let claims = |doc: &Value| -> Vec<String> {
        strings(&doc["claims_supported"])
            .into_iter()
            .map(str::to_owned)
            .collect()
    };

    let google = idp
        .get_json("google/.well-known/openid-configuration")
        .await;
    let google = claims(&google);
    assert!(google.iter().any(|c| c == "hd"));
    assert!(google.iter().any(|c| c == "email_verified"));

    let entra = idp
        .get_json(&format!(
            "entra/{ACME_TENANT_ID}/v2.0/.well-known/openid-configuration"
        ))
        .await;
    let entra = claims(&entra);
    for claim in ["tid", "oid", "xms_edov", "preferred_username"] {
        assert!(entra.iter().any(|c| c == claim), "entra lacks {claim}");
    }

    let apple = idp.get_json("apple/.well-known/openid-configuration").await;
    let apple = claims(&apple);
    for claim in ["is_private_email", "email_verified"] {
        assert!(apple.iter().any(|c| c == claim), "apple lacks {claim}");
    }
    idp.stop().await;
}

#[tokio::test]
async fn apple_advertises_form_post() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Running::start(dir.path()).await;
    let doc = idp.get_json("apple/.well-known/openid-configuration").await;
    assert_eq!(
        strings(&doc["response_modes_supported"]),
        ["form_post", "query"]
    );
    idp.stop().await;
}

#[tokio::test]
async fn jwks_key_matches_the_key_file_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();

    let first = Running::start(dir.path()).await;
    let response = first.get("jwks").await;
    assert_eq!(response.status(), StatusCode::OK);
    let jwks: Value = response.json().await.unwrap();
    first.stop().await;

    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["e"], "AQAB");
    let kid = key["kid"].as_str().unwrap();
    let n = key["n"].as_str().unwrap();
    assert!(!kid.is_empty());
    assert!(!n.contains('=') && !n.contains('+') && !n.contains('/'));
    assert_eq!(URL_SAFE_NO_PAD.decode(n).unwrap().len(), 256, "RSA 2048");

    // The served key is the persisted one: same kid, same modulus.
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("dev-idp-keys.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(file["keys"][0]["kid"], kid);
    let pem = file["keys"][0]["private_key_pem"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let private = rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
    assert_eq!(URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()), n);

    // A restart on the same data folder serves the same key.
    let second = Running::start(dir.path()).await;
    let again: Value = second.get_json("jwks").await;
    second.stop().await;
    assert_eq!(again, jwks);

    // A different data folder gets a different key.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Running::start(other_dir.path()).await;
    let other_jwks: Value = other.get_json("jwks").await;
    other.stop().await;
    assert_ne!(other_jwks["keys"][0]["kid"], kid);
}

#[tokio::test]
async fn unknown_issuers_are_a_json_404() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Running::start(dir.path()).await;
    let unknown_tenant = "00000000-0000-4000-8000-000000000000";
    for path in [
        "facebook/.well-known/openid-configuration".to_owned(),
        format!("entra/{unknown_tenant}/v2.0/.well-known/openid-configuration"),
        "entra/consumers/v2.0/.well-known/openid-configuration".to_owned(),
        "google/.well-known/nope".to_owned(),
        "google".to_owned(),
        "nope".to_owned(),
    ] {
        let response = idp.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "not_found", "{path}");
        assert!(!body["message"].as_str().unwrap().is_empty(), "{path}");
    }
    idp.stop().await;
}

#[tokio::test]
async fn every_demo_identity_resolves_to_a_served_issuer() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Running::start(dir.path()).await;
    let listing = idp.get_json("identities").await;
    let served = listing["identities"].as_array().unwrap();
    let demo = demo_identities();
    assert_eq!(served.len(), demo.len());

    for (identity, view) in demo.iter().zip(served) {
        assert_eq!(view["id"], identity.id.as_str());
        assert_eq!(view["sub"], identity.subject.as_str());
        assert_eq!(view["email"], identity.email.as_str());
        assert_eq!(view["login_hint"], identity.login_hint.as_str());
        let issuer = view["issuer"].as_str().unwrap();
        assert!(issuer.starts_with(idp.url.as_str()), "{issuer}");
        let response = reqwest::get(format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        ))
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{}", identity.id);
        let doc: Value = response.json().await.unwrap();
        assert_eq!(doc["issuer"], issuer, "{}", identity.id);
        if let Profile::Entra { tenant_id } = &identity.profile {
            assert!(issuer.ends_with(&format!("/entra/{tenant_id}/v2.0")));
            assert_eq!(view["id_token_claims"]["tid"], tenant_id.as_str());
        }
    }

    let listed_issuers: Vec<_> = listing["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["issuer"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed_issuers.len(), 6);
    for view in served {
        assert!(listed_issuers
            .iter()
            .any(|i| i == view["issuer"].as_str().unwrap()));
    }
    idp.stop().await;
}

#[tokio::test]
async fn noauth_attacker_relay_and_unverified_identities_are_served_as_specified() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Running::start(dir.path()).await;
    let listing = idp.get_json("identities").await;
    let find = |id: &str| {
        listing["identities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
            .clone()
    };
    let mallory = find("entra-contoso-mallory");
    assert_eq!(mallory["email"], "alice@acme.example");
    assert_eq!(mallory["name"], "Mallory (Contoso)");
    assert_eq!(mallory["id_token_claims"]["xms_edov"], false);
    assert_eq!(mallory["id_token_claims"]["tid"], CONTOSO_TENANT_ID);

    let relay = find("apple-alice-relay");
    assert_eq!(relay["email"], "k7x2q9@privaterelay.appleid.com");
    assert_eq!(relay["id_token_claims"]["is_private_email"], true);

    let eve = find("google-eve");
    assert_eq!(eve["email_verified"], false);
    assert_eq!(eve["id_token_claims"]["hd"], "acme.example");
    idp.stop().await;
}

#[tokio::test]
async fn root_page_lists_profiles_and_identities() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Running::start(dir.path()).await;
    let response = idp.get("").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = response.text().await.unwrap();
    for text in [
        "Google",
        "Microsoft Entra (Acme)",
        "Microsoft Entra (Contoso)",
        "Apple",
        "Acme SSO",
        "Alice Archer",
        "Mallory (Contoso)",
        "k7x2q9@privaterelay.appleid.com",
        "newbie@gmail.com",
        "switchboard-portal",
        "dev_idp_forge",
        "unknown_kid",
        &format!("{}google", idp.url),
    ] {
        assert!(page.contains(text), "page lacks {text}");
    }
    idp.stop().await;
}

#[tokio::test]
async fn issuers_follow_the_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let public = Url::parse("https://idp.switchboard.example/dev").unwrap();
    let idp = Running::start_with(dir.path(), Some(public)).await;
    assert_eq!(idp.url.as_str(), "https://idp.switchboard.example/dev/");
    // The server still listens locally; only the advertised URLs change.
    let doc: Value = reqwest::get(format!(
        "http://{}/google/.well-known/openid-configuration",
        idp.addr
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(doc["issuer"], "https://idp.switchboard.example/dev/google");
    assert_eq!(
        doc["authorization_endpoint"],
        "https://idp.switchboard.example/dev/google/authorize"
    );
    assert_eq!(doc["jwks_uri"], "https://idp.switchboard.example/dev/jwks");
    idp.stop().await;
}
