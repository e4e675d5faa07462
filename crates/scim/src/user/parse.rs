//! Tolerant parsing of a User from the JSON directories send.

use serde_json::{Map, Value};

use super::{Enterprise, MultiValue, Name, User};
use crate::{json::get_ci, schemas, ScimError};

pub(super) fn user(value: &Value) -> Result<User, ScimError> {
    let Value::Object(map) = value else {
        return Err(ScimError::invalid_syntax("the User must be a JSON object"));
    };
    let user_name = match get_ci(map, "userName") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => return Err(ScimError::invalid_value("userName is required")),
    };
    let emails = multi_values(map, "emails")?;
    for email in &emails {
        check_email(&email.value)?;
    }
    if emails.iter().filter(|email| email.primary).count() > 1 {
        return Err(ScimError::invalid_value(
            "emails: at most one email may be primary",
        ));
    }
    Ok(User {
        user_name,
        external_id: optional_string(map, "externalId", "externalId")?,
        display_name: optional_string(map, "displayName", "displayName")?,
        name: name(map)?,
        emails,
        phone_numbers: multi_values(map, "phoneNumbers")?,
        active: match get_ci(map, "active") {
            None | Some(Value::Null) => true,
            Some(value) => boolean(value).ok_or_else(|| {
                ScimError::invalid_value("active must be a boolean (true or false)")
            })?,
        },
        enterprise: enterprise(map)?,
    })
}

/// A JSON bool, or the strings "true"/"false" in any case (as Entra ID sends them).
pub(crate) fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// An optional string attribute: absent, null or "" (after trimming) is None.
fn optional_string(
    map: &Map<String, Value>,
    key: &str,
    label: &str,
) -> Result<Option<String>, ScimError> {
    match get_ci(map, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            Ok((!s.is_empty()).then(|| s.to_owned()))
        }
        Some(_) => Err(ScimError::invalid_value(format!(
            "{label} must be a string"
        ))),
    }
}

fn object<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    label: &str,
) -> Result<Option<&'a Map<String, Value>>, ScimError> {
    match get_ci(map, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(_) => Err(ScimError::invalid_value(format!(
            "{label} must be an object"
        ))),
    }
}

fn name(map: &Map<String, Value>) -> Result<Option<Name>, ScimError> {
    let Some(inner) = object(map, "name", "name")? else {
        return Ok(None);
    };
    let name = Name {
        formatted: optional_string(inner, "formatted", "name.formatted")?,
        given_name: optional_string(inner, "givenName", "name.givenName")?,
        family_name: optional_string(inner, "familyName", "name.familyName")?,
    };
    Ok((name != Name::default()).then_some(name))
}

fn enterprise(map: &Map<String, Value>) -> Result<Option<Enterprise>, ScimError> {
    let Some(inner) = object(map, schemas::ENTERPRISE_USER, schemas::ENTERPRISE_USER)? else {
        return Ok(None);
    };
    let enterprise = Enterprise {
        employee_number: optional_string(inner, "employeeNumber", "employeeNumber")?,
        department: optional_string(inner, "department", "department")?,
    };
    Ok((enterprise != Enterprise::default()).then_some(enterprise))
}

fn multi_values(map: &Map<String, Value>, key: &str) -> Result<Vec<MultiValue>, ScimError> {
    let items = match get_ci(map, key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ScimError::invalid_value(format!("{key} must be an array"))),
    };
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        let element = match item {
            Value::Null => None,
            Value::String(s) => {
                let s = s.trim();
                (!s.is_empty()).then(|| MultiValue {
                    value: s.to_owned(),
                    ..MultiValue::default()
                })
            }
            Value::Object(inner) => {
                let value = optional_string(inner, "value", &format!("{key}.value"))?;
                let kind = optional_string(inner, "type", &format!("{key}.type"))?;
                let primary = match get_ci(inner, "primary") {
                    None | Some(Value::Null) => false,
                    Some(primary) => boolean(primary).ok_or_else(|| {
                        ScimError::invalid_value(format!("{key}.primary must be a boolean"))
                    })?,
                };
                value.map(|value| MultiValue {
                    value,
                    kind,
                    primary,
                })
            }
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "each of {key} must be an object"
                )))
            }
        };
        values.extend(element);
    }
    Ok(values)
}

fn check_email(address: &str) -> Result<(), ScimError> {
    let mut parts = address.split('@');
    let ok = matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None) if !local.is_empty() && !domain.is_empty()
    );
    if ok {
        Ok(())
    } else {
        Err(ScimError::invalid_value(format!(
            "emails: {address:?} is not an email address"
        )))
    }
}
