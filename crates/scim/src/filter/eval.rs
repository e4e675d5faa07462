//! Evaluating a filter against a resource's JSON.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::{AttrPath, CompareOp, Filter};
use crate::{json::get_ci, schemas, user::parse::boolean};

pub(super) fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
        Filter::Not(inner) => !matches(inner, resource),
        Filter::Present(path) => values(path, resource).into_iter().any(present),
        Filter::ValuePath(path) => !values(path, resource).is_empty(),
        Filter::Compare { path, op, value } => {
            let case_exact = case_exact(path);
            let found = compared(path, resource);
            match (op, value) {
                (CompareOp::Eq, Value::Null) => found.is_empty(),
                (CompareOp::Ne, Value::Null) => !found.is_empty(),
                (CompareOp::Ne, _) => {
                    !found.is_empty()
                        && !found
                            .iter()
                            .any(|item| compare(item, CompareOp::Eq, value, case_exact))
                }
                _ => found
                    .iter()
                    .any(|item| compare(item, *op, value, case_exact)),
            }
        }
    }
}

/// `id`, `externalId` and `meta.version` compare case-exactly (RFC 7643 §3.1, §4.1).
fn case_exact(path: &AttrPath) -> bool {
    path.is_core()
        && path.filter.is_none()
        && match &path.sub {
            None => {
                path.attr.eq_ignore_ascii_case("id") || path.attr.eq_ignore_ascii_case("externalId")
            }
            Some(sub) => {
                path.attr.eq_ignore_ascii_case("meta") && sub.eq_ignore_ascii_case("version")
            }
        }
}

/// The object a path's attribute lives in.
fn container<'a>(path: &AttrPath, resource: &'a Value) -> Option<&'a Map<String, Value>> {
    let root = resource.as_object()?;
    if path.is_core() {
        let in_core = get_ci(root, &path.attr).is_some_and(|v| !v.is_null());
        if path.schema.is_some() || in_core {
            return Some(root);
        }
        // Without a prefix, an attribute the core schema lacks may be the extension's.
        return get_ci(root, schemas::ENTERPRISE_USER)
            .and_then(Value::as_object)
            .or(Some(root));
    }
    if path.is_enterprise() {
        return get_ci(root, schemas::ENTERPRISE_USER).and_then(Value::as_object);
    }
    None
}

/// The values at a path: a multi-valued attribute's elements (those its value filter
/// admits), or a sub-attribute's values; nulls left out.
pub(super) fn values<'a>(path: &AttrPath, resource: &'a Value) -> Vec<&'a Value> {
    let Some(value) = container(path, resource).and_then(|map| get_ci(map, &path.attr)) else {
        return Vec::new();
    };
    let mut items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().filter(|v| !v.is_null()).collect(),
        Value::Null => Vec::new(),
        single => vec![single],
    };
    if let Some(filter) = &path.filter {
        items.retain(|item| item.is_object() && matches(filter, item));
    }
    if let Some(sub) = &path.sub {
        items = items
            .into_iter()
            .filter_map(|item| item.as_object().and_then(|map| get_ci(map, sub)))
            .flat_map(|value| match value {
                Value::Array(inner) => inner.iter().collect(),
                other => vec![other],
            })
            .filter(|value| !value.is_null())
            .collect();
    }
    items
}

/// The values to compare: as [`values`], with a complex element standing for its `value`.
fn compared<'a>(path: &AttrPath, resource: &'a Value) -> Vec<&'a Value> {
    values(path, resource)
        .into_iter()
        .filter_map(|item| match item {
            Value::Object(map) => get_ci(map, "value").filter(|v| !v.is_null()),
            other => Some(other),
        })
        .collect()
}

fn present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => true,
    }
}

fn compare(actual: &Value, op: CompareOp, expected: &Value, case_exact: bool) -> bool {
    match (actual, expected) {
        (Value::String(a), Value::String(b)) => {
            if case_exact {
                compare_strings(a, b, op)
            } else {
                compare_strings(&a.to_lowercase(), &b.to_lowercase(), op)
            }
        }
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b).is_some_and(|o| ordering_holds(o, op)),
            _ => false,
        },
        (Value::Bool(a), Value::Bool(b)) => op == CompareOp::Eq && a == b,
        (Value::String(_), Value::Bool(b)) => op == CompareOp::Eq && boolean(actual) == Some(*b),
        _ => false,
    }
}

fn compare_strings(a: &str, b: &str, op: CompareOp) -> bool {
    match op {
        CompareOp::Co => a.contains(b),
        CompareOp::Sw => a.starts_with(b),
        CompareOp::Ew => a.ends_with(b),
        _ => ordering_holds(a.cmp(b), op),
    }
}

fn ordering_holds(ordering: Ordering, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}
