//! Small helpers over JSON objects: attribute names are case-insensitive (RFC 7643 §2.1),
//! and the canonical form the ETag is computed over.

use serde_json::{Map, Value};

/// The key of `map` that equals `name` case-insensitively (an exact match first).
pub(crate) fn key_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a String> {
    if let Some((key, _)) = map.get_key_value(name) {
        return Some(key);
    }
    map.keys().find(|key| key.eq_ignore_ascii_case(name))
}

/// The value of the attribute `name` in `map`, matched case-insensitively.
pub(crate) fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    key_ci(map, name).and_then(|key| map.get(key))
}

/// The value of the attribute `name` in `map`, matched case-insensitively, for changing.
pub(crate) fn get_ci_mut<'a>(map: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    let key = key_ci(map, name)?.clone();
    map.get_mut(&key)
}

/// Removes the attribute `name` (case-insensitively) and returns its value.
pub(crate) fn remove_ci(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = key_ci(map, name)?.clone();
    map.remove(&key)
}

/// `value` as compact JSON with every object's keys sorted, whatever order the map keeps.
pub(crate) fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push(':');
                if let Some(item) = map.get(key) {
                    write_canonical(item, out);
                }
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_is_case_insensitive_exact_first() {
        let value = json!({"UserName": "a", "username": "b"});
        let map = value.as_object().unwrap();
        assert_eq!(get_ci(map, "username"), Some(&json!("b")));
        assert!(get_ci(map, "USERNAME").and_then(Value::as_str).is_some());
        assert_eq!(get_ci(map, "other"), None);
    }

    #[test]
    fn canonical_sorts_keys() {
        let value = json!({"b": [1, {"z": true, "a": null}], "a": "x\"y"});
        assert_eq!(
            canonical(&value),
            r#"{"a":"x\"y","b":[1,{"a":null,"z":true}]}"#
        );
    }
}
