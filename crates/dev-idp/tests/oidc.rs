//! The dev IdP as an OpenID provider, over real HTTP: authorize (login_hint, picker,
//! cancel, PKCE), token (client authentication, single-use codes, ID tokens verified against
//! the JWKS), forgery knobs, Apple's form_post and client secret JWT, key rotation.
// Test helpers outside #[test] functions may panic too: this whole crate is a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use p256::pkcs8::{EncodePublicKey, LineEnding};
use rand::rngs::OsRng;
use reqwest::StatusCode;
use serde_json::Value;
use switchboard_dev_idp::{
    Clock, Forgery, ManualClock, SystemClock, ACME_TENANT_ID, CLIENT_ID, CODE_LIFETIME_SECS,
    CONTOSO_TENANT_ID, DEFAULT_CLIENT_SECRET,
};

// ---------------------------------------------------------------------------------------
// Authorize

#[tokio::test]
async fn login_hint_signs_in_without_a_page_at_every_profile() {
    let idp = Idp::start().await;
    let contoso = format!("entra/{CONTOSO_TENANT_ID}/v2.0");
    let cases = [
        (GOOGLE.to_owned(), "alice@acme.example"),
        (GOOGLE.to_owned(), "google-newbie"),
        (GOOGLE.to_owned(), "ALICE@Acme.Example"),
        (entra_acme(), "maria@acme.example"),
        (contoso, "entra-contoso-mallory"),
        (APPLE.to_owned(), "apple-alice-relay"),
        (ACME_SSO.to_owned(), "tom@acme.example"),
    ];
    for (issuer, hint) in cases {
        // Apple answers by redirect when neither name nor email is asked.
        let scope = if issuer == APPLE {
            "openid"
        } else {
            "openid email profile"
        };
        let request = AuthRequest::new(&idp.issuer(&issuer))
            .with("login_hint", hint)
            .with("scope", scope);
        let response = idp.authorize(&request).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{issuer} {hint}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let params = redirect_params(&response);
        assert_eq!(params["state"], request.state, "{issuer} {hint}");
        let code = &params["code"];
        assert_eq!(base64_len(code), 32, "the code is 256 random bits: {code}");
        assert!(!params.contains_key("error"));
    }
    idp.stop().await;
}

fn base64_len(text: &str) -> usize {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_hint_of_another_issuers_identity_shows_the_picker() {
    let idp = Idp::start().await;
    // maria is an Entra identity, not a Google one.
    let request = AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "entra-acme-maria");
    let response = idp.authorize(&request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"id="unknown-hint""#), "{page}");
    assert!(page.contains("entra-acme-maria"));
    idp.stop().await;
}

#[tokio::test]
async fn picker_lists_the_issuers_identities_when_there_is_no_hint() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE));
    let response = idp.authorize(&request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = response.text().await.unwrap();
    for id in [
        "google-alice",
        "google-adam",
        "google-nora",
        "google-newbie",
        "google-eve",
    ] {
        assert!(
            page.contains(&format!(r#"data-identity="{id}""#)),
            "lacks {id}"
        );
    }
    for text in ["Alice Archer", "newbie@gmail.com", "Sign in with Google"] {
        assert!(page.contains(text), "lacks {text}");
    }
    // Only this issuer's people.
    assert!(!page.contains("Mallory"));
    assert!(!page.contains("entra-acme-maria"));

    // Each identity links to the same request with its login_hint.
    let href = link(&page, r#"data-identity="google-alice""#);
    let url = url::Url::parse(&href).unwrap();
    assert_eq!(
        url.as_str().split('?').next().unwrap(),
        format!("{}/authorize", request.issuer)
    );
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(pairs.contains(&("login_hint".into(), "google-alice".into())));
    assert!(pairs.contains(&("state".into(), request.state.clone())));
    assert!(pairs.contains(&("nonce".into(), request.nonce.clone())));

    // Following it signs Alice in; the code redeems for her token.
    let response = idp.get(href).await;
    let params = redirect_params(&response);
    assert_eq!(params["state"], request.state);
    let tokens = idp.redeem(&request, &params["code"]).await;
    let (_, claims) = jwt_parts(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["email"], "alice@acme.example");
    idp.stop().await;
}

#[tokio::test]
async fn the_pickers_cancel_link_returns_access_denied() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(&entra_acme()));
    let page = idp.authorize(&request).await.text().await.unwrap();
    assert!(page.contains("Maria Manager"));
    let cancel = link(&page, r#"id="cancel""#);
    assert!(cancel.contains("dev_idp_cancel=1"), "{cancel}");
    let response = idp.get(cancel).await;
    let params = redirect_params(&response);
    assert_eq!(params["error"], "access_denied");
    assert!(!params["error_description"].is_empty());
    assert_eq!(params["state"], request.state);
    assert!(!params.contains_key("code"));
    idp.stop().await;
}

#[tokio::test]
async fn dev_idp_cancel_returns_access_denied_without_a_page() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE))
        .with("login_hint", "google-alice")
        .with("dev_idp_cancel", "1");
    let params = redirect_params(&idp.authorize(&request).await);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], request.state);
    assert!(!params.contains_key("code"));
    idp.stop().await;
}

#[tokio::test]
async fn pkce_s256_is_required() {
    let idp = Idp::start().await;
    let base = || AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");
    let cases = [
        ("no challenge", base().without("code_challenge")),
        ("no method", base().without("code_challenge_method")),
        ("plain", base().with("code_challenge_method", "plain")),
        ("short challenge", base().with("code_challenge", "abc")),
    ];
    for (name, request) in cases {
        let response = idp.authorize(&request).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{name}");
        let params = redirect_params(&response);
        assert_eq!(params["error"], "invalid_request", "{name}");
        assert_eq!(params["state"], request.state, "{name}");
        assert!(!params.contains_key("code"), "{name}");
    }
    idp.stop().await;
}

#[tokio::test]
async fn other_bad_requests_go_back_to_the_client_as_errors() {
    let idp = Idp::start().await;
    let base = || AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");
    let cases = [
        (
            base().with("response_type", "token"),
            "unsupported_response_type",
        ),
        (base().without("response_type"), "invalid_request"),
        (base().with("scope", "email profile"), "invalid_scope"),
        (base().with("response_mode", "fragment"), "invalid_request"),
        (
            AuthRequest::new(&idp.issuer(GOOGLE)).with("prompt", "none"),
            "login_required",
        ),
    ];
    for (request, error) in cases {
        let params = redirect_params(&idp.authorize(&request).await);
        assert_eq!(params["error"], error, "{:?}", request.url().as_str());
        assert_eq!(params["state"], request.state);
    }
    idp.stop().await;
}

#[tokio::test]
async fn a_bad_client_or_redirect_uri_is_an_error_page_not_a_redirect() {
    let idp = Idp::start().await;
    let base = || AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");
    let cases = [
        ("unknown client", base().with("client_id", "someone-else")),
        ("no client", base().without("client_id")),
        ("no redirect_uri", base().without("redirect_uri")),
        (
            "custom scheme",
            base().with("redirect_uri", "com.example.app:/cb"),
        ),
        ("relative", base().with("redirect_uri", "/callback")),
        (
            "fragment",
            base().with("redirect_uri", "http://127.0.0.1:9/cb#x"),
        ),
        ("unknown knob", base().with("dev_idp_forge", "nope")),
    ];
    for (name, request) in cases {
        let response = idp.authorize(&request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
        assert!(response.headers().get("location").is_none(), "{name}");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let page = response.text().await.unwrap();
        assert!(page.contains("Sign-in request refused"), "{name}: {page}");
    }
    idp.stop().await;
}

#[tokio::test]
async fn an_unknown_knob_page_names_the_known_knobs() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE)).with("dev_idp_forge", "evil");
    let response = idp.authorize(&request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = response.text().await.unwrap();
    for knob in Forgery::ALL {
        assert!(page.contains(knob.name()), "lacks {knob}");
    }
    idp.stop().await;
}

// ---------------------------------------------------------------------------------------
// Token

#[tokio::test]
async fn code_exchange_returns_an_id_token_that_verifies_against_the_jwks() {
    let clock = ManualClock::starting_now();
    let apple_key = p256::ecdsa::SigningKey::random(&mut OsRng);
    let idp = Idp::start_with(|c| c.clock = Arc::new(clock.clone())).await;
    let jwks = idp.jwks().await;
    let current_kid = jwks["keys"][0]["kid"].as_str().unwrap().to_owned();
    let now = clock.now();

    let contoso = format!("entra/{CONTOSO_TENANT_ID}/v2.0");
    let cases = [
        (GOOGLE.to_owned(), "google-alice"),
        (GOOGLE.to_owned(), "google-newbie"),
        (entra_acme(), "entra-acme-maria"),
        (contoso.clone(), "entra-contoso-mallory"),
        (APPLE.to_owned(), "apple-alice-relay"),
        (ACME_SSO.to_owned(), "acme-sso-tom"),
    ];
    for (issuer_path, hint) in cases {
        let issuer = idp.issuer(&issuer_path);
        let scope = if issuer_path == APPLE {
            "openid"
        } else {
            "openid email profile"
        };
        let request = AuthRequest::new(&issuer)
            .with("login_hint", hint)
            .with("scope", scope);
        let code = idp.code(&request).await;
        let secret = if issuer_path == APPLE {
            apple_client_secret(&apple_key, apple_secret_claims(now))
        } else {
            DEFAULT_CLIENT_SECRET.to_owned()
        };
        let response = idp.redeem_with(&request, &code, &secret).await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{hint}");
        let tokens = token_json(response).await;
        assert_eq!(tokens["token_type"], "Bearer", "{hint}");
        assert_eq!(tokens["expires_in"], 3600, "{hint}");
        assert_eq!(tokens["scope"], scope, "{hint}");
        assert!(base64_len(tokens["access_token"].as_str().unwrap()) >= 32);

        let id_token = tokens["id_token"].as_str().unwrap();
        verify_rs256(id_token, &jwks).unwrap_or_else(|e| panic!("{hint}: {e}"));
        let (header, claims) = jwt_parts(id_token);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], current_kid.as_str());
        assert_eq!(claims["iss"], issuer.as_str(), "{hint}");
        assert_eq!(claims["aud"], CLIENT_ID, "{hint}");
        assert_eq!(claims["azp"], CLIENT_ID, "{hint}");
        assert_eq!(claims["nonce"], request.nonce.as_str(), "{hint}");
        assert_eq!(claims["iat"], now, "{hint}");
        assert_eq!(claims["exp"], now + 3600, "{hint}");

        let identity = idp
            .state
            .identities()
            .iter()
            .find(|i| i.id == hint)
            .unwrap()
            .clone();
        assert_eq!(claims["sub"], identity.subject.as_str(), "{hint}");
        assert_eq!(claims["email"], identity.email.as_str(), "{hint}");
        for (name, value) in identity.id_token_claims() {
            assert_eq!(claims[&name], value, "{hint} {name}");
        }
        match hint {
            "google-alice" => {
                assert_eq!(claims["hd"], "acme.example");
                assert_eq!(claims["email_verified"], true);
                assert_eq!(claims["name"], "Alice Archer");
            }
            "google-newbie" => assert!(claims.get("hd").is_none()),
            "entra-acme-maria" => {
                assert_eq!(claims["tid"], ACME_TENANT_ID);
                assert_eq!(claims["oid"], "2b7c9e14-5a3f-4c8d-9e21-7f4a6b8c0d13");
                assert_eq!(claims["xms_edov"], true);
                assert_eq!(claims["ver"], "2.0");
                assert_eq!(claims["preferred_username"], "maria@acme.example");
            }
            "entra-contoso-mallory" => {
                assert_eq!(claims["tid"], CONTOSO_TENANT_ID);
                assert_eq!(claims["email"], "alice@acme.example");
                assert_eq!(claims["xms_edov"], false);
            }
            "apple-alice-relay" => {
                assert_eq!(claims["is_private_email"], true);
                assert_eq!(claims["email_verified"], true);
                assert!(claims.get("name").is_none());
            }
            _ => {}
        }
    }
    idp.stop().await;
}

#[tokio::test]
async fn client_secret_basic_and_post_are_both_accepted() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");

    let code = idp.code(&request).await;
    token_json(
        idp.redeem_with(&request, &code, DEFAULT_CLIENT_SECRET)
            .await,
    )
    .await;

    let code = idp.code(&request).await;
    let response = idp
        .token(
            &request.issuer,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &request.verifier),
                ("client_id", CLIENT_ID),
                ("client_secret", DEFAULT_CLIENT_SECRET),
            ],
            None,
        )
        .await;
    token_json(response).await;
    idp.stop().await;
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client_and_leaves_the_code_usable() {
    let idp = Idp::start_with(|c| c.client_secret = "configured-secret".to_owned()).await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");
    let code = idp.code(&request).await;
    let form = |code: &str| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", REDIRECT_URI.to_owned()),
            ("code_verifier", request.verifier.clone()),
        ]
    };

    // HTTP Basic with the default secret, which this server does not use.
    let response = idp
        .redeem_with(&request, &code, DEFAULT_CLIENT_SECRET)
        .await;
    assert!(response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let (status, error, _) = token_error(response).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );

    // client_secret_post, wrong secret; unknown client; no authentication at all.
    let mut post = form(&code);
    post.push(("client_id", CLIENT_ID.to_owned()));
    post.push(("client_secret", "wrong".to_owned()));
    let unknown_client = Some(("someone-else", "configured-secret"));
    let cases = [
        (post, None),
        (form(&code), unknown_client),
        (form(&code), None),
    ];
    for (form, basic) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = idp.token(&request.issuer, &form, basic).await;
        let (status, error, _) = token_error(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{form:?}");
        assert_eq!(error, "invalid_client");
    }

    // The code was never redeemed: the right secret still gets the token.
    token_json(idp.redeem_with(&request, &code, "configured-secret").await).await;
    idp.stop().await;
}

#[tokio::test]
async fn a_replayed_code_is_invalid_grant() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");
    let code = idp.code(&request).await;
    idp.redeem(&request, &code).await;
    let (status, error, description) = token_error(
        idp.redeem_with(&request, &code, DEFAULT_CLIENT_SECRET)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error, "invalid_grant");
    assert!(description.contains("already been used"), "{description}");

    let (_, error, _) = token_error(
        idp.redeem_with(&request, "no-such-code", DEFAULT_CLIENT_SECRET)
            .await,
    )
    .await;
    assert_eq!(error, "invalid_grant");
    idp.stop().await;
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_yield_one_token() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");
    let code = idp.code(&request).await;
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let http = idp.http.clone();
        let url = format!("{}/token", request.issuer);
        let form = [
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", REDIRECT_URI.to_owned()),
            ("code_verifier", request.verifier.clone()),
        ];
        attempts.spawn(async move {
            http.post(url)
                .basic_auth(CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = attempts.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1);
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::BAD_REQUEST)
            .count(),
        7
    );
    idp.stop().await;
}

#[tokio::test]
async fn a_wrong_or_missing_code_verifier_is_invalid_grant() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");
    let other_verifier = random_string();
    for verifier in [Some(other_verifier.as_str()), Some("short"), None] {
        let code = idp.code(&request).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
        ];
        if let Some(verifier) = verifier {
            form.push(("code_verifier", verifier));
        }
        let response = idp
            .token(
                &request.issuer,
                &form,
                Some((CLIENT_ID, DEFAULT_CLIENT_SECRET)),
            )
            .await;
        let (status, error, _) = token_error(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{verifier:?}");
        assert_eq!(error, "invalid_grant", "{verifier:?}");
        // A failed attempt uses the code up.
        let (_, error, _) = token_error(
            idp.redeem_with(&request, &code, DEFAULT_CLIENT_SECRET)
                .await,
        )
        .await;
        assert_eq!(error, "invalid_grant");
    }
    idp.stop().await;
}

#[tokio::test]
async fn a_code_is_bound_to_its_redirect_uri_and_issuer() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");

    let code = idp.code(&request).await;
    let response = idp
        .token(
            &request.issuer,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:9/other"),
                ("code_verifier", &request.verifier),
            ],
            Some((CLIENT_ID, DEFAULT_CLIENT_SECRET)),
        )
        .await;
    assert_eq!(token_error(response).await.1, "invalid_grant");

    // A Google code at the Acme SSO token endpoint.
    let code = idp.code(&request).await;
    let mut elsewhere = request.clone();
    elsewhere.issuer = idp.issuer(ACME_SSO);
    let response = idp
        .redeem_with(&elsewhere, &code, DEFAULT_CLIENT_SECRET)
        .await;
    assert_eq!(token_error(response).await.1, "invalid_grant");
    idp.stop().await;
}

#[tokio::test]
async fn a_code_expires_after_sixty_seconds() {
    let clock = ManualClock::new(1_750_000_000);
    let idp = Idp::start_with(|c| c.clock = Arc::new(clock.clone())).await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");

    let code = idp.code(&request).await;
    clock.advance(CODE_LIFETIME_SECS - 1);
    let tokens = idp.redeem(&request, &code).await;
    let (_, claims) = jwt_parts(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["iat"], 1_750_000_000 + CODE_LIFETIME_SECS - 1);

    let code = idp.code(&request).await;
    clock.advance(CODE_LIFETIME_SECS);
    let (status, error, description) = token_error(
        idp.redeem_with(&request, &code, DEFAULT_CLIENT_SECRET)
            .await,
    )
    .await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    assert!(description.contains("expired"), "{description}");
    idp.stop().await;
}

#[tokio::test]
async fn token_requests_without_the_right_grant_are_refused() {
    let idp = Idp::start().await;
    let issuer = idp.issuer(GOOGLE);
    let basic = Some((CLIENT_ID, DEFAULT_CLIENT_SECRET));
    let response = idp
        .token(&issuer, &[("grant_type", "client_credentials")], basic)
        .await;
    assert_eq!(token_error(response).await.1, "unsupported_grant_type");
    let response = idp.token(&issuer, &[("code", "x")], basic).await;
    assert_eq!(token_error(response).await.1, "invalid_request");
    let response = idp
        .token(&issuer, &[("grant_type", "authorization_code")], basic)
        .await;
    assert_eq!(token_error(response).await.1, "invalid_request");
    idp.stop().await;
}

// ---------------------------------------------------------------------------------------
// Forgery knobs

#[tokio::test]
async fn each_forgery_knob_produces_its_defect() {
    let clock = ManualClock::starting_now();
    let idp = Idp::start_with(|c| c.clock = Arc::new(clock.clone())).await;
    let jwks = idp.jwks().await;
    let now = clock.now();

    for knob in Forgery::ALL {
        let issuer = idp.issuer(GOOGLE);
        let request = AuthRequest::new(&issuer)
            .with("login_hint", "google-alice")
            .with("dev_idp_forge", knob.name());
        let code = idp.code(&request).await;
        let tokens = idp.redeem(&request, &code).await;
        let id_token = tokens["id_token"].as_str().unwrap();
        let (header, claims) = jwt_parts(id_token);
        let verified = verify_rs256(id_token, &jwks);
        let kid = header["kid"].as_str().unwrap();
        let published = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == kid);

        // Everything but the knob's defect is as usual.
        match knob {
            Forgery::BadSignature => {
                assert!(published);
                assert!(verified.is_err(), "{knob} verified");
            }
            Forgery::UnknownKid => {
                assert!(!published, "{knob}: kid {kid} is published");
                assert!(verified.is_err());
            }
            _ => verified.unwrap_or_else(|e| panic!("{knob}: {e}")),
        }
        let expect = |claim: &str, ok: bool| {
            assert!(ok, "{knob}: {claim} is {}", claims[claim]);
        };
        expect(
            "aud",
            (claims["aud"] == CLIENT_ID) != (knob == Forgery::WrongAud),
        );
        expect(
            "iss",
            (claims["iss"] == issuer.as_str()) != (knob == Forgery::WrongIss),
        );
        let exp = claims["exp"].as_u64().unwrap();
        expect("exp", (exp > now) != (knob == Forgery::Expired));
        match knob {
            Forgery::MissingNonce => expect("nonce", claims.get("nonce").is_none()),
            Forgery::WrongNonce => expect(
                "nonce",
                claims["nonce"].is_string() && claims["nonce"] != request.nonce.as_str(),
            ),
            _ => expect("nonce", claims["nonce"] == request.nonce.as_str()),
        }
        expect(
            "email_verified",
            (claims["email_verified"] == true) != (knob == Forgery::UnverifiedEmail),
        );
        if knob == Forgery::Expired {
            assert_eq!(claims["iat"], now - 3600);
            assert!(exp < now);
        }
        if knob == Forgery::WrongIss {
            assert!(claims["iss"].as_str().unwrap().starts_with(&issuer));
        }
    }

    // Entra has no email_verified: unverified_email turns xms_edov off instead.
    let request = AuthRequest::new(&idp.issuer(&entra_acme()))
        .with("login_hint", "entra-acme-maria")
        .with("dev_idp_forge", "unverified_email");
    let code = idp.code(&request).await;
    let tokens = idp.redeem(&request, &code).await;
    let (_, claims) = jwt_parts(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["xms_edov"], false);
    assert!(claims.get("email_verified").is_none());
    idp.stop().await;
}

#[tokio::test]
async fn the_picker_keeps_the_knob_and_warns_about_it() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(GOOGLE)).with("dev_idp_forge", "wrong_nonce");
    let page = idp.authorize(&request).await.text().await.unwrap();
    assert!(page.contains(r#"id="forgery""#));
    let href = link(&page, r#"data-identity="google-eve""#);
    assert!(href.contains("dev_idp_forge=wrong_nonce"));
    let params = redirect_params(&idp.get(href).await);
    let tokens = idp.redeem(&request, &params["code"]).await;
    let (_, claims) = jwt_parts(tokens["id_token"].as_str().unwrap());
    assert_ne!(claims["nonce"], request.nonce.as_str());
    assert_eq!(claims["email"], "eve@acme.example");
    idp.stop().await;
}

// ---------------------------------------------------------------------------------------
// Apple

#[tokio::test]
async fn apple_form_post_page_posts_code_state_and_the_user_once() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(APPLE))
        .with("login_hint", "apple-alice-relay")
        .with("scope", "openid name email");

    // form_post is Apple's default when name or email is asked.
    let response = idp.authorize(&request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    assert!(page.contains(&format!(r#"<form method="post" action="{REDIRECT_URI}">"#)));
    let inputs = hidden_inputs(&page);
    assert_eq!(inputs["state"], request.state);
    assert_eq!(base64_len(&inputs["code"]), 32);
    let user: Value = serde_json::from_str(&inputs["user"]).unwrap();
    assert_eq!(user["name"]["firstName"], "Alice");
    assert_eq!(user["name"]["lastName"], "Archer");
    assert_eq!(user["email"], "k7x2q9@privaterelay.appleid.com");
    // The page escapes the JSON (quotes) in its attribute.
    assert!(page.contains("&quot;firstName&quot;"));

    // The code redeems (with an Apple client secret JWT).
    let key = p256::ecdsa::SigningKey::random(&mut OsRng);
    let secret = apple_client_secret(&key, apple_secret_claims(SystemClock.now()));
    let tokens = token_json(idp.redeem_with(&request, &inputs["code"], &secret).await).await;
    let (_, claims) = jwt_parts(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["email"], "k7x2q9@privaterelay.appleid.com");
    assert_eq!(claims["nonce"], request.nonce.as_str());

    // Apple sends the name on the first authorization only.
    let again = idp.authorize_result(&request).await;
    assert!(again.contains_key("code"));
    assert!(!again.contains_key("user"), "{again:?}");

    // An explicit form_post elsewhere works too; query with name/email is refused by Apple.
    let google = AuthRequest::new(&idp.issuer(GOOGLE))
        .with("login_hint", "google-alice")
        .with("response_mode", "form_post");
    let inputs = idp.authorize_result(&google).await;
    assert!(inputs.contains_key("code") && !inputs.contains_key("user"));
    let query = request.clone().with("response_mode", "query");
    let params = redirect_params(&idp.authorize(&query).await);
    assert_eq!(params["error"], "invalid_request");
    idp.stop().await;
}

#[tokio::test]
async fn apple_cancel_is_posted_back_like_a_success() {
    let idp = Idp::start().await;
    let request = AuthRequest::new(&idp.issuer(APPLE))
        .with("scope", "openid email")
        .with("dev_idp_cancel", "1");
    let inputs = idp.authorize_result(&request).await;
    assert_eq!(inputs["error"], "access_denied");
    assert_eq!(inputs["state"], request.state);
    idp.stop().await;
}

#[tokio::test]
async fn apple_client_secret_must_be_an_es256_jwt_signed_by_the_configured_key() {
    let key = p256::ecdsa::SigningKey::random(&mut OsRng);
    let pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let clock = ManualClock::starting_now();
    let idp = Idp::start_with(|c| {
        c.apple_client_public_key_pem = Some(pem);
        c.clock = Arc::new(clock.clone());
    })
    .await;
    let now = clock.now();
    let request = AuthRequest::new(&idp.issuer(APPLE))
        .with("login_hint", "apple-tom")
        .with("scope", "openid");
    let code = idp.code(&request).await;

    let other_key = p256::ecdsa::SigningKey::random(&mut OsRng);
    let mut wrong_sub = apple_secret_claims(now);
    wrong_sub["sub"] = "someone-else".into();
    let mut expired = apple_secret_claims(now);
    expired["exp"] = (now - 1).into();
    let refused = [
        ("plain secret", DEFAULT_CLIENT_SECRET.to_owned()),
        (
            "other key",
            apple_client_secret(&other_key, apple_secret_claims(now)),
        ),
        ("wrong sub", apple_client_secret(&key, wrong_sub)),
        ("expired", apple_client_secret(&key, expired)),
    ];
    for (name, secret) in refused {
        let response = idp.redeem_with(&request, &code, &secret).await;
        let (status, error, description) = token_error(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(error, "invalid_client", "{name}");
        assert!(description.contains("ES256"), "{name}: {description}");
    }

    // The right JWT, by client_secret_post, with the Apple issuer as audience.
    let mut claims = apple_secret_claims(now);
    claims["aud"] = idp.issuer(APPLE).into();
    let secret = apple_client_secret(&key, claims);
    let response = idp
        .token(
            &request.issuer,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", &request.verifier),
                ("client_id", CLIENT_ID),
                ("client_secret", &secret),
            ],
            None,
        )
        .await;
    let tokens = token_json(response).await;
    let (_, claims) = jwt_parts(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["email"], "tom@acme.example");
    assert_eq!(claims["is_private_email"], false);

    // A JWT secret is no good at the other issuers.
    let google = AuthRequest::new(&idp.issuer(GOOGLE)).with("login_hint", "google-alice");
    let code = idp.code(&google).await;
    let secret = apple_client_secret(&key, apple_secret_claims(now));
    let (status, error, _) = token_error(idp.redeem_with(&google, &code, &secret).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    idp.stop().await;
}

#[tokio::test]
async fn without_a_configured_key_apple_secrets_are_checked_for_form_and_claims() {
    let idp = Idp::start().await;
    let now = SystemClock.now();
    let request = AuthRequest::new(&idp.issuer(APPLE))
        .with("login_hint", "apple-tom")
        .with("scope", "openid");
    let any_key = p256::ecdsa::SigningKey::random(&mut OsRng);

    let code = idp.code(&request).await;
    let mut wrong_aud = apple_secret_claims(now);
    wrong_aud["aud"] = "https://example.com".into();
    let response = idp
        .redeem_with(&request, &code, &apple_client_secret(&any_key, wrong_aud))
        .await;
    assert_eq!(token_error(response).await.1, "invalid_client");
    let response = idp
        .redeem_with(&request, &code, DEFAULT_CLIENT_SECRET)
        .await;
    assert_eq!(token_error(response).await.1, "invalid_client");

    let secret = apple_client_secret(&any_key, apple_secret_claims(now));
    token_json(idp.redeem_with(&request, &code, &secret).await).await;
    idp.stop().await;
}

#[tokio::test]
async fn a_bad_apple_public_key_or_an_empty_secret_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let result = switchboard_dev_idp::bind(switchboard_dev_idp::DevIdpConfig {
        data_dir: dir.path().to_owned(),
        apple_client_public_key_pem: Some(
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".into(),
        ),
        ..Default::default()
    })
    .await;
    assert!(matches!(
        result,
        Err(switchboard_dev_idp::DevIdpError::AppleClientKey(_))
    ));
    let result = switchboard_dev_idp::bind(switchboard_dev_idp::DevIdpConfig {
        data_dir: dir.path().to_owned(),
        client_secret: String::new(),
        ..Default::default()
    })
    .await;
    assert!(matches!(
        result,
        Err(switchboard_dev_idp::DevIdpError::EmptyClientSecret)
    ));
    // Nothing was written for a configuration that cannot start.
    assert!(!dir.path().join("dev-idp-keys.json").exists());
}

// ---------------------------------------------------------------------------------------
// Key rotation

#[tokio::test]
async fn rotate_keys_publishes_both_keys_and_old_tokens_still_verify() {
    let dir = tempfile::tempdir().unwrap();
    let idp = Idp::start_in(dir.path(), |_| {}).await;
    let (_, old_token) = idp.id_token(GOOGLE, "google-alice").await;
    let old_kid = jwt_parts(&old_token).0["kid"].as_str().unwrap().to_owned();

    let response = idp
        .http
        .post(idp.url.join("admin/rotate-keys").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    let new_kid = rotated["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);
    assert_eq!(rotated["published"], serde_json::json!([new_kid, old_kid]));

    let jwks = idp.jwks().await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [new_kid.as_str(), old_kid.as_str()]);
    verify_rs256(&old_token, &jwks).unwrap();

    let (_, new_token) = idp.id_token(&entra_acme(), "entra-acme-tom").await;
    assert_eq!(jwt_parts(&new_token).0["kid"], new_kid.as_str());
    verify_rs256(&new_token, &jwks).unwrap();

    // A second rotation keeps two keys: the oldest is gone.
    let newest = idp.state.rotate_keys().await.unwrap();
    let jwks = idp.jwks().await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [newest.as_str(), new_kid.as_str()]);
    verify_rs256(&new_token, &jwks).unwrap();
    assert!(verify_rs256(&old_token, &jwks).is_err());
    idp.stop().await;

    // Rotation is persisted.
    let again = Idp::start_in(dir.path(), |_| {}).await;
    assert_eq!(again.jwks().await, jwks);
    again.stop().await;
}
