//! Attacks on the endpoints that need no session, performed against a running portal as an
//! attacker would: flooding them, locking someone else out, queueing up password hashes,
//! and sending the browser somewhere it should not go.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::{random_string, signed_in, ClientKey, World};
use reqwest::StatusCode;
use serde_json::json;
use switchboard_api::{ErrorCode, SessionTokens};
use switchboard_portal::config::RateLimit;

const APP_REDIRECT: &str = "example.switchboard.desktop://oauth/callback";

/// A world behind a trusted proxy that writes `X-Forwarded-For`, so a test can speak from
/// several client addresses.
async fn behind_proxy(customize: impl FnOnce(&mut switchboard_portal::PortalConfig)) -> World {
    World::start_with(ClientKey::Es256, |setup| {
        setup.config.server.client_address_header = Some("X-Forwarded-For".into());
        customize(setup.config);
    })
    .await
}

impl World {
    async fn password_from(
        &self,
        address: &str,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        self.browser
            .post(self.portal.endpoint("/v1/login/password"))
            .header("X-Forwarded-For", address)
            .json(&json!({ "username": username, "password": password, "device_name": "Laptop" }))
            .send()
            .await
            .unwrap()
    }

    async fn authorize_from(&self, address: Option<&str>, redirect_uri: &str) -> reqwest::Response {
        let mut url = self.portal.endpoint("/v1/authorize");
        url.query_pairs_mut()
            .append_pair("provider", "google")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair(
                "code_challenge",
                &common::world::pkce_challenge(&random_string()),
            )
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &random_string());
        let mut request = self.browser.get(url);
        if let Some(address) = address {
            request = request.header("X-Forwarded-For", address);
        }
        request.send().await.unwrap()
    }

    async fn table_size(&self, table: &str) -> i64 {
        let sizes = self.store().await.table_sizes().await.unwrap();
        sizes
            .into_iter()
            .find(|(name, _)| *name == table)
            .map(|(_, size)| size)
            .unwrap()
    }
}

/// The error object of a refused request, whatever its status.
async fn error_of(response: reqwest::Response) -> switchboard_api::ApiError {
    assert!(!response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

async fn session(response: reqwest::Response) -> SessionTokens {
    assert_eq!(response.status(), StatusCode::OK);
    signed_in(response.json().await.unwrap())
}

// --- Lockouts that cannot be used against the user ---------------------------------------

#[tokio::test]
async fn an_attackers_guesses_lock_out_the_attacker_not_the_user() {
    let world = behind_proxy(|_| {}).await;
    // Maria is signed in on her laptop.
    let laptop = session(
        world
            .password_from("198.51.100.10", "maria", "maria-demo-pass")
            .await,
    )
    .await;
    // The attacker guesses until locked out.
    let mut locked = false;
    for _ in 0..20 {
        world.clock.advance(61);
        let answer = world.password_from("203.0.113.66", "maria", "guess").await;
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            locked = true;
            break;
        }
    }
    assert!(locked, "the attacker's address is locked out");
    let still = error_of(
        world
            .password_from("203.0.113.66", "maria", "maria-demo-pass")
            .await,
    )
    .await;
    assert_eq!(still.code, ErrorCode::TooManyAttempts);

    // Maria signs in from her phone's address at once, her laptop keeps its session and
    // she can change her password from it.
    session(
        world
            .password_from("198.51.100.20", "maria", "maria-demo-pass")
            .await,
    )
    .await;
    let refreshed = world.refresh(&laptop.refresh_token).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let laptop: SessionTokens = refreshed.json().await.unwrap();
    let change = world
        .browser
        .post(world.portal.endpoint("/v1/account/password"))
        .header("X-Forwarded-For", "198.51.100.10")
        .bearer_auth(&laptop.access_token)
        .json(&json!({ "current_password": "maria-demo-pass", "new_password": "a brand new passphrase" }))
        .send()
        .await
        .unwrap();
    assert_eq!(change.status(), StatusCode::OK, "{:?}", change.text().await);
}

#[tokio::test]
async fn guesses_from_many_addresses_reach_the_accounts_ceiling_but_not_its_devices() {
    let world = behind_proxy(|_| {}).await;
    let laptop = session(
        world
            .password_from("198.51.100.10", "maria", "maria-demo-pass")
            .await,
    )
    .await;
    // Ten addresses, ten wrong passwords each, in rounds a minute apart (so each address's
    // backoff has passed): a hundred failures within the account's fifteen minutes.
    for round in 0..10 {
        world.clock.advance(61);
        for address in 0..10 {
            let answer = world
                .password_from(&format!("203.0.113.{address}"), "maria", "guess")
                .await;
            // The tenth failure of each address locks that address.
            let expected = if round == 9 {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::BAD_REQUEST
            };
            assert_eq!(
                answer.status(),
                expected,
                "round {round}, address {address}"
            );
        }
    }
    // A hundred failures: a new address is refused too, even with the right password...
    let refused = error_of(
        world
            .password_from("198.51.100.30", "maria", "maria-demo-pass")
            .await,
    )
    .await;
    assert_eq!(refused.code, ErrorCode::TooManyAttempts);
    // ...another account is not...
    session(
        world
            .password_from("198.51.100.30", "adam", "adam-demo-pass")
            .await,
    )
    .await;
    // ...and the device that is signed in keeps working.
    let refreshed = world.refresh(&laptop.refresh_token).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    // Fifteen minutes later the right password signs in again.
    world.clock.advance(15 * 60 + 1);
    session(
        world
            .password_from("198.51.100.30", "maria", "maria-demo-pass")
            .await,
    )
    .await;
}

#[tokio::test]
async fn the_owners_own_sign_ins_never_add_up_to_a_lock() {
    let world = behind_proxy(|_| {}).await;
    // More right passwords in fifteen minutes than the account's ceiling of failures.
    for attempt in 0..110 {
        let answer = world
            .password_from("198.51.100.10", "maria", "maria-demo-pass")
            .await;
        assert_eq!(answer.status(), StatusCode::OK, "sign-in {attempt}");
    }
}

// --- Rate limits ---------------------------------------------------------------------------

#[tokio::test]
async fn one_client_flooding_sign_ins_is_refused_and_fills_nothing() {
    let world = behind_proxy(|config| {
        config.rate_limits.sign_in = Some(RateLimit {
            per_client: 20,
            global: 1_000,
        });
    })
    .await;
    let before = world.table_size("pending_authorizations").await;
    let mut refused = 0;
    for _ in 0..60 {
        let answer = world
            .authorize_from(Some("203.0.113.66"), APP_REDIRECT)
            .await;
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(
                answer.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
                    <= 60
            );
            let error = error_of(answer).await;
            assert_eq!(error.code, ErrorCode::TooManyAttempts);
            assert_eq!(
                error.message,
                "Too many requests from this address. Try again in a minute."
            );
            refused += 1;
        } else {
            assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        }
    }
    // The portal's clock stands still in tests: exactly the first 20 went through.
    assert_eq!(refused, 40);
    let after = world.table_size("pending_authorizations").await;
    assert_eq!(after - before, 60 - refused);
    // Someone else is not affected, and the flooder gets through in the next minute.
    let other = world
        .authorize_from(Some("198.51.100.7"), APP_REDIRECT)
        .await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
    world.clock.advance(60);
    let later = world
        .authorize_from(Some("203.0.113.66"), APP_REDIRECT)
        .await;
    assert_eq!(later.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_limit_over_all_clients_holds_against_many_addresses() {
    let world = behind_proxy(|config| {
        config.rate_limits.login = Some(RateLimit {
            per_client: 100,
            global: 10,
        });
    })
    .await;
    let mut statuses = Vec::new();
    for address in 0..12 {
        let answer = world
            .password_from(&format!("203.0.113.{address}"), &random_string(), "guess")
            .await;
        statuses.push(answer.status());
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            let error = error_of(answer).await;
            assert_eq!(
                error.message,
                "The portal is receiving too many sign-in requests right now. Try again in a minute."
            );
        }
    }
    // Ten a minute in all, whoever sends them.
    assert!(statuses[..10]
        .iter()
        .all(|status| *status == StatusCode::BAD_REQUEST));
    assert_eq!(
        statuses[10..],
        [StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS]
    );
}

#[tokio::test]
async fn a_forged_forwarded_for_header_does_not_make_a_new_client() {
    // No trusted proxy: the header is the attacker's own text.
    let world = World::start_with(ClientKey::Es256, |setup| {
        setup.config.rate_limits.sign_in = Some(RateLimit {
            per_client: 5,
            global: 1_000,
        });
    })
    .await;
    let mut statuses = Vec::new();
    for address in 0..12 {
        let answer = world
            .authorize_from(Some(&format!("203.0.113.{address}")), APP_REDIRECT)
            .await;
        statuses.push(answer.status());
    }
    // All twelve come from the connection's address: five pass.
    assert!(statuses[..5]
        .iter()
        .all(|status| *status == StatusCode::SEE_OTHER));
    assert!(statuses[5..]
        .iter()
        .all(|status| *status == StatusCode::TOO_MANY_REQUESTS));
}

#[tokio::test]
async fn every_instance_shares_the_counts() {
    let world = behind_proxy(|config| {
        config.rate_limits.token = Some(RateLimit {
            per_client: 6,
            global: 1_000,
        });
    })
    .await;
    // A second instance on the same database, reading the same clock.
    let other = switchboard_portal::Portal::bind_with_clock(
        &world.config,
        std::sync::Arc::new(world.clock.clone()),
    )
    .await
    .unwrap();
    let other = common::serve(other).await;
    let mut statuses = Vec::new();
    for attempt in 0..16 {
        let portal = if attempt % 2 == 0 {
            &world.portal
        } else {
            &other
        };
        let answer = world
            .browser
            .post(portal.endpoint("/v1/token"))
            .header("X-Forwarded-For", "203.0.113.66")
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "nothing"),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(answer.status());
    }
    // Six a minute over both instances.
    assert!(
        statuses[..6]
            .iter()
            .all(|status| *status == StatusCode::BAD_REQUEST),
        "{statuses:?}"
    );
    assert!(
        statuses[6..]
            .iter()
            .all(|status| *status == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

// --- The hashing queue ---------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_password_sign_ins_is_turned_away_at_once_when_the_queue_is_full() {
    let world = behind_proxy(|config| config.server.hashing_queue = Some(1)).await;
    let world = std::sync::Arc::new(world);
    let burst: Vec<_> = (0..40)
        .map(|attempt| {
            let world = std::sync::Arc::clone(&world);
            tokio::spawn(async move {
                world
                    .password_from(&format!("203.0.113.{attempt}"), &random_string(), "guess")
                    .await
            })
        })
        .collect();
    let mut busy = 0;
    let mut checked = 0;
    for answer in burst {
        let answer = answer.await.unwrap();
        match answer.status() {
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(answer.headers()["retry-after"], "1");
                let error = error_of(answer).await;
                assert_eq!(error.code, ErrorCode::TemporarilyUnavailable);
                assert_eq!(error.retry_after_seconds, Some(1));
                busy += 1;
            }
            StatusCode::BAD_REQUEST => checked += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(busy > 0, "{busy} busy, {checked} checked");
    assert!(checked > 0, "{busy} busy, {checked} checked");
    // The queue empties: the next sign-in is checked.
    let after = world
        .password_from("198.51.100.1", "maria", "maria-demo-pass")
        .await;
    assert_eq!(after.status(), StatusCode::OK);
}

// --- Redirects and lengths ---------------------------------------------------------------------

#[tokio::test]
async fn a_loopback_redirect_must_be_exactly_the_apps_callback() {
    let world = World::start().await;
    let before = world.table_size("pending_authorizations").await;
    let long_path = format!("http://127.0.0.1:8080/{}", "a".repeat(60_000));
    for refused in [
        "http://127.0.0.1:8080/admin?x=1&code=attacker",
        "http://127.0.0.1:8080/oauth/callback?code=attacker",
        "http://127.0.0.1:8080/callback",
        "http://localhost:8080/oauth/callback",
        long_path.as_str(),
    ] {
        let answer = world.authorize_from(None, refused).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(error_of(answer).await.code, ErrorCode::InvalidRedirectUri);
    }
    for allowed in [
        "http://127.0.0.1:8080/oauth/callback",
        "http://[::1]:8080/oauth/callback",
    ] {
        let answer = world.authorize_from(None, allowed).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{allowed}");
    }
    assert_eq!(world.table_size("pending_authorizations").await, before + 2);
}

#[tokio::test]
async fn overlong_parameters_are_refused_before_anything_is_stored() {
    let world = World::start().await;
    let before = world.table_size("pending_authorizations").await;
    for (name, value) in [
        ("state", "s".repeat(600)),
        ("login_hint", format!("{}@example.com", "a".repeat(400))),
        ("link_intent", "i".repeat(300)),
    ] {
        let mut url = world.portal.endpoint("/v1/authorize");
        url.query_pairs_mut()
            .append_pair("provider", "google")
            .append_pair("redirect_uri", APP_REDIRECT)
            .append_pair(
                "code_challenge",
                &common::world::pkce_challenge(&random_string()),
            )
            .append_pair("code_challenge_method", "S256");
        if name != "state" {
            url.query_pairs_mut().append_pair("state", "app-state");
        }
        url.query_pairs_mut().append_pair(name, &value);
        let answer = world.browser.get(url).send().await.unwrap();
        // Back to the app with an error it shows (the redirect URI is the app's).
        let back = World::app_link(answer).await;
        assert_eq!(
            common::world::query(&back, "error").as_deref(),
            Some("invalid_request"),
            "{name}"
        );
    }
    assert_eq!(world.table_size("pending_authorizations").await, before);
}

/// With every limit at zero, an operation answers 429 exactly when the OpenAPI document
/// says it is rate-limited (the document is read, not a hand-kept list).
#[tokio::test]
async fn the_document_lists_429_for_exactly_the_rate_limited_operations() {
    let world = World::start_with(ClientKey::Es256, |setup| {
        setup.config.rate_limits =
            switchboard_portal::config::RateLimitSettings::every_group(RateLimit {
                per_client: 0,
                global: 0,
            });
    })
    .await;
    let document: serde_json::Value = world
        .browser
        .get(world.portal.endpoint("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let documented = operation["responses"]
                .get("429")
                .and_then(|response| response["description"].as_str())
                .is_some_and(|text| text.contains(switchboard_portal::openapi::RATE_LIMITED));
            let mut message = world.portal.endpoint(&path.replace("{provider}", "google"));
            message.set_query(Some("provider=google"));
            let request = match method.as_str() {
                "get" => world.browser.get(message),
                "post" => world.browser.post(message).json(&json!({})),
                other => panic!("unexpected method {other}"),
            };
            let answer = request.send().await.unwrap();
            let limited = answer.status() == StatusCode::TOO_MANY_REQUESTS;
            assert_eq!(
                limited,
                documented,
                "{method} {path}: answered {}, 429 documented: {documented}",
                answer.status()
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} operations");
}
