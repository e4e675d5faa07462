//! The dev IdP against the OpenID Connect client library the portal uses (`openidconnect`
//! 4): discovery, authorization URL, code exchange and ID token verification work at every
//! profile, and every forged token but the unverified email is refused by the library.
// Test helpers outside #[test] functions may panic too: this whole crate is a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    RedirectUrl, Scope, TokenResponse,
};
use rand::rngs::OsRng;
use switchboard_dev_idp::{Clock, Forgery, SystemClock, CLIENT_ID, DEFAULT_CLIENT_SECRET};

/// Signs `hint` in at `issuer_path` as the portal would, and returns the verified claims
/// (or the library's reason for refusing the ID token).
async fn sign_in(
    idp: &Idp,
    issuer_path: &str,
    hint: &str,
    secret: &str,
    scopes: &[&str],
    forge: Option<Forgery>,
) -> Result<CoreIdTokenClaims, String> {
    let http = openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let issuer = IssuerUrl::new(idp.issuer(issuer_path)).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .unwrap_or_else(|e| panic!("discovery of {issuer_path}: {e:?}"));
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(CLIENT_ID.to_owned()),
        Some(ClientSecret::new(secret.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .add_extra_param("login_hint", hint);
    for scope in scopes {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    let (mut url, csrf, nonce) = request.url();
    if let Some(knob) = forge {
        // What a test does to the URL the portal redirected it to.
        url.query_pairs_mut()
            .append_pair("dev_idp_forge", knob.name());
    }

    let params = callback_params(idp.get(url).await).await;
    assert_eq!(&params["state"], csrf.secret());
    let tokens = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap_or_else(|e| panic!("code exchange at {issuer_path}: {e:?}"));
    let id_token = tokens.id_token().expect("an ID token");
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &nonce)
        .cloned()
        .map_err(|e| e.to_string());
    claims
}

#[tokio::test]
async fn openidconnect_client_signs_in_at_every_profile() {
    let idp = Idp::start().await;
    let email_profile = ["email", "profile"];
    let cases = [
        (
            GOOGLE.to_owned(),
            "alice@acme.example",
            "108345619023417782301",
        ),
        (
            entra_acme(),
            "maria@acme.example",
            "Xk3mR9vT2pL8qW5nJ7hF4dS6aZ1cB0yE8uI3oP2rT7w",
        ),
        (ACME_SSO.to_owned(), "tom@acme.example", "acme-u-10042"),
    ];
    for (issuer, hint, sub) in cases {
        let claims = sign_in(
            &idp,
            &issuer,
            hint,
            DEFAULT_CLIENT_SECRET,
            &email_profile,
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{issuer}: {e}"));
        assert_eq!(claims.subject().as_str(), sub);
        assert_eq!(claims.issuer().as_str(), idp.issuer(&issuer));
        assert_eq!(claims.email().map(|e| e.as_str()), Some(hint));
    }

    // Apple: a client secret JWT, and form_post (its default for name and email).
    let key = p256::ecdsa::SigningKey::random(&mut OsRng);
    let secret = apple_client_secret(&key, apple_secret_claims(SystemClock.now()));
    let claims = sign_in(
        &idp,
        APPLE,
        "apple-alice-relay",
        &secret,
        &["name", "email"],
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("k7x2q9@privaterelay.appleid.com")
    );
    assert_eq!(claims.email_verified(), Some(true));
    idp.stop().await;
}

#[tokio::test]
async fn openidconnect_refuses_every_forged_token_but_the_unverified_email() {
    let idp = Idp::start().await;
    for knob in Forgery::ALL {
        let result = sign_in(
            &idp,
            GOOGLE,
            "google-alice",
            DEFAULT_CLIENT_SECRET,
            &["email"],
            Some(knob),
        )
        .await;
        match knob {
            Forgery::UnverifiedEmail => {
                let claims = result.unwrap();
                assert_eq!(claims.email_verified(), Some(false));
            }
            _ => {
                let error = result
                    .err()
                    .unwrap_or_else(|| panic!("{knob} was accepted"));
                // Each for its own reason.
                let reason = match knob {
                    Forgery::BadSignature | Forgery::UnknownKid => "Signature",
                    Forgery::WrongAud => "audiences",
                    Forgery::WrongIss => "issuer",
                    Forgery::Expired => "expired",
                    _ => "nonce",
                };
                assert!(error.contains(reason), "{knob}: {error}");
            }
        }
    }
    idp.stop().await;
}
