use serde_json::json;

use super::*;

/// The create request Microsoft documents for Entra ID provisioning, with the enterprise
/// extension its default attribute mappings send.
pub(crate) fn entra_create() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": true,
        "emails": [{
            "primary": true,
            "type": "work",
            "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
        }],
        "meta": {"resourceType": "User"},
        "name": {
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName"
        },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        },
        "roles": []
    })
}

/// The create request Okta documents for its SCIM 2.0 provisioning.
pub(crate) fn okta_create() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

fn meta() -> Meta {
    Meta {
        created: 1_796_679_857,
        last_modified: 1_796_679_900,
        location: "https://portal.example/scim/v2/Users/u1".to_owned(),
    }
}

#[test]
fn entra_create_parses() {
    let user = User::from_json(&entra_create()).unwrap();
    assert_eq!(
        user.user_name,
        "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"
    );
    assert_eq!(
        user.external_id.as_deref(),
        Some("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
    );
    assert!(user.active);
    assert_eq!(
        user.emails,
        vec![MultiValue {
            value: "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com".to_owned(),
            kind: Some("work".to_owned()),
            primary: true,
        }]
    );
    assert_eq!(
        user.name,
        Some(Name {
            formatted: Some("givenName familyName".to_owned()),
            given_name: Some("givenName".to_owned()),
            family_name: Some("familyName".to_owned()),
        })
    );
    assert_eq!(
        user.enterprise,
        Some(Enterprise {
            employee_number: Some("701984".to_owned()),
            department: Some("Tour Operations".to_owned()),
        })
    );
    assert_eq!(user.display(), "givenName familyName");
    assert_eq!(
        user.login_email().as_deref(),
        Some("test_user_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com")
    );
}

#[test]
fn okta_create_parses_and_ignores_password_and_groups() {
    let user = User::from_json(&okta_create()).unwrap();
    assert_eq!(user.user_name, "test.user@okta.local");
    assert_eq!(user.display_name.as_deref(), Some("Test User"));
    assert_eq!(user.external_id.as_deref(), Some("00ujl29u0le5T6Aj10h7"));
    assert_eq!(user.enterprise, None);
    let stored = user.to_json();
    assert!(stored.get("password").is_none());
    assert!(stored.get("groups").is_none());
    assert_eq!(stored["schemas"], json!([schemas::USER]));
}

#[test]
fn round_trip() {
    for body in [entra_create(), okta_create()] {
        let user = User::from_json(&body).unwrap();
        assert_eq!(User::from_json(&user.to_json()).unwrap(), user);
        let resource = user.to_resource("u1", &meta());
        assert_eq!(User::from_json(&resource).unwrap(), user);
    }
}

#[test]
fn to_json_shape() {
    let user = User::from_json(&entra_create()).unwrap();
    assert_eq!(
        user.to_json(),
        json!({
            "schemas": [schemas::USER, schemas::ENTERPRISE_USER],
            "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "name": {
                "formatted": "givenName familyName",
                "givenName": "givenName",
                "familyName": "familyName"
            },
            "emails": [{
                "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com",
                "type": "work",
                "primary": true
            }],
            "active": true,
            schemas::ENTERPRISE_USER: {"employeeNumber": "701984", "department": "Tour Operations"}
        })
    );
    let minimal = User::from_json(&json!({"userName": "a"})).unwrap();
    assert_eq!(
        minimal.to_json(),
        json!({"schemas": [schemas::USER], "userName": "a", "active": true})
    );
}

#[test]
fn to_resource_adds_id_and_meta() {
    let user = User::from_json(&okta_create()).unwrap();
    let resource = user.to_resource("u1", &meta());
    assert_eq!(resource["id"], json!("u1"));
    assert_eq!(
        resource["meta"],
        json!({
            "resourceType": "User",
            "created": "2026-12-07T21:44:17Z",
            "lastModified": "2026-12-07T21:45:00Z",
            "location": "https://portal.example/scim/v2/Users/u1",
            "version": user.etag("u1"),
        })
    );
}

#[test]
fn etag_is_stable_and_changes_with_any_attribute() {
    let user = User::from_json(&entra_create()).unwrap();
    let etag = user.etag("u1");
    assert!(etag.starts_with("W/\"") && etag.ends_with('"'));
    assert_eq!(etag.len(), 4 + 16);
    assert_eq!(User::from_json(&entra_create()).unwrap().etag("u1"), etag);
    assert_ne!(user.etag("u2"), etag);
    let changes: Vec<fn(&mut User)> = vec![
        |u| u.active = false,
        |u| u.user_name.push('x'),
        |u| u.display_name = Some("D".to_owned()),
        |u| u.external_id = None,
        |u| u.emails[0].primary = false,
        |u| u.emails[0].kind = Some("home".to_owned()),
        |u| u.phone_numbers.push(MultiValue::default()),
        |u| u.name = None,
        |u| u.enterprise = Some(Enterprise::default()),
        |u| {
            if let Some(e) = u.enterprise.as_mut() {
                e.department = Some("Sales".to_owned());
            }
        },
    ];
    for change in changes {
        let mut changed = user.clone();
        change(&mut changed);
        assert_ne!(changed.etag("u1"), etag, "{changed:?}");
    }
}

#[test]
fn attribute_names_are_case_insensitive() {
    let user = User::from_json(&json!({
        "USERNAME": "  bjensen  ",
        "Emails": [{"VALUE": "B@Example.com", "Type": "work", "Primary": "True"}],
        "NAME": {"GIVENNAME": "Barbara"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"DEPARTMENT": "R&D"},
        "Active": "False"
    }))
    .unwrap();
    assert_eq!(user.user_name, "bjensen");
    assert!(user.emails[0].primary);
    assert!(!user.active);
    assert_eq!(user.name.unwrap().given_name.as_deref(), Some("Barbara"));
    assert_eq!(user.enterprise.unwrap().department.as_deref(), Some("R&D"));
}

#[test]
fn active_forms() {
    for (active, expected) in [
        (json!(true), true),
        (json!(false), false),
        (json!("true"), true),
        (json!("True"), true),
        (json!("False"), false),
        (json!("false"), false),
        (Value::Null, true),
    ] {
        let user = User::from_json(&json!({"userName": "a", "active": active})).unwrap();
        assert_eq!(user.active, expected, "{active}");
    }
    assert!(User::from_json(&json!({"userName": "a"})).unwrap().active);
    for bad in [json!("yes"), json!(1), json!([])] {
        let error = User::from_json(&json!({"userName": "a", "active": bad})).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidValue"));
        assert!(error.detail.contains("active"));
    }
}

#[test]
fn missing_or_null_multi_values_are_empty() {
    for emails in [Value::Null, json!([])] {
        let user =
            User::from_json(&json!({"userName": "a", "emails": emails, "phoneNumbers": null}))
                .unwrap();
        assert!(user.emails.is_empty() && user.phone_numbers.is_empty());
        assert_eq!(user.login_email(), None);
    }
}

#[test]
fn user_name_is_required() {
    for body in [
        json!({}),
        json!({"userName": ""}),
        json!({"userName": "   "}),
        json!({"userName": 5}),
        json!({"userName": null}),
    ] {
        let error = User::from_json(&body).unwrap_err();
        assert_eq!(error, ScimError::invalid_value("userName is required"));
    }
}

#[test]
fn not_an_object_is_invalid_syntax() {
    for body in [json!([]), json!("x"), Value::Null] {
        assert_eq!(
            User::from_json(&body).unwrap_err().scim_type,
            Some("invalidSyntax")
        );
    }
}

#[test]
fn wrong_types_name_the_attribute() {
    let cases = [
        (json!({"userName": "a", "emails": "a@b"}), "emails"),
        (
            json!({"userName": "a", "emails": {"value": "a@b"}}),
            "emails",
        ),
        (json!({"userName": "a", "displayName": 5}), "displayName"),
        (json!({"userName": "a", "externalId": 5}), "externalId"),
        (json!({"userName": "a", "name": "Barbara"}), "name"),
        (
            json!({"userName": "a", "name": {"givenName": 1}}),
            "givenName",
        ),
        (json!({"userName": "a", "emails": [{"value": 1}]}), "emails"),
        (
            json!({"userName": "a", "emails": [{"value": "a@b", "primary": "yes"}]}),
            "primary",
        ),
        (
            json!({"userName": "a", "phoneNumbers": [7]}),
            "phoneNumbers",
        ),
        (
            json!({"userName": "a", schemas::ENTERPRISE_USER: {"employeeNumber": 7}}),
            "employeeNumber",
        ),
        (
            json!({"userName": "a", schemas::ENTERPRISE_USER: "x"}),
            "enterprise",
        ),
    ];
    for (body, attribute) in cases {
        let error = User::from_json(&body).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidValue"), "{body}");
        assert!(error.detail.contains(attribute), "{body}: {}", error.detail);
    }
}

#[test]
fn email_values_are_checked() {
    for bad in ["nobody", "@example.com", "a@", "a@b@c", "@"] {
        let body = json!({"userName": "a", "emails": [{"value": bad}]});
        let error = User::from_json(&body).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidValue"), "{bad}");
    }
    let body = json!({"userName": "a", "emails": [{"value": " a@b.example "}]});
    assert_eq!(
        User::from_json(&body).unwrap().emails[0].value,
        "a@b.example"
    );
}

#[test]
fn at_most_one_primary_email() {
    let body = json!({"userName": "a", "emails": [
        {"value": "a@x.example", "primary": true},
        {"value": "b@x.example", "primary": "true"}
    ]});
    let error = User::from_json(&body).unwrap_err();
    assert_eq!(error.scim_type, Some("invalidValue"));
    assert!(error.detail.contains("primary"));
}

#[test]
fn tolerated_oddities() {
    let user = User::from_json(&json!({
        "userName": "a",
        "displayName": "",
        "name": {"givenName": null},
        "emails": [null, {"type": "work"}, {"value": ""}, "plain@x.example"],
        "urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User": {"x": 1},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {},
        "addresses": [{"formatted": "1 Main St"}]
    }))
    .unwrap();
    assert_eq!(user.display_name, None);
    assert_eq!(user.name, None);
    assert_eq!(user.enterprise, None);
    assert_eq!(user.emails.len(), 1);
    assert_eq!(user.emails[0].value, "plain@x.example");
}

#[test]
fn display_falls_back() {
    let mut user = User::from_json(&json!({"userName": "bjensen"})).unwrap();
    assert_eq!(user.display(), "bjensen");
    user.name = Some(Name {
        family_name: Some("Jensen".to_owned()),
        ..Name::default()
    });
    assert_eq!(user.display(), "Jensen");
    if let Some(name) = user.name.as_mut() {
        name.given_name = Some("Barbara".to_owned());
    }
    assert_eq!(user.display(), "Barbara Jensen");
    if let Some(name) = user.name.as_mut() {
        name.formatted = Some("Ms. Barbara J Jensen III".to_owned());
    }
    assert_eq!(user.display(), "Ms. Barbara J Jensen III");
    user.display_name = Some("Babs".to_owned());
    assert_eq!(user.display(), "Babs");
}

#[test]
fn login_email_preference() {
    let email = |value: &str, kind: Option<&str>, primary: bool| MultiValue {
        value: value.to_owned(),
        kind: kind.map(str::to_owned),
        primary,
    };
    let mut user = User::from_json(&json!({"userName": "Babs@Example.com"})).unwrap();
    assert_eq!(user.login_email().as_deref(), Some("babs@example.com"));
    user.user_name = "babs".to_owned();
    assert_eq!(user.login_email(), None);
    user.emails = vec![email("Home@X.example", Some("home"), false)];
    assert_eq!(user.login_email().as_deref(), Some("home@x.example"));
    user.emails
        .push(email("Work@X.example", Some("Work"), false));
    assert_eq!(user.login_email().as_deref(), Some("work@x.example"));
    user.emails.push(email("Main@X.example", None, true));
    assert_eq!(user.login_email().as_deref(), Some("main@x.example"));
}
