//! What callers hand the shared statements, and what the statements answer: which
//! sessions, credentials and links to end, an account's change, a new SIP credential,
//! the event kinds an app is told, and what ending links did.

use super::AuditRow;

/// What an app is told over its event stream (`session_events.kind`).
pub(crate) mod event_kind {
    /// The session ended; the row's reason says why.
    pub const SESSION_ENDED: &str = "session_ended";
    /// The account's SIP profile changed: fetch it again.
    pub const SIP_PROFILE_CHANGED: &str = "sip_profile_changed";
    /// The account's organization changed its sign-in policy.
    pub const POLICY_CHANGED: &str = "policy_changed";
}

/// A random row id for the outbox rows.
pub(crate) fn row_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// An event row's id: the wall clock's nanoseconds (not the portal's clock, which tests
/// set: every writer, the admin command included, shares the wall clock), then a random
/// tail. Instances read new events by id (see `events::follow`).
pub(crate) fn event_row_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    format!("{nanos:024}-{:08x}", rand::random::<u32>())
}

/// Which sessions [`Statements::end_sessions`] ends (live ones only).
#[derive(Debug, Clone, Copy)]
pub(crate) enum SessionsToEnd<'a> {
    /// Every session of the account, but `except`.
    OfAccount {
        account_id: &'a str,
        except: Option<&'a str>,
    },
    /// The account's sessions that came through a provider (SSO, or a link).
    ThroughProviders { account_id: &'a str },
    /// The account's sessions that came through the link of `issuer` and `subject`.
    ThroughLink {
        account_id: &'a str,
        issuer: &'a str,
        subject: &'a str,
    },
    /// The sessions that came through one provider in an organization.
    ThroughProvider(ProviderScope<'a>),
}

/// Which SIP credentials [`Statements::delete_credentials`] ends.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CredentialsToEnd<'a> {
    /// The credential of one device's session.
    OfSession(&'a str),
    /// Every device credential of the account (not its static one).
    DevicesOfAccount(&'a str),
    /// The account's static credential.
    StaticOfAccount(&'a str),
}

/// Which links [`Statements::end_links`] ends.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LinksToEnd<'a> {
    /// The links made from `email` when it was a login email of the account.
    MadeFromEmail { account_id: &'a str, email: &'a str },
    /// The links through one provider in an organization.
    ThroughProvider(ProviderScope<'a>),
}

/// A provider's links or sessions in an organization: only those for one domain or tenant
/// when `organization_key` is given, only one account's when `account_id` is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProviderScope<'a> {
    pub organization_id: &'a str,
    pub provider_id: &'a str,
    pub organization_key: Option<&'a str>,
    pub account_id: Option<&'a str>,
}

/// A link a change ended, as its `unlink` audit row needs it.
#[derive(Debug, Clone, Copy)]
pub struct EndedLink<'a> {
    pub account_id: &'a str,
    pub provider_id: Option<&'a str>,
    /// Why it ended (`provider_disabled`, `relinked`, `login_email_removed`).
    pub reason: &'a str,
}

/// The caller's way to make the audit row of each link a change ends (the store writes the
/// rows it is given and makes none).
pub type UnlinkAudit<'a> = &'a (dyn Fn(&EndedLink<'_>) -> AuditRow + Sync);

/// What ending links (and the sessions that came through them) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Ended {
    pub links: u64,
    pub sessions: u64,
}

impl std::ops::AddAssign for Ended {
    fn add_assign(&mut self, other: Self) {
        self.links += other.links;
        self.sessions += other.sessions;
    }
}

/// An account's new details; `None` keeps a field, `Some("")` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub extension: Option<String>,
    pub sip_user: Option<String>,
    pub auth_user: Option<String>,
    pub sip_password_encrypted: Option<String>,
    pub sip_domain: Option<String>,
    pub registrar: Option<String>,
    pub transport: Option<String>,
    pub outbound_proxy: Option<String>,
    pub stun_server: Option<String>,
    pub turn_server: Option<String>,
    pub voicemail_number: Option<String>,
}

impl AccountChange {
    pub(in crate::store) fn touches_sip(&self) -> bool {
        self.sip_user.is_some()
            || self.auth_user.is_some()
            || self.sip_password_encrypted.is_some()
            || self.sip_domain.is_some()
            || self.registrar.is_some()
            || self.transport.is_some()
            || self.outbound_proxy.is_some()
            || self.stun_server.is_some()
            || self.turn_server.is_some()
            || self.voicemail_number.is_some()
            || self.extension.is_some()
            || self.display_name.is_some()
    }

    /// Whether the change moves the line or its registration (extension, SIP user or
    /// domain, credentials, registrar, transport, proxy): every device's credential is
    /// replaced then, so what the registrar holds matches what devices are told.
    pub(in crate::store) fn rotates_device_credentials(&self) -> bool {
        self.extension.is_some()
            || self.sip_user.is_some()
            || self.sip_domain.is_some()
            || self.auth_user.is_some()
            || self.sip_password_encrypted.is_some()
            || self.registrar.is_some()
            || self.transport.is_some()
            || self.outbound_proxy.is_some()
    }
}

/// A credential to store: its digests for the registrar, its password encrypted for the
/// profile of its own device.
pub struct NewSipCredential<'a> {
    pub auth_user: &'a str,
    pub account_id: &'a str,
    /// The device's session; `None` for the account's static credential.
    pub session_id: Option<&'a str>,
    pub realm: &'a str,
    pub aor_user: &'a str,
    pub ha1_md5: &'a str,
    pub ha1_sha256: &'a str,
    pub password_encrypted: &'a str,
    pub now: i64,
}
