//! Everything the client core can fail with. Each message says what happened and what to
//! do; the app layer turns them into error codes and notices.

use crate::guarded::Poisoned;
use crate::keychain::KeychainError;
use crate::portal::PortalClientError;
use crate::signin::SignInError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Portal(#[from] PortalClientError),
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    #[error(transparent)]
    SignIn(#[from] SignInError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Poisoned(#[from] Poisoned),
    #[error("your sign-in has ended (it expired or was signed out elsewhere). Sign in again.")]
    SignedOut,
    #[error("this portal offers no sign-in provider called {0:?}")]
    UnknownProvider(String),
    #[error("not signed in")]
    NotSignedIn,
    #[error(
        "this sign-in step is no longer open (it expired or was finished): start signing in again"
    )]
    NoPendingStep,
    #[error("this account is not signed in on this computer")]
    UnknownAccount,
}

impl ClientError {
    /// The portal did not answer (as opposed to answering no).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ClientError::Portal(
                PortalClientError::Unreachable { .. } | PortalClientError::TimedOut { .. }
            )
        )
    }
}
