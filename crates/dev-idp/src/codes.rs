//! Authorization codes: random (256 bits), single use, short-lived, bound to what the
//! authorize request said. Kept in memory (a restart forgets them, as a test would expect)
//! and keyed by their SHA-256, so the codes themselves are not kept.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use sha2::{Digest, Sha256};

use crate::forge::Forgery;
use crate::jwt::random_token;
use crate::profiles::Profile;

/// How long a code can be redeemed, in seconds.
pub const CODE_LIFETIME_SECS: u64 = 60;

/// How long a used or expired code is remembered (to say "already used" rather than
/// "unknown"), in seconds after it expired.
const REMEMBER_SECS: u64 = 600;

/// What a code was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeGrant {
    /// The issuer that issued it: only its token endpoint redeems it.
    pub profile: Profile,
    pub client_id: String,
    pub redirect_uri: String,
    /// The S256 PKCE challenge.
    pub code_challenge: String,
    pub nonce: Option<String>,
    pub scope: String,
    /// [`crate::DemoIdentity::id`] of who signed in.
    pub identity_id: String,
    pub forgery: Option<Forgery>,
    /// When the user signed in (`auth_time`).
    pub auth_time: u64,
    pub expires_at: u64,
}

/// Why a code cannot be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedeemError {
    Unknown,
    AlreadyUsed,
    Expired,
}

impl RedeemError {
    pub fn description(self) -> &'static str {
        match self {
            RedeemError::Unknown => "The authorization code is unknown.",
            RedeemError::AlreadyUsed => "The authorization code has already been used.",
            RedeemError::Expired => "The authorization code has expired.",
        }
    }
}

struct Entry {
    grant: CodeGrant,
    used: bool,
}

/// The issued codes.
#[derive(Default)]
pub struct CodeStore {
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

fn key(code: &str) -> [u8; 32] {
    Sha256::digest(code.as_bytes()).into()
}

impl CodeStore {
    /// Stores `grant` under a new random code and returns the code.
    pub fn issue(&self, grant: CodeGrant, now: u64) -> String {
        let code = random_token();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|_, e| e.grant.expires_at.saturating_add(REMEMBER_SECS) > now);
        entries.insert(key(&code), Entry { grant, used: false });
        code
    }

    /// Takes the grant of `code`, marking it used in the same step: a second redemption,
    /// concurrent or later, fails with [`RedeemError::AlreadyUsed`]. An expired code is
    /// used up too.
    pub fn redeem(&self, code: &str, now: u64) -> Result<CodeGrant, RedeemError> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get_mut(&key(code)).ok_or(RedeemError::Unknown)?;
        if entry.used {
            return Err(RedeemError::AlreadyUsed);
        }
        entry.used = true;
        if now >= entry.grant.expires_at {
            return Err(RedeemError::Expired);
        }
        Ok(entry.grant.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(expires_at: u64) -> CodeGrant {
        CodeGrant {
            profile: Profile::Google,
            client_id: "c".into(),
            redirect_uri: "http://127.0.0.1/cb".into(),
            code_challenge: "x".repeat(43),
            nonce: Some("n".into()),
            scope: "openid".into(),
            identity_id: "google-alice".into(),
            forgery: None,
            auth_time: expires_at - CODE_LIFETIME_SECS,
            expires_at,
        }
    }

    #[test]
    fn a_code_redeems_once() {
        let store = CodeStore::default();
        let code = store.issue(grant(1060), 1000);
        assert_eq!(store.redeem(&code, 1001).unwrap(), grant(1060));
        assert_eq!(store.redeem(&code, 1002), Err(RedeemError::AlreadyUsed));
        assert_eq!(store.redeem("nope", 1002), Err(RedeemError::Unknown));
    }

    #[test]
    fn an_expired_code_does_not_redeem() {
        let store = CodeStore::default();
        let code = store.issue(grant(1060), 1000);
        assert_eq!(store.redeem(&code, 1060), Err(RedeemError::Expired));
        assert_eq!(store.redeem(&code, 1000), Err(RedeemError::AlreadyUsed));
    }

    #[test]
    fn old_codes_are_forgotten() {
        let store = CodeStore::default();
        let old = store.issue(grant(1060), 1000);
        store.issue(grant(5000), 1060 + REMEMBER_SECS);
        assert_eq!(store.redeem(&old, 1001), Err(RedeemError::Unknown));
    }
}
