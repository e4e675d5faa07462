//! A step the portal asked for (choose, link, code), held with its ticket until finished.

use switchboard_api::ErrorCode;

use crate::error::ClientError;
use crate::keychain::Secret;
use crate::outcome::SignInOutcome;
use crate::portal::PortalClientError;

/// A step the portal asked for, with its ticket and what the window shows for it.
#[derive(Debug, Clone)]
pub(crate) struct PendingStep {
    pub(crate) ticket: Secret,
    pub(crate) expires_at: i64,
    pub(crate) provider_name: String,
    /// `ChooseAccount`, `LinkAccount` or `MfaRequired`.
    pub(crate) outcome: SignInOutcome,
}

impl PendingStep {
    pub(crate) fn offers(&self, account_id: &str) -> bool {
        match &self.outcome {
            SignInOutcome::ChooseAccount { accounts, .. } => {
                accounts.iter().any(|a| a.account_id == account_id)
            }
            _ => false,
        }
    }
}

/// Whether the portal refused the ticket itself (used, expired): the step is over.
pub(crate) fn ticket_refused(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::Portal(PortalClientError::Api { error, .. })
            if error.code == ErrorCode::InvalidGrant
    )
}
