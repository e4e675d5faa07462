//! Accounts: create, list, show, update, emails, password, authenticator, sessions, and
//! whether the account may use single sign-on.

use serde_json::json;

use super::validate::{
    given_or_new_password, new_account_id, new_password, valid_email, valid_extension,
    valid_sip_uri, valid_text, valid_transport, valid_username,
};
use super::{invalid, Admin, AdminError, Outcome};
use crate::crypto::Binding;
use crate::password::hash_password;
use crate::store::{AccountChange, AccountRow, NewAccount, NewSipProfile};

/// The SIP settings an operator gives for an account.
#[derive(Debug, Clone, Default)]
pub struct SipInput {
    pub sip_user: Option<String>,
    pub auth_user: Option<String>,
    pub password: Option<String>,
    pub domain: Option<String>,
    pub registrar: Option<String>,
    pub transport: Option<String>,
    pub outbound_proxy: Option<String>,
    pub stun_server: Option<String>,
    pub turn_server: Option<String>,
    pub voicemail_number: Option<String>,
}

/// A new account as the operator gives it.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    pub username: String,
    pub display_name: String,
    pub extension: String,
    pub login_emails: Vec<String>,
    pub notification_emails: Vec<String>,
    /// Login emails may be login emails of other accounts too (a shared address).
    pub shared: bool,
    /// The first password; `None` makes one up and shows it once.
    pub password: Option<String>,
    pub sip: SipInput,
}
fn account_json(account: &AccountRow) -> serde_json::Value {
    json!({
        "id": account.id,
        "organization": account.organization_id,
        "username": account.username,
        "display_name": account.display_name,
        "extension": account.extension,
        "sso_allowed": account.sso_allowed,
        "authenticator": account.has_authenticator,
        "created_at": account.created_at,
    })
}

impl Admin {
    /// Refuses login emails that are login emails of other accounts, unless shared.
    pub(crate) async fn check_login_emails(
        &self,
        emails: &[String],
        own_username: Option<&str>,
        shared: bool,
    ) -> Result<(), AdminError> {
        if shared {
            return Ok(());
        }
        for email in emails {
            let owners: Vec<String> = self
                .store
                .login_email_owners(email)
                .await?
                .into_iter()
                .filter(|owner| Some(owner.as_str()) != own_username)
                .collect();
            if !owners.is_empty() {
                return Err(AdminError::EmailTaken {
                    email: email.clone(),
                    owners: owners.join(", "),
                });
            }
        }
        Ok(())
    }

    pub async fn account_create(
        &self,
        organization_id: &str,
        input: &AccountInput,
    ) -> Result<Outcome, AdminError> {
        let username = valid_username(&input.username)?;
        let display_name = valid_text("display name", &input.display_name, 120)?;
        let extension = valid_extension(&input.extension)?;
        let login_emails = input
            .login_emails
            .iter()
            .map(|email| valid_email("login email", email))
            .collect::<Result<Vec<_>, _>>()?;
        let notification_emails = input
            .notification_emails
            .iter()
            .map(|email| valid_email("notification email", email))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(both) = login_emails
            .iter()
            .find(|email| notification_emails.contains(email))
        {
            return Err(invalid(
                "notification email",
                format!("{both} is given as a login email too"),
            ));
        }
        let sip = &input.sip;
        let domain = valid_text(
            "SIP domain",
            sip.domain
                .as_deref()
                .ok_or_else(|| invalid("SIP domain", "is required (--sip-domain)"))?,
            255,
        )?;
        let registrar = valid_sip_uri(
            "registrar",
            sip.registrar
                .as_deref()
                .ok_or_else(|| invalid("registrar", "is required (--registrar)"))?,
        )?;
        let transport = valid_transport(sip.transport.as_deref().unwrap_or("tls"))?;
        let sip_user = valid_text(
            "SIP user",
            sip.sip_user.as_deref().unwrap_or(&extension),
            64,
        )?;
        let auth_user = valid_text(
            "SIP auth user",
            sip.auth_user.as_deref().unwrap_or(&sip_user),
            64,
        )?;
        let optional_uri = |field: &str, value: &Option<String>| {
            value
                .as_deref()
                .filter(|text| !text.trim().is_empty())
                .map(|text| valid_sip_uri(field, text))
                .transpose()
        };
        let outbound_proxy = optional_uri("outbound proxy", &sip.outbound_proxy)?;
        let stun_server = optional_uri("STUN server", &sip.stun_server)?;
        let turn_server = optional_uri("TURN server", &sip.turn_server)?;
        let voicemail = sip
            .voicemail_number
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .map(valid_extension)
            .transpose()?;

        let organization = self.organization(organization_id).await?;
        if self.store.account_by_username(&username).await?.is_some() {
            return Err(AdminError::UsernameTaken(username));
        }
        self.check_login_emails(&login_emails, None, input.shared)
            .await?;

        let (password, shown_password) = given_or_new_password(input.password.as_deref())?;
        let (sip_password, shown_sip_password) = match &sip.password {
            Some(password) => (valid_text("SIP password", password, 128)?, None),
            None => {
                let made_up = new_password();
                (made_up.clone(), Some(made_up))
            }
        };
        let password_hash = hash_password(&password)?;
        let id = new_account_id();
        let sip_password_encrypted = self
            .key
            .encrypt(sip_password.as_bytes(), Binding::sip_password(&id));
        let login_refs: Vec<&str> = login_emails.iter().map(String::as_str).collect();
        let notification_refs: Vec<&str> = notification_emails.iter().map(String::as_str).collect();
        let account = NewAccount {
            id: &id,
            username: &username,
            display_name: &display_name,
            extension: &extension,
            password_hash: &password_hash,
            totp_secret_encrypted: None,
            login_emails: &login_refs,
            notification_emails: &notification_refs,
            sip: NewSipProfile {
                sip_user: &sip_user,
                auth_user: &auth_user,
                password_encrypted: &sip_password_encrypted,
                sip_domain: &domain,
                registrar: &registrar,
                outbound_proxy: outbound_proxy.as_deref(),
                transport: &transport,
                stun_server: stun_server.as_deref(),
                turn_server: turn_server.as_deref(),
                voicemail_number: voicemail.as_deref(),
            },
        };
        let audit = self.row(
            self.event("account_created")
                .organization(organization.id.as_str())
                .account(id.as_str())
                .detail("username", username.as_str())
                .detail("login_emails", login_emails.clone()),
        );
        self.store
            .create_account(&organization.id, &account, self.now, &audit)
            .await?;
        let mut text = format!(
            "Created {username} ({display_name}, extension {extension}) in {}.",
            organization.id
        );
        if let Some(password) = &shown_password {
            text.push_str(&format!(
                "\n  First password (shown only now; give it to the user): {password}"
            ));
        }
        if let Some(password) = &shown_sip_password {
            text.push_str(&format!(
                "\n  SIP password (shown only now; set it on the registrar for {auth_user}): {password}"
            ));
        }
        Ok(Outcome::new(
            text,
            json!({
                "id": id,
                "organization": organization.id,
                "username": username,
                "display_name": display_name,
                "extension": extension,
                "login_emails": login_emails,
                "notification_emails": notification_emails,
                "password": shown_password,
                "sip_password": shown_sip_password,
            }),
        ))
    }

    pub async fn account_list(&self, organization_id: Option<&str>) -> Result<Outcome, AdminError> {
        if let Some(id) = organization_id {
            self.organization(id).await?;
        }
        let accounts = self.store.accounts_of(organization_id).await?;
        let mut text = format!(
            "{:<16} {:<20} {:<26} {:<6} {:<4} {}\n",
            "ORGANIZATION", "USERNAME", "NAME", "EXT", "SSO", "AUTHENTICATOR"
        );
        for account in &accounts {
            text.push_str(&format!(
                "{:<16} {:<20} {:<26} {:<6} {:<4} {}\n",
                account.organization_id,
                account.username,
                account.display_name,
                account.extension,
                if account.sso_allowed { "yes" } else { "no" },
                if account.has_authenticator {
                    "yes"
                } else {
                    "no"
                },
            ));
        }
        Ok(Outcome::new(
            text.trim_end(),
            json!(accounts.iter().map(account_json).collect::<Vec<_>>()),
        ))
    }

    pub async fn account_show(&self, username: &str) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let emails = self.store.emails_of_account(&account.id).await?;
        let links = self.store.links_of_account(&account.id).await?;
        let sessions = self.store.live_sessions_of_account(&account.id).await?;
        let profile = self.store.sip_profile(&account.id).await?;
        let mut text = format!(
            "{} ({}) in {}\n  extension {}; single sign-on {}; authenticator app {}",
            account.username,
            account.display_name,
            account.organization_id,
            account.extension,
            if account.sso_allowed {
                "allowed"
            } else {
                "denied"
            },
            if account.has_authenticator {
                "on"
            } else {
                "off"
            },
        );
        for email in &emails {
            text.push_str(&format!("\n  {} email: {}", email.purpose, email.email));
            if email.other_login_accounts > 0 {
                text.push_str(&format!(
                    " (also a login email of {} other account(s))",
                    email.other_login_accounts
                ));
            }
        }
        for link in &links {
            text.push_str(&format!(
                "\n  linked: {} {} (made by {})",
                link.provider_id.as_deref().unwrap_or("?"),
                link.email.as_deref().unwrap_or(&link.subject),
                link.made_by.as_deref().unwrap_or("?"),
            ));
        }
        if let Some(profile) = &profile {
            text.push_str(&format!(
                "\n  SIP: {}@{} via {} ({})",
                profile.sip_user, profile.sip_domain, profile.registrar, profile.transport
            ));
        }
        text.push_str(&format!("\n  signed in on {} device(s)", sessions.len()));
        let mut json = account_json(&account);
        json["emails"] = json!(emails
            .iter()
            .map(|email| json!({ "email": email.email, "purpose": email.purpose, "other_login_accounts": email.other_login_accounts }))
            .collect::<Vec<_>>());
        json["links"] = json!(links
            .iter()
            .map(|link| json!({ "provider": link.provider_id, "issuer": link.issuer, "subject": link.subject, "email": link.email, "made_by": link.made_by, "created_at": link.created_at }))
            .collect::<Vec<_>>());
        json["sessions"] = json!(sessions
            .iter()
            .map(|session| json!({ "device": session.device_name, "method": session.auth_method, "created_at": session.created_at, "last_used_at": session.last_used_at }))
            .collect::<Vec<_>>());
        if let Some(profile) = profile {
            json["sip"] = json!({
                "sip_user": profile.sip_user,
                "auth_user": profile.auth_user,
                "domain": profile.sip_domain,
                "registrar": profile.registrar,
                "transport": profile.transport,
                "outbound_proxy": profile.outbound_proxy,
                "stun_server": profile.stun_server,
                "turn_server": profile.turn_server,
                "voicemail_number": profile.voicemail_number,
                "version": profile.version,
            });
        }
        Ok(Outcome::new(text, json))
    }

    pub async fn account_update(
        &self,
        username: &str,
        display_name: Option<&str>,
        extension: Option<&str>,
        sip: &SipInput,
    ) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let optional =
            |field: &str, value: &Option<String>| -> Result<Option<String>, AdminError> {
                match value.as_deref().map(str::trim) {
                    None => Ok(None),
                    Some("") => Ok(Some(String::new())),
                    Some(uri) => valid_sip_uri(field, uri).map(Some),
                }
            };
        let change = AccountChange {
            display_name: display_name
                .map(|name| valid_text("display name", name, 120))
                .transpose()?,
            extension: extension.map(valid_extension).transpose()?,
            sip_user: sip
                .sip_user
                .as_deref()
                .map(|user| valid_text("SIP user", user, 64))
                .transpose()?,
            auth_user: sip
                .auth_user
                .as_deref()
                .map(|user| valid_text("SIP auth user", user, 64))
                .transpose()?,
            sip_password_encrypted: sip
                .password
                .as_deref()
                .map(|password| valid_text("SIP password", password, 128))
                .transpose()?
                .map(|password| {
                    self.key
                        .encrypt(password.as_bytes(), Binding::sip_password(&account.id))
                }),
            sip_domain: sip
                .domain
                .as_deref()
                .map(|domain| valid_text("SIP domain", domain, 255))
                .transpose()?,
            registrar: sip
                .registrar
                .as_deref()
                .map(|uri| valid_sip_uri("registrar", uri))
                .transpose()?,
            transport: sip.transport.as_deref().map(valid_transport).transpose()?,
            outbound_proxy: optional("outbound proxy", &sip.outbound_proxy)?,
            stun_server: optional("STUN server", &sip.stun_server)?,
            turn_server: optional("TURN server", &sip.turn_server)?,
            voicemail_number: match sip.voicemail_number.as_deref().map(str::trim) {
                None => None,
                Some("") => Some(String::new()),
                Some(number) => Some(valid_extension(number)?),
            },
        };
        let mut changed: Vec<&str> = Vec::new();
        for (name, set) in [
            ("display_name", change.display_name.is_some()),
            ("extension", change.extension.is_some()),
            ("sip_user", change.sip_user.is_some()),
            ("auth_user", change.auth_user.is_some()),
            ("sip_password", change.sip_password_encrypted.is_some()),
            ("sip_domain", change.sip_domain.is_some()),
            ("registrar", change.registrar.is_some()),
            ("transport", change.transport.is_some()),
            ("outbound_proxy", change.outbound_proxy.is_some()),
            ("stun_server", change.stun_server.is_some()),
            ("turn_server", change.turn_server.is_some()),
            ("voicemail_number", change.voicemail_number.is_some()),
        ] {
            if set {
                changed.push(name);
            }
        }
        if changed.is_empty() {
            return Err(AdminError::Unchanged(
                "nothing to change: give at least one of the options (see --help)".into(),
            ));
        }
        let audit = self.row(
            self.event("account_updated")
                .account(account.id.as_str())
                .detail("username", account.username.as_str())
                .detail("fields", changed.clone()),
        );
        self.store
            .update_account(&account.id, &change, &audit)
            .await?;
        Ok(Outcome::new(
            format!("Updated {}: {}.", account.username, changed.join(", ")),
            json!({ "username": account.username, "changed": changed }),
        ))
    }

    /// Adds an email, or changes its purpose. A login email made notification-only ends the
    /// links made from it, with their sessions.
    pub async fn account_put_email(
        &self,
        username: &str,
        email: &str,
        purpose: &str,
        shared: bool,
    ) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let email = valid_email("email", email)?;
        if purpose == "login" {
            self.check_login_emails(
                std::slice::from_ref(&email),
                Some(&account.username),
                shared,
            )
            .await?;
        }
        let audit = self.row(
            self.event("email_set")
                .account(account.id.as_str())
                .detail("username", account.username.as_str())
                .detail("email", email.as_str())
                .detail("purpose", purpose),
        );
        let Some(ended) = self
            .store
            .put_email(&account.id, &email, purpose, self.now, &audit)
            .await?
        else {
            return Err(AdminError::Unchanged(format!(
                "{email} is already a {purpose} email of {}",
                account.username
            )));
        };
        let mut text = format!("{email} is now a {purpose} email of {}.", account.username);
        if ended.links > 0 {
            text.push_str(&format!(
                " {} link(s) made from it and {} session(s) ended.",
                ended.links, ended.sessions
            ));
        }
        Ok(Outcome::new(
            text,
            json!({ "username": account.username, "email": email, "purpose": purpose, "ended": ended }),
        ))
    }

    pub async fn account_remove_email(
        &self,
        username: &str,
        email: &str,
    ) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let email = email.trim().to_lowercase();
        let audit = self.row(
            self.event("email_removed")
                .account(account.id.as_str())
                .detail("username", account.username.as_str())
                .detail("email", email.as_str()),
        );
        let Some(ended) = self
            .store
            .remove_email(&account.id, &email, self.now, &audit)
            .await?
        else {
            return Err(invalid(
                "email",
                format!("{} has no email {email}", account.username),
            ));
        };
        Ok(Outcome::new(
            format!(
                "Removed {email} from {}; {} link(s) made from it and {} session(s) ended.",
                account.username, ended.links, ended.sessions
            ),
            json!({ "username": account.username, "email": email, "removed": true, "ended": ended }),
        ))
    }

    pub async fn account_reset_password(
        &self,
        username: &str,
        password: Option<&str>,
    ) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let (password, shown) = given_or_new_password(password)?;
        let hash = hash_password(&password)?;
        let audit = self.row(
            self.event("password_reset")
                .account(account.id.as_str())
                .detail("username", account.username.as_str()),
        );
        let ended = self
            .store
            .reset_password(&account.id, &hash, self.now, &audit)
            .await?;
        let mut text = format!(
            "Reset the password of {}; {ended} session(s) ended.",
            account.username
        );
        if let Some(password) = &shown {
            text.push_str(&format!(
                "\n  New password (shown only now; give it to the user): {password}"
            ));
        }
        Ok(Outcome::new(
            text,
            json!({ "username": account.username, "password": shown, "sessions_ended": ended }),
        ))
    }

    pub async fn account_reset_authenticator(&self, username: &str) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let audit = self.row(
            self.event("authenticator_reset")
                .account(account.id.as_str())
                .detail("username", account.username.as_str()),
        );
        if !self.store.reset_authenticator(&account.id, &audit).await? {
            return Err(AdminError::Unchanged(format!(
                "{} has no authenticator app",
                account.username
            )));
        }
        Ok(Outcome::new(
            format!(
                "Removed the authenticator app and recovery codes of {}; they sign in with the password alone until they set up a new one.",
                account.username
            ),
            json!({ "username": account.username, "authenticator": false }),
        ))
    }

    pub async fn account_sign_out(&self, username: &str) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let audit = self.row(
            self.event("signed_out_everywhere")
                .account(account.id.as_str())
                .detail("username", account.username.as_str()),
        );
        let ended = self
            .store
            .end_sessions_of_account(
                &account.id,
                None,
                "signed_out_by_admin",
                self.now,
                Some(&audit),
            )
            .await?;
        Ok(Outcome::new(
            format!(
                "Signed {} out everywhere: {ended} session(s) ended.",
                account.username
            ),
            json!({ "username": account.username, "sessions_ended": ended }),
        ))
    }

    pub async fn account_sso(&self, username: &str, allowed: bool) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let audit = self.row(
            self.event(if allowed { "sso_allowed" } else { "sso_denied" })
                .account(account.id.as_str())
                .detail("username", account.username.as_str()),
        );
        let Some(ended) = self
            .store
            .set_sso(&account.id, allowed, self.now, &audit)
            .await?
        else {
            return Err(AdminError::Unchanged(format!(
                "single sign-on is already {} for {}",
                if allowed { "allowed" } else { "denied" },
                account.username
            )));
        };
        let text = if allowed {
            format!(
                "{} may sign in with single sign-on again.",
                account.username
            )
        } else {
            format!(
                "{} may no longer sign in with single sign-on (the password still works); {ended} single sign-on session(s) ended.",
                account.username
            )
        };
        Ok(Outcome::new(
            text,
            json!({ "username": account.username, "sso_allowed": allowed, "sessions_ended": ended }),
        ))
    }
}
