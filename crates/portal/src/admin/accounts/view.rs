//! Listing accounts and showing one.

use serde_json::json;

use super::account_json;
use crate::admin::{Admin, AdminError, Outcome};

impl Admin {
    pub async fn account_list(&self, organization_id: Option<&str>) -> Result<Outcome, AdminError> {
        if let Some(id) = organization_id {
            self.organization(id).await?;
        }
        let accounts = self.store.accounts_of(organization_id).await?;
        let mut text = format!(
            "{:<16} {:<20} {:<26} {:<6} {:<4} {:<13} {}\n",
            "ORGANIZATION", "USERNAME", "NAME", "EXT", "SSO", "AUTHENTICATOR", "ACTIVE"
        );
        for account in &accounts {
            text.push_str(&format!(
                "{:<16} {:<20} {:<26} {:<6} {:<4} {:<13} {}\n",
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
                if account.active { "yes" } else { "no" },
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
        if !account.active {
            text.push_str("\n  deactivated by the organization's directory: signs in nowhere");
        }
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
            .map(|session| json!({ "device": session.device_name, "user_agent": session.user_agent, "method": session.auth_method, "created_at": session.created_at, "signed_in_from": session.signed_in_ip, "last_used_at": session.last_used_at, "last_used_from": session.last_used_ip }))
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
}
