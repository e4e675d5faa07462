//! Connecting an organization's directory (SCIM): how it provisions accounts, and the
//! bearer tokens it presents.

use serde_json::json;

use super::validate::{valid_sip_uri, valid_text, valid_transport};
use super::{invalid, Admin, AdminError, Outcome};
use crate::scim::tokens::make_token;
use crate::store::{NewScimToken, ScimSettingsRow, StoreError};

/// What an operator gives `admin scim configure`; `None` keeps the current setting.
#[derive(Debug, Clone, Default)]
pub struct ScimInput {
    /// `200-299`: the extensions new accounts get.
    pub extensions: Option<String>,
    /// `employee-number`, `work-phone` or `range`.
    pub extension_from: Option<String>,
    pub sip_domain: Option<String>,
    pub registrar: Option<String>,
    pub transport: Option<String>,
    pub retention_days: Option<u32>,
}

/// Days a deleted account's data is kept when the operator says nothing.
pub const DEFAULT_RETENTION_DAYS: i64 = 30;

impl Admin {
    pub async fn scim_configure(
        &self,
        org: &str,
        input: &ScimInput,
    ) -> Result<Outcome, AdminError> {
        let organization = self.organization(org).await?;
        let current = self.store.scim_settings(&organization.id).await?;
        let (first, last) = match (&input.extensions, &current) {
            (Some(range), _) => extension_range(range)?,
            (None, Some(current)) => (current.extension_first, current.extension_last),
            (None, None) => {
                return Err(invalid(
                    "extensions",
                    "is required the first time (--extensions 200-299)",
                ))
            }
        };
        let extension_attribute = match input.extension_from.as_deref() {
            Some("employee-number") => Some("employeeNumber".to_owned()),
            Some("work-phone") => Some("phoneNumbers.work".to_owned()),
            Some("range") => None,
            Some(other) => {
                return Err(invalid(
                    "extension-from",
                    format!("{other:?} is not one of employee-number, work-phone, range"),
                ))
            }
            None => current
                .as_ref()
                .and_then(|current| current.extension_attribute.clone()),
        };
        let sip_domain = match (&input.sip_domain, &current) {
            (Some(domain), _) => valid_text("SIP domain", domain, 255)?,
            (None, Some(current)) => current.sip_domain.clone(),
            (None, None) => {
                return Err(invalid(
                    "SIP domain",
                    "is required the first time (--sip-domain)",
                ))
            }
        };
        let registrar = match (&input.registrar, &current) {
            (Some(registrar), _) => valid_sip_uri("registrar", registrar)?,
            (None, Some(current)) => current.registrar.clone(),
            (None, None) => {
                return Err(invalid(
                    "registrar",
                    "is required the first time (--registrar)",
                ))
            }
        };
        let transport = match (&input.transport, &current) {
            (Some(transport), _) => valid_transport(transport)?,
            (None, Some(current)) => current.transport.clone(),
            (None, None) => "tls".to_owned(),
        };
        let retention_days = match (input.retention_days, &current) {
            (Some(days), _) => i64::from(days),
            (None, Some(current)) => current.retention_days,
            (None, None) => DEFAULT_RETENTION_DAYS,
        };
        let settings = ScimSettingsRow {
            organization_id: organization.id.clone(),
            extension_first: first,
            extension_last: last,
            extension_attribute,
            sip_domain,
            registrar,
            transport,
            retention_days,
        };
        if current.as_ref() == Some(&settings) {
            return Err(AdminError::Unchanged(format!(
                "the provisioning settings of {} are so already",
                organization.id
            )));
        }
        let audit = self.row(
            self.event("scim_configured")
                .organization(organization.id.as_str())
                .detail("extensions", format!("{first}-{last}"))
                .detail("retention_days", retention_days),
        );
        self.store.put_scim_settings(&settings, &audit).await?;
        Ok(Outcome::new(
            format!("{}\n\nNext: `switchboard-portal admin scim token create {} NAME` makes the token the directory presents.", settings_text(&settings), organization.id),
            json!(settings),
        ))
    }

    pub async fn scim_show(&self, org: &str) -> Result<Outcome, AdminError> {
        let organization = self.organization(org).await?;
        let settings = self.store.scim_settings(&organization.id).await?;
        let tokens = self.store.scim_tokens(&organization.id).await?;
        let mut text = match &settings {
            Some(settings) => settings_text(settings),
            None => format!(
                "{} is not set up for directory provisioning: `switchboard-portal admin scim configure {} --extensions 200-299 --sip-domain … --registrar …`.",
                organization.id, organization.id
            ),
        };
        text.push_str(&format!("\n\n{}", tokens_text(&tokens)));
        Ok(Outcome::new(
            text,
            json!({ "settings": settings, "tokens": tokens }),
        ))
    }

    pub async fn scim_token_create(&self, org: &str, name: &str) -> Result<Outcome, AdminError> {
        let organization = self.organization(org).await?;
        if self.store.scim_settings(&organization.id).await?.is_none() {
            return Err(invalid(
                "organization",
                format!(
                    "{} has no provisioning settings yet: run `switchboard-portal admin scim configure {}` first",
                    organization.id, organization.id
                ),
            ));
        }
        let name = valid_text("token name", name, 64)?;
        let tenant_url = self.scim_url();
        let made = make_token();
        let id = format!("scimtok-{:016x}", rand::random::<u64>());
        let token = NewScimToken {
            id: &id,
            organization_id: &organization.id,
            name: &name,
            token_hash: &made.hash,
            created_by: &self.actor,
            now: self.now,
        };
        let audit = self.row(
            self.event("scim_token_created")
                .organization(organization.id.as_str())
                .detail("name", name.as_str()),
        );
        match self.store.insert_scim_token(&token, &audit).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return Err(invalid(
                    "token name",
                    format!(
                        "{} has a live token called {name:?}; revoke it or choose another name",
                        organization.id
                    ),
                ))
            }
            Err(error) => return Err(error.into()),
        }
        Ok(Outcome::new(
            format!(
                "Made the SCIM token {name:?} for {}.\n  Tenant URL: {tenant_url}\n  Secret token (shown only now; paste it into the directory): {}",
                organization.id, made.token
            ),
            json!({ "organization": organization.id, "name": name, "tenant_url": tenant_url, "token": made.token }),
        ))
    }

    pub async fn scim_token_list(&self, org: &str) -> Result<Outcome, AdminError> {
        let organization = self.organization(org).await?;
        let tokens = self.store.scim_tokens(&organization.id).await?;
        Ok(Outcome::new(tokens_text(&tokens), json!(tokens)))
    }

    pub async fn scim_token_revoke(&self, org: &str, name: &str) -> Result<Outcome, AdminError> {
        let organization = self.organization(org).await?;
        let audit = self.row(
            self.event("scim_token_revoked")
                .organization(organization.id.as_str())
                .detail("name", name),
        );
        if !self
            .store
            .revoke_scim_token(&organization.id, name, self.now, &audit)
            .await?
        {
            return Err(AdminError::Unchanged(format!(
                "{} has no live token called {name:?} (`switchboard-portal admin scim token list {}` shows them)",
                organization.id, organization.id
            )));
        }
        Ok(Outcome::new(
            format!("Revoked the SCIM token {name:?} of {}: the directory's next request with it is refused.", organization.id),
            json!({ "organization": organization.id, "name": name, "revoked": true }),
        ))
    }
}

/// `200-299` as (200, 299).
fn extension_range(text: &str) -> Result<(i64, i64), AdminError> {
    let bad = || {
        invalid(
            "extensions",
            format!("{text:?} is not a range such as 200-299"),
        )
    };
    let (first, last) = text.trim().split_once('-').ok_or_else(bad)?;
    let first: i64 = first.trim().parse().map_err(|_| bad())?;
    let last: i64 = last.trim().parse().map_err(|_| bad())?;
    if first < 0 || last < first || last > 999_999_999_999_999 {
        return Err(bad());
    }
    Ok((first, last))
}

fn settings_text(settings: &ScimSettingsRow) -> String {
    format!(
        "Directory provisioning of {}:\n  extensions {}-{} ({})\n  new lines: {} via {} ({})\n  a deleted user's data is kept {} day(s)",
        settings.organization_id,
        settings.extension_first,
        settings.extension_last,
        match settings.extension_attribute.as_deref() {
            Some("employeeNumber") => "from the enterprise employeeNumber, else the next free one",
            Some(_) => "from the work phone number, else the next free one",
            None => "the next free one",
        },
        settings.sip_domain,
        settings.registrar,
        settings.transport,
        settings.retention_days,
    )
}

fn tokens_text(tokens: &[crate::store::ScimTokenRow]) -> String {
    if tokens.is_empty() {
        return "No SCIM tokens.".to_owned();
    }
    let mut text = String::from("SCIM tokens:");
    for token in tokens {
        let state = match (token.revoked_at, token.last_used_at) {
            (Some(at), _) => format!("revoked {}", time_text(at)),
            (None, Some(at)) => format!("last used {}", time_text(at)),
            (None, None) => "never used".to_owned(),
        };
        text.push_str(&format!(
            "\n  {} (made by {} {}; {state})",
            token.name,
            token.created_by,
            time_text(token.created_at)
        ));
    }
    text
}

fn time_text(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_ranges() {
        assert_eq!(extension_range("200-299").unwrap(), (200, 299));
        assert_eq!(extension_range(" 7 - 7 ").unwrap(), (7, 7));
        assert!(extension_range("299-200").is_err());
        assert!(extension_range("200").is_err());
        assert!(extension_range("a-b").is_err());
    }
}
