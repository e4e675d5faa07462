use axum::http::StatusCode;
use url::Url;

use super::browser_page::browser_page;
use crate::signin::broker::app_redirect_allowed;

#[test]
fn only_the_apps_callback_and_loopback_are_allowed() {
    let scheme = "example.switchboard.desktop";
    for allowed in [
        "example.switchboard.desktop://oauth/callback",
        "http://127.0.0.1:49152/oauth/callback",
        "http://127.0.0.1:1/oauth/callback",
        "http://[::1]:8080/oauth/callback",
    ] {
        assert!(app_redirect_allowed(allowed, scheme), "{allowed}");
    }
    for refused in [
        "https://evil.example/callback",
        "http://localhost:8080/callback",
        "http://127.0.0.1/callback",
        "http://10.0.0.1:8080/callback",
        "example.switchboard.desktop://evil/callback",
        "example.switchboard.desktop://oauth/other",
        "other.vendor.app://oauth/callback",
        "http://127.0.0.1:8080/callback#fragment",
        "http://user@127.0.0.1:8080/oauth/callback",
        "http://127.0.0.1:8080/callback",
        "http://127.0.0.1:8080/",
        "http://127.0.0.1:8080/admin?x=1&code=attacker",
        "http://127.0.0.1:8080/oauth/callback?code=attacker",
        "http://127.0.0.1:8080/oauth/callback?",
        "http://127.0.0.1:8080/oauth/./callback",
        "http://127.0.0.1:8080/oauth/callback/",
        "http://127.0.0.1:08080/oauth/callback",
        "HTTP://127.0.0.1:8080/oauth/callback",
        "http://127.0.0.1:80/oauth/callback",
        "example.switchboard.desktop://oauth/callback?x=1",
        "example.switchboard.desktop://oauth/./callback",
        "not a url",
    ] {
        assert!(!app_redirect_allowed(refused, scheme), "{refused}");
    }
}

#[test]
fn pages_escape_what_they_show() {
    let url =
        Url::parse("example.switchboard.desktop://oauth/callback?code=a&state=%22%3E").unwrap();
    let response = browser_page(StatusCode::OK, "<b>", "x", Some(&url));
    assert_eq!(response.status(), StatusCode::OK);
}
