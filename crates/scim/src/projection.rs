//! `attributes` and `excludedAttributes` (RFC 7644 §3.9): which attributes of a resource
//! an answer carries. `id` and `schemas` are always returned.

use serde_json::{Map, Value};

use crate::schemas::{ENTERPRISE_USER, USER};

/// Attributes returned whatever the request says.
const ALWAYS: [&str; 2] = ["id", "schemas"];

/// A comma-separated attribute list as the query carries it; empty names dropped.
pub fn attribute_list(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Where an attribute name points: the top-level key (an extension's URN for its
/// attributes), and the attribute below it when there is one.
fn target(name: &str) -> (String, Option<String>) {
    let lower = name.to_ascii_lowercase();
    let enterprise = ENTERPRISE_USER.to_ascii_lowercase();
    if lower == enterprise {
        return (ENTERPRISE_USER.to_owned(), None);
    }
    if let Some(rest) = lower.strip_prefix(&format!("{enterprise}:")) {
        let attribute = rest.split('.').next().unwrap_or(rest).to_owned();
        return (ENTERPRISE_USER.to_owned(), Some(attribute));
    }
    let core = format!("{}:", USER.to_ascii_lowercase());
    let rest = lower.strip_prefix(&core).unwrap_or(&lower);
    match rest.split_once('.') {
        Some((attribute, sub)) => (attribute.to_owned(), Some(sub.to_owned())),
        None => (rest.to_owned(), None),
    }
}

/// The key of `object` that is `name`, case-insensitively.
fn key_of<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a String> {
    object.keys().find(|key| key.eq_ignore_ascii_case(name))
}

/// Keeps of `value` (an object, or an array of objects) the sub-attribute `sub`.
fn only_sub(value: &Value, sub: &str) -> Option<Value> {
    match value {
        Value::Object(object) => {
            let key = key_of(object, sub)?;
            let mut kept = Map::new();
            kept.insert(key.clone(), object[key].clone());
            Some(Value::Object(kept))
        }
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|item| only_sub(item, sub))
                .collect(),
        )),
        _ => None,
    }
}

/// Merges `addition` into `into` (objects key by key; arrays element by element).
fn merge(into: &mut Value, addition: Value) {
    match (into, addition) {
        (Value::Object(into), Value::Object(addition)) => {
            for (key, value) in addition {
                match into.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        into.insert(key, value);
                    }
                }
            }
        }
        (Value::Array(into), Value::Array(addition)) => {
            for (existing, value) in into.iter_mut().zip(addition) {
                merge(existing, value);
            }
        }
        (into, addition) => *into = addition,
    }
}

/// `resource` with only the `attributes` named (when any are) and without the `excluded`
/// ones. Names are case-insensitive and may carry the schema's URN (`urn:…:User:userName`,
/// `urn:…:enterprise:2.0:User:department`) or name a sub-attribute (`name.givenName`).
pub fn project(resource: &Value, attributes: &[String], excluded: &[String]) -> Value {
    let Value::Object(object) = resource else {
        return resource.clone();
    };
    let mut result = if attributes.is_empty() {
        object.clone()
    } else {
        let mut kept = Map::new();
        for always in ALWAYS {
            if let Some(value) = object.get(always) {
                kept.insert(always.to_owned(), value.clone());
            }
        }
        let mut kept = Value::Object(kept);
        for name in attributes {
            let (attribute, sub) = target(name);
            let Some(key) = key_of(object, &attribute) else {
                continue;
            };
            let value = &object[key];
            let picked = match &sub {
                None => Some(value.clone()),
                Some(sub) => only_sub(value, sub),
            };
            if let Some(picked) = picked {
                let mut addition = Map::new();
                addition.insert(key.clone(), picked);
                merge(&mut kept, Value::Object(addition));
            }
        }
        match kept {
            Value::Object(kept) => kept,
            _ => Map::new(),
        }
    };
    for name in excluded {
        let (attribute, sub) = target(name);
        if ALWAYS.contains(&attribute.as_str()) {
            continue;
        }
        let Some(key) = key_of(&result, &attribute).cloned() else {
            continue;
        };
        match sub {
            None => {
                result.remove(&key);
            }
            Some(sub) => remove_sub(&mut result[&key], &sub),
        }
    }
    Value::Object(result)
}

fn remove_sub(value: &mut Value, sub: &str) {
    match value {
        Value::Object(object) => {
            if let Some(key) = key_of(object, sub).cloned() {
                object.remove(&key);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| remove_sub(item, sub)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user() -> Value {
        json!({
            "schemas": [USER, ENTERPRISE_USER],
            "id": "acct-1",
            "userName": "dana@acme.example",
            "name": { "givenName": "Dana", "familyName": "Reyes" },
            "emails": [{ "value": "dana@acme.example", "type": "work", "primary": true }],
            "active": true,
            ENTERPRISE_USER: { "department": "Sales", "employeeNumber": "7" },
            "meta": { "resourceType": "User" }
        })
    }

    fn names(list: &str) -> Vec<String> {
        attribute_list(Some(list))
    }

    #[test]
    fn attributes_keep_only_what_is_named_and_id_and_schemas() {
        let projected = project(&user(), &names("userName, name.givenName"), &[]);
        assert_eq!(
            projected,
            json!({
                "schemas": [USER, ENTERPRISE_USER],
                "id": "acct-1",
                "userName": "dana@acme.example",
                "name": { "givenName": "Dana" }
            })
        );
        let emails = project(&user(), &names("emails.value,USERNAME"), &[]);
        assert_eq!(emails["emails"], json!([{ "value": "dana@acme.example" }]));
        assert_eq!(emails["userName"], "dana@acme.example");
        let department = project(
            &user(),
            &names("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
            &[],
        );
        assert_eq!(
            department[ENTERPRISE_USER],
            json!({ "department": "Sales" })
        );
        let core = project(
            &user(),
            &names("urn:ietf:params:scim:schemas:core:2.0:User:active"),
            &[],
        );
        assert_eq!(core["active"], true);
        assert!(core.get("userName").is_none());
    }

    #[test]
    fn excluded_attributes_go_but_id_and_schemas_stay() {
        let projected = project(&user(), &[], &names("name,emails.type,id,schemas,meta"));
        assert!(projected.get("name").is_none());
        assert!(projected.get("meta").is_none());
        assert_eq!(projected["id"], "acct-1");
        assert!(projected.get("schemas").is_some());
        assert_eq!(
            projected["emails"],
            json!([{ "value": "dana@acme.example", "primary": true }])
        );
        let whole = project(&user(), &[], &names(ENTERPRISE_USER));
        assert!(whole.get(ENTERPRISE_USER).is_none());
        assert_eq!(project(&user(), &[], &[]), user());
    }
}
