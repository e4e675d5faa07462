//! SCIM 2.0 (RFC 7643, RFC 7644) as the portal speaks it, with no I/O: the User resource
//! and its tolerant parsing, filters, PATCH operations, errors, paging and the discovery
//! documents. The portal's `scim` module does the storage and the HTTP.
//!
//! Everything here works on [`serde_json::Value`]s: the portal parses a request body into
//! JSON, hands it to [`User::from_json`] or [`PatchRequest::from_json`], and renders what
//! it stores with [`User::to_resource`]. Every failure is a [`ScimError`], whose
//! [`ScimError::to_json`] is the body of the error response.
//!
//! ```
//! use serde_json::json;
//! use switchboard_scim::{Filter, Meta, Narrowing, PatchRequest, User};
//!
//! # fn main() -> Result<(), switchboard_scim::ScimError> {
//! // POST /Users
//! let user = User::from_json(&json!({
//!     "userName": "bjensen@example.com",
//!     "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
//!     "active": "True",
//! }))?;
//! let stored = user.to_json();
//!
//! // GET /Users?filter=...: look candidates up by the narrowing, then check each.
//! let filter = Filter::parse(r#"userName eq "BJensen@example.com" and active eq true"#)?;
//! assert_eq!(filter.narrowing(), Some(Narrowing::UserName("bjensen@example.com".into())));
//! let meta = Meta { created: 0, last_modified: 0, location: "https://p.example/scim/v2/Users/1".into() };
//! assert!(filter.matches(&user.to_resource("1", &meta)));
//!
//! // PATCH /Users/1: apply to the stored JSON, then parse it again to validate.
//! let patch = PatchRequest::from_json(&json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
//! }))?;
//! let mut changed = stored.clone();
//! patch.apply(&mut changed)?;
//! let user = User::from_json(&changed)?;
//! assert!(!user.active);
//! # Ok(())
//! # }
//! ```

pub mod error;
pub mod filter;
mod json;
pub mod list;
pub mod patch;
pub mod projection;
pub mod schemas;
pub mod user;

/// Where the portal serves SCIM: `{public URL}/scim/v2` is the tenant URL a directory is
/// given, and the discovery documents' locations start with it.
pub const BASE_PATH: &str = "/scim/v2";

pub use error::ScimError;
pub use filter::{Filter, Narrowing};
pub use list::{list_response, Page};
pub use patch::PatchRequest;
pub use projection::{attribute_list, project};
pub use user::{Enterprise, Meta, MultiValue, Name, User};
