use super::*;

fn portal() -> Url {
    "https://phones.example.test/".parse().unwrap()
}

fn callback(state: &str, extra: &str) -> Url {
    format!(
        "{}?state={state}&iss=https%3A%2F%2Fphones.example.test%2F{extra}",
        app_redirect_uri()
    )
    .parse()
    .unwrap()
}

#[test]
fn authorize_url_carries_pkce_state_provider_and_hint() {
    let pending = PendingSignIns::default();
    let start = pending
        .begin(
            &portal(),
            "google",
            "Google",
            Some("a@b.example"),
            &app_redirect_uri(),
            0,
        )
        .unwrap();
    let url = start.authorize_url;
    assert!(url
        .as_str()
        .starts_with("https://phones.example.test/v1/authorize?"));
    let get = |k: &str| {
        url.query_pairs()
            .find(|(q, _)| q == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(get("provider").as_deref(), Some("google"));
    assert_eq!(get("login_hint").as_deref(), Some("a@b.example"));
    assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(get("state"), Some(start.state));
    assert_eq!(get("redirect_uri"), Some(app_redirect_uri()));
    assert_eq!(get("code_challenge").map(|c| c.len()), Some(43));
}

#[test]
fn a_callback_is_taken_once() {
    let pending = PendingSignIns::default();
    let start = pending
        .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
        .unwrap();
    let (_, code) = pending
        .take(&callback(&start.state, "&code=c1"), &portal(), 5)
        .unwrap();
    assert_eq!(code, "c1");
    assert_eq!(
        pending
            .take(&callback(&start.state, "&code=c1"), &portal(), 6)
            .unwrap_err(),
        SignInError::NoPendingSignIn
    );
}

/// Found by the `deep_link` fuzz target: a link whose address only starts like the
/// redirect URI (here `/oauth/callback` and 33 NUL bytes) was taken as the callback.
#[test]
fn a_link_at_an_address_that_only_starts_like_the_redirect_uri_is_refused() {
    let pending = PendingSignIns::default();
    let redirect = "http://127.0.0.1:8123/oauth/callback";
    let start = pending
        .begin(&portal(), "google", "Google", None, redirect, 0)
        .unwrap();
    let state = &start.state;
    for address in [
        format!("{redirect}{}", "\0".repeat(33)),
        format!("{redirect}/admin"),
        format!("{redirect}x"),
        format!("{}://oauth/callback", APP_SCHEME),
    ] {
        let link: Url = format!("{address}?code=c0&state={state}&iss={}", portal())
            .parse()
            .unwrap();
        assert_eq!(
            pending.take(&link, &portal(), 1).unwrap_err(),
            SignInError::NotACallback,
            "{link}"
        );
    }
    // The sign-in is still waiting for its real link.
    let link: Url = format!("{redirect}?code=c0&state={state}&iss={}", portal())
        .parse()
        .unwrap();
    assert_eq!(pending.take(&link, &portal(), 1).unwrap().1, "c0");
}

/// Two codes, states or issuers in one link: refused, not "the first one wins"; an
/// empty code is no code.
#[test]
fn a_link_with_a_parameter_twice_or_an_empty_code_is_refused() {
    for extra in ["&code=c&code=attacker", "&code=c&iss=https://evil.test/"] {
        let pending = PendingSignIns::default();
        let start = pending
            .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
            .unwrap();
        assert_eq!(
            pending
                .take(&callback(&start.state, extra), &portal(), 1)
                .unwrap_err(),
            SignInError::NotACallback,
            "{extra}"
        );
    }
    let pending = PendingSignIns::default();
    let start = pending
        .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
        .unwrap();
    assert_eq!(
        pending
            .take(&callback(&start.state, "&code="), &portal(), 1)
            .unwrap_err(),
        SignInError::NoCode
    );
}

#[test]
fn forged_stale_and_foreign_links_are_refused() {
    let pending = PendingSignIns::default();
    assert_eq!(
        pending
            .take(&callback("made-up", "&code=c"), &portal(), 0)
            .unwrap_err(),
        SignInError::NoPendingSignIn
    );
    let start = pending
        .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
        .unwrap();
    assert_eq!(
        pending
            .take(
                &callback(&start.state, "&code=c"),
                &portal(),
                PENDING_LIFETIME + 1
            )
            .unwrap_err(),
        SignInError::Expired
    );
    let start = pending
        .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
        .unwrap();
    let other: Url = "https://evil.example.test/".parse().unwrap();
    assert_eq!(
        pending
            .take(&callback(&start.state, "&code=c"), &other, 1)
            .unwrap_err(),
        SignInError::WrongIssuer
    );
}

#[test]
fn provider_errors_become_messages() {
    let pending = PendingSignIns::default();
    let start = pending
        .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
        .unwrap();
    let error = pending
        .take(
            &callback(&start.state, "&error=access_denied"),
            &portal(),
            1,
        )
        .unwrap_err();
    assert_eq!(error.code(), "access_denied");
    assert_eq!(error.to_string(), "Signing in with Google was cancelled.");
}

#[test]
fn cancel_drops_pending_sign_ins() {
    let pending = PendingSignIns::default();
    let start = pending
        .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
        .unwrap();
    assert!(pending.is_waiting(1).unwrap());
    pending.cancel_all().unwrap();
    assert!(!pending.is_waiting(1).unwrap());
    assert_eq!(
        pending
            .take(&callback(&start.state, "&code=c"), &portal(), 1)
            .unwrap_err(),
        SignInError::NoPendingSignIn
    );
}

/// What a loopback listener waits on: it stops when its sign-in is cancelled, taken or
/// expired, so the core's pending sign-ins are the one record of what is in progress.
#[tokio::test]
async fn ended_resolves_once_the_sign_in_is_cancelled_or_expired() {
    let pending = std::sync::Arc::new(PendingSignIns::default());
    let now: Clock = std::sync::Arc::new(|| 0);
    let start = pending
        .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
        .unwrap();
    let waiting = {
        let pending = std::sync::Arc::clone(&pending);
        let state = start.state.clone();
        tokio::spawn(async move { pending.ended(&state, &now).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "ended before anything happened");
    pending.cancel_all().unwrap();
    tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("still waiting after Cancel")
        .unwrap();

    let start = pending
        .begin(&portal(), "google", "Google", None, &app_redirect_uri(), 0)
        .unwrap();
    let later: Clock = std::sync::Arc::new(|| PENDING_LIFETIME + 1);
    tokio::time::timeout(Duration::from_secs(5), pending.ended(&start.state, &later))
        .await
        .expect("still waiting after the sign-in expired");
}

#[test]
fn logs_never_see_the_query() {
    let url = callback("s", "&code=secret-code");
    assert!(!loggable(&url).contains("secret-code"));
}
