//! SCIM 2.0 (RFC 7643, RFC 7644) as the portal speaks it, with no I/O: the User resource
//! and its tolerant parsing, filters, PATCH operations, errors, paging and the discovery
//! documents. The portal's `scim` module does the storage and the HTTP.
//!
//! Everything here works on [`serde_json::Value`]s: the portal parses a request body into
//! JSON, hands it to [`User::from_json`] or [`PatchRequest::from_json`], and renders what
//! it stores with [`User::to_resource`]. Every failure is a [`ScimError`], whose
//! [`ScimError::to_json`] is the body of the error response.

pub mod error;
pub mod filter;
mod json;
pub mod list;
pub mod patch;
pub mod schemas;
pub mod user;

pub use error::ScimError;
pub use filter::{Filter, Narrowing};
pub use list::{list_response, Page};
pub use patch::PatchRequest;
pub use user::{Enterprise, Meta, MultiValue, Name, User};
