//! What the browser shows at the end of a sign-in: a redirect back to the app, or a small
//! page saying what went wrong.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use url::Url;

/// Where and how the browser goes back to the app.
pub(super) struct AppReturn {
    pub(super) redirect_uri: String,
    pub(super) state: String,
    pub(super) issuer: String,
}

impl AppReturn {
    fn url(&self, pairs: &[(&str, &str)]) -> Option<Url> {
        let mut url = Url::parse(&self.redirect_uri).ok()?;
        {
            let mut query = url.query_pairs_mut();
            for (key, value) in pairs {
                query.append_pair(key, value);
            }
            query.append_pair("state", &self.state);
            query.append_pair("iss", &self.issuer);
        }
        Some(url)
    }

    pub(super) fn error(&self, code: &str, description: &str) -> Response {
        self.send(
            &[("error", code), ("error_description", description)],
            "You were not signed in",
            description,
        )
    }

    pub(super) fn success(&self, code: &str) -> Response {
        self.send(
            &[("code", code)],
            "You are signed in",
            "You can return to Switchboard now.",
        )
    }

    /// Loopback: a plain redirect (the app's listener answers the browser). Custom scheme:
    /// a page that opens the app and says what happened.
    fn send(&self, pairs: &[(&str, &str)], title: &str, text: &str) -> Response {
        let Some(url) = self.url(pairs) else {
            return browser_page(
                StatusCode::BAD_REQUEST,
                "This sign-in link is not valid",
                text,
                None,
            );
        };
        if url.scheme() == "http" {
            return Redirect::to(url.as_str()).into_response();
        }
        browser_page(StatusCode::OK, title, text, Some(&url))
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub(super) fn browser_page(
    status: StatusCode,
    title: &str,
    text: &str,
    app_url: Option<&Url>,
) -> Response {
    let (refresh, link) = match app_url {
        Some(url) => {
            let href = escape(url.as_str());
            (
                format!(r#"<meta http-equiv="refresh" content="0;url={href}">"#),
                format!(r#"<p><a id="continue" href="{href}">Open Switchboard</a></p>"#),
            )
        }
        None => (String::new(), String::new()),
    };
    let body = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchboard</title>{refresh}
<meta name="referrer" content="no-referrer"><meta name="color-scheme" content="light dark">
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}}</style></head>
<body><h1>{title}</h1><p>{text}</p>{link}</body></html>"#,
        title = escape(title),
        text = escape(text),
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(body),
    )
        .into_response()
}
