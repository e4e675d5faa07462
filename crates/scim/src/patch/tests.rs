use serde_json::json;

use super::*;
use crate::user::{MultiValue, User};

fn request(operations: Value) -> PatchRequest {
    let body = json!({"schemas": [schemas::PATCH_OP], "Operations": operations});
    match PatchRequest::from_json(&body) {
        Ok(request) => request,
        Err(error) => panic!("{body}: {error}"),
    }
}

/// Applies the operations to the stored JSON of `user` and re-parses it, as the portal does.
fn patch(user: &Value, operations: Value) -> Result<Value, ScimError> {
    let mut resource = User::from_json(user)?.to_json();
    request(operations).apply(&mut resource)?;
    Ok(User::from_json(&resource)?.to_json())
}

fn entra_user() -> Value {
    crate::user::tests::entra_create()
}

fn okta_user() -> Value {
    crate::user::tests::okta_create()
}

fn parsed(resource: &Value) -> User {
    User::from_json(resource).unwrap()
}

#[test]
fn entra_replace_active_with_a_string() {
    let before = entra_user();
    let mut resource = parsed(&before).to_json();
    request(json!([{"op": "Replace", "path": "active", "value": "False"}]))
        .apply(&mut resource)
        .unwrap();
    assert_eq!(resource["active"], json!("False"));
    assert!(!parsed(&resource).active);
}

#[test]
fn entra_add_work_email_when_there_is_none() {
    let user = json!({"userName": "a"});
    let after = patch(
        &user,
        json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "x@contoso.com"}]),
    )
    .unwrap();
    assert_eq!(
        parsed(&after).emails,
        vec![MultiValue {
            value: "x@contoso.com".to_owned(),
            kind: Some("work".to_owned()),
            primary: false
        }]
    );
}

#[test]
fn entra_add_work_email_replaces_the_work_address() {
    let after = patch(
        &entra_user(),
        json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "new@contoso.com"}]),
    )
    .unwrap();
    let user = parsed(&after);
    assert_eq!(user.emails.len(), 1);
    assert_eq!(user.emails[0].value, "new@contoso.com");
    assert!(user.emails[0].primary);
    assert_eq!(user.login_email().as_deref(), Some("new@contoso.com"));
}

#[test]
fn entra_replace_user_name() {
    let after = patch(
        &entra_user(),
        json!([{"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]),
    )
    .unwrap();
    assert_eq!(
        parsed(&after).user_name,
        "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    );
}

#[test]
fn entra_path_less_add_with_dotted_and_urn_keys() {
    let after = patch(
        &json!({"userName": "a", "name": {"familyName": "Jensen"}}),
        json!([{
            "op": "Add",
            "value": {
                "displayName": "Babs Jensen",
                "name.givenName": "Barbara",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Tour Operations",
                "urn:ietf:params:scim:schemas:core:2.0:User:externalId": "ext-1"
            }
        }]),
    )
    .unwrap();
    let user = parsed(&after);
    assert_eq!(user.display_name.as_deref(), Some("Babs Jensen"));
    let name = user.name.unwrap();
    assert_eq!(name.given_name.as_deref(), Some("Barbara"));
    assert_eq!(name.family_name.as_deref(), Some("Jensen"));
    assert_eq!(
        user.enterprise.unwrap().department.as_deref(),
        Some("Tour Operations")
    );
    assert_eq!(user.external_id.as_deref(), Some("ext-1"));
    assert_eq!(
        after["schemas"],
        json!([schemas::USER, schemas::ENTERPRISE_USER])
    );
}

#[test]
fn entra_remove_email_by_value() {
    let user = json!({"userName": "a", "emails": [
        {"value": "x@contoso.com", "type": "work"},
        {"value": "y@contoso.com", "type": "home"}
    ]});
    for operation in [
        json!({"op": "Remove", "path": "emails[value eq \"x@contoso.com\"]"}),
        json!({"op": "Remove", "path": "emails[value eq \"X@Contoso.com\"]", "value": [{"value": "x@contoso.com"}]}),
        json!({"op": "Remove", "path": "emails", "value": [{"value": "x@contoso.com"}]}),
    ] {
        let after = patch(&user, json!([operation])).unwrap();
        let emails = parsed(&after).emails;
        assert_eq!(emails.len(), 1, "{operation}");
        assert_eq!(emails[0].value, "y@contoso.com");
    }
    let after = patch(&user, json!([{"op": "remove", "path": "emails"}])).unwrap();
    assert!(after.get("emails").is_none());
}

#[test]
fn entra_enterprise_paths() {
    let after = patch(
        &entra_user(),
        json!([
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "26118915"},
            {"op": "Remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}
        ]),
    )
    .unwrap();
    let enterprise = parsed(&after).enterprise.unwrap();
    assert_eq!(enterprise.department.as_deref(), Some("Sales"));
    assert_eq!(enterprise.employee_number, None);
    let after = patch(
        &json!({"userName": "a"}),
        json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "value": {"employeeNumber": "9"}}]),
    )
    .unwrap();
    assert_eq!(
        parsed(&after)
            .enterprise
            .unwrap()
            .employee_number
            .as_deref(),
        Some("9")
    );
    let after = patch(
        &entra_user(),
        json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}]),
    )
    .unwrap();
    assert_eq!(parsed(&after).enterprise, None);
    assert_eq!(after["schemas"], json!([schemas::USER]));
}

#[test]
fn okta_path_less_replace_active() {
    let after = patch(
        &okta_user(),
        json!([{"op": "replace", "value": {"active": false}}]),
    )
    .unwrap();
    assert!(!parsed(&after).active);
    let after = patch(
        &after,
        json!([{"op": "replace", "value": {"active": true}}]),
    )
    .unwrap();
    assert!(parsed(&after).active);
}

#[test]
fn okta_put_is_a_full_replacement() {
    // Okta updates with PUT: the body is parsed as a whole and replaces what is stored.
    let mut body = okta_user();
    body["name"]["givenName"] = json!("Tess");
    body["emails"] = json!([{"primary": true, "value": "tess.user@okta.local", "type": "work"}]);
    body["id"] = json!("u1");
    let user = parsed(&body);
    assert_eq!(
        user.name.as_ref().unwrap().given_name.as_deref(),
        Some("Tess")
    );
    assert_eq!(user.login_email().as_deref(), Some("tess.user@okta.local"));
    assert_ne!(user.etag("u1"), parsed(&okta_user()).etag("u1"));
}

#[test]
fn add_appends_to_multi_valued_and_keeps_one_primary() {
    let after = patch(
        &okta_user(),
        json!([{"op": "add", "path": "emails", "value": [
            {"value": "second@okta.local", "type": "home", "primary": true},
            {"value": "TEST.USER@okta.local", "type": "other"}
        ]}]),
    )
    .unwrap();
    let emails = parsed(&after).emails;
    assert_eq!(emails.len(), 2);
    assert_eq!(emails[0].value, "TEST.USER@okta.local");
    assert_eq!(emails[0].kind.as_deref(), Some("other"));
    assert!(!emails[0].primary);
    assert!(emails[1].primary);
}

#[test]
fn replace_with_a_value_filter() {
    let user = json!({"userName": "a", "emails": [
        {"value": "w@x.example", "type": "work", "primary": true},
        {"value": "h@x.example", "type": "home"}
    ], "phoneNumbers": [{"value": "1", "type": "mobile"}]});
    let after = patch(
        &user,
        json!([
            {"op": "replace", "path": "emails[type eq \"home\"]", "value": {"primary": true}},
            {"op": "replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0101"},
            {"op": "replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555 0102"}
        ]),
    )
    .unwrap();
    let user = parsed(&after);
    assert!(!user.emails[0].primary);
    assert!(user.emails[1].primary);
    assert_eq!(user.phone_numbers[0].value, "+1 555 0101");
    assert_eq!(user.phone_numbers[1].kind.as_deref(), Some("work"));
    assert_eq!(user.phone_numbers[1].value, "+1 555 0102");
}

#[test]
fn unbuildable_filter_is_no_target() {
    let error = patch(
        &okta_user(),
        json!([{"op": "replace", "path": "emails[type co \"fax\"].value", "value": "f@x.example"}]),
    )
    .unwrap_err();
    assert_eq!(error.scim_type, Some("noTarget"));
}

#[test]
fn sub_attribute_paths() {
    let after = patch(
        &okta_user(),
        json!([
            {"op": "replace", "path": "name.familyName", "value": "Userson"},
            {"op": "add", "path": "name.formatted", "value": "Test Userson"},
            {"op": "remove", "path": "name.givenName"}
        ]),
    )
    .unwrap();
    let name = parsed(&after).name.unwrap();
    assert_eq!(name.family_name.as_deref(), Some("Userson"));
    assert_eq!(name.formatted.as_deref(), Some("Test Userson"));
    assert_eq!(name.given_name, None);
    let after = patch(
        &json!({"userName": "a"}),
        json!([{"op": "add", "path": "Name.GivenName", "value": "X"}]),
    )
    .unwrap();
    assert_eq!(after["name"], json!({"givenName": "X"}));
}

#[test]
fn replace_complex_merges_and_multi_valued_replaces() {
    let after = patch(
        &okta_user(),
        json!([
            {"op": "replace", "path": "name", "value": {"givenName": "Tess"}},
            {"op": "replace", "path": "emails", "value": [{"value": "only@x.example"}]}
        ]),
    )
    .unwrap();
    let user = parsed(&after);
    assert_eq!(
        user.name.as_ref().unwrap().family_name.as_deref(),
        Some("User")
    );
    assert_eq!(user.name.unwrap().given_name.as_deref(), Some("Tess"));
    assert_eq!(user.emails.len(), 1);
}

#[test]
fn case_insensitive_names_and_ops() {
    let body = json!({"SCHEMAS": [schemas::PATCH_OP], "operations": [
        {"OP": "REPLACE", "PATH": "DisplayName", "VALUE": "X"}
    ]});
    let mut resource = parsed(&okta_user()).to_json();
    PatchRequest::from_json(&body)
        .unwrap()
        .apply(&mut resource)
        .unwrap();
    assert_eq!(resource["displayName"], json!("X"));
    assert!(resource.get("DisplayName").is_none());
}

#[test]
fn mutability() {
    for operation in [
        json!({"op": "remove", "path": "userName"}),
        json!({"op": "replace", "path": "id", "value": "x"}),
        json!({"op": "add", "path": "meta.created", "value": "x"}),
        json!({"op": "replace", "value": {"id": "x"}}),
        json!({"op": "remove", "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName"}),
    ] {
        let error = patch(&okta_user(), json!([operation])).unwrap_err();
        assert_eq!(error.scim_type, Some("mutability"), "{operation}");
    }
    let after = patch(
        &okta_user(),
        json!([{"op": "replace", "path": "schemas", "value": ["x"]}, {"op": "replace", "value": {"schemas": []}}]),
    )
    .unwrap();
    assert_eq!(after["schemas"], json!([schemas::USER]));
}

#[test]
fn remove_needs_a_path_and_tolerates_absence() {
    let error = patch(&okta_user(), json!([{"op": "remove"}])).unwrap_err();
    assert_eq!(error.scim_type, Some("noTarget"));
    let before = parsed(&okta_user()).to_json();
    let after = patch(
        &okta_user(),
        json!([
            {"op": "remove", "path": "title"},
            {"op": "remove", "path": "phoneNumbers[type eq \"fax\"]"},
            {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"},
            {"op": "remove", "path": "name.middleName"}
        ]),
    )
    .unwrap();
    assert_eq!(after, before);
}

#[test]
fn all_or_nothing() {
    let mut resource = parsed(&okta_user()).to_json();
    let before = resource.clone();
    let error = request(json!([
        {"op": "replace", "path": "displayName", "value": "Changed"},
        {"op": "remove", "path": "userName"}
    ]))
    .apply(&mut resource)
    .unwrap_err();
    assert_eq!(error.scim_type, Some("mutability"));
    assert_eq!(resource, before);
}

#[test]
fn unknown_extensions_are_ignored() {
    let after = patch(
        &okta_user(),
        json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:Custom:2.0:User:costCenter", "value": "1"}]),
    )
    .unwrap();
    assert_eq!(after, parsed(&okta_user()).to_json());
}

#[test]
fn request_validation() {
    let check = |body: Value, scim_type: &str| {
        let error = PatchRequest::from_json(&body).unwrap_err();
        assert_eq!(error.scim_type, Some(scim_type), "{body}");
    };
    let op = json!({"op": "replace", "path": "active", "value": false});
    check(json!([]), "invalidSyntax");
    check(json!({"Operations": [op]}), "invalidSyntax");
    check(
        json!({"schemas": [schemas::USER], "Operations": [op]}),
        "invalidSyntax",
    );
    check(json!({"schemas": [schemas::PATCH_OP]}), "invalidSyntax");
    check(
        json!({"schemas": [schemas::PATCH_OP], "Operations": []}),
        "invalidSyntax",
    );
    check(
        json!({"schemas": [schemas::PATCH_OP], "Operations": {}}),
        "invalidSyntax",
    );
    check(
        json!({"schemas": [schemas::PATCH_OP], "Operations": [{"op": "move", "path": "a"}]}),
        "invalidSyntax",
    );
    check(
        json!({"schemas": [schemas::PATCH_OP], "Operations": [{"path": "a"}]}),
        "invalidSyntax",
    );
    check(
        json!({"schemas": [schemas::PATCH_OP], "Operations": ["x"]}),
        "invalidSyntax",
    );
    check(
        json!({"schemas": [schemas::PATCH_OP], "Operations": [{"op": "add", "path": "emails[type eq"}]}),
        "invalidPath",
    );
    check(
        json!({"schemas": [schemas::PATCH_OP], "Operations": [{"op": "add", "path": 5, "value": 1}]}),
        "invalidPath",
    );
    check(
        json!({"schemas": [schemas::PATCH_OP], "Operations": [{"op": "add", "path": "a"}]}),
        "invalidValue",
    );
    let many = vec![op.clone(); 1001];
    check(
        json!({"schemas": [schemas::PATCH_OP], "Operations": many}),
        "tooMany",
    );
    let ok = vec![op; 1000];
    assert!(
        PatchRequest::from_json(&json!({"schemas": [schemas::PATCH_OP], "Operations": ok})).is_ok()
    );
}

#[test]
fn path_less_value_must_be_an_object() {
    let error = patch(&okta_user(), json!([{"op": "replace", "value": false}])).unwrap_err();
    assert_eq!(error.scim_type, Some("invalidValue"));
}

#[test]
fn invalid_results_are_caught_by_reparsing() {
    let error = patch(
        &okta_user(),
        json!([{"op": "replace", "path": "active", "value": "maybe"}]),
    )
    .unwrap_err();
    assert_eq!(error.scim_type, Some("invalidValue"));
    let error = patch(
        &okta_user(),
        json!([{"op": "add", "path": "emails", "value": {"value": "x@y.example", "primary": true}},
               {"op": "replace", "path": "emails[value eq \"test.user@okta.local\"].primary", "value": true}]),
    );
    // Setting primary on one element makes the others non-primary.
    let user = parsed(&error.unwrap());
    assert_eq!(user.login_email().as_deref(), Some("test.user@okta.local"));
}

#[test]
fn entra_documented_multi_valued_update() {
    let after = patch(
        &entra_user(),
        json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"}
        ]),
    )
    .unwrap();
    let user = parsed(&after);
    assert_eq!(user.emails.len(), 1);
    assert_eq!(user.emails[0].value, "updatedEmail@microsoft.com");
    assert!(user.emails[0].primary);
    assert_eq!(
        user.name.as_ref().unwrap().family_name.as_deref(),
        Some("updatedFamilyName")
    );
    assert_ne!(user.etag("u1"), parsed(&entra_user()).etag("u1"));
}

#[test]
fn entra_disable_with_a_boolean_and_okta_deactivate_keep_the_rest() {
    let before = parsed(&entra_user());
    let after = patch(
        &entra_user(),
        json!([{"op": "Replace", "path": "active", "value": false}]),
    )
    .unwrap();
    let after = parsed(&after);
    assert!(!after.active);
    assert_eq!(
        User {
            active: true,
            ..after
        },
        before
    );
}
