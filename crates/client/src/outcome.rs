//! What the core answers: where a sign-in step leads, and the provisioned softphone.

use serde::Serialize;
use switchboard_api::{AccountChoice, AccountSummary, LinkReason, SipTransport};
use ts_rs::TS;

use crate::store::StoredProfile;

/// Where the client is after a sign-in step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInOutcome {
    Ready {
        account: AccountSummary,
        phone: PhoneSummary,
    },
    /// Pick one of these accounts (`choose_account`).
    ChooseAccount {
        accounts: Vec<AccountChoice>,
        remembered_account_id: Option<String>,
        shared_email: bool,
        /// "Use a different account": the account in use, which the chosen one replaces on
        /// this computer (`None` for a new sign-in, which adds an account).
        in_place_of: Option<AccountSummary>,
    },
    /// Link the identity with an account's credentials (`link_account`).
    LinkAccount {
        provider_name: String,
        email: Option<String>,
        reason: LinkReason,
    },
    /// The authenticator code or a recovery code (`submit_mfa_code`).
    MfaRequired,
    /// A provider was linked to the signed-in account from its security settings.
    ProviderLinked { provider_name: String },
    /// A step this version cannot take.
    NotSupported { message: String },
}

/// The provisioned softphone, without its password (that stays in the keychain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PhoneSummary {
    pub extension: String,
    pub display_name: String,
    pub sip_domain: String,
    pub registrar: String,
    pub transport: SipTransport,
}

impl From<StoredProfile> for PhoneSummary {
    fn from(profile: StoredProfile) -> Self {
        Self {
            extension: profile.extension,
            display_name: profile.display_name,
            sip_domain: profile.domain,
            registrar: profile.registrar,
            transport: profile.transport,
        }
    }
}
