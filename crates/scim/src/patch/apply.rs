//! Applying one PATCH operation to a User's JSON object.

use serde_json::{Map, Value};

use super::{PatchOp, PatchOperation, PatchPath};
use crate::filter::{AttrPath, CompareOp, Filter};
use crate::json::{get_ci, get_ci_mut, key_ci, remove_ci};
use crate::user::parse::boolean;
use crate::{schemas, ScimError};

type Object = Map<String, Value>;

/// The attribute names this crate knows, in their canonical spelling (used when a PATCH
/// adds an attribute under another spelling).
const KNOWN: [&str; 18] = [
    "schemas",
    "userName",
    "externalId",
    "displayName",
    "name",
    "formatted",
    "givenName",
    "familyName",
    "emails",
    "phoneNumbers",
    "value",
    "type",
    "primary",
    "display",
    "active",
    "employeeNumber",
    "department",
    "manager",
];

fn canonical_key(map: &Object, name: &str) -> String {
    if let Some(key) = key_ci(map, name) {
        return key.clone();
    }
    KNOWN
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_owned(), |known| (*known).to_owned())
}

/// Sets `name` (case-insensitively) in `map`.
fn set_ci(map: &mut Object, name: &str, value: Value) {
    let key = canonical_key(map, name);
    map.insert(key, value);
}

fn merge(target: &mut Object, source: &Object) {
    for (key, value) in source {
        set_ci(target, key, value.clone());
    }
}

pub(super) fn operation(root: &mut Object, operation: &PatchOperation) -> Result<(), ScimError> {
    let value = operation.value.as_ref().unwrap_or(&Value::Null);
    match &operation.path {
        None if operation.op == PatchOp::Remove => Err(ScimError::no_target("remove needs a path")),
        None => without_path(root, operation.op, value),
        Some(PatchPath::Extension(_)) => extension(root, operation.op, value),
        Some(PatchPath::Attr(path)) => at_path(root, operation.op, path, operation.value.as_ref()),
    }
}

/// add/replace with the attributes as the keys of an object value.
fn without_path(root: &mut Object, op: PatchOp, value: &Value) -> Result<(), ScimError> {
    let Value::Object(attributes) = value else {
        return Err(ScimError::invalid_value(
            "an operation without a path needs an object of attributes as its value",
        ));
    };
    for (key, value) in attributes {
        let key = key.trim();
        if key.eq_ignore_ascii_case(schemas::ENTERPRISE_USER) {
            extension(root, op, value)?;
        } else if key.eq_ignore_ascii_case(schemas::USER) {
            without_path(root, op, value)?;
        } else {
            let path = AttrPath::parse(key)?;
            at_path(root, op, &path, Some(value))?;
        }
    }
    Ok(())
}

/// The enterprise extension object, made if missing (and its URN added to `schemas`).
fn extension_object(root: &mut Object) -> Result<&mut Object, ScimError> {
    let key = match key_ci(root, schemas::ENTERPRISE_USER) {
        Some(key) => key.clone(),
        None => schemas::ENTERPRISE_USER.to_owned(),
    };
    if let Some(Value::Array(list)) = get_ci_mut(root, "schemas") {
        let listed = list
            .iter()
            .filter_map(Value::as_str)
            .any(|s| s.eq_ignore_ascii_case(schemas::ENTERPRISE_USER));
        if !listed {
            list.push(Value::from(schemas::ENTERPRISE_USER));
        }
    }
    let slot = root.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
        .ok_or_else(|| ScimError::status(500, "the enterprise extension is not an object"))
}

/// The whole enterprise extension as the path (or a key of a path-less value).
fn extension(root: &mut Object, op: PatchOp, value: &Value) -> Result<(), ScimError> {
    if op == PatchOp::Remove {
        remove_ci(root, schemas::ENTERPRISE_USER);
        if let Some(Value::Array(list)) = get_ci_mut(root, "schemas") {
            list.retain(|s| {
                !s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(schemas::ENTERPRISE_USER))
            });
        }
        return Ok(());
    }
    let Value::Object(attributes) = value else {
        return Err(ScimError::invalid_value(format!(
            "{} needs an object value",
            schemas::ENTERPRISE_USER
        )));
    };
    for (key, value) in attributes {
        let mut path = AttrPath::parse(key)?;
        if path.schema.is_none() {
            path.schema = Some(schemas::ENTERPRISE_USER.to_owned());
        }
        at_path(root, op, &path, Some(value))?;
    }
    if op == PatchOp::Replace || op == PatchOp::Add {
        extension_object(root)?;
    }
    Ok(())
}

fn at_path(
    root: &mut Object,
    op: PatchOp,
    path: &AttrPath,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let value_or_null = value.unwrap_or(&Value::Null);
    let container = if path.is_core() {
        for read_only in ["id", "meta"] {
            if path.attr.eq_ignore_ascii_case(read_only) {
                return Err(ScimError::mutability(format!(
                    "{read_only} cannot be changed"
                )));
            }
        }
        if path.attr.eq_ignore_ascii_case("schemas") {
            return Ok(());
        }
        if op == PatchOp::Remove && path.attr.eq_ignore_ascii_case("userName") && path.sub.is_none()
        {
            return Err(ScimError::mutability("userName cannot be removed"));
        }
        root
    } else if path.is_enterprise() {
        if op == PatchOp::Remove {
            match get_ci_mut(root, schemas::ENTERPRISE_USER) {
                Some(Value::Object(map)) => map,
                _ => return Ok(()),
            }
        } else {
            extension_object(root)?
        }
    } else {
        // An extension this crate does not keep: ignored, as its attributes are on create.
        return Ok(());
    };
    match (&path.filter, &path.sub) {
        (None, None) => attribute(container, op, &path.attr, value),
        (None, Some(sub)) => sub_attribute(container, op, &path.attr, sub, value_or_null),
        (Some(filter), sub) => filtered(
            container,
            op,
            &path.attr,
            filter,
            sub.as_deref(),
            value_or_null,
        ),
    }
}

fn is_primary(value: &Value) -> bool {
    value
        .as_object()
        .and_then(|map| get_ci(map, "primary"))
        .and_then(boolean)
        .unwrap_or(false)
}

fn same_value(a: &Value, b: &Value) -> bool {
    let value = |v: &Value| {
        v.as_object()
            .and_then(|map| get_ci(map, "value"))
            .and_then(Value::as_str)
            .map(str::to_lowercase)
    };
    matches!((value(a), value(b)), (Some(a), Some(b)) if a == b)
}

/// Makes every element but those at `keep` non-primary when one of those is primary.
fn one_primary(items: &mut [Value], keep: &[usize]) {
    if !keep.iter().any(|&i| items.get(i).is_some_and(is_primary)) {
        return;
    }
    for (i, item) in items.iter_mut().enumerate() {
        if !keep.contains(&i) && is_primary(item) {
            if let Value::Object(map) = item {
                set_ci(map, "primary", Value::Bool(false));
            }
        }
    }
}

/// `attr` on its own.
fn attribute(
    container: &mut Object,
    op: PatchOp,
    attr: &str,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let value_or_null = value.unwrap_or(&Value::Null);
    let Some(existing) = get_ci_mut(container, attr) else {
        if op != PatchOp::Remove {
            set_ci(container, attr, value_or_null.clone());
        }
        return Ok(());
    };
    match (op, existing, value_or_null) {
        (PatchOp::Remove, Value::Array(items), Value::Array(values)) if !values.is_empty() => {
            // Entra's remove of members/emails by value.
            items.retain(|item| !values.iter().any(|v| same_value(item, v)));
            if items.is_empty() {
                remove_ci(container, attr);
            }
        }
        (PatchOp::Remove, _, _) => {
            remove_ci(container, attr);
        }
        (PatchOp::Add, Value::Array(items), new) => {
            let new_items = match new {
                Value::Array(new_items) => new_items.clone(),
                Value::Null => Vec::new(),
                single => vec![single.clone()],
            };
            let mut touched = Vec::new();
            for new_item in new_items {
                match items.iter().position(|item| same_value(item, &new_item)) {
                    Some(i) => {
                        items[i] = new_item;
                        touched.push(i);
                    }
                    None => {
                        items.push(new_item);
                        touched.push(items.len() - 1);
                    }
                }
            }
            one_primary(items, &touched);
        }
        (_, Value::Object(map), Value::Object(new)) => merge(map, new),
        (_, existing, new) => *existing = new.clone(),
    }
    Ok(())
}

/// `attr.sub`: on a complex attribute, or on every element of a multi-valued one.
fn sub_attribute(
    container: &mut Object,
    op: PatchOp,
    attr: &str,
    sub: &str,
    value: &Value,
) -> Result<(), ScimError> {
    let existing = get_ci_mut(container, attr);
    match (op, existing) {
        (PatchOp::Remove, None) => {}
        (PatchOp::Remove, Some(Value::Object(map))) => {
            remove_ci(map, sub);
        }
        (PatchOp::Remove, Some(Value::Array(items))) => {
            for item in items.iter_mut() {
                if let Value::Object(map) = item {
                    remove_ci(map, sub);
                }
            }
        }
        (_, None) | (_, Some(Value::Null)) => {
            let mut map = Map::new();
            set_ci(&mut map, sub, value.clone());
            set_ci(container, attr, Value::Object(map));
        }
        (_, Some(Value::Object(map))) => set_ci(map, sub, value.clone()),
        (_, Some(Value::Array(items))) => {
            if items.is_empty() {
                items.push(Value::Object(Map::new()));
            }
            for item in items.iter_mut() {
                if let Value::Object(map) = item {
                    set_ci(map, sub, value.clone());
                }
            }
        }
        (PatchOp::Remove, Some(_)) => {}
        (_, Some(_)) => {
            return Err(ScimError::invalid_path(format!(
                "{attr} has no sub-attributes"
            )))
        }
    }
    Ok(())
}

/// The element a value filter describes, from its `eq` comparisons (`type eq "work" and
/// primary eq true`), if it is made only of those.
fn element_from_filter(filter: &Filter, element: &mut Object) -> bool {
    match filter {
        Filter::And(a, b) => element_from_filter(a, element) && element_from_filter(b, element),
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.schema.is_none()
            && path.filter.is_none()
            && path.sub.is_none()
            && !value.is_null() =>
        {
            set_ci(element, &path.attr, value.clone());
            true
        }
        _ => false,
    }
}

/// Sets the value on one element: the sub-attribute, or the object's attributes merged.
fn set_on_element(element: &mut Value, sub: Option<&str>, value: &Value) -> Result<(), ScimError> {
    let Value::Object(map) = element else {
        return Ok(());
    };
    match (sub, value) {
        (Some(sub), value) => set_ci(map, sub, value.clone()),
        (None, Value::Object(new)) => merge(map, new),
        (None, Value::Array(list)) if list.len() == 1 && list[0].is_object() => {
            if let Some(Value::Object(new)) = list.first() {
                merge(map, new);
            }
        }
        (None, _) => {
            return Err(ScimError::invalid_value(
                "a value filter path without a sub-attribute needs an object value",
            ))
        }
    }
    Ok(())
}

/// `attr[filter]` or `attr[filter].sub`.
fn filtered(
    container: &mut Object,
    op: PatchOp,
    attr: &str,
    filter: &Filter,
    sub: Option<&str>,
    value: &Value,
) -> Result<(), ScimError> {
    if get_ci(container, attr).is_none_or(Value::is_null) {
        if op == PatchOp::Remove {
            return Ok(());
        }
        set_ci(container, attr, Value::Array(Vec::new()));
    }
    let Some(Value::Array(items)) = get_ci_mut(container, attr) else {
        return Err(ScimError::invalid_path(format!(
            "{attr} is not multi-valued, so it takes no value filter"
        )));
    };
    let matching: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.is_object() && filter.matches(item))
        .map(|(i, _)| i)
        .collect();
    if op == PatchOp::Remove {
        match sub {
            Some(sub) => {
                for &i in &matching {
                    if let Some(Value::Object(map)) = items.get_mut(i) {
                        remove_ci(map, sub);
                    }
                }
            }
            None => {
                let mut index = 0;
                items.retain(|_| {
                    let keep = !matching.contains(&index);
                    index += 1;
                    keep
                });
                if items.is_empty() {
                    remove_ci(container, attr);
                }
            }
        }
        return Ok(());
    }
    if matching.is_empty() {
        let mut element = Map::new();
        if !element_from_filter(filter, &mut element) {
            return Err(ScimError::no_target(format!(
                "no element of {attr} matches the filter, and it is not made of eq comparisons to build one from"
            )));
        }
        let mut element = Value::Object(element);
        set_on_element(&mut element, sub, value)?;
        items.push(element);
        let last = items.len() - 1;
        one_primary(items, &[last]);
    } else {
        for &i in &matching {
            if let Some(item) = items.get_mut(i) {
                set_on_element(item, sub, value)?;
            }
        }
        one_primary(items, &matching);
    }
    Ok(())
}
