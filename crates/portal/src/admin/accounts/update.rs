//! Changing an account's details and its emails.

use serde_json::json;

use super::SipInput;
use crate::admin::validate::{
    valid_email, valid_extension, valid_sip_uri, valid_text, valid_transport,
};
use crate::admin::{invalid, Admin, AdminError, Outcome};
use crate::crypto::Binding;
use crate::store::AccountChange;

impl Admin {
    pub async fn account_update(
        &self,
        username: &str,
        display_name: Option<&str>,
        extension: Option<&str>,
        sip: &SipInput,
    ) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        if sip.new_password && sip.password.is_some() {
            return Err(crate::admin::invalid(
                "SIP password",
                "give either --sip-password-file or --new-sip-password, not both",
            ));
        }
        let made_up_password = sip.new_password.then(crate::admin::validate::new_password);
        let given_password = sip.password.as_deref().or(made_up_password.as_deref());
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
            sip_password_encrypted: given_password
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
        self.sync_static_credentials(Some(&account.id)).await?;
        let mut text = format!("Updated {}: {}.", account.username, changed.join(", "));
        if let Some(password) = &made_up_password {
            text.push_str(&format!(
                "\n  New SIP password for its desk phones (shown only now): {password}\n  \
                 The app's devices have their own credentials and need nothing."
            ));
        }
        Ok(Outcome::new(
            text,
            json!({ "username": account.username, "changed": changed, "sip_password": made_up_password }),
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
            .put_email(&account.id, &email, purpose, self.now, &audit, &|link| {
                self.unlink_row(link)
            })
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
            .remove_email(&account.id, &email, self.now, &audit, &|link| {
                self.unlink_row(link)
            })
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
}
