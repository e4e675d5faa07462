//! Each admin command carried out by its [`Admin`] operation, with what the command line
//! adds: passwords read from standard input, times parsed.

use std::io::BufRead;

use super::commands::{
    AccountCommand, AdminCommand, OrganizationCommand, ProviderCommand, ScimCommand,
    ScimTokenCommand,
};
use crate::admin::{invalid, AccountInput, Admin, AdminError, Outcome, ScimInput};
use crate::audit::AuditKind;
use crate::store::AuditFilter;

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
    Err(invalid(
        field,
        format!("{text:?} is not a time: give 2026-11-30, 2026-11-30T08:00:00Z or Unix seconds"),
    ))
}

pub(super) async fn dispatch(
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
        AdminCommand::Scim(command) => match command {
            ScimCommand::Configure {
                org,
                extensions,
                extension_from,
                sip_domain,
                registrar,
                transport,
                retention_days,
            } => {
                let input = ScimInput {
                    extensions: extensions.clone(),
                    extension_from: extension_from.clone(),
                    sip_domain: sip_domain.clone(),
                    registrar: registrar.clone(),
                    transport: transport.clone(),
                    retention_days: *retention_days,
                };
                admin.scim_configure(org, &input).await
            }
            ScimCommand::Show { org } => admin.scim_show(org).await,
            ScimCommand::Token(ScimTokenCommand::Create { org, name }) => {
                admin.scim_token_create(org, name).await
            }
            ScimCommand::Token(ScimTokenCommand::List { org }) => admin.scim_token_list(org).await,
            ScimCommand::Token(ScimTokenCommand::Revoke { org, name }) => {
                admin.scim_token_revoke(org, name).await
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
                            invalid(
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
