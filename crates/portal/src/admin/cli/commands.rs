//! The admin commands and their arguments, as clap reads them.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::admin::organizations::PolicyInput;
use crate::admin::{AdminError, SipInput};

#[derive(Debug, Subcommand)]
pub(super) enum AdminCommand {
    /// Organizations and their policy.
    #[command(subcommand, name = "org")]
    Organization(OrganizationCommand),
    /// Which configured provider an organization enabled for which domain or tenant.
    #[command(subcommand)]
    Provider(ProviderCommand),
    /// Accounts, their emails, password, authenticator, sessions and single sign-on.
    #[command(subcommand)]
    Account(Box<AccountCommand>),
    /// Connect an organization's directory (Entra ID, Okta, Google…) over SCIM: how it
    /// provisions accounts, and the tokens it presents.
    #[command(subcommand)]
    Scim(ScimCommand),
    /// Create or update an organization's accounts from a CSV file (all rows or none).
    Import {
        /// The organization's id.
        org: String,
        /// The CSV file; its header names the columns (see docs/admin.md).
        file: PathBuf,
        /// Allow login emails that other accounts sign in with too (shared addresses).
        #[arg(long)]
        allow_shared_emails: bool,
        /// Check every row and report what would change, without writing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Move an organization (or one user) from one provider to another: the old links end,
    /// users sign in with the new provider once and are linked by the usual rules.
    Relink {
        org: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// Only this user (the new provider must be enabled for the organization already).
        #[arg(long)]
        user: Option<String>,
        /// The domains or tenants to enable the new provider for (default: the old one's).
        #[arg(long = "for")]
        keys: Vec<String>,
    },
    /// Emails to review: accounts with several login emails, login emails of several
    /// accounts, notification emails that are another account's login email.
    Report {
        /// Only this organization.
        #[arg(long)]
        org: Option<String>,
    },
    /// The audit log, oldest first.
    Audit {
        /// Only this account (username).
        #[arg(long)]
        account: Option<String>,
        /// Only this organization.
        #[arg(long)]
        org: Option<String>,
        /// Only this kind: sign_in, sign_in_failed, lockout, link, unlink, security,
        /// session_ended, admin.
        #[arg(long)]
        kind: Option<String>,
        /// From this time on (2026-11-30, 2026-11-30T08:00:00Z or Unix seconds).
        #[arg(long)]
        since: Option<String>,
        /// Before this time.
        #[arg(long)]
        until: Option<String>,
        /// At most this many (the newest).
        #[arg(long)]
        limit: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum OrganizationCommand {
    Create {
        /// Lower-case letters, digits and '-' (it never changes).
        id: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    List,
    Show {
        id: String,
    },
    Rename {
        id: String,
        name: String,
    },
    /// Change the policy; options not given stay as they are.
    Policy {
        id: String,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Delete an organization that has no accounts.
    Delete {
        id: String,
    },
}

#[derive(Debug, Args)]
pub(super) struct PolicyArgs {
    /// Ask for the authenticator code after single sign-on too (accounts that have one).
    #[arg(long)]
    require_totp_for_sso: Option<bool>,
    /// Days without use after which a session ends.
    #[arg(long)]
    idle_days: Option<u32>,
    /// Days after which a session ends however much it is used.
    #[arg(long)]
    absolute_days: Option<u32>,
}

impl PolicyArgs {
    pub(super) fn input(&self) -> PolicyInput {
        PolicyInput {
            require_totp_for_sso: self.require_totp_for_sso,
            idle_days: self.idle_days,
            absolute_days: self.absolute_days,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum ProviderCommand {
    /// Users of the organization whose verified domain or tenant this is may sign in with
    /// the provider.
    Enable {
        org: String,
        /// A provider id from the configuration.
        provider: String,
        /// A domain (Google Workspace `hd`, an email domain) or an Entra tenant id.
        domain_or_tenant: String,
    },
    /// The links made through it there end, and the sessions that came through it.
    Disable {
        org: String,
        provider: String,
        domain_or_tenant: String,
    },
}

#[derive(Debug, Args)]
pub(super) struct SipArgs {
    /// SIP user (default: the extension).
    #[arg(long)]
    sip_user: Option<String>,
    /// SIP authentication user (default: the SIP user).
    #[arg(long)]
    auth_user: Option<String>,
    /// A file holding the account's static SIP password, for desk phones set up by hand
    /// (default when creating: a new one, shown once). The app's devices get credentials
    /// of their own.
    #[arg(long)]
    sip_password_file: Option<PathBuf>,
    /// `account update`: replace the static SIP password with a new one, shown once.
    #[arg(long, conflicts_with = "sip_password_file")]
    new_sip_password: bool,
    #[arg(long)]
    sip_domain: Option<String>,
    /// sip:host:port;transport=…
    #[arg(long)]
    registrar: Option<String>,
    /// udp, tcp or tls (default tls).
    #[arg(long)]
    transport: Option<String>,
    /// Empty clears it.
    #[arg(long)]
    outbound_proxy: Option<String>,
    #[arg(long)]
    stun_server: Option<String>,
    #[arg(long)]
    turn_server: Option<String>,
    #[arg(long)]
    voicemail_number: Option<String>,
}

impl SipArgs {
    pub(super) fn input(&self) -> Result<SipInput, AdminError> {
        let password = match &self.sip_password_file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|source| AdminError::Read {
                        path: path.display().to_string(),
                        source,
                    })?
                    .trim()
                    .to_owned(),
            ),
            None => None,
        };
        Ok(SipInput {
            sip_user: self.sip_user.clone(),
            auth_user: self.auth_user.clone(),
            password,
            new_password: self.new_sip_password,
            domain: self.sip_domain.clone(),
            registrar: self.registrar.clone(),
            transport: self.transport.clone(),
            outbound_proxy: self.outbound_proxy.clone(),
            stun_server: self.stun_server.clone(),
            turn_server: self.turn_server.clone(),
            voicemail_number: self.voicemail_number.clone(),
        })
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum AccountCommand {
    /// Create an account in an organization, with its emails, password and SIP settings.
    Create {
        /// The organization's id.
        org: String,
        username: String,
        #[arg(long)]
        display_name: String,
        #[arg(long)]
        extension: String,
        /// An email that signs in to this account through a provider (repeat for more).
        #[arg(long = "login-email")]
        login_emails: Vec<String>,
        /// An email that only receives copies (voicemail); it never signs in.
        #[arg(long = "notification-email")]
        notification_emails: Vec<String>,
        /// The login emails may be login emails of other accounts too.
        #[arg(long)]
        shared: bool,
        /// Read the first password from standard input (default: a new one, shown once).
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        sip: SipArgs,
    },
    /// The accounts: organization, username, name, extension, single sign-on, authenticator.
    List {
        /// Only this organization.
        #[arg(long)]
        org: Option<String>,
    },
    /// One account: its emails, provider links, SIP settings and signed-in devices.
    Show { username: String },
    /// Change the display name, extension or SIP settings.
    Update {
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        extension: Option<String>,
        #[command(flatten)]
        sip: SipArgs,
    },
    /// Add an email, or change whether an email signs in (`--notification`: copies only;
    /// the links made from a login email end).
    AddEmail {
        username: String,
        email: String,
        #[arg(long)]
        notification: bool,
        /// It may be a login email of other accounts too.
        #[arg(long)]
        shared: bool,
    },
    /// Remove an email; the links made from it end, with their sessions.
    RemoveEmail { username: String, email: String },
    /// Set a new password (every session ends).
    ResetPassword {
        username: String,
        /// Read it from standard input (default: a new one, shown once).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove the authenticator app and recovery codes (a lost phone).
    ResetAuthenticator { username: String },
    /// End every session of the account.
    SignOut { username: String },
    /// Allow or deny single sign-on (`allow` or `deny`); denying ends the account's
    /// single sign-on sessions, the password still signs in.
    Sso {
        username: String,
        #[arg(value_parser = ["allow", "deny"])]
        decision: String,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum ScimCommand {
    /// Set how the directory provisions accounts; options not given stay as they are.
    Configure {
        org: String,
        /// The extensions new accounts get, such as 200-299 (required the first time).
        #[arg(long)]
        extensions: Option<String>,
        /// Where an account's extension comes from: employee-number (the enterprise
        /// employeeNumber), work-phone (the work phone number) or range (the next free
        /// one; also the fallback of the other two).
        #[arg(long)]
        extension_from: Option<String>,
        /// The SIP domain of new lines (required the first time).
        #[arg(long)]
        sip_domain: Option<String>,
        /// The registrar of new lines, sip:host:port;transport=… (required the first time).
        #[arg(long)]
        registrar: Option<String>,
        /// udp, tcp or tls (default tls).
        #[arg(long)]
        transport: Option<String>,
        /// Days a deleted user's data is kept before it is purged (default 30).
        #[arg(long)]
        retention_days: Option<u32>,
    },
    /// The provisioning settings and tokens.
    Show { org: String },
    /// The bearer tokens the directory presents (shown once, stored hashed).
    #[command(subcommand)]
    Token(ScimTokenCommand),
}

#[derive(Debug, Subcommand)]
pub(super) enum ScimTokenCommand {
    /// Make a token and show it once, with the tenant URL to paste into the directory.
    Create {
        org: String,
        /// What the token is for, such as entra or okta (in the audit log of every change).
        name: String,
    },
    /// The tokens: who made them, when they were last used, which are revoked.
    List { org: String },
    /// Revoke a token: the directory's next request with it is refused (401).
    Revoke { org: String, name: String },
}
