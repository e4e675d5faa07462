//! PATCH (RFC 7644 §3.5.2): parsing a PatchOp request and applying it to a User's JSON,
//! with the dialects Microsoft Entra ID and Okta send.

mod apply;

use serde_json::{Map, Value};

use crate::{filter::AttrPath, json::get_ci, schemas, ScimError};

/// The most operations one request may carry.
pub const MAX_OPERATIONS: usize = 1000;

/// A PatchOp request (RFC 7644 §3.5.2) with the dialects Entra ID and Okta send.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The operations, in the order they are applied.
    pub operations: Vec<PatchOperation>,
}

/// One operation of a PatchOp request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// add, replace or remove.
    pub op: PatchOp,
    /// The target; `None` means the value is an object of attributes (add/replace).
    pub path: Option<PatchPath>,
    /// The value, if one was sent (add and replace require one).
    pub value: Option<Value>,
}

/// The kind of a PATCH operation (matched case-insensitively: Entra sends "Replace").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOp {
    /// `add`.
    Add,
    /// `replace`.
    Replace,
    /// `remove`.
    Remove,
}

/// Where a PATCH operation applies.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchPath {
    /// An attribute path such as `emails[type eq "work"].value`.
    Attr(AttrPath),
    /// A whole schema extension, by its URN (the enterprise User extension).
    Extension(String),
}

impl PatchPath {
    /// Parses a path: the enterprise extension's URN on its own, or an attribute path
    /// (`invalidPath` when it is not one).
    pub fn parse(path: &str) -> Result<PatchPath, ScimError> {
        let path = path.trim();
        if path.eq_ignore_ascii_case(schemas::ENTERPRISE_USER) {
            return Ok(PatchPath::Extension(schemas::ENTERPRISE_USER.to_owned()));
        }
        AttrPath::parse(path).map(PatchPath::Attr)
    }
}

impl PatchRequest {
    /// Checks "schemas" contains PATCH_OP (else `invalidSyntax`), "Operations"
    /// (case-insensitive key) is a non-empty array (else `invalidSyntax`) of at most 1000
    /// (else `tooMany`); each op's "op" is add/replace/remove case-insensitively (else
    /// `invalidSyntax`); "path" is optional (null or "" count as absent) and must parse
    /// (else `invalidPath`); "value" is any JSON, required for add and replace (else
    /// `invalidValue`).
    pub fn from_json(value: &Value) -> Result<PatchRequest, ScimError> {
        let Value::Object(map) = value else {
            return Err(ScimError::invalid_syntax(
                "the PATCH body must be a JSON object",
            ));
        };
        let has_schema = match get_ci(map, "schemas") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .any(|schema| schema.trim().eq_ignore_ascii_case(schemas::PATCH_OP)),
            _ => false,
        };
        if !has_schema {
            return Err(ScimError::invalid_syntax(format!(
                "schemas must contain {}",
                schemas::PATCH_OP
            )));
        }
        let operations = match get_ci(map, "Operations") {
            Some(Value::Array(list)) if !list.is_empty() => list,
            _ => {
                return Err(ScimError::invalid_syntax(
                    "Operations must be a non-empty array",
                ))
            }
        };
        if operations.len() > MAX_OPERATIONS {
            return Err(ScimError::too_many(format!(
                "at most {MAX_OPERATIONS} operations per request"
            )));
        }
        let operations = operations
            .iter()
            .enumerate()
            .map(|(i, op)| operation(i + 1, op))
            .collect::<Result<_, _>>()?;
        Ok(PatchRequest { operations })
    }

    /// Applies every operation in order to `resource`, the JSON of User::to_json() (the
    /// portal then re-parses it with User::from_json, which validates). All or nothing: on
    /// an error `resource` is left unchanged.
    ///
    /// - No path: the value must be an object; each key is an attribute name, a dotted
    ///   sub-attribute ("name.givenName"), a URN-qualified name, or the extension URN with
    ///   an object value (merged); each is applied as if it were the path.
    /// - add: a multi-valued attribute gets the new elements appended (replacing one with
    ///   the same "value", case-insensitively); a complex one gets the sub-attributes
    ///   merged; anything else is set.
    /// - replace: sets (a complex attribute's sub-attributes are merged, RFC 7644
    ///   §3.5.2.3; a multi-valued one is replaced whole).
    /// - A value filter path (`emails[type eq "work"].value`) sets the sub-attribute of (or
    ///   merges an object into) each matching element; when none matches, add and replace
    ///   append an element made of the filter's `eq` comparisons plus the value (not a
    ///   plain eq/and-of-eq filter: `noTarget`).
    /// - An element set to primary makes the others non-primary.
    /// - remove: path required (else `noTarget`); removes the attribute, the sub-attribute,
    ///   or the matching elements; with a multi-valued path and a value of
    ///   `[{"value": x}, ...]` only the elements with those values; removing `userName` is
    ///   `mutability`; removing something absent is not an error.
    /// - `id` and `meta` are `mutability`; `schemas` is ignored; attributes of a schema
    ///   other than the core User and the enterprise extension are ignored.
    pub fn apply(&self, resource: &mut Value) -> Result<(), ScimError> {
        let mut work = resource.clone();
        let Some(root) = work.as_object_mut() else {
            return Err(ScimError::invalid_value(
                "the resource is not a JSON object",
            ));
        };
        for operation in &self.operations {
            apply::operation(root, operation)?;
        }
        *resource = work;
        Ok(())
    }
}

fn operation(number: usize, value: &Value) -> Result<PatchOperation, ScimError> {
    let Value::Object(map) = value else {
        return Err(ScimError::invalid_syntax(format!(
            "operation {number} must be an object"
        )));
    };
    let op = match get_ci(map, "op").and_then(Value::as_str).map(str::trim) {
        Some(op) if op.eq_ignore_ascii_case("add") => PatchOp::Add,
        Some(op) if op.eq_ignore_ascii_case("replace") => PatchOp::Replace,
        Some(op) if op.eq_ignore_ascii_case("remove") => PatchOp::Remove,
        _ => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {number}: op must be add, replace or remove"
            )))
        }
    };
    let path = path(number, map)?;
    let value = get_ci(map, "value").cloned();
    if op != PatchOp::Remove && value.is_none() {
        return Err(ScimError::invalid_value(format!(
            "operation {number}: {} needs a value",
            if op == PatchOp::Add { "add" } else { "replace" }
        )));
    }
    Ok(PatchOperation { op, path, value })
}

fn path(number: usize, map: &Map<String, Value>) -> Result<Option<PatchPath>, ScimError> {
    match get_ci(map, "path") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => PatchPath::parse(s).map(Some).map_err(|error| {
            ScimError::invalid_path(format!("operation {number}: {}", error.detail))
        }),
        Some(_) => Err(ScimError::invalid_path(format!(
            "operation {number}: path must be a string"
        ))),
    }
}

#[cfg(test)]
mod tests;
