//! The bearer tokens directories present: made and revoked with `admin scim token`, shown
//! once, kept as a SHA-256.

use crate::store::{ScimTokenRow, Store, StoreError};
use crate::tokens::{new_token, token_hash, TokenKind};

/// A new token and what the store keeps of it.
pub struct MadeToken {
    /// Shown once to the operator; never stored.
    pub token: String,
    pub hash: String,
}

pub fn make_token() -> MadeToken {
    let token = new_token(TokenKind::DirectoryToken);
    let hash = token_hash(&token);
    MadeToken { token, hash }
}

/// The live token an `Authorization: Bearer …` value names; `None` for a missing, unknown
/// or revoked one.
pub async fn authenticate(
    store: &Store,
    authorization: Option<&str>,
    now: i64,
) -> Result<Option<ScimTokenRow>, StoreError> {
    let Some(token) = authorization.and_then(bearer) else {
        return Ok(None);
    };
    store.scim_token_by_hash(&token_hash(token), now).await
}

/// The token of a `Bearer` authorization (the scheme's name in any case).
fn bearer(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_in_any_case_of_the_scheme() {
        assert_eq!(bearer("Bearer sbd_abc"), Some("sbd_abc"));
        assert_eq!(bearer("bearer  sbd_abc "), Some("sbd_abc"));
        assert_eq!(bearer("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer("Bearer "), None);
    }

    #[test]
    fn a_made_token_is_stored_only_as_its_hash() {
        let made = make_token();
        assert!(made.token.starts_with("sbd_"));
        assert_eq!(made.hash, token_hash(&made.token));
        assert!(!made.hash.contains(&made.token));
        assert_ne!(make_token().token, made.token);
    }
}
