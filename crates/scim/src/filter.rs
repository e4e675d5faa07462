//! Filters (RFC 7644 §3.4.2.2): parsing, evaluation against a User's JSON, and the index
//! look-up a filter allows. The attribute paths parsed here are PATCH's paths too.

mod eval;
mod lex;
mod parse;

use serde_json::Value;

use crate::{schemas, ScimError};

/// The longest filter accepted, in bytes.
pub const MAX_FILTER_BYTES: usize = 4096;
/// The deepest nesting of parentheses, `not`s and value paths accepted.
pub const MAX_DEPTH: usize = 32;

/// A parsed filter (RFC 7644 §3.4.2.2): attribute paths (case-insensitive names, optional
/// schema URN prefix like "urn:ietf:params:scim:schemas:core:2.0:User:userName",
/// sub-attributes "name.givenName", "emails.value", value paths
/// `emails[type eq "work" and value co "@x"]`), operators eq ne co sw ew gt ge lt le pr
/// (case-insensitive), logical and/or/not with the RFC's precedence (not > and > or) and
/// parentheses, values: JSON strings (with escapes), numbers, true/false/null.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `path op value`, e.g. `userName eq "bjensen"` or
    /// `emails[type eq "work"].value eq "x@y"`.
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator (never `pr`, which is [`Filter::Present`]).
        op: CompareOp,
        /// The literal: a string, number, boolean or null.
        value: Value,
    },
    /// `path pr`: the attribute has a value that is not null, "" or [].
    Present(AttrPath),
    /// A value path on its own, `emails[type eq "work"]`: some element matches (the
    /// path's `filter` is set, its `sub` is not).
    ValuePath(AttrPath),
    /// Both hold.
    And(Box<Filter>, Box<Filter>),
    /// Either holds.
    Or(Box<Filter>, Box<Filter>),
    /// The inner filter does not hold.
    Not(Box<Filter>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: present and not equal.
    Ne,
    /// `co`: contains (strings).
    Co,
    /// `sw`: starts with (strings).
    Sw,
    /// `ew`: ends with (strings).
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// The operator's keyword, matched case-insensitively (`pr` is not one of these).
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        const OPS: [(&str, CompareOp); 9] = [
            ("eq", CompareOp::Eq),
            ("ne", CompareOp::Ne),
            ("co", CompareOp::Co),
            ("sw", CompareOp::Sw),
            ("ew", CompareOp::Ew),
            ("gt", CompareOp::Gt),
            ("ge", CompareOp::Ge),
            ("lt", CompareOp::Lt),
            ("le", CompareOp::Le),
        ];
        OPS.iter()
            .find(|(keyword, _)| keyword.eq_ignore_ascii_case(word))
            .map(|(_, op)| *op)
    }
}

/// An attribute path: `[schema:]attr[[filter]][.sub]`, as in filters and PATCH paths.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    /// The schema URN prefix, if one was given: [`schemas::USER`] or
    /// [`schemas::ENTERPRISE_USER`] in their canonical spelling when it is one of those,
    /// else as given.
    pub schema: Option<String>,
    /// The attribute's name as given.
    pub attr: String,
    /// The value filter of a value path (`emails[type eq "work"]`), evaluated against each
    /// element.
    pub filter: Option<Box<Filter>>,
    /// The sub-attribute (`name.givenName`, `emails[...].value`).
    pub sub: Option<String>,
}

impl AttrPath {
    /// Parses a PATCH path (RFC 7644 §3.5.2: `attrPath` or `valuePath [subAttr]`); a bad
    /// one is `invalidPath`.
    pub fn parse(input: &str) -> Result<AttrPath, ScimError> {
        parse::patch_path(input)
    }

    /// Whether the path is in the core User schema (no prefix or the core URN).
    pub fn is_core(&self) -> bool {
        self.schema
            .as_deref()
            .is_none_or(|schema| schema.eq_ignore_ascii_case(schemas::USER))
    }

    /// Whether the path is in the enterprise extension.
    pub fn is_enterprise(&self) -> bool {
        self.schema
            .as_deref()
            .is_some_and(|schema| schema.eq_ignore_ascii_case(schemas::ENTERPRISE_USER))
    }

    /// Whether this is the plain core attribute `name` (no filter, no sub-attribute).
    pub(crate) fn is_core_attr(&self, name: &str) -> bool {
        self.is_core()
            && self.attr.eq_ignore_ascii_case(name)
            && self.filter.is_none()
            && self.sub.is_none()
    }
}

/// An equality every resource the filter matches must satisfy, so the portal can look
/// candidates up by index before evaluating the whole filter in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Narrowing {
    /// `userName` equals this (lowercased).
    UserName(String),
    /// `externalId` equals this exactly.
    ExternalId(String),
    /// One of the emails' values equals this (lowercased).
    Email(String),
}

impl Filter {
    /// Parses a filter. Errors are `invalidFilter` with a detail that says where (e.g.
    /// `expected an operator after "userName" at character 9`; characters count from 1);
    /// input longer than 4096 bytes or nesting deeper than 32 is `invalidFilter` too.
    pub fn parse(input: &str) -> Result<Filter, ScimError> {
        parse::filter(input)
    }

    /// Whether the resource (the JSON of User::to_resource/to_json) matches.
    ///
    /// String comparison is case-insensitive for every attribute except `id`,
    /// `externalId` and `meta.version`; a multi-valued attribute matches if any element
    /// does, and without a sub-attribute its elements' `value`s are compared; `pr` is true
    /// when the attribute is present and not null/""/[]/{}; gt/ge/lt/le compare strings
    /// lexicographically and numbers numerically; a comparison of an absent attribute is
    /// false (so `not` of it is true), except that `eq null` matches exactly when the
    /// attribute is absent or null; `ne` is "present and not equal"; values of different
    /// types never compare equal (a string "true"/"false" does equal the boolean).
    /// Attribute names resolve case-insensitively; enterprise attributes by their URN
    /// prefix (or, when the core schema has no such attribute, without it).
    pub fn matches(&self, resource: &Value) -> bool {
        eval::matches(self, resource)
    }

    /// userName eq X -> UserName(X lowercased); externalId eq X -> ExternalId(X exact);
    /// emails.value eq X / emails[value eq X] / emails eq X / emails[type eq "work"].value
    /// eq X -> Email(X lowercased); `a and b` -> a's narrowing or else b's;
    /// `or`/`not`/anything else -> None. Also with the core-schema URN prefix.
    pub fn narrowing(&self) -> Option<Narrowing> {
        match self {
            Filter::And(a, b) => a.narrowing().or_else(|| b.narrowing()),
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: Value::String(value),
            } if path.is_core() => {
                if path.is_core_attr("userName") {
                    Some(Narrowing::UserName(value.to_lowercase()))
                } else if path.is_core_attr("externalId") {
                    Some(Narrowing::ExternalId(value.clone()))
                } else if path.attr.eq_ignore_ascii_case("emails")
                    && path
                        .sub
                        .as_deref()
                        .is_none_or(|sub| sub.eq_ignore_ascii_case("value"))
                {
                    Some(Narrowing::Email(value.to_lowercase()))
                } else {
                    None
                }
            }
            Filter::ValuePath(path)
                if path.is_core() && path.attr.eq_ignore_ascii_case("emails") =>
            {
                path.filter.as_deref().and_then(element_email)
            }
            _ => None,
        }
    }
}

/// `value eq X` (possibly and-ed) inside `emails[...]`.
fn element_email(filter: &Filter) -> Option<Narrowing> {
    match filter {
        Filter::And(a, b) => element_email(a).or_else(|| element_email(b)),
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: Value::String(value),
        } if path.schema.is_none() && path.is_core_attr("value") => {
            Some(Narrowing::Email(value.to_lowercase()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
