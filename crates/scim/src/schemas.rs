//! Schema URNs and the discovery documents of RFC 7644 §4: ServiceProviderConfig,
//! ResourceTypes and Schemas.
//!
//! `base_url` is the SCIM base (e.g. `https://portal.example/scim/v2`); a trailing `/` is
//! ignored.

use serde_json::{json, Value};

use crate::list_response;

/// The core User schema (RFC 7643 §4.1).
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The ListResponse message (RFC 7644 §3.4.2).
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The PatchOp message (RFC 7644 §3.5.2).
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The Error message (RFC 7644 §3.12).
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The ServiceProviderConfig schema (RFC 7643 §5).
pub const SERVICE_PROVIDER_CONFIG: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// The ResourceType schema (RFC 7643 §6).
pub const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// The Schema schema (RFC 7643 §7).
pub const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

fn base(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

/// ServiceProviderConfig document: patch supported, bulk not, filter supported with
/// max_results, changePassword not, sort not, etag supported, authenticationSchemes = one
/// oauthbearertoken ("Bearer token" made with `switchboard-portal admin scim token
/// create`), meta.location = {base_url}/ServiceProviderConfig, meta.resourceType
/// "ServiceProviderConfig". `max_payload_bytes` is bulk's `maxPayloadSize`.
pub fn service_provider_config(
    base_url: &str,
    max_results: usize,
    max_payload_bytes: usize,
) -> Value {
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": max_payload_bytes},
        "filter": {"supported": true, "maxResults": max_results},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A bearer token made with `switchboard-portal admin scim token create`, sent as `Authorization: Bearer <token>`",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", base(base_url)),
        },
    })
}

fn user_resource_type(base_url: &str) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": USER,
        "schemaExtensions": [{"schema": ENTERPRISE_USER, "required": false}],
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{}/ResourceTypes/User", base(base_url)),
        },
    })
}

/// ListResponse of the ResourceType documents (only "User": endpoint "/Users", schema
/// USER, schemaExtensions [{schema: ENTERPRISE_USER, required: false}]), meta.location
/// {base_url}/ResourceTypes/User.
pub fn resource_types(base_url: &str) -> Value {
    list_response(1, 1, vec![user_resource_type(base_url)])
}

/// The ResourceType document with this id (`User`, matched case-insensitively), if any.
pub fn resource_type(base_url: &str, id: &str) -> Option<Value> {
    id.eq_ignore_ascii_case("User")
        .then(|| user_resource_type(base_url))
}

/// One attribute definition (RFC 7643 §7) with the common defaults.
struct Attr {
    name: &'static str,
    kind: &'static str,
    description: &'static str,
    multi: bool,
    required: bool,
    case_exact: bool,
    uniqueness: &'static str,
    sub: Vec<Value>,
}

impl Attr {
    fn new(name: &'static str, kind: &'static str, description: &'static str) -> Self {
        Attr {
            name,
            kind,
            description,
            multi: false,
            required: false,
            case_exact: false,
            uniqueness: "none",
            sub: Vec::new(),
        }
    }

    fn json(self) -> Value {
        let mut value = json!({
            "name": self.name,
            "type": self.kind,
            "multiValued": self.multi,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": "readWrite",
            "returned": "default",
            "uniqueness": self.uniqueness,
        });
        if !self.sub.is_empty() {
            value["subAttributes"] = Value::Array(self.sub);
        }
        value
    }
}

fn string(name: &'static str, description: &'static str) -> Value {
    Attr::new(name, "string", description).json()
}

fn multi_valued(name: &'static str, description: &'static str, what: &'static str) -> Value {
    let mut attr = Attr::new(name, "complex", description);
    attr.multi = true;
    attr.sub = vec![
        string("value", what),
        string(
            "type",
            "A label indicating the attribute's function, e.g. 'work' or 'home'.",
        ),
        Attr::new(
            "primary",
            "boolean",
            "Whether this is the preferred value; at most one value is primary.",
        )
        .json(),
    ];
    attr.json()
}

fn user_attributes() -> Vec<Value> {
    let mut user_name = Attr::new(
        "userName",
        "string",
        "Unique identifier for the User, typically used to sign in. Required; unique \
         within the organization, compared case-insensitively.",
    );
    user_name.required = true;
    user_name.uniqueness = "server";
    let mut external_id = Attr::new(
        "externalId",
        "string",
        "The identifier of the User in the provisioning directory.",
    );
    external_id.case_exact = true;
    let mut name = Attr::new("name", "complex", "The components of the user's name.");
    name.sub = vec![
        string("formatted", "The full name, formatted for display."),
        string("givenName", "The given (first) name."),
        string("familyName", "The family (last) name."),
    ];
    vec![
        user_name.json(),
        external_id.json(),
        name.json(),
        string("displayName", "The name of the User, suitable for display."),
        multi_valued(
            "emails",
            "Email addresses for the User; the primary (else the first work) one signs in.",
            "An email address.",
        ),
        multi_valued(
            "phoneNumbers",
            "Phone numbers for the User.",
            "A phone number.",
        ),
        Attr::new(
            "active",
            "boolean",
            "Whether the User may sign in; false suspends the account.",
        )
        .json(),
    ]
}

fn enterprise_attributes() -> Vec<Value> {
    vec![
        string("employeeNumber", "The employee number in the organization."),
        string("department", "The name of a department."),
    ]
}

fn schema_document(base_url: &str, id: &str) -> Option<Value> {
    let (name, description, attributes) = if id.eq_ignore_ascii_case(USER) {
        ("User", "User Account", user_attributes())
    } else if id.eq_ignore_ascii_case(ENTERPRISE_USER) {
        ("EnterpriseUser", "Enterprise User", enterprise_attributes())
    } else {
        return None;
    };
    let id = if name == "User" {
        USER
    } else {
        ENTERPRISE_USER
    };
    Some(json!({
        "schemas": [SCHEMA],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {
            "resourceType": "Schema",
            "location": format!("{}/Schemas/{id}", base(base_url)),
        },
    }))
}

/// ListResponse of the Schema documents for USER and ENTERPRISE_USER (the attributes this
/// crate supports: userName (uniqueness server, required), externalId,
/// name{formatted,givenName,familyName}, displayName, emails{value,type,primary},
/// phoneNumbers{value,type,primary}, active, and enterprise employeeNumber, department),
/// meta.location {base_url}/Schemas/{id}.
pub fn schemas(base_url: &str) -> Value {
    let documents: Vec<Value> = [USER, ENTERPRISE_USER]
        .iter()
        .filter_map(|id| schema_document(base_url, id))
        .collect();
    list_response(documents.len(), 1, documents)
}

/// The Schema document with this id (a schema URN, matched case-insensitively), if any.
pub fn schema(base_url: &str, id: &str) -> Option<Value> {
    schema_document(base_url, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://portal.example/scim/v2";

    #[test]
    fn service_provider_config_says_what_is_supported() {
        let doc = service_provider_config("https://portal.example/scim/v2/", 200, 1_000_000);
        assert_eq!(doc["schemas"], json!([SERVICE_PROVIDER_CONFIG]));
        assert_eq!(doc["patch"]["supported"], json!(true));
        assert_eq!(doc["bulk"]["supported"], json!(false));
        assert_eq!(doc["bulk"]["maxPayloadSize"], json!(1_000_000));
        assert_eq!(doc["filter"], json!({"supported": true, "maxResults": 200}));
        assert_eq!(doc["changePassword"]["supported"], json!(false));
        assert_eq!(doc["sort"]["supported"], json!(false));
        assert_eq!(doc["etag"]["supported"], json!(true));
        assert_eq!(
            doc["authenticationSchemes"][0]["type"],
            json!("oauthbearertoken")
        );
        assert!(doc["authenticationSchemes"][0]["description"]
            .as_str()
            .unwrap()
            .contains("switchboard-portal admin scim token create"));
        assert_eq!(
            doc["meta"],
            json!({
                "resourceType": "ServiceProviderConfig",
                "location": "https://portal.example/scim/v2/ServiceProviderConfig",
            })
        );
    }

    #[test]
    fn resource_types_list_the_user() {
        let list = resource_types(BASE);
        assert_eq!(list["totalResults"], json!(1));
        let user = &list["Resources"][0];
        assert_eq!(user["endpoint"], json!("/Users"));
        assert_eq!(user["schema"], json!(USER));
        assert_eq!(
            user["schemaExtensions"],
            json!([{"schema": ENTERPRISE_USER, "required": false}])
        );
        assert_eq!(
            user["meta"]["location"],
            json!(format!("{BASE}/ResourceTypes/User"))
        );
        assert_eq!(resource_type(BASE, "User").as_ref(), Some(user));
        assert_eq!(resource_type(BASE, "Group"), None);
    }

    #[test]
    fn schemas_describe_the_supported_attributes() {
        let list = schemas(BASE);
        assert_eq!(list["totalResults"], json!(2));
        let user = schema(BASE, USER).unwrap();
        assert_eq!(list["Resources"][0], user);
        assert_eq!(
            user["meta"]["location"],
            json!(format!("{BASE}/Schemas/{USER}"))
        );
        let attrs = user["attributes"].as_array().unwrap();
        let names: Vec<&str> = attrs.iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "userName",
                "externalId",
                "name",
                "displayName",
                "emails",
                "phoneNumbers",
                "active"
            ]
        );
        assert_eq!(attrs[0]["uniqueness"], json!("server"));
        assert_eq!(attrs[0]["required"], json!(true));
        assert_eq!(attrs[4]["multiValued"], json!(true));
        assert_eq!(attrs[4]["subAttributes"].as_array().unwrap().len(), 3);
        let enterprise = schema(BASE, ENTERPRISE_USER).unwrap();
        assert_eq!(enterprise["attributes"].as_array().unwrap().len(), 2);
        assert_eq!(schema(BASE, "urn:nope"), None);
    }
}
