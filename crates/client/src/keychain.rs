//! Secrets in the OS keychain (Keychain, Credential Manager, Secret Service) and nowhere
//! else: one entry per (portal, account, kind). A missing or locked keychain is an error
//! that says what to do; there is no fallback to a file.

use std::fmt;

use url::Url;

const SERVICE: &str = "Switchboard";

/// What kind of secret an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    RefreshToken,
    SipPassword,
}

impl SecretKind {
    fn label(self) -> &'static str {
        match self {
            SecretKind::RefreshToken => "refresh-token",
            SecretKind::SipPassword => "sip-password",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error("this computer has no system keychain Switchboard can use. On Linux, install and start a Secret Service such as GNOME Keyring or KWallet, then sign in again.")]
    NoKeychain,
    #[error("the system keychain is locked or refused access. Unlock it (on Linux, your login keyring), then try again.")]
    Locked,
    #[error("the system keychain failed: {0}. Try again; if it keeps failing, restart your desktop session.")]
    Failed(String),
    #[error("the secret is too long for this system's keychain")]
    TooLong,
}

impl From<keyring::Error> for KeychainError {
    fn from(error: keyring::Error) -> Self {
        match error {
            keyring::Error::NoDefaultStore | keyring::Error::NotSupportedByStore(_) => {
                KeychainError::NoKeychain
            }
            keyring::Error::NoStorageAccess(_) => KeychainError::Locked,
            keyring::Error::TooLong(..) => KeychainError::TooLong,
            // The platform's message may name the entry, never its secret.
            other => KeychainError::Failed(other.to_string()),
        }
    }
}

/// A secret value that never shows itself in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The keychain entries of one portal.
#[derive(Debug, Clone)]
pub struct Keychain {
    portal: String,
}

impl Keychain {
    pub fn for_portal(portal: &Url) -> Self {
        Self {
            portal: portal.origin().ascii_serialization() + portal.path(),
        }
    }

    fn entry(&self, account_id: &str, kind: SecretKind) -> Result<keyring::Entry, KeychainError> {
        let user = format!("{} {} {}", self.portal, account_id, kind.label());
        Ok(keyring::Entry::new(SERVICE, &user)?)
    }

    /// Whether the keychain can be used at all.
    pub fn check_available() -> Result<(), KeychainError> {
        match keyring::Entry::store_status() {
            Ok(()) => Ok(()),
            Err(_) => Err(KeychainError::NoKeychain),
        }
    }

    pub fn store(
        &self,
        account_id: &str,
        kind: SecretKind,
        secret: &Secret,
    ) -> Result<(), KeychainError> {
        self.entry(account_id, kind)?
            .set_password(secret.expose())?;
        Ok(())
    }

    /// The stored secret, or `None` when there is none.
    pub fn load(
        &self,
        account_id: &str,
        kind: SecretKind,
    ) -> Result<Option<Secret>, KeychainError> {
        match self.entry(account_id, kind)?.get_password() {
            Ok(value) => Ok(Some(Secret(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes the secret; removing one that is not there is fine.
    pub fn delete(&self, account_id: &str, kind: SecretKind) -> Result<(), KeychainError> {
        match self.entry(account_id, kind)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes every secret of an account (sign-out).
    pub fn wipe_account(&self, account_id: &str) -> Result<(), KeychainError> {
        for kind in [SecretKind::RefreshToken, SecretKind::SipPassword] {
            self.delete(account_id, kind)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_debug_print() {
        let secret = Secret::new("rt_very_secret");
        assert_eq!(format!("{secret:?}"), "Secret(..)");
    }
}
