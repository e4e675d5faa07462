//! Organizations, their policy, and the providers each enabled for its domains or tenants.

use serde_json::json;

use super::{domain_or_tenant, invalid, Admin, AdminError, Outcome};
use crate::store::{OrganizationRow, PolicyChange};

const DAY: i64 = 24 * 3600;

fn valid_id(id: &str) -> Result<(), AdminError> {
    let ok = !id.is_empty()
        && id.len() <= 63
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "organization id",
            format!("{id:?} must be 1 to 63 lower-case letters, digits or '-'"),
        ))
    }
}

fn valid_name(name: &str) -> Result<String, AdminError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(invalid(
            "name",
            "give a name of 1 to 120 characters, without control characters",
        ));
    }
    Ok(name.to_owned())
}

fn valid_days(field: &str, days: Option<u32>) -> Result<Option<i64>, AdminError> {
    match days {
        Some(0) => Err(invalid(field, "must be at least 1 day")),
        Some(days) if days > 3650 => Err(invalid(field, "must be at most 3650 days")),
        other => Ok(other.map(|days| i64::from(days) * DAY)),
    }
}

/// An organization's policy as the operator gives it.
#[derive(Debug, Clone, Default)]
pub struct PolicyInput {
    pub require_totp_for_sso: Option<bool>,
    pub idle_days: Option<u32>,
    pub absolute_days: Option<u32>,
}

fn organization_json(organization: &OrganizationRow) -> serde_json::Value {
    json!({
        "id": organization.id,
        "name": organization.name,
        "require_totp_for_sso": organization.require_totp_for_sso,
        "session_idle_days": organization.session_idle_seconds / DAY,
        "session_absolute_days": organization.session_absolute_seconds / DAY,
        "accounts": organization.accounts,
    })
}

impl Admin {
    pub async fn org_create(
        &self,
        id: &str,
        name: &str,
        policy: &PolicyInput,
    ) -> Result<Outcome, AdminError> {
        valid_id(id)?;
        let name = valid_name(name)?;
        let organization = OrganizationRow {
            id: id.to_owned(),
            name,
            require_totp_for_sso: policy.require_totp_for_sso.unwrap_or(false),
            session_idle_seconds: valid_days("idle days", policy.idle_days)?.unwrap_or(14 * DAY),
            session_absolute_seconds: valid_days("absolute days", policy.absolute_days)?
                .unwrap_or(90 * DAY),
            accounts: 0,
        };
        let audit = self.row(
            self.event("organization_created")
                .organization(id)
                .detail("name", organization.name.as_str()),
        );
        if !self
            .store
            .create_organization(&organization, &audit)
            .await?
        {
            return Err(AdminError::OrganizationExists(id.to_owned()));
        }
        Ok(Outcome::new(
            format!("Created organization {id} ({}).", organization.name),
            organization_json(&organization),
        ))
    }

    pub async fn org_list(&self) -> Result<Outcome, AdminError> {
        let organizations = self.store.organizations().await?;
        let mut text = format!("{:<20} {:<30} {:>8}  sso+code\n", "ID", "NAME", "ACCOUNTS");
        for organization in &organizations {
            text.push_str(&format!(
                "{:<20} {:<30} {:>8}  {}\n",
                organization.id,
                organization.name,
                organization.accounts,
                if organization.require_totp_for_sso {
                    "yes"
                } else {
                    "no"
                }
            ));
        }
        if organizations.is_empty() {
            text = "No organizations yet: `switchboard-portal admin org create ID --name NAME`.\n"
                .into();
        }
        Ok(Outcome::new(
            text.trim_end(),
            json!(organizations
                .iter()
                .map(organization_json)
                .collect::<Vec<_>>()),
        ))
    }

    pub async fn org_show(&self, id: &str) -> Result<Outcome, AdminError> {
        let organization = self.organization(id).await?;
        let providers = self.store.enabled_providers(id).await?;
        let mut text = format!(
            "{} ({})\n  accounts: {}\n  authenticator code also after single sign-on: {}\n  sessions end after {} idle days, at the latest after {} days\n  providers:",
            organization.name,
            organization.id,
            organization.accounts,
            if organization.require_totp_for_sso { "yes" } else { "no" },
            organization.session_idle_seconds / DAY,
            organization.session_absolute_seconds / DAY,
        );
        if providers.is_empty() {
            text.push_str(" none enabled");
        }
        for provider in &providers {
            text.push_str(&format!(
                "\n    {} for {}",
                provider.provider_id, provider.domain_or_tenant
            ));
        }
        let mut json = organization_json(&organization);
        json["providers"] = json!(providers);
        Ok(Outcome::new(text, json))
    }

    pub async fn org_rename(&self, id: &str, name: &str) -> Result<Outcome, AdminError> {
        let name = valid_name(name)?;
        let audit = self.row(
            self.event("organization_renamed")
                .organization(id)
                .detail("name", name.as_str()),
        );
        if !self.store.rename_organization(id, &name, &audit).await? {
            return Err(AdminError::UnknownOrganization(id.to_owned()));
        }
        Ok(Outcome::new(
            format!("Renamed organization {id} to {name}."),
            json!({ "id": id, "name": name }),
        ))
    }

    pub async fn org_policy(&self, id: &str, policy: &PolicyInput) -> Result<Outcome, AdminError> {
        let change = PolicyChange {
            require_totp_for_sso: policy.require_totp_for_sso,
            session_idle_seconds: valid_days("idle days", policy.idle_days)?,
            session_absolute_seconds: valid_days("absolute days", policy.absolute_days)?,
        };
        let current = self.organization(id).await?;
        let idle = change
            .session_idle_seconds
            .unwrap_or(current.session_idle_seconds);
        let absolute = change
            .session_absolute_seconds
            .unwrap_or(current.session_absolute_seconds);
        if idle > absolute {
            return Err(invalid(
                "idle days",
                "the idle lifetime cannot be longer than the absolute one",
            ));
        }
        let mut event = self.event("policy_changed").organization(id);
        if let Some(flag) = change.require_totp_for_sso {
            event = event.detail("require_totp_for_sso", flag);
        }
        if let Some(seconds) = change.session_idle_seconds {
            event = event.detail("session_idle_days", seconds / DAY);
        }
        if let Some(seconds) = change.session_absolute_seconds {
            event = event.detail("session_absolute_days", seconds / DAY);
        }
        if !self
            .store
            .change_policy(id, &change, &self.row(event))
            .await?
        {
            return Err(AdminError::UnknownOrganization(id.to_owned()));
        }
        let updated = self.organization(id).await?;
        Ok(Outcome::new(
            format!("Updated the policy of {id}."),
            organization_json(&updated),
        ))
    }

    pub async fn org_delete(&self, id: &str) -> Result<Outcome, AdminError> {
        let audit = self.row(self.event("organization_deleted").organization(id));
        match self.store.delete_organization(id, &audit).await? {
            None => Err(AdminError::UnknownOrganization(id.to_owned())),
            Some(0) => Ok(Outcome::new(
                format!("Deleted organization {id}."),
                json!({ "id": id, "deleted": true }),
            )),
            Some(accounts) => Err(AdminError::OrganizationNotEmpty {
                id: id.to_owned(),
                accounts,
            }),
        }
    }

    /// What enabling or disabling a provider checks first: the provider is configured, the
    /// domain or tenant has its form, the organization exists. With the change's audit row.
    async fn provider_change(
        &self,
        organization_id: &str,
        provider_id: &str,
        key: &str,
        action: &str,
    ) -> Result<
        (
            &crate::config::ProviderConfig,
            String,
            crate::store::AuditRow,
        ),
        AdminError,
    > {
        let provider = self.provider(provider_id)?;
        let key = domain_or_tenant(provider.kind, key)?;
        self.organization(organization_id).await?;
        let audit = self.row(
            self.event(action)
                .organization(organization_id)
                .provider(provider_id)
                .detail("domain_or_tenant", key.as_str()),
        );
        Ok((provider, key, audit))
    }

    pub async fn provider_enable(
        &self,
        organization_id: &str,
        provider_id: &str,
        key: &str,
    ) -> Result<Outcome, AdminError> {
        let (provider, key, audit) = self
            .provider_change(organization_id, provider_id, key, "provider_enabled")
            .await?;
        if !self
            .store
            .enable_provider(organization_id, provider_id, &key, &audit)
            .await?
        {
            return Err(AdminError::Unchanged(format!(
                "{provider_id} is already enabled for {key} in {organization_id}"
            )));
        }
        Ok(Outcome::new(
            format!(
                "Enabled {} ({provider_id}) for {key} in {organization_id}: its users whose verified email or domain matches now sign in with it.",
                provider.display_name
            ),
            json!({ "organization": organization_id, "provider": provider_id, "domain_or_tenant": key, "enabled": true }),
        ))
    }

    pub async fn provider_disable(
        &self,
        organization_id: &str,
        provider_id: &str,
        key: &str,
    ) -> Result<Outcome, AdminError> {
        let (_, key, audit) = self
            .provider_change(organization_id, provider_id, key, "provider_disabled")
            .await?;
        let Some(ended) = self
            .store
            .disable_provider(
                organization_id,
                provider_id,
                &key,
                self.now,
                &audit,
                &|link| self.unlink_row(link),
            )
            .await?
        else {
            return Err(AdminError::Unchanged(format!(
                "{provider_id} is not enabled for {key} in {organization_id}"
            )));
        };
        Ok(Outcome::new(
            format!(
                "Disabled {provider_id} for {key} in {organization_id}: {} link(s) and {} session(s) ended.",
                ended.links, ended.sessions
            ),
            json!({ "organization": organization_id, "provider": provider_id, "domain_or_tenant": key, "enabled": false, "ended": ended }),
        ))
    }

    /// Moves an organization (or one of its users) from one provider to another: the old
    /// links end with their sessions; users sign in with the new provider once and are
    /// linked by the usual rules.
    pub async fn relink(
        &self,
        organization_id: &str,
        from: &str,
        to: &str,
        username: Option<&str>,
        keys: &[String],
    ) -> Result<Outcome, AdminError> {
        self.organization(organization_id).await?;
        self.provider(from)?;
        let to_provider = self.provider(to)?;
        if from == to {
            return Err(invalid(
                "--to",
                "the new provider must differ from the old one",
            ));
        }
        if let Some(username) = username {
            let account = self.account(username).await?;
            if account.organization_id != organization_id {
                return Err(AdminError::UnknownAccount(format!(
                    "{username} (in {organization_id})"
                )));
            }
            let enabled = self.store.enabled_providers(organization_id).await?;
            if !enabled.iter().any(|row| row.provider_id == to) {
                return Err(invalid(
                    "--to",
                    format!("{to} is not enabled in {organization_id}: enable it first with `admin provider enable {organization_id} {to} DOMAIN`"),
                ));
            }
            let audit = self.row(
                self.event("relinked")
                    .account(account.id.as_str())
                    .provider(from)
                    .detail("to", to),
            );
            let ended = self
                .store
                .end_provider_links(
                    organization_id,
                    Some(&account.id),
                    from,
                    self.now,
                    &audit,
                    &|link| self.unlink_row(link),
                )
                .await?;
            return Ok(Outcome::new(
                format!(
                    "{} moves from {from} to {to}: {} link(s) and {} session(s) ended; the next sign-in with {to} links again.",
                    account.username, ended.links, ended.sessions
                ),
                json!({ "organization": organization_id, "account": account.username, "from": from, "to": to, "ended": ended }),
            ));
        }
        let old_keys: Vec<String> = self
            .store
            .enabled_providers(organization_id)
            .await?
            .into_iter()
            .filter(|row| row.provider_id == from)
            .map(|row| row.domain_or_tenant)
            .collect();
        let new_keys = if keys.is_empty() {
            if old_keys.is_empty() {
                return Err(invalid(
                    "--from",
                    format!("{from} is not enabled in {organization_id}; give the new provider's domains or tenants with --for"),
                ));
            }
            old_keys.clone()
        } else {
            keys.to_vec()
        };
        let new_keys = new_keys
            .iter()
            .map(|key| domain_or_tenant(to_provider.kind, key))
            .collect::<Result<Vec<_>, _>>()?;
        let audit = self.row(
            self.event("relinked")
                .organization(organization_id)
                .provider(from)
                .detail("to", to)
                .detail("domains_or_tenants", new_keys.clone()),
        );
        let ended = self
            .store
            .move_provider(
                organization_id,
                from,
                to,
                &new_keys,
                self.now,
                &audit,
                &|link| self.unlink_row(link),
            )
            .await?;
        Ok(Outcome::new(
            format!(
                "{organization_id} moved from {from} to {to} (enabled for {}): {} link(s) and {} session(s) ended; users sign in with {to} once and are linked again.",
                new_keys.join(", "),
                ended.links,
                ended.sessions
            ),
            json!({ "organization": organization_id, "from": from, "to": to, "domains_or_tenants": new_keys, "ended": ended }),
        ))
    }
}
