//! A company's directory keeps accounts current over SCIM 2.0: full provisioning cycles as
//! Microsoft Entra ID and Okta send them (request shapes from their documentation, with
//! their PATCH dialects), and what an attacker or a careless client would try: another
//! organization's users, a revoked token, bad filters, oversized bodies, stale versions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::*;

use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH, LOCATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_api::{ApiError, ErrorCode, LoginStep};

const SCIM_JSON: &str = "application/scim+json";

/// A directory with its token.
struct Directory<'w> {
    world: &'w World,
    token: String,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Directory<'_> {
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> Answer {
        let url = self.world.portal.endpoint(&format!("/scim/v2{path}"));
        let mut request = self
            .world
            .browser
            .request(method, url)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, SCIM_JSON)
                .body(body.to_string());
        }
        if let Some(tag) = if_match {
            request = request.header(IF_MATCH, tag);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
        };
        if !text.is_empty() {
            assert!(
                headers[CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with(SCIM_JSON),
                "{status} {headers:?}"
            );
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body), None).await
    }

    async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body), None).await
    }

    async fn patch(&self, path: &str, operations: Value) -> Answer {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations,
        });
        self.send(Method::PATCH, path, Some(body), None).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None, None).await
    }

    /// `GET /Users?filter=…` (the filter URL-encoded).
    async fn filter(&self, filter: &str) -> Answer {
        let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        self.get(&format!("/Users?filter={encoded}")).await
    }
}

/// Sets up directory provisioning for an organization and makes a token called `name`.
fn connect(world: &World, org: &str, extensions: &str, name: &str) -> String {
    let configured = world.admin(&[
        "scim",
        "configure",
        org,
        "--extensions",
        extensions,
        "--sip-domain",
        "sip.acme.example",
        "--registrar",
        "sip:127.0.0.1:5060;transport=udp",
        "--transport",
        "udp",
    ]);
    assert!(configured.success, "{configured:?}");
    let made = world.admin(&["--json", "scim", "token", "create", org, name]);
    assert!(made.success, "{made:?}");
    let json = made.json();
    assert!(
        json["tenant_url"].as_str().unwrap().ends_with("/scim/v2"),
        "{json}"
    );
    json["token"].as_str().unwrap().to_owned()
}

fn assert_error(answer: &Answer, status: u16, scim_type: Option<&str>) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    assert_eq!(
        answer.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
        "{}",
        answer.body
    );
    // The status is a string in SCIM's error object.
    assert_eq!(
        answer.body["status"],
        json!(status.to_string()),
        "{}",
        answer.body
    );
    match scim_type {
        Some(kind) => assert_eq!(answer.body["scimType"], kind, "{}", answer.body),
        None => assert!(answer.body.get("scimType").is_none(), "{}", answer.body),
    }
    assert!(answer.body["detail"]
        .as_str()
        .is_some_and(|detail| !detail.is_empty()));
}

/// Whether a provider sign-in with this email reaches an account.
async fn signs_in(world: &World, email: &str) -> bool {
    let (sign_in, link) = world.sign_in_link("google", email, None).await;
    let Some(code) = query(&link, "code") else {
        return false;
    };
    let response = world
        .redeem(&code, Some(&sign_in.verifier), &sign_in.redirect_uri)
        .await;
    if response.status() != StatusCode::OK {
        let error: ApiError = response.json().await.unwrap();
        eprintln!("{email}: {error:?}");
        return false;
    }
    matches!(
        response.json::<LoginStep>().await.unwrap(),
        LoginStep::SignedIn { .. }
    )
}

/// Entra ID's create request (its documented shape: string-less booleans here, the
/// enterprise extension, an empty roles list it always sends).
fn entra_create(user_name: &str, external_id: &str, given: &str, family: &str) -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "externalId": external_id,
        "userName": user_name,
        "active": true,
        "displayName": format!("{given} {family}"),
        "emails": [{ "primary": true, "type": "work", "value": user_name }],
        "meta": { "resourceType": "User" },
        "name": { "formatted": format!("{given} {family}"), "familyName": family, "givenName": given },
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "E-1001",
            "department": "Sales"
        }
    })
}

#[tokio::test]
async fn entra_id_provisions_renames_moves_deactivates_reactivates_and_deletes_a_user() {
    let world = World::start().await;
    let entra = Directory {
        token: connect(&world, "acme", "300-399", "entra"),
        world: &world,
    };

    // Entra looks the user up first, then creates it.
    let found = entra.filter(r#"userName eq "dana@acme.example""#).await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.body["totalResults"], 0);
    assert_eq!(
        found.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );

    let created = entra
        .post(
            "/Users",
            entra_create("dana@acme.example", "a3c1-object-id", "Dana", "Reyes"),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["userName"], "dana@acme.example");
    assert_eq!(created.body["externalId"], "a3c1-object-id");
    assert_eq!(created.body["active"], true);
    assert_eq!(created.body["displayName"], "Dana Reyes");
    assert_eq!(created.body["name"]["givenName"], "Dana");
    assert_eq!(
        created.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "Sales"
    );
    assert_eq!(created.body["meta"]["resourceType"], "User");
    let location = created.headers[LOCATION].to_str().unwrap();
    assert!(
        location.ends_with(&format!("/scim/v2/Users/{id}")),
        "{location}"
    );
    assert_eq!(created.body["meta"]["location"], location);
    assert_eq!(
        created.headers[ETAG].to_str().unwrap(),
        created.body["meta"]["version"].as_str().unwrap()
    );

    // The account exists with the lowest free extension and signs in with its email.
    let shown = world.admin(&["--json", "account", "show", "dana@acme.example"]);
    assert!(shown.success, "{shown:?}");
    assert_eq!(shown.json()["extension"], "300", "{}", shown.json());
    let dana = signed_in(world.sign_in("google", "dana@acme.example").await);

    // Entra's lookups by externalId and by the work email find it.
    let by_external = entra.filter(r#"externalId eq "a3c1-object-id""#).await;
    assert_eq!(by_external.body["totalResults"], 1);
    assert_eq!(by_external.body["Resources"][0]["id"], id);
    let by_email = entra
        .filter(r#"emails[type eq "work"].value eq "DANA@acme.example""#)
        .await;
    assert_eq!(by_email.body["totalResults"], 1, "{}", by_email.body);

    // A rename: Entra's PATCH dialect (capitalised ops, a path-less add with dotted and
    // URN-qualified keys).
    let renamed = entra
        .patch(
            &format!("/Users/{id}"),
            json!([
                { "op": "Replace", "path": "displayName", "value": "Dana Reyes-Okafor" },
                { "op": "Add", "value": {
                    "name.familyName": "Reyes-Okafor",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Support"
                } }
            ]),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.body["displayName"], "Dana Reyes-Okafor");
    assert_eq!(renamed.body["name"]["familyName"], "Reyes-Okafor");
    assert_ne!(
        renamed.body["meta"]["version"],
        created.body["meta"]["version"]
    );
    let listed = world.admin(&["--json", "account", "show", "dana@acme.example"]);
    assert_eq!(listed.json()["display_name"], "Dana Reyes-Okafor");
    // The session that was signed in survives a rename.
    assert_eq!(
        world.refresh(&dana.refresh_token).await.status(),
        StatusCode::OK
    );

    // The email (and the UPN with it) changes: the new one signs in, the old one no more.
    let moved = entra
        .patch(
            &format!("/Users/{id}"),
            json!([
                { "op": "Replace", "path": "userName", "value": "dana.okafor@acme.example" },
                { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "dana.okafor@acme.example" }
            ]),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["userName"], "dana.okafor@acme.example");
    assert!(signs_in(&world, "dana.okafor@acme.example").await);
    assert!(!signs_in(&world, "dana@acme.example").await);
    // The externalId survived the rename.
    let by_external = entra.filter(r#"externalId eq "a3c1-object-id""#).await;
    assert_eq!(
        by_external.body["Resources"][0]["userName"],
        "dana.okafor@acme.example"
    );

    // Deactivation as Entra sends it: a string boolean.
    let session = signed_in(world.sign_in("google", "dana.okafor@acme.example").await);
    let profile = world.sip_profile(&session.access_token, None).await;
    assert_eq!(profile.status(), StatusCode::OK);
    let device: switchboard_api::SipProfile = profile.json().await.unwrap();
    let store = world.store().await;
    let registrar_users = |rows: Vec<switchboard_portal::store::RegistrarCredentialRow>| {
        rows.into_iter().map(|row| row.username).collect::<Vec<_>>()
    };
    assert!(
        registrar_users(store.registrar_credentials(false).await.unwrap())
            .contains(&device.auth_user)
    );
    let deactivated = entra
        .patch(
            &format!("/Users/{id}"),
            json!([{ "op": "Replace", "path": "active", "value": "False" }]),
        )
        .await;
    assert_eq!(deactivated.status, StatusCode::OK, "{}", deactivated.body);
    assert_eq!(deactivated.body["active"], false);
    // The app's session and its line end at once, as an administrator's sign-out would.
    let refused = world.refresh(&session.refresh_token).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let error: ApiError = refused.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::InvalidGrant);
    let users = registrar_users(store.registrar_credentials(false).await.unwrap());
    assert!(!users.contains(&device.auth_user), "{users:?}");
    // Nor does the static credential of the line (for desk phones; its user is the
    // account's id) stay.
    assert!(!users.contains(&id), "{users:?}");
    let ended: Vec<(String,)> = sqlx_rows(
        &world,
        &format!("SELECT revoked_reason FROM sessions WHERE account_id = '{id}' AND revoked_reason IS NOT NULL"),
    )
    .await;
    assert!(
        ended
            .iter()
            .any(|(reason,)| reason == "account_deactivated"),
        "{ended:?}"
    );
    // The registrar is told to drop the device's contacts, and the app why it ended.
    let removals: Vec<(String,)> =
        sqlx_rows(&world, "SELECT auth_user FROM registrar_outbox").await;
    assert!(
        removals.contains(&(device.auth_user.clone(),)),
        "{removals:?}"
    );
    let told: Vec<(String,)> = sqlx_rows(
        &world,
        &format!("SELECT reason FROM session_events WHERE account_id = '{id}' AND kind = 'session_ended'"),
    )
    .await;
    assert!(
        told.contains(&("account_deactivated".to_owned(),)),
        "{told:?}"
    );
    // It signs in nowhere, and the data is kept.
    assert!(!signs_in(&world, "dana.okafor@acme.example").await);
    assert_eq!(
        entra.get(&format!("/Users/{id}")).await.body["active"],
        false
    );

    // Reactivation restores sign-in and the line.
    let reactivated = entra
        .patch(
            &format!("/Users/{id}"),
            json!([{ "op": "Replace", "path": "active", "value": "True" }]),
        )
        .await;
    assert_eq!(reactivated.body["active"], true, "{}", reactivated.body);
    assert!(signs_in(&world, "dana.okafor@acme.example").await);
    assert!(registrar_users(store.registrar_credentials(false).await.unwrap()).contains(&id));

    // Delete: gone for the directory, signs in nowhere, the username is free again.
    let deleted = entra.delete(&format!("/Users/{id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_error(&entra.get(&format!("/Users/{id}")).await, 404, None);
    assert_error(&entra.delete(&format!("/Users/{id}")).await, 404, None);
    assert!(!signs_in(&world, "dana.okafor@acme.example").await);
    let again = entra
        .post(
            "/Users",
            entra_create(
                "dana.okafor@acme.example",
                "a3c1-object-id",
                "Dana",
                "Okafor",
            ),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_ne!(again.body["id"], id);

    // Every change is in the audit log with the token's name.
    let audit = world.admin(&["--json", "audit", "--kind", "admin", "--org", "acme"]);
    let actions: Vec<(String, String)> = audit
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .map(|event| {
            (
                event["actor"].as_str().unwrap_or_default().to_owned(),
                event["detail"]["action"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    for action in [
        "scim_user_created",
        "scim_user_patched",
        "scim_user_deleted",
    ] {
        assert!(
            actions.contains(&("scim:entra".to_owned(), action.to_owned())),
            "{action} missing from {actions:?}"
        );
    }
}

/// Rows of a query on the world's database (SQLite or PostgreSQL).
async fn sqlx_rows(world: &World, sql: &str) -> Vec<(String,)> {
    let url = &world.config.database_url;
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&pool).await.unwrap()
    }
}

#[tokio::test]
async fn okta_provisions_replaces_deactivates_and_reactivates_a_user() {
    let world = World::start().await;
    let okta = Directory {
        token: connect(&world, "acme", "300-399", "okta"),
        world: &world,
    };
    // Okta's create: a password it may sync (ignored: directory users sign in through
    // their provider), groups it always sends.
    let created = okta
        .post(
            "/Users",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "erin@acme.example",
                "name": { "givenName": "Erin", "familyName": "Moss" },
                "emails": [{ "primary": true, "value": "erin@acme.example", "type": "work" }],
                "displayName": "Erin Moss",
                "locale": "en-US",
                "externalId": "00u1abcd",
                "groups": [],
                "password": "1mz050nq",
                "active": true
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert!(created.body.get("password").is_none(), "{}", created.body);
    assert!(signs_in(&world, "erin@acme.example").await);

    // Okta's PUT: the whole user, with a new name and a second email.
    let replaced = okta
        .put(
            &format!("/Users/{id}"),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": id,
                "userName": "erin@acme.example",
                "name": { "givenName": "Erin", "familyName": "Moss-Lee" },
                "emails": [
                    { "primary": true, "value": "erin@acme.example", "type": "work" },
                    { "primary": false, "value": "erin.home@example.net", "type": "home" }
                ],
                "displayName": "Erin Moss-Lee",
                "externalId": "00u1abcd",
                "active": true
            }),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.body["displayName"], "Erin Moss-Lee");
    let emails = replaced.body["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 2, "{emails:?}");
    // The home email receives copies; it never signs in.
    let shown = world
        .admin(&["--json", "account", "show", "erin@acme.example"])
        .json();
    let purposes: Vec<(String, String)> = shown["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|email| {
            (
                email["email"].as_str().unwrap().to_owned(),
                email["purpose"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        purposes.contains(&("erin.home@example.net".into(), "notification".into())),
        "{purposes:?}"
    );
    assert!(
        purposes.contains(&("erin@acme.example".into(), "login".into())),
        "{purposes:?}"
    );

    // Okta deactivates with a path-less replace.
    let session = signed_in(world.sign_in("google", "erin@acme.example").await);
    let deactivated = okta
        .patch(
            &format!("/Users/{id}"),
            json!([{ "op": "replace", "value": { "active": false } }]),
        )
        .await;
    assert_eq!(deactivated.body["active"], false, "{}", deactivated.body);
    assert_eq!(
        world.refresh(&session.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert!(!signs_in(&world, "erin@acme.example").await);
    // Okta lists deactivated users too.
    let listed = okta.filter(r#"userName eq "erin@acme.example""#).await;
    assert_eq!(listed.body["Resources"][0]["active"], false);

    let reactivated = okta
        .patch(
            &format!("/Users/{id}"),
            json!([{ "op": "replace", "value": { "active": true } }]),
        )
        .await;
    assert_eq!(reactivated.body["active"], true);
    assert!(signs_in(&world, "erin@acme.example").await);
}

#[tokio::test]
async fn another_organizations_token_sees_and_touches_nothing_and_a_revoked_token_is_refused() {
    let world = World::start().await;
    let acme = Directory {
        token: connect(&world, "acme", "300-399", "entra"),
        world: &world,
    };
    assert!(
        world
            .admin(&["org", "create", "globex", "--name", "Globex"])
            .success
    );
    let globex = Directory {
        token: connect(&world, "globex", "500-599", "okta"),
        world: &world,
    };
    let created = acme
        .post(
            "/Users",
            entra_create("fay@acme.example", "fay-1", "Fay", "Lind"),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();

    // Globex's directory cannot find, read, change or delete Acme's users.
    assert_eq!(globex.get("/Users").await.body["totalResults"], 0);
    assert_eq!(
        globex
            .filter(r#"userName eq "fay@acme.example""#)
            .await
            .body["totalResults"],
        0
    );
    assert_error(&globex.get(&format!("/Users/{id}")).await, 404, None);
    assert_error(
        &globex
            .patch(
                &format!("/Users/{id}"),
                json!([{ "op": "replace", "value": { "active": false } }]),
            )
            .await,
        404,
        None,
    );
    assert_error(
        &globex
            .put(
                &format!("/Users/{id}"),
                entra_create("fay@acme.example", "fay-1", "F", "L"),
            )
            .await,
        404,
        None,
    );
    assert_error(&globex.delete(&format!("/Users/{id}")).await, 404, None);
    assert_eq!(acme.get(&format!("/Users/{id}")).await.body["active"], true);
    // Even the demo's accounts (made by an administrator) are Acme's only.
    let acme_total = acme.get("/Users").await.body["totalResults"]
        .as_u64()
        .unwrap();
    assert!(acme_total >= 2, "{acme_total}");

    // No token, a made-up one, another scheme: 401 with the Bearer challenge.
    for token in ["", "sbd_made-up", "Basic dXNlcjpwYXNz"] {
        let answer = Directory {
            world: &world,
            token: token.into(),
        }
        .get("/Users")
        .await;
        assert_error(&answer, 401, None);
        assert!(answer.headers[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
    }
    // A revoked token is refused from the next request on.
    let revoked = world.admin(&["scim", "token", "revoke", "globex", "okta"]);
    assert!(revoked.success, "{revoked:?}");
    assert_error(&globex.get("/Users").await, 401, None);
    let listed = world
        .admin(&["--json", "scim", "token", "list", "globex"])
        .json();
    assert!(listed[0]["revoked_at"].is_i64(), "{listed}");
    // The token is stored as a hash only.
    let stored: Vec<(String,)> = sqlx_rows(&world, "SELECT token_hash FROM scim_tokens").await;
    assert!(stored
        .iter()
        .all(|(hash,)| !hash.contains(&acme.token) && hash.len() == 64));
}

#[tokio::test]
async fn errors_are_scim_errors_with_their_types() {
    let world = World::start().await;
    let entra = Directory {
        token: connect(&world, "acme", "300-399", "entra"),
        world: &world,
    };
    let created = entra
        .post(
            "/Users",
            entra_create("gil@acme.example", "gil-1", "Gil", "Ortiz"),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let etag = created.headers[ETAG].to_str().unwrap().to_owned();

    // Uniqueness: the same userName, the same externalId, an admin account's login email.
    assert_error(
        &entra
            .post(
                "/Users",
                entra_create("gil@acme.example", "gil-2", "G", "O"),
            )
            .await,
        409,
        Some("uniqueness"),
    );
    assert_error(
        &entra
            .post(
                "/Users",
                entra_create("gil2@acme.example", "gil-1", "G", "O"),
            )
            .await,
        409,
        Some("uniqueness"),
    );
    assert_error(
        &entra
            .post(
                "/Users",
                entra_create("alice@acme.example", "alice-1", "A", "L"),
            )
            .await,
        409,
        Some("uniqueness"),
    );
    // A bad filter, a bad body, a bad PATCH.
    assert_error(
        &entra.filter(r#"userName eq "unterminated"#).await,
        400,
        Some("invalidFilter"),
    );
    assert_error(
        &entra.filter("userName xx \"a\"").await,
        400,
        Some("invalidFilter"),
    );
    assert_error(
        &entra
            .post("/Users", json!({ "displayName": "No userName" }))
            .await,
        400,
        Some("invalidValue"),
    );
    let not_json = entra
        .world
        .browser
        .post(entra.world.portal.endpoint("/scim/v2/Users"))
        .bearer_auth(&entra.token)
        .header(CONTENT_TYPE, SCIM_JSON)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(not_json.headers()[CONTENT_TYPE], SCIM_JSON);
    assert_error(
        &entra
            .patch(&format!("/Users/{id}"), json!([{ "op": "remove" }]))
            .await,
        400,
        Some("noTarget"),
    );
    assert_error(
        &entra
            .patch(
                &format!("/Users/{id}"),
                json!([{ "op": "remove", "path": "userName" }]),
            )
            .await,
        400,
        Some("mutability"),
    );
    // A body over the limit: 413 as a SCIM error.
    let huge = json!({ "userName": "huge@acme.example", "displayName": "x".repeat(70 * 1024) });
    assert_error(&entra.post("/Users", huge).await, 413, None);
    // A stale version is refused; the current one applies.
    let renamed = entra
        .patch(
            &format!("/Users/{id}"),
            json!([{ "op": "replace", "path": "displayName", "value": "Gil O." }]),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    let stale = entra
        .send(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "replace", "path": "displayName", "value": "Lost update" }]
            })),
            Some(&etag),
        )
        .await;
    assert_error(&stale, 412, None);
    let current = renamed.headers[ETAG].to_str().unwrap().to_owned();
    let fresh = entra
        .send(
            Method::DELETE,
            &format!("/Users/{id}"),
            None,
            Some(&current),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::NO_CONTENT);
    // Groups are not served, and say so.
    assert_error(&entra.get("/Groups").await, 501, None);
    assert_error(&entra.get("/Nowhere").await, 404, None);
    let wrong_method = entra.send(Method::DELETE, "/Users", None, None).await;
    assert_error(&wrong_method, 405, None);
    // Unknown attributes are ignored, not refused.
    let extra = entra
        .post(
            "/Users",
            json!({ "userName": "hal@acme.example", "nickName": "H", "x-custom": { "a": 1 },
                    "urn:example:unknown:2.0:User": { "b": 2 } }),
        )
        .await;
    assert_eq!(extra.status, StatusCode::CREATED, "{}", extra.body);
}

#[tokio::test]
async fn discovery_documents_describe_what_is_served() {
    let world = World::start().await;
    let entra = Directory {
        token: connect(&world, "acme", "300-399", "entra"),
        world: &world,
    };
    let config = entra.get("/ServiceProviderConfig").await;
    assert_eq!(config.status, StatusCode::OK);
    assert_eq!(config.body["patch"]["supported"], true);
    assert_eq!(config.body["bulk"]["supported"], false);
    assert_eq!(config.body["filter"]["supported"], true);
    assert_eq!(config.body["etag"]["supported"], true);
    assert_eq!(
        config.body["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );
    let types = entra.get("/ResourceTypes").await;
    assert_eq!(types.body["totalResults"], 1);
    assert_eq!(types.body["Resources"][0]["endpoint"], "/Users");
    assert_eq!(
        entra.get("/ResourceTypes/User").await.status,
        StatusCode::OK
    );
    let schemas = entra.get("/Schemas").await;
    let ids: Vec<&str> = schemas.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|schema| schema["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"urn:ietf:params:scim:schemas:core:2.0:User"),
        "{ids:?}"
    );
    assert_eq!(
        entra
            .get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_thousand_users_are_created_and_listed_in_pages_and_filters_find_them() {
    let world = World::start().await;
    let directory = Directory {
        token: connect(&world, "acme", "1000-2999", "bulk"),
        world: &world,
    };
    let before = directory.get("/Users?count=0").await.body["totalResults"]
        .as_u64()
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..1000 {
        let created = directory
            .post(
                "/Users",
                json!({
                    "userName": format!("user{n:04}@acme.example"),
                    "externalId": format!("ext-{n}"),
                    "displayName": format!("User {n}"),
                    "emails": [{ "value": format!("user{n:04}@acme.example"), "type": "work", "primary": true }],
                    "active": n % 10 != 0
                }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{n}: {}", created.body);
        ids.push(created.body["id"].as_str().unwrap().to_owned());
    }
    let total = before + 1000;

    // Every user exactly once, in pages of 100, in a stable order.
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let page = directory
            .get(&format!("/Users?startIndex={start}&count=100"))
            .await;
        assert_eq!(page.body["totalResults"], total);
        assert_eq!(page.body["startIndex"], start);
        let resources = page.body["Resources"].as_array().unwrap();
        assert_eq!(page.body["itemsPerPage"], resources.len());
        if resources.is_empty() {
            break;
        }
        seen.extend(
            resources
                .iter()
                .map(|user| user["id"].as_str().unwrap().to_owned()),
        );
        start += resources.len();
    }
    assert_eq!(seen.len() as u64, total);
    for id in &ids {
        assert!(seen.contains(id));
    }
    // Paging edges: startIndex below 1 is 1; count above the maximum is clamped.
    assert_eq!(
        directory.get("/Users?startIndex=0&count=1").await.body["startIndex"],
        1
    );
    let big = directory.get("/Users?count=100000").await;
    assert_eq!(big.body["itemsPerPage"], 200);

    // Filters: logic, operators, paging over a filter.
    let inactive = directory.filter("active eq false").await;
    assert_eq!(
        inactive.body["totalResults"], 100,
        "{}",
        inactive.body["totalResults"]
    );
    let starts = directory
        .filter(r#"userName sw "user00" and active eq true"#)
        .await;
    assert_eq!(starts.body["totalResults"], 90);
    let either = directory
        .filter(r#"externalId eq "ext-5" or externalId eq "ext-6""#)
        .await;
    assert_eq!(either.body["totalResults"], 2);
    let not = directory
        .filter(r#"userName sw "user09" and not (displayName ew "9")"#)
        .await;
    assert_eq!(not.body["totalResults"], 90);
    let present = directory.filter("externalId pr").await;
    assert_eq!(present.body["totalResults"], 1000);
    let paged = directory
        .get(&format!(
            "/Users?filter={}&startIndex=11&count=5",
            url::form_urlencoded::byte_serialize(br#"userName sw "user01""#).collect::<String>()
        ))
        .await;
    assert_eq!(paged.body["totalResults"], 100);
    let page: Vec<&str> = paged.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["userName"].as_str().unwrap())
        .collect();
    assert_eq!(page.len(), 5);
    assert!(
        page.iter().all(|name| name.starts_with("user01")),
        "{page:?}"
    );
}

#[tokio::test]
async fn a_full_range_and_an_extension_from_the_directory_say_what_to_do() {
    let world = World::start().await;
    let token = connect(&world, "acme", "300-301", "entra");
    let directory = Directory {
        token,
        world: &world,
    };
    for name in ["ida", "jon"] {
        let created = directory
            .post(
                "/Users",
                json!({ "userName": format!("{name}@acme.example") }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
    }
    let full = directory
        .post("/Users", json!({ "userName": "kim@acme.example" }))
        .await;
    assert_eq!(full.status.as_u16(), 409);
    assert!(
        full.body["detail"]
            .as_str()
            .unwrap()
            .contains("admin scim configure"),
        "{}",
        full.body
    );

    // From the employee number when configured; the range is the fallback.
    let configured = world.admin(&[
        "scim",
        "configure",
        "acme",
        "--extension-from",
        "employee-number",
    ]);
    assert!(configured.success, "{configured:?}");
    let with_number = directory
        .post(
            "/Users",
            json!({ "userName": "lee@acme.example",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "employeeNumber": "4711" } }),
        )
        .await;
    assert_eq!(
        with_number.status,
        StatusCode::CREATED,
        "{}",
        with_number.body
    );
    let shown = world
        .admin(&["--json", "account", "show", "lee@acme.example"])
        .json();
    assert_eq!(shown["extension"], "4711", "{shown}");
    // An extension another account has is a conflict.
    let taken = directory
        .post(
            "/Users",
            json!({ "userName": "max@acme.example",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "employeeNumber": "201" } }),
        )
        .await;
    assert_error(&taken, 409, Some("uniqueness"));
}

fn authenticator_code(secret_base32: &str, unix_time: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_base32).unwrap();
    totp_rs::Builder::new()
        .with_secret(secret.as_ref().to_vec())
        .build_noncompliant()
        .generate(unix_time as u64)
        .to_string()
}

/// The directory's id of an account an operator made (the directory adopts it by name).
async fn adopted(directory: &Directory<'_>, username: &str) -> String {
    let found = directory
        .filter(&format!(r#"userName eq "{username}""#))
        .await;
    assert_eq!(found.body["totalResults"], 1, "{}", found.body);
    found.body["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_deactivated_account_signs_in_nowhere_not_even_through_a_sign_in_begun_before() {
    use switchboard_portal::clock::Clock;
    let world = World::start().await;
    let entra = Directory {
        token: connect(&world, "acme", "300-399", "entra"),
        world: &world,
    };
    let alice = adopted(&entra, "alice").await;
    let tom = adopted(&entra, "tom").await;

    // Sign-ins begun before the directory turns the accounts off: Alice's provider code,
    // Tom's password step waiting for his authenticator code.
    let (sign_in, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    let code = query(&link, "code").unwrap();
    let tom_step: LoginStep = world
        .post(
            "/v1/login/password",
            None,
            json!({ "username": "tom", "password": "tom-demo-pass", "device_name": "Test laptop" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let LoginStep::MfaRequired { ticket, .. } = tom_step else {
        panic!("expected MfaRequired, got {tom_step:?}");
    };

    for id in [&alice, &tom] {
        let off = entra
            .patch(
                &format!("/Users/{id}"),
                json!([{ "op": "replace", "value": { "active": false } }]),
            )
            .await;
        assert_eq!(off.body["active"], false, "{}", off.body);
    }

    // Finishing them makes no session.
    let redeemed = world
        .redeem(&code, Some(&sign_in.verifier), &sign_in.redirect_uri)
        .await;
    if redeemed.status() == StatusCode::OK {
        let step: LoginStep = redeemed.json().await.unwrap();
        assert!(!matches!(step, LoginStep::SignedIn { .. }), "{step:?}");
    }
    let mfa = world
        .post(
            "/v1/login/mfa",
            None,
            json!({ "ticket": ticket, "code": authenticator_code(switchboard_portal::seed::DEMO_TOTP_SECRET, world.clock.now()) }),
        )
        .await;
    assert_eq!(mfa.status(), StatusCode::FORBIDDEN);
    let error: ApiError = mfa.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::NotAvailable);
    assert!(error.message.contains("directory"), "{}", error.message);
    // A new sign-in with the right password answers as a wrong one does: nothing tells a
    // guesser the account exists.
    let password = world
        .post(
            "/v1/login/password",
            None,
            json!({ "username": "alice", "password": "alice-demo-pass", "device_name": "Test laptop" }),
        )
        .await;
    assert_eq!(password.status(), StatusCode::BAD_REQUEST);
    let error: ApiError = password.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::InvalidCredentials);
    assert!(!signs_in(&world, "alice@acme.example").await);
    let sessions: Vec<(String,)> = sqlx_rows(
        &world,
        &format!("SELECT id FROM sessions WHERE account_id IN ('{alice}', '{tom}') AND revoked_at IS NULL"),
    )
    .await;
    assert!(sessions.is_empty(), "{sessions:?}");

    // The account shows as deactivated to the operator.
    let shown = world.admin(&["account", "show", "alice"]);
    assert!(
        shown
            .stdout
            .contains("deactivated by the organization's directory"),
        "{shown:?}"
    );

    // Back on: the password signs in again.
    entra
        .patch(
            &format!("/Users/{alice}"),
            json!([{ "op": "replace", "value": { "active": true } }]),
        )
        .await;
    let again = world
        .post(
            "/v1/login/password",
            None,
            json!({ "username": "alice", "password": "alice-demo-pass", "device_name": "Test laptop" }),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_deleted_users_data_is_purged_after_the_organizations_retention() {
    use switchboard_portal::clock::Clock;
    let world = World::start().await;
    let entra = Directory {
        token: connect(&world, "acme", "300-399", "entra"),
        world: &world,
    };
    assert!(
        world
            .admin(&[
                "scim",
                "configure",
                "acme",
                "--retention-days",
                "7",
                "--extensions",
                "300-300"
            ])
            .success
    );
    let created = entra
        .post(
            "/Users",
            entra_create("dana@acme.example", "dana-1", "Dana", "Reyes"),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    signed_in(world.sign_in("google", "dana@acme.example").await);
    assert_eq!(
        entra.delete(&format!("/Users/{id}")).await.status,
        StatusCode::NO_CONTENT
    );

    let store = world.store().await;
    let count = |table: &'static str| {
        let world = &world;
        let id = id.clone();
        async move {
            let column = if table == "accounts" {
                "id"
            } else {
                "account_id"
            };
            sqlx_rows(
                world,
                &format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table} WHERE {column} = '{id}'"),
            )
            .await[0]
                .0
                .clone()
        }
    };
    // One extension, which the deleted user keeps until the purge.
    let full = entra
        .post(
            "/Users",
            entra_create("erin@acme.example", "erin-1", "Erin", "Moss"),
        )
        .await;
    assert_eq!(full.status.as_u16(), 409, "{}", full.body);
    // Kept within the retention…
    let report = store
        .purge_expired(world.clock.now() + 6 * 86_400)
        .await
        .unwrap();
    assert_eq!(report.deleted_accounts, 0);
    assert_eq!(count("accounts").await, "1");
    // …purged after it, every row of it but the audit log.
    let report = store
        .purge_expired(world.clock.now() + 8 * 86_400)
        .await
        .unwrap();
    assert_eq!(report.deleted_accounts, 1);
    for table in [
        "accounts",
        "account_emails",
        "sessions",
        "identity_links",
        "sip_profiles",
        "sip_credentials",
    ] {
        assert_eq!(count(table).await, "0", "{table}");
    }
    let audit: Vec<(String,)> = sqlx_rows(
        &world,
        &format!("SELECT kind FROM audit_events WHERE account_id = '{id}'"),
    )
    .await;
    assert!(!audit.is_empty());
    // An extension comes free only then.
    let next = entra
        .post(
            "/Users",
            entra_create("erin@acme.example", "erin-1", "Erin", "Moss"),
        )
        .await;
    let shown = world
        .admin(&["--json", "account", "show", "erin@acme.example"])
        .json();
    assert_eq!(shown["extension"], "300", "{}", next.body);
}

#[tokio::test]
async fn requests_over_a_tokens_rate_limit_are_refused_and_other_tokens_go_on() {
    use switchboard_portal::config::RateLimit;
    let world = World::start_with(ClientKey::Es256, |setup| {
        setup.config.rate_limits.scim = Some(RateLimit {
            per_client: 5,
            global: 1_000,
        });
    })
    .await;
    let busy = Directory {
        token: connect(&world, "acme", "300-399", "busy"),
        world: &world,
    };
    let made = world.admin(&["--json", "scim", "token", "create", "acme", "calm"]);
    let calm = Directory {
        token: made.json()["token"].as_str().unwrap().to_owned(),
        world: &world,
    };
    for _ in 0..5 {
        assert_eq!(busy.get("/Users?count=1").await.status, StatusCode::OK);
    }
    let refused = busy.get("/Users?count=1").await;
    assert_error(&refused, 429, None);
    assert!(refused.headers.contains_key(reqwest::header::RETRY_AFTER));
    assert_eq!(calm.get("/Users?count=1").await.status, StatusCode::OK);
}

#[tokio::test]
async fn users_created_at_the_same_time_get_different_extensions() {
    let world = World::start().await;
    let token = connect(&world, "acme", "300-399", "entra");
    let url = world.portal.endpoint("/scim/v2/Users");
    let mut creates = tokio::task::JoinSet::new();
    for n in 0..16 {
        let (client, url, token) = (world.browser.clone(), url.clone(), token.clone());
        creates.spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header(CONTENT_TYPE, SCIM_JSON)
                .body(json!({ "userName": format!("same-time{n}@acme.example") }).to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
        });
    }
    while let Some(done) = creates.join_next().await {
        done.unwrap();
    }
    let listed = world
        .admin(&["--json", "account", "list", "--org", "acme"])
        .json();
    let mut extensions: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|account| {
            account["username"]
                .as_str()
                .unwrap()
                .starts_with("same-time")
        })
        .map(|account| account["extension"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(extensions.len(), 16);
    extensions.sort();
    extensions.dedup();
    assert_eq!(extensions.len(), 16, "{extensions:?}");
}

#[tokio::test]
async fn leaving_active_out_never_reactivates_a_deprovisioned_user() {
    let world = World::start().await;
    let entra = Directory {
        token: connect(&world, "acme", "300-399", "entra"),
        world: &world,
    };
    let created = entra
        .post(
            "/Users",
            entra_create("dana@acme.example", "dana-1", "Dana", "Reyes"),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    entra
        .patch(
            &path,
            json!([{ "op": "replace", "path": "active", "value": false }]),
        )
        .await;
    // A PATCH that removes `active`, a PUT that leaves it out: still off, no sign-in.
    let removed = entra
        .patch(&path, json!([{ "op": "remove", "path": "active" }]))
        .await;
    assert_eq!(removed.body["active"], false, "{}", removed.body);
    let mut without = entra_create("dana@acme.example", "dana-1", "Dana", "Reyes");
    without.as_object_mut().unwrap().remove("active");
    let replaced = entra.put(&path, without).await;
    assert_eq!(replaced.body["active"], false, "{}", replaced.body);
    assert!(!signs_in(&world, "dana@acme.example").await);
}

#[tokio::test]
async fn answers_carry_the_attributes_asked_for() {
    let world = World::start().await;
    let entra = Directory {
        token: connect(&world, "acme", "300-399", "entra"),
        world: &world,
    };
    let created = entra
        .post(
            "/Users?attributes=userName",
            entra_create("dana@acme.example", "dana-1", "Dana", "Reyes"),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["userName"], "dana@acme.example");
    assert!(created.body.get("emails").is_none(), "{}", created.body);
    let without_name = entra
        .get(&format!("/Users/{id}?excludedAttributes=name,emails"))
        .await;
    assert!(without_name.body.get("name").is_none());
    assert!(without_name.body.get("emails").is_none());
    assert_eq!(without_name.body["id"], id);
    assert_eq!(without_name.body["displayName"], "Dana Reyes");
    let listed = entra
        .get("/Users?attributes=userName,name.givenName&filter=userName%20eq%20%22dana@acme.example%22")
        .await;
    assert_eq!(
        listed.body["Resources"][0],
        json!({
            "schemas": created.body["schemas"],
            "id": id,
            "userName": "dana@acme.example",
            "name": { "givenName": "Dana" }
        })
    );
    // Searching by POST is not served, and says so.
    let search = entra
        .post(
            "/.search",
            json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"] }),
        )
        .await;
    assert_error(&search, 501, None);
    assert_error(&entra.post("/Users/.search", json!({})).await, 501, None);
}
