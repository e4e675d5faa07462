//! API errors by contract, over real HTTP against a running portal: every error the portal
//! answers, the framework's own rejections included (400 malformed, 405, 404, 413, 415,
//! 422), is the API's JSON error object with its code; and the OpenAPI document says what
//! the server does: 401 on every operation that needs a bearer token, the body statuses on
//! every operation with a body, and the redirect status the server really answers. The
//! operations are read from the document, not from a list kept here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::*;
use reqwest::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_api::{ApiError, ErrorCode};
use url::Url;

const LOOPBACK_REDIRECT: &str = "http://127.0.0.1:53682/oauth/callback";

fn document() -> Value {
    serde_json::from_str(&switchboard_portal::openapi::document_json()).unwrap()
}

/// One operation of the document.
struct Operation {
    method: Method,
    path: String,
    spec: Value,
}

impl Operation {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn statuses(&self) -> Vec<u16> {
        self.spec["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(|status| status.parse().unwrap())
            .collect()
    }

    fn declares(&self, status: u16) -> bool {
        self.statuses().contains(&status)
    }

    fn needs_bearer(&self) -> bool {
        self.spec["security"]
            .as_array()
            .is_some_and(|requirements| {
                requirements
                    .iter()
                    .any(|one| one.as_object().is_some_and(|o| o.contains_key("bearer")))
            })
    }

    /// The request body's content type and the properties its schema requires.
    fn body(&self, document: &Value) -> Option<(String, Vec<String>)> {
        let content = self.spec["requestBody"]["content"].as_object()?;
        let (content_type, media) = content.iter().next()?;
        let schema = &media["schema"];
        let schema = match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap();
                &document["components"]["schemas"][name]
            }
            None => schema,
        };
        let required_of = |schema: &Value| -> Vec<String> {
            schema["required"]
                .as_array()
                .map(|names| {
                    names
                        .iter()
                        .map(|name| name.as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        // A body that is one of several shapes (the token grants) requires what they all do.
        let required = match schema["oneOf"].as_array() {
            Some(shapes) => {
                let mut common = required_of(&shapes[0]);
                common.retain(|field| {
                    shapes
                        .iter()
                        .all(|shape| required_of(shape).contains(field))
                });
                common
            }
            None => required_of(schema),
        };
        Some((content_type.clone(), required))
    }

    /// The path with its parameters filled in.
    fn concrete_path(&self) -> String {
        self.path.replace("{provider}", "google")
    }
}

fn operations(document: &Value) -> Vec<Operation> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, spec) in item.as_object().unwrap() {
            let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                continue;
            };
            all.push(Operation {
                method,
                path: path.clone(),
                spec: spec.clone(),
            });
        }
    }
    assert!(all.len() > 20, "the document lists the portal's operations");
    all
}

/// The answer is the API's error object with `status` and `code`, as JSON.
async fn assert_api_error(
    response: reqwest::Response,
    status: StatusCode,
    code: ErrorCode,
    what: &str,
) -> ApiError {
    assert_eq!(response.status(), status, "{what}");
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "{what}: answered {content_type:?}, not JSON"
    );
    let text = response.text().await.unwrap();
    let error: ApiError = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{what}: not the API's error object ({e}): {text}"));
    assert_eq!(error.code, code, "{what}: {text}");
    assert!(error.message.ends_with('.'), "{what}: {text}");
    error
}

impl World {
    fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut request = self.browser.request(method, self.portal.endpoint(path));
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        request
    }

    /// Alice's access token, from her password.
    async fn alice(&self) -> String {
        let response = self
            .post(
                "/v1/login/password",
                None,
                json!({ "username": "alice", "password": "alice-demo-pass" }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        signed_in(response.json().await.unwrap()).access_token
    }
}

#[tokio::test]
async fn the_frameworks_rejections_answer_the_api_error_object() {
    let world = World::start().await;
    let password = "/v1/login/password";

    let response = world
        .request(Method::POST, password, None)
        .header(CONTENT_TYPE, "text/plain")
        .body("username=alice")
        .send()
        .await
        .unwrap();
    assert_api_error(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
        "a JSON operation sent text",
    )
    .await;

    let response = world
        .request(Method::POST, password, None)
        .header(CONTENT_TYPE, "application/json")
        .body(r#"{"username": "alice", "#)
        .send()
        .await
        .unwrap();
    assert_api_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidRequest,
        "malformed JSON",
    )
    .await;

    let response = world
        .post(password, None, json!({ "username": 5, "password": "x" }))
        .await;
    let error = assert_api_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidRequest,
        "JSON of the wrong shape",
    )
    .await;
    assert!(error.message.contains("username"), "{}", error.message);

    let response = world
        .post(
            password,
            None,
            json!({ "username": "alice", "password": "p".repeat(switchboard_portal::MAX_BODY_BYTES) }),
        )
        .await;
    assert_api_error(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::RequestTooLarge,
        "a body over 64 KiB",
    )
    .await;

    // The token endpoint reads a form.
    let response = world
        .request(Method::POST, "/v1/token", None)
        .json(&json!({ "grant_type": "refresh_token" }))
        .send()
        .await
        .unwrap();
    assert_api_error(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
        "a form operation sent JSON",
    )
    .await;
    let response = world
        .request(Method::POST, "/v1/token", None)
        .form(&[("code", "x")])
        .send()
        .await
        .unwrap();
    assert_api_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidRequest,
        "a form without grant_type",
    )
    .await;

    let response = world
        .request(Method::DELETE, "/v1/token", None)
        .send()
        .await
        .unwrap();
    let allow = response.headers().get(ALLOW).cloned();
    assert_api_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "a method the address does not answer",
    )
    .await;
    assert_eq!(allow.unwrap().to_str().unwrap(), "POST");

    let response = world
        .request(Method::GET, "/v1/no-such-thing", None)
        .send()
        .await
        .unwrap();
    assert_api_error(
        response,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "an unknown path",
    )
    .await;

    let response = world
        .request(Method::GET, "/v1/authorize?provider=google", None)
        .send()
        .await
        .unwrap();
    assert_api_error(
        response,
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidRequest,
        "a query without its required parameters",
    )
    .await;

    let response = world
        .request(Method::GET, "/v1/account/security", Some("made-up"))
        .send()
        .await
        .unwrap();
    assert_api_error(
        response,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
        "a made-up access token",
    )
    .await;

    // Under the limit, a body is read (and this one is simply wrong).
    let response = world
        .post(
            password,
            None,
            json!({ "username": "alice", "password": "p".repeat(48 * 1024) }),
        )
        .await;
    assert_ne!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(response.status().is_client_error());
    let _: ApiError = response.json().await.unwrap();
}

#[tokio::test]
async fn every_operation_with_a_body_refuses_bad_bodies_as_documented() {
    let world = World::start().await;
    let token = world.alice().await;
    let document = document();
    let mut checked = 0;
    for operation in operations(&document) {
        let Some((content_type, required)) = operation.body(&document) else {
            continue;
        };
        checked += 1;
        let name = operation.name();
        let path = operation.concrete_path();
        let token = operation.needs_bearer().then_some(token.as_str());
        let json = content_type == "application/json";
        for status in [400, 413, 415, 422] {
            assert!(
                operation.declares(status),
                "{name} does not document {status}"
            );
        }

        let wrong_type = if json {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        let response = world
            .request(operation.method.clone(), &path, token)
            .header(CONTENT_TYPE, wrong_type)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_api_error(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            &format!("{name} sent {wrong_type}"),
        )
        .await;

        let large = if json {
            format!(
                r#"{{"x": "{}"}}"#,
                "a".repeat(switchboard_portal::MAX_BODY_BYTES)
            )
        } else {
            format!("x={}", "a".repeat(switchboard_portal::MAX_BODY_BYTES))
        };
        let response = world
            .request(operation.method.clone(), &path, token)
            .header(CONTENT_TYPE, content_type.as_str())
            .body(large)
            .send()
            .await
            .unwrap();
        assert_api_error(
            response,
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RequestTooLarge,
            &format!("{name} sent 64 KiB"),
        )
        .await;

        if json {
            let response = world
                .request(operation.method.clone(), &path, token)
                .header(CONTENT_TYPE, "application/json")
                .body("{\"")
                .send()
                .await
                .unwrap();
            assert_api_error(
                response,
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                &format!("{name} sent malformed JSON"),
            )
            .await;
        }

        if !required.is_empty() {
            let body = if json { "{}" } else { "" };
            let response = world
                .request(operation.method.clone(), &path, token)
                .header(CONTENT_TYPE, content_type.as_str())
                .body(body)
                .send()
                .await
                .unwrap();
            let error = assert_api_error(
                response,
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidRequest,
                &format!("{name} sent without {required:?}"),
            )
            .await;
            assert!(
                required.iter().any(|field| error.message.contains(field)),
                "{name}: the message names the missing field: {}",
                error.message
            );
        }
    }
    assert!(checked >= 15, "only {checked} operations with a body");
}

#[tokio::test]
async fn every_operation_that_needs_a_bearer_token_documents_401_and_answers_it() {
    let world = World::start().await;
    let document = document();
    let operations = operations(&document);
    for operation in &operations {
        if operation.path.starts_with("/v1/account/") {
            assert!(
                operation.needs_bearer(),
                "{} is the user's own settings: it needs a bearer token",
                operation.name()
            );
        }
    }
    let secured: Vec<&Operation> = operations.iter().filter(|o| o.needs_bearer()).collect();
    assert!(
        secured.len() >= 12,
        "only {} secured operations",
        secured.len()
    );
    for operation in secured {
        let name = operation.name();
        assert!(operation.declares(401), "{name} does not document 401");
        for token in [None, Some("made-up-token")] {
            let mut request =
                world.request(operation.method.clone(), &operation.concrete_path(), token);
            if operation.spec.get("requestBody").is_some() {
                request = request.json(&json!({}));
            }
            let response = request.send().await.unwrap();
            assert_api_error(
                response,
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidToken,
                &format!("{name} with token {token:?}"),
            )
            .await;
        }
    }
}

#[tokio::test]
async fn every_operation_documents_503_and_its_error_statuses_as_the_error_object() {
    let document = document();
    for operation in operations(&document) {
        assert!(
            operation.declares(503),
            "{} does not document 503",
            operation.name()
        );
        for (status, response) in operation.spec["responses"].as_object().unwrap() {
            if [401, 413, 415, 422, 503].contains(&status.parse::<u16>().unwrap()) {
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(
                    schema,
                    "#/components/schemas/ApiError",
                    "{} {status}",
                    operation.name()
                );
            }
        }
    }
}

/// The redirect a documented redirecting operation answers, by a real sign-in.
async fn redirect_status(world: &World, operation: &Operation) -> StatusCode {
    let start = |provider: &'static str, hint: &'static str| async move {
        let (_, response) = world
            .authorize(provider, Some(hint), LOOPBACK_REDIRECT)
            .await;
        response
    };
    let provider_url = |response: &reqwest::Response| -> Url {
        response.headers()[LOCATION]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    match (operation.method.as_str(), operation.path.as_str()) {
        ("GET", "/v1/authorize") => start("google", "alice@acme.example").await.status(),
        ("GET", "/v1/providers/{provider}/callback") => {
            let at_portal = start("google", "alice@acme.example").await;
            let at_provider = world
                .browser
                .get(provider_url(&at_portal))
                .send()
                .await
                .unwrap();
            assert!(at_provider.status().is_redirection());
            let callback: Url = provider_url(&at_provider);
            assert!(callback.as_str().starts_with(world.portal.url.as_str()));
            world.browser.get(callback).send().await.unwrap().status()
        }
        ("POST", "/v1/providers/{provider}/callback") => {
            // Apple answers by form_post.
            let at_portal = start("apple", "tom@acme.example").await;
            world
                .browse_provider(provider_url(&at_portal))
                .await
                .status()
        }
        _ => panic!(
            "{} documents a redirect: add how to make it redirect here",
            operation.name()
        ),
    }
}

#[tokio::test]
async fn every_documented_redirect_status_is_the_one_the_server_answers() {
    let world = World::start().await;
    let document = document();
    let mut checked = 0;
    for operation in operations(&document) {
        let redirects: Vec<u16> = operation
            .statuses()
            .into_iter()
            .filter(|status| (300..400).contains(status) && *status != 304)
            .collect();
        if redirects.is_empty() {
            continue;
        }
        checked += 1;
        let answered = redirect_status(&world, &operation).await;
        assert_eq!(
            redirects,
            vec![answered.as_u16()],
            "{}: the document's redirect is not the server's",
            operation.name()
        );
    }
    assert_eq!(checked, 3, "authorize and both callbacks redirect");
}
