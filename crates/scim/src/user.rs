//! The User resource (RFC 7643 §4.1) with the enterprise extension (§4.3): the attributes
//! the portal keeps, parsed tolerantly from what directories send and rendered back.

pub(crate) mod parse;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::{json::canonical, schemas, ScimError};

/// The components of a user's name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Name {
    /// The full name, formatted for display (`formatted`).
    pub formatted: Option<String>,
    /// The given (first) name (`givenName`).
    pub given_name: Option<String>,
    /// The family (last) name (`familyName`).
    pub family_name: Option<String>,
}

/// One value of a multi-valued attribute (`emails`, `phoneNumbers`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiValue {
    /// The value itself (an address, a number).
    pub value: String,
    /// Its `type`, e.g. "work".
    pub kind: Option<String>,
    /// Whether it is the preferred value.
    pub primary: bool,
}

/// The attributes of the enterprise extension that the portal keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Enterprise {
    /// `employeeNumber`.
    pub employee_number: Option<String>,
    /// `department`.
    pub department: Option<String>,
}

/// A User as the directory describes it (without `id` and `meta`, which the server owns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// `userName`: required, trimmed, unique within the organization.
    pub user_name: String,
    /// `externalId`: the directory's own identifier (case-exact).
    pub external_id: Option<String>,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `name`.
    pub name: Option<Name>,
    /// `emails`.
    pub emails: Vec<MultiValue>,
    /// `phoneNumbers`.
    pub phone_numbers: Vec<MultiValue>,
    /// `active`: false suspends the account.
    pub active: bool,
    /// The enterprise extension, when the directory sent any of its attributes.
    pub enterprise: Option<Enterprise>,
}

/// What the server adds: `created`/`last_modified` are unix seconds (rendered RFC 3339
/// UTC, e.g. "2026-12-07T21:44:17Z"), `location` the resource's full URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// When the resource was created, in unix seconds.
    pub created: i64,
    /// When it last changed, in unix seconds.
    pub last_modified: i64,
    /// The resource's full URL.
    pub location: String,
}

/// Unix seconds as RFC 3339 UTC with a `Z` (out of range: the epoch).
fn rfc3339(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn insert_some(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), Value::from(value.as_str()));
    }
}

fn multi_values_json(values: &[MultiValue]) -> Value {
    Value::Array(
        values
            .iter()
            .map(|item| {
                let mut map = Map::new();
                map.insert("value".to_owned(), Value::from(item.value.as_str()));
                insert_some(&mut map, "type", &item.kind);
                map.insert("primary".to_owned(), Value::from(item.primary));
                Value::Object(map)
            })
            .collect(),
    )
}

impl User {
    /// Parses a User as directories send it, tolerantly: attribute names case-insensitive
    /// (RFC 7643 §2.1), unknown attributes and unknown schema extensions ignored (so are
    /// `schemas`, `id`, `meta`, `password`, `groups`, `roles`), `active` as a JSON bool or
    /// the strings "true"/"false" in any case (Entra ID), `primary` likewise,
    /// `emails`/`phoneNumbers` null or missing = empty, enterprise fields read from the
    /// `urn:...enterprise:2.0:User` object, `active` missing or null = true.
    ///
    /// Normalisations: strings are trimmed, and an optional string that is empty counts as
    /// absent; a `name` or enterprise object with nothing in it is `None`; an element of
    /// `emails`/`phoneNumbers` without a value (missing, null, "") is dropped, and a bare
    /// string element is taken as its `value`.
    ///
    /// Errors: not a JSON object -> `invalidSyntax`; userName missing/empty/not a string ->
    /// `invalidValue` "userName is required"; wrong types (e.g. emails not an array, a
    /// displayName that is a number, a non-string employeeNumber) -> `invalidValue` naming
    /// the attribute; an email `value` without exactly one '@' with text on both sides, or
    /// several primary emails -> `invalidValue`.
    pub fn from_json(value: &Value) -> Result<User, ScimError> {
        parse::user(value)
    }

    /// The resource without `meta`/`id` as the portal stores/compares it (schemas `[USER]`
    /// plus ENTERPRISE_USER when enterprise is Some, userName, externalId?, displayName?,
    /// name?, emails (omitted when empty), phoneNumbers (omitted when empty), active, the
    /// enterprise object when Some). Field names in SCIM camelCase, `type` for kind,
    /// `primary` always written. Fields that are None are omitted.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        let mut schema_list = vec![Value::from(schemas::USER)];
        if self.enterprise.is_some() {
            schema_list.push(Value::from(schemas::ENTERPRISE_USER));
        }
        map.insert("schemas".to_owned(), Value::Array(schema_list));
        map.insert("userName".to_owned(), Value::from(self.user_name.as_str()));
        insert_some(&mut map, "externalId", &self.external_id);
        insert_some(&mut map, "displayName", &self.display_name);
        if let Some(name) = &self.name {
            let mut name_map = Map::new();
            insert_some(&mut name_map, "formatted", &name.formatted);
            insert_some(&mut name_map, "givenName", &name.given_name);
            insert_some(&mut name_map, "familyName", &name.family_name);
            map.insert("name".to_owned(), Value::Object(name_map));
        }
        if !self.emails.is_empty() {
            map.insert("emails".to_owned(), multi_values_json(&self.emails));
        }
        if !self.phone_numbers.is_empty() {
            map.insert(
                "phoneNumbers".to_owned(),
                multi_values_json(&self.phone_numbers),
            );
        }
        map.insert("active".to_owned(), Value::from(self.active));
        if let Some(enterprise) = &self.enterprise {
            let mut ext = Map::new();
            insert_some(&mut ext, "employeeNumber", &enterprise.employee_number);
            insert_some(&mut ext, "department", &enterprise.department);
            map.insert(schemas::ENTERPRISE_USER.to_owned(), Value::Object(ext));
        }
        Value::Object(map)
    }

    /// to_json() plus "id" and "meta": {resourceType:"User", created, lastModified,
    /// location, version: etag(id)}.
    pub fn to_resource(&self, id: &str, meta: &Meta) -> Value {
        let mut value = self.to_json();
        if let Some(map) = value.as_object_mut() {
            map.insert("id".to_owned(), Value::from(id));
            map.insert(
                "meta".to_owned(),
                json!({
                    "resourceType": "User",
                    "created": rfc3339(meta.created),
                    "lastModified": rfc3339(meta.last_modified),
                    "location": meta.location,
                    "version": self.etag(id),
                }),
            );
        }
        value
    }

    /// Weak ETag over the canonical JSON (sorted keys) of to_json() and id:
    /// `W/"<first 16 hex chars of sha256>"`. Changes whenever any attribute changes;
    /// stable otherwise.
    pub fn etag(&self, id: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(id.as_bytes());
        hasher.update(b"\n");
        hasher.update(canonical(&self.to_json()).as_bytes());
        let digest = hasher.finalize();
        let hex: String = digest
            .iter()
            .take(8)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        format!("W/\"{hex}\"")
    }

    /// What a person is called: displayName, else name.formatted, else "given family"
    /// (whichever present), else userName.
    pub fn display(&self) -> String {
        if let Some(display_name) = &self.display_name {
            return display_name.clone();
        }
        if let Some(name) = &self.name {
            if let Some(formatted) = &name.formatted {
                return formatted.clone();
            }
            let parts: Vec<&str> = [&name.given_name, &name.family_name]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            if !parts.is_empty() {
                return parts.join(" ");
            }
        }
        self.user_name.clone()
    }

    /// The email that signs in: the one with primary true, else the first of type "work"
    /// (case-insensitively), else the first email, else userName if it contains '@'.
    /// Lowercased.
    pub fn login_email(&self) -> Option<String> {
        self.emails
            .iter()
            .find(|email| email.primary)
            .or_else(|| {
                self.emails.iter().find(|email| {
                    email
                        .kind
                        .as_deref()
                        .is_some_and(|kind| kind.eq_ignore_ascii_case("work"))
                })
            })
            .or_else(|| self.emails.first())
            .map(|email| email.value.clone())
            .or_else(|| self.user_name.contains('@').then(|| self.user_name.clone()))
            .map(|email| email.to_lowercase())
    }
}

#[cfg(test)]
pub(crate) mod tests;
