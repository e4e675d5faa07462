//! SCIM 2.0 (RFC 7643, RFC 7644) as the portal speaks it, with no I/O: the User resource
//! and its tolerant parsing, filters, PATCH operations, errors, paging and the discovery
//! documents. The portal's `scim` module does the storage and the HTTP.
