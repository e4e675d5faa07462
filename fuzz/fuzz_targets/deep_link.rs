//! The sign-in link the OS or the loopback port hands the app (`<scheme>://oauth/callback?…`
//! or `http://127.0.0.1:<port>/oauth/callback?…`): parsed and matched to a pending sign-in
//! as `Switchboard::complete_sign_in` does. `STATE` in the input stands for the pending
//! sign-in's random state, so the fuzzer reaches past the state check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_client::signin::{app_redirect_uri, loggable, PendingSignIns, SignInError};
use url::Url;

const NOW: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(portal) = Url::parse("https://portal.example.test/") else {
        return;
    };
    let pending = PendingSignIns::default();
    let redirect = if text.starts_with("http") {
        "http://127.0.0.1:8123/oauth/callback".to_owned()
    } else {
        app_redirect_uri()
    };
    let Ok(start) = pending.begin(&portal, "google", "Google", None, &redirect, NOW) else {
        return;
    };
    let link = text.replace("STATE", &start.state);
    let Ok(url) = Url::parse(&link) else {
        return;
    };
    // What may be logged never carries the query (the code) or the fragment.
    let logged = loggable(&url);
    assert!(!logged.contains('?') || url.query().is_none());
    match pending.take(&url, &portal, NOW + 1) {
        Ok((taken, code)) => {
            assert_eq!(taken.redirect_uri, redirect);
            // Exactly the redirect URI: no other path that merely starts like it.
            let mut bare = url.clone();
            bare.set_query(None);
            bare.set_fragment(None);
            assert_eq!(
                bare.as_str(),
                redirect,
                "a link at another address was taken"
            );
            // One of each: a link carrying two codes (or states, or issuers) is not ours.
            for key in ["code", "state", "iss"] {
                let count = url.query_pairs().filter(|(k, _)| k == key).count();
                assert_eq!(count, 1, "a link with {count} `{key}` was taken");
            }
            assert!(!code.is_empty(), "an empty code was taken");
            // Taken once only.
            assert_eq!(
                pending.take(&url, &portal, NOW + 1).map(|_| ()),
                Err(SignInError::NoPendingSignIn)
            );
        }
        Err(error) => {
            let _ = error.code();
            let _ = error.to_string();
        }
    }
});
