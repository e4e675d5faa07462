//! An access token held in memory, with when it expires.

use crate::keychain::Secret;

pub(crate) struct AccessToken {
    pub(crate) token: Secret,
    pub(crate) expires_at: i64,
}
