//! `switchboard-portal admin …`: the command line over [`Admin`](super::Admin).

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::organizations::PolicyInput;
use super::{AccountInput, Admin, AdminError, Outcome, SipInput};
use crate::audit::AuditKind;
use crate::store::{AuditFilter, Store};
use crate::PortalConfig;

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The portal's configuration file (the same as `serve`'s).
    #[arg(long, env = "SWITCHBOARD_PORTAL_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Answer in JSON (the audit log: one JSON object per line).
    #[arg(long, global = true)]
    json: bool,
    /// Who is making the change, for the audit log (default: the operating-system user).
    #[arg(long, global = true)]
    actor: Option<String>,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Organizations and their policy.
    #[command(subcommand, name = "org")]
    Organization(OrganizationCommand),
    /// Which configured provider an organization enabled for which domain or tenant.
    #[command(subcommand)]
    Provider(ProviderCommand),
    /// Accounts, their emails, password, authenticator, sessions and single sign-on.
    #[command(subcommand)]
    Account(Box<AccountCommand>),
    /// Create or update an organization's accounts from a CSV file (all rows or none).
    Import {
        /// The organization's id.
        org: String,
        /// The CSV file; its header names the columns (see README.md).
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
enum OrganizationCommand {
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
struct PolicyArgs {
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
    fn input(&self) -> PolicyInput {
        PolicyInput {
            require_totp_for_sso: self.require_totp_for_sso,
            idle_days: self.idle_days,
            absolute_days: self.absolute_days,
        }
    }
}

#[derive(Debug, Subcommand)]
enum ProviderCommand {
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
struct SipArgs {
    /// SIP user (default: the extension).
    #[arg(long)]
    sip_user: Option<String>,
    /// SIP authentication user (default: the SIP user).
    #[arg(long)]
    auth_user: Option<String>,
    /// A file holding the SIP password (default when creating: a new one, shown once).
    #[arg(long)]
    sip_password_file: Option<PathBuf>,
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
    fn input(&self) -> Result<SipInput, AdminError> {
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
enum AccountCommand {
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
    List {
        /// Only this organization.
        #[arg(long)]
        org: Option<String>,
    },
    Show {
        username: String,
    },
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
    RemoveEmail {
        username: String,
        email: String,
    },
    /// Set a new password (every session ends).
    ResetPassword {
        username: String,
        /// Read it from standard input (default: a new one, shown once).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove the authenticator app and recovery codes (a lost phone).
    ResetAuthenticator {
        username: String,
    },
    /// End every session of the account.
    SignOut {
        username: String,
    },
    /// Allow or deny single sign-on (`allow` or `deny`); denying ends the account's
    /// single sign-on sessions, the password still signs in.
    Sso {
        username: String,
        #[arg(value_parser = ["allow", "deny"])]
        decision: String,
    },
}

fn read_password_line() -> Result<String, AdminError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|source| AdminError::Read {
            path: "standard input".into(),
            source,
        })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Unix seconds from `2026-11-30`, `2026-11-30T08:00:00Z` or `1764489600`.
fn parse_time(field: &str, text: &str) -> Result<i64, AdminError> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(time.timestamp());
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if let Some(midnight) = date.and_hms_opt(0, 0, 0) {
            return Ok(midnight.and_utc().timestamp());
        }
    }
    Err(super::invalid(
        field,
        format!("{text:?} is not a time: give 2026-11-30, 2026-11-30T08:00:00Z or Unix seconds"),
    ))
}

fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Runs one admin command and prints its answer.
pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let Some(config_path) = &args.config else {
        anyhow::bail!("give the portal's configuration file with --config FILE (or SWITCHBOARD_PORTAL_CONFIG)");
    };
    let config = PortalConfig::load(config_path)?;
    let key = config.encryption_key()?;
    let store = Store::connect(&config.database_url, &config.pool_settings()).await?;
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs(),
    )?;
    let actor = args.actor.clone().unwrap_or_else(os_user);
    let admin = Admin::new(store.clone(), key, config.providers.clone(), actor, now);
    let result = dispatch(&admin, &args.command, args.json).await;
    store.close().await;
    let outcome = match result {
        Ok(outcome) => outcome,
        // Asking for what already is: said, not an error (scripts may run twice).
        Err(AdminError::Unchanged(message)) => Outcome {
            text: format!("Nothing changed: {message}."),
            json: json!({ "changed": false, "message": message }),
        },
        Err(error) => return Err(error.into()),
    };
    let mut stdout = std::io::stdout().lock();
    if args.json {
        match &outcome.json {
            // The audit log: JSON lines.
            serde_json::Value::Array(events)
                if matches!(args.command, AdminCommand::Audit { .. }) =>
            {
                for event in events {
                    writeln!(stdout, "{event}")?;
                }
            }
            other => writeln!(stdout, "{other}")?,
        }
    } else {
        writeln!(stdout, "{}", outcome.text)?;
    }
    stdout.flush()?;
    Ok(())
}

async fn dispatch(
    admin: &Admin,
    command: &AdminCommand,
    _json: bool,
) -> Result<Outcome, AdminError> {
    match command {
        AdminCommand::Organization(command) => match command {
            OrganizationCommand::Create { id, name, policy } => {
                admin.org_create(id, name, &policy.input()).await
            }
            OrganizationCommand::List => admin.org_list().await,
            OrganizationCommand::Show { id } => admin.org_show(id).await,
            OrganizationCommand::Rename { id, name } => admin.org_rename(id, name).await,
            OrganizationCommand::Policy { id, policy } => {
                admin.org_policy(id, &policy.input()).await
            }
            OrganizationCommand::Delete { id } => admin.org_delete(id).await,
        },
        AdminCommand::Provider(command) => match command {
            ProviderCommand::Enable {
                org,
                provider,
                domain_or_tenant,
            } => admin.provider_enable(org, provider, domain_or_tenant).await,
            ProviderCommand::Disable {
                org,
                provider,
                domain_or_tenant,
            } => {
                admin
                    .provider_disable(org, provider, domain_or_tenant)
                    .await
            }
        },
        AdminCommand::Account(command) => match command.as_ref() {
            AccountCommand::Create {
                org,
                username,
                display_name,
                extension,
                login_emails,
                notification_emails,
                shared,
                password_stdin,
                sip,
            } => {
                let input = AccountInput {
                    username: username.clone(),
                    display_name: display_name.clone(),
                    extension: extension.clone(),
                    login_emails: login_emails.clone(),
                    notification_emails: notification_emails.clone(),
                    shared: *shared,
                    password: password_stdin.then(read_password_line).transpose()?,
                    sip: sip.input()?,
                };
                admin.account_create(org, &input).await
            }
            AccountCommand::List { org } => admin.account_list(org.as_deref()).await,
            AccountCommand::Show { username } => admin.account_show(username).await,
            AccountCommand::Update {
                username,
                display_name,
                extension,
                sip,
            } => {
                admin
                    .account_update(
                        username,
                        display_name.as_deref(),
                        extension.as_deref(),
                        &sip.input()?,
                    )
                    .await
            }
            AccountCommand::AddEmail {
                username,
                email,
                notification,
                shared,
            } => {
                let purpose = if *notification {
                    "notification"
                } else {
                    "login"
                };
                admin
                    .account_put_email(username, email, purpose, *shared)
                    .await
            }
            AccountCommand::RemoveEmail { username, email } => {
                admin.account_remove_email(username, email).await
            }
            AccountCommand::ResetPassword {
                username,
                password_stdin,
            } => {
                let password = password_stdin.then(read_password_line).transpose()?;
                admin
                    .account_reset_password(username, password.as_deref())
                    .await
            }
            AccountCommand::ResetAuthenticator { username } => {
                admin.account_reset_authenticator(username).await
            }
            AccountCommand::SignOut { username } => admin.account_sign_out(username).await,
            AccountCommand::Sso { username, decision } => {
                admin.account_sso(username, decision == "allow").await
            }
        },
        AdminCommand::Import {
            org,
            file,
            allow_shared_emails,
            dry_run,
        } => {
            admin
                .import(org, file, *allow_shared_emails, *dry_run)
                .await
        }
        AdminCommand::Relink {
            org,
            from,
            to,
            user,
            keys,
        } => admin.relink(org, from, to, user.as_deref(), keys).await,
        AdminCommand::Report { org } => admin.report(org.as_deref()).await,
        AdminCommand::Audit {
            account,
            org,
            kind,
            since,
            until,
            limit,
        } => {
            let kind = match kind {
                Some(kind) => Some(
                    AuditKind::parse(kind)
                        .ok_or_else(|| {
                            super::invalid(
                                "--kind",
                                format!(
                                    "{kind:?} is not a kind; the kinds are {}",
                                    AuditKind::ALL.map(AuditKind::as_str).join(", ")
                                ),
                            )
                        })?
                        .as_str()
                        .to_owned(),
                ),
                None => None,
            };
            let filter = AuditFilter {
                account_id: match account {
                    Some(username) => Some(admin.account(username).await?.id),
                    None => None,
                },
                organization_id: org.clone(),
                kind,
                since: since
                    .as_deref()
                    .map(|text| parse_time("--since", text))
                    .transpose()?,
                until: until
                    .as_deref()
                    .map(|text| parse_time("--until", text))
                    .transpose()?,
                limit: *limit,
            };
            admin.audit(&filter).await
        }
    }
}
