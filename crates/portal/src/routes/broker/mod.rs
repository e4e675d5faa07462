//! The app's side of provider sign-in: `GET /v1/authorize` sends the browser to the
//! provider with the portal's own state, nonce and PKCE; the provider comes back to
//! `/v1/providers/{provider}/callback` (Apple by form_post); the portal verifies the ID
//! token and hands the app a one-time code through its redirect URI.

mod authorize;
mod browser_page;
mod callback;
#[cfg(test)]
mod tests;

pub use authorize::{__path_authorize, authorize};
pub use callback::{__path_callback_form, __path_callback_query, callback_form, callback_query};
