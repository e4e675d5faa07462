//! Creating an account, and the check that its login emails are not other accounts'
//! (unless shared).

use serde_json::json;

use super::AccountInput;
use crate::admin::validate::{
    given_or_new_password, new_account_id, new_password, valid_email, valid_extension,
    valid_sip_uri, valid_text, valid_transport, valid_username,
};
use crate::admin::{invalid, Admin, AdminError, Outcome};
use crate::crypto::Binding;
use crate::password::hash_password;
use crate::store::{NewAccount, NewSipProfile};

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
        self.sync_static_credentials(Some(&id)).await?;
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
}
