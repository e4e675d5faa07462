//! SCIM 2.0 over HTTP (`/scim/v2/*`, RFC 7644): a directory's bearer token picks its
//! organization; every answer, errors included, is `application/scim+json`.

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Extension, Router};
use serde_json::Value;
use switchboard_scim::{attribute_list, project, schemas, ScimError};

use crate::rate_limit::Verdict;
use crate::scim::{self, store_error, tokens, Directory, UserResource};
use crate::state::AppState;

/// The media type of every SCIM answer.
const SCIM_JSON: &str = "application/scim+json";

/// The directory a request comes from: its token's organization and name.
#[derive(Debug, Clone)]
struct Caller {
    organization_id: String,
    token_name: String,
}

pub fn router(state: AppState) -> Router<AppState> {
    use axum::middleware::{from_fn, from_fn_with_state};
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(all_schemas))
        .route("/Schemas/{id}", get(one_schema))
        .route("/Users", get(list_users).post(create_user))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .route("/.search", any(not_supported))
        .route("/Users/.search", any(not_supported))
        .route("/Groups", any(not_supported))
        .route("/Groups/{*rest}", any(not_supported))
        .route("/Bulk", any(not_supported))
        .route("/Me", any(not_supported))
        .route_layer(from_fn_with_state(state, authenticate))
        .fallback(|| async { Failure(ScimError::not_found("There is nothing at this address.")) })
        .layer(from_fn(scim_error_bodies))
}

/// An error answered as RFC 7644 §3.12 says.
struct Failure(ScimError);

impl From<ScimError> for Failure {
    fn from(error: ScimError) -> Self {
        Self(error)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = scim_json(status, &self.0.to_json());
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"switchboard-scim\""),
            );
        }
        response
    }
}

fn scim_json(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, SCIM_JSON)],
        body.to_string(),
    )
        .into_response()
}

fn user_response(status: StatusCode, resource: &UserResource, shape: &Shape) -> Response {
    let mut response = scim_json(status, &shape.apply(&resource.json));
    if let Ok(etag) = HeaderValue::from_str(&resource.etag) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    if status == StatusCode::CREATED {
        if let Some(location) = resource.json["meta"]["location"].as_str() {
            if let Ok(location) = HeaderValue::from_str(location) {
                response.headers_mut().insert(header::LOCATION, location);
            }
        }
    }
    response
}

/// Finds the organization from the bearer token (401 without a live one) and counts the
/// request against the token's rate limit (429 over it).
async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let now = state.clock.now();
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let token = match tokens::authenticate(&state.store, authorization, now).await {
        Ok(Some(token)) => token,
        Ok(None) => {
            return Failure(ScimError::status(
                401,
                "A valid bearer token is required: the portal's operator makes one with `switchboard-portal admin scim token create`.",
            ))
            .into_response()
        }
        Err(error) => return Failure(store_error(error)).into_response(),
    };
    let key = format!("scim:{}", token.id);
    match state
        .limiter
        .count(&state.store, state.rate_limits.scim, &key, now)
        .await
    {
        Ok(Verdict::Allowed) => {}
        Ok(Verdict::Limited { retry_after, .. }) => {
            tracing::warn!(token = %token.name, "SCIM request refused: over the token's rate limit");
            let mut response = Failure(ScimError::status(
                429,
                "Too many requests with this token. Try again in a minute.",
            ))
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
            return response;
        }
        Err(error) => return Failure(store_error(error)).into_response(),
    }
    request.extensions_mut().insert(Caller {
        organization_id: token.organization_id,
        token_name: token.name,
    });
    next.run(request).await
}

/// The framework's own refusals (405, 413, a path it cannot read) as SCIM errors.
async fn scim_error_bodies(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    let is_scim = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with(SCIM_JSON));
    if !(status.is_client_error() || status.is_server_error()) || is_scim {
        return response;
    }
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "The request body is larger than the portal reads ({} KiB).",
            crate::error::MAX_BODY_BYTES / 1024
        ),
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "This address does not answer {}; the Allow header lists the methods it does.",
            method.as_str()
        ),
        StatusCode::NOT_FOUND => "There is nothing at this address.".to_owned(),
        status if status.is_server_error() => {
            "The portal could not finish this request.".to_owned()
        }
        _ => "The request is malformed.".to_owned(),
    };
    let (parts, _) = response.into_parts();
    let mut answer = Failure(ScimError::status(status.as_u16(), detail)).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

fn directory<'a>(state: &'a AppState, caller: &'a Caller, base_url: &'a str) -> Directory<'a> {
    Directory {
        store: &state.store,
        key: &state.key,
        organization_id: &caller.organization_id,
        token_name: &caller.token_name,
        base_url,
        now: state.clock.now(),
    }
}

fn base_url(state: &AppState) -> String {
    format!("{}{}", state.issuer.trim_end_matches('/'), scim::BASE_PATH)
}

/// A JSON body, whatever its content type says (`application/scim+json` or
/// `application/json`).
fn json_body(body: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(body)
        .map_err(|error| ScimError::invalid_syntax(format!("The body is not JSON: {error}.")))
}

fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::IF_MATCH)
        .and_then(|value| value.to_str().ok())
}

async fn service_provider_config(State(state): State<AppState>) -> Response {
    let body = schemas::service_provider_config(
        &base_url(&state),
        scim::MAX_RESULTS,
        crate::error::MAX_BODY_BYTES,
    );
    scim_json(StatusCode::OK, &body)
}

async fn resource_types(State(state): State<AppState>) -> Response {
    scim_json(StatusCode::OK, &schemas::resource_types(&base_url(&state)))
}

async fn resource_type(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let body = schemas::resource_type(&base_url(&state), &id)
        .ok_or_else(|| ScimError::not_found(format!("No resource type {id:?}.")))?;
    Ok(scim_json(StatusCode::OK, &body))
}

async fn all_schemas(State(state): State<AppState>) -> Response {
    scim_json(StatusCode::OK, &schemas::schemas(&base_url(&state)))
}

async fn one_schema(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let body = schemas::schema(&base_url(&state), &id)
        .ok_or_else(|| ScimError::not_found(format!("No schema {id:?}.")))?;
    Ok(scim_json(StatusCode::OK, &body))
}

#[derive(Debug, serde::Deserialize)]
struct ListQuery {
    filter: Option<String>,
    #[serde(rename = "startIndex")]
    start_index: Option<String>,
    count: Option<String>,
    #[serde(flatten)]
    shape: Shape,
}

/// `attributes` / `excludedAttributes`: which attributes an answer carries.
#[derive(Debug, Default, serde::Deserialize)]
struct Shape {
    attributes: Option<String>,
    #[serde(rename = "excludedAttributes")]
    excluded_attributes: Option<String>,
}

impl Shape {
    fn apply(&self, resource: &Value) -> Value {
        project(
            resource,
            &attribute_list(self.attributes.as_deref()),
            &attribute_list(self.excluded_attributes.as_deref()),
        )
    }
}

async fn list_users(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
) -> Result<Response, Failure> {
    let base = base_url(&state);
    let body = directory(&state, &caller, &base)
        .list_users(
            query.filter.as_deref(),
            query.start_index.as_deref(),
            query.count.as_deref(),
        )
        .await?;
    let mut body = body;
    if let Some(Value::Array(resources)) = body.get_mut("Resources") {
        for resource in resources.iter_mut() {
            *resource = query.shape.apply(resource);
        }
    }
    Ok(scim_json(StatusCode::OK, &body))
}

async fn create_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(shape): Query<Shape>,
    body: Bytes,
) -> Result<Response, Failure> {
    let json = json_body(&body)?;
    let base = base_url(&state);
    let resource = directory(&state, &caller, &base).create_user(&json).await?;
    Ok(user_response(StatusCode::CREATED, &resource, &shape))
}

async fn get_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(shape): Query<Shape>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let base = base_url(&state);
    let resource = directory(&state, &caller, &base).user(&id).await?;
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == resource.etag));
    if unchanged {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(etag) = HeaderValue::from_str(&resource.etag) {
            response.headers_mut().insert(header::ETAG, etag);
        }
        return Ok(response);
    }
    Ok(user_response(StatusCode::OK, &resource, &shape))
}

async fn replace_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(shape): Query<Shape>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let json = json_body(&body)?;
    let base = base_url(&state);
    let resource = directory(&state, &caller, &base)
        .replace_user(&id, &json, if_match(&headers))
        .await?;
    Ok(user_response(StatusCode::OK, &resource, &shape))
}

async fn patch_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(shape): Query<Shape>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let json = json_body(&body)?;
    let base = base_url(&state);
    let resource = directory(&state, &caller, &base)
        .patch_user(&id, &json, if_match(&headers))
        .await?;
    Ok(user_response(StatusCode::OK, &resource, &shape))
}

async fn delete_user(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let base = base_url(&state);
    directory(&state, &caller, &base)
        .delete_user(&id, if_match(&headers))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn not_supported() -> Failure {
    Failure(ScimError::status(
        501,
        "The portal provisions users only: groups, bulk requests, searches by POST (use GET with a filter) and /Me are not supported (ServiceProviderConfig says so).",
    ))
}
