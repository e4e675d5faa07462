//! Errors as RFC 7644 §3.12 describes them: an HTTP status, an optional `scimType` and a
//! human-readable detail.

use serde_json::{json, Value};

use crate::schemas;

/// An error as RFC 7644 §3.12 describes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {detail}")]
pub struct ScimError {
    /// The HTTP status of the response.
    pub status: u16,
    /// The `scimType` keyword (e.g. `invalidFilter`), where RFC 7644 defines one.
    pub scim_type: Option<&'static str>,
    /// What went wrong, for a person.
    pub detail: String,
}

impl ScimError {
    fn typed(status: u16, scim_type: &'static str, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// 400 `invalidFilter`: the filter syntax was invalid or the filter is not supported.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::typed(400, "invalidFilter", detail)
    }

    /// 400 `invalidSyntax`: the request body could not be parsed or broke the schema.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::typed(400, "invalidSyntax", detail)
    }

    /// 400 `invalidPath`: a PATCH path was invalid.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::typed(400, "invalidPath", detail)
    }

    /// 400 `noTarget`: a PATCH path did not yield an attribute that could be operated on.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::typed(400, "noTarget", detail)
    }

    /// 400 `invalidValue`: a value was missing, of the wrong type or otherwise unacceptable.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::typed(400, "invalidValue", detail)
    }

    /// 400 `mutability`: the request tried to change a read-only or immutable attribute.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::typed(400, "mutability", detail)
    }

    /// 409 `uniqueness`: a value that must be unique (e.g. `userName`) is already taken.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::typed(409, "uniqueness", detail)
    }

    /// 400 `tooMany`: the request would return or touch more resources than allowed.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::typed(400, "tooMany", detail)
    }

    /// 404 without a `scimType`: the resource or endpoint does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::status(404, detail)
    }

    /// Any status without a `scimType` (401, 409, 412, 413, 429, 500, 501, ...).
    pub fn status(status: u16, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// The response body: `{"schemas":[ERROR],"status":"400","scimType":"invalidFilter",
    /// "detail":"..."}`, with the status as a string (as RFC 7644 §3.12 shows it) and
    /// `scimType` omitted when there is none.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [schemas::ERROR],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let (Some(scim_type), Some(map)) = (self.scim_type, body.as_object_mut()) {
            map.insert("scimType".to_owned(), Value::from(scim_type));
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_a_string_and_scim_type_is_named() {
        let body = ScimError::invalid_filter("bad").to_json();
        assert_eq!(
            body,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidFilter",
                "detail": "bad",
            })
        );
    }

    #[test]
    fn no_scim_type_is_omitted() {
        let body = ScimError::not_found("User 42 not found").to_json();
        assert_eq!(body["status"], json!("404"));
        assert!(body.get("scimType").is_none());
        assert_eq!(
            ScimError::status(412, "x").to_json()["status"],
            json!("412")
        );
    }

    #[test]
    fn constructors_give_the_rfc_statuses_and_types() {
        let cases = [
            (ScimError::invalid_syntax(""), 400, Some("invalidSyntax")),
            (ScimError::invalid_path(""), 400, Some("invalidPath")),
            (ScimError::no_target(""), 400, Some("noTarget")),
            (ScimError::invalid_value(""), 400, Some("invalidValue")),
            (ScimError::mutability(""), 400, Some("mutability")),
            (ScimError::uniqueness(""), 409, Some("uniqueness")),
            (ScimError::too_many(""), 400, Some("tooMany")),
            (ScimError::not_found(""), 404, None),
        ];
        for (error, status, scim_type) in cases {
            assert_eq!(error.status, status);
            assert_eq!(error.scim_type, scim_type);
        }
        assert_eq!(ScimError::uniqueness("taken").to_string(), "409 taken");
    }
}
