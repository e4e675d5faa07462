//! The `/Users` operations: create, get, list, replace, patch, delete.

use serde_json::Value;
use switchboard_scim::{
    list_response, Filter, Meta, Narrowing, Page, PatchRequest, ScimError, User,
};

use super::mapping::{
    account_emails, check_version, emails_with, keep_activity_unless_given, not_found,
    stored_attributes, user_of, Emails, UserResource,
};
use super::{invalid, store_error, Directory, DEFAULT_COUNT, MAX_RESULTS};
use crate::admin::validate::{
    new_account_id, new_password, valid_extension, valid_text, valid_username,
};
use crate::audit::{AuditEvent, AuditKind};
use crate::crypto::Binding;
use crate::password::NO_PASSWORD;
use crate::store::{
    DirectoryAccountRow, DirectoryChange, DirectoryFields, DirectoryLookup, EndedLink,
    ExtensionChoice, NewAccount, NewSipProfile, ScimSettingsRow,
};

impl Directory<'_> {
    /// `POST /Users`.
    pub async fn create_user(&self, body: &Value) -> Result<UserResource, ScimError> {
        let settings = self.settings().await?;
        let user = User::from_json(body)?;
        let username = valid_username(&user.user_name).map_err(invalid)?;
        if self
            .store
            .account_by_username(&username)
            .await
            .map_err(store_error)?
            .is_some()
        {
            return Err(ScimError::uniqueness(format!(
                "userName {username:?} is taken."
            )));
        }
        self.check_external_id(user.external_id.as_deref(), None)
            .await?;
        let emails = account_emails(&user, &username)?;
        self.check_login_emails(&emails, None).await?;
        let from_attribute = self.extension_from_attribute(&settings, &user)?;
        let display_name = valid_text("displayName", &user.display(), 120).map_err(invalid)?;
        let stored = stored_attributes(&user);
        let login: Vec<&str> = emails_with(&emails, "login");
        let notification: Vec<&str> = emails_with(&emails, "notification");
        let id = new_account_id();
        let sip_password_encrypted = self
            .key
            .encrypt(new_password().as_bytes(), Binding::sip_password(&id));
        if let Some(extension) = &from_attribute {
            self.check_extension_free(extension).await?;
        }
        let choice = match &from_attribute {
            Some(extension) => ExtensionChoice::Given(extension),
            None => ExtensionChoice::NextFree {
                first: settings.extension_first,
                last: settings.extension_last,
            },
        };
        let account = NewAccount {
            id: &id,
            username: &username,
            display_name: &display_name,
            // Chosen by the store, in the transaction that creates the account.
            extension: "",
            password_hash: NO_PASSWORD,
            totp_secret_encrypted: None,
            login_emails: &login,
            notification_emails: &notification,
            sip: NewSipProfile {
                sip_user: "",
                // The registrar's user name of the desk phones' static credential: one per
                // account, whatever the organization.
                auth_user: &id,
                password_encrypted: &sip_password_encrypted,
                sip_domain: &settings.sip_domain,
                registrar: &settings.registrar,
                outbound_proxy: None,
                transport: &settings.transport,
                stun_server: None,
                turn_server: None,
                voicemail_number: None,
            },
        };
        let mut event = self
            .event("scim_user_created", &id)
            .detail("username", username.as_str())
            .detail("active", user.active);
        if let Some(extension) = &from_attribute {
            event = event.detail("extension", extension.as_str());
        }
        let audit = event.into_row(self.now);
        let fields = DirectoryFields {
            external_id: user.external_id.as_deref(),
            scim_attributes: &stored,
            active: user.active,
        };
        let created = self
            .store
            .create_directory_account(
                self.organization_id,
                &account,
                choice,
                &fields,
                self.now,
                &audit,
            )
            .await
            .map_err(store_error)?;
        if created.is_none() {
            return Err(match &from_attribute {
                Some(extension) => ScimError::uniqueness(format!(
                    "Extension {extension} belongs to another account."
                )),
                None => ScimError::status(
                    409,
                    format!(
                        "No extension is free in this organization's range {}-{}: the portal's operator widens it with `switchboard-portal admin scim configure`.",
                        settings.extension_first, settings.extension_last
                    ),
                ),
            });
        }
        if user.active {
            self.sync_static_credential(&id).await?;
        }
        self.user(&id).await
    }

    /// `GET /Users/{id}`.
    pub async fn user(&self, id: &str) -> Result<UserResource, ScimError> {
        let row = self.row(id).await?;
        let emails = self.emails_of(&[&row]).await?;
        Ok(self.resource(&row, &emails))
    }

    /// `GET /Users` with an optional filter and paging.
    pub async fn list_users(
        &self,
        filter: Option<&str>,
        start_index: Option<&str>,
        count: Option<&str>,
    ) -> Result<Value, ScimError> {
        let page = Page::from_query(start_index, count, DEFAULT_COUNT, MAX_RESULTS)?;
        let Some(filter) = filter.map(str::trim).filter(|text| !text.is_empty()) else {
            let limit = i64::try_from(page.count).unwrap_or(i64::MAX);
            let offset = i64::try_from(page.offset()).unwrap_or(i64::MAX);
            let (total, rows) = self
                .store
                .directory_page(self.organization_id, offset, limit)
                .await
                .map_err(store_error)?;
            let refs: Vec<&DirectoryAccountRow> = rows.iter().collect();
            let emails = self.emails_of(&refs).await?;
            let resources = rows
                .iter()
                .map(|row| self.resource(row, &emails).json)
                .collect();
            return Ok(list_response(
                usize::try_from(total).unwrap_or_default(),
                page.start_index,
                resources,
            ));
        };
        let filter = Filter::parse(filter)?;
        let narrowing = filter.narrowing();
        let lookup = match &narrowing {
            Some(Narrowing::UserName(name)) => DirectoryLookup::Username(name),
            Some(Narrowing::ExternalId(id)) => DirectoryLookup::ExternalId(id),
            Some(Narrowing::Email(email)) => DirectoryLookup::Email(email),
            None => DirectoryLookup::Everyone,
        };
        let rows = self
            .store
            .directory_accounts(self.organization_id, lookup)
            .await
            .map_err(store_error)?;
        let refs: Vec<&DirectoryAccountRow> = rows.iter().collect();
        let emails = self.emails_of(&refs).await?;
        let matching: Vec<Value> = rows
            .iter()
            .map(|row| self.resource(row, &emails).json)
            .filter(|resource| filter.matches(resource))
            .collect();
        let total = matching.len();
        let resources = matching
            .into_iter()
            .skip(page.offset())
            .take(page.count)
            .collect();
        Ok(list_response(total, page.start_index, resources))
    }

    /// `PUT /Users/{id}`: every attribute as the directory now has it.
    pub async fn replace_user(
        &self,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<UserResource, ScimError> {
        let current = self.user(id).await?;
        check_version(&current, if_match)?;
        let mut body = body.clone();
        keep_activity_unless_given(&mut body, &current.json);
        let user = User::from_json(&body)?;
        self.write_user(id, &user, "scim_user_replaced").await
    }

    /// `PATCH /Users/{id}`: the operations applied to the user as it is now.
    pub async fn patch_user(
        &self,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<UserResource, ScimError> {
        let patch = PatchRequest::from_json(body)?;
        let current = self.user(id).await?;
        check_version(&current, if_match)?;
        let mut json = current.json.clone();
        patch.apply(&mut json)?;
        keep_activity_unless_given(&mut json, &current.json);
        let user = User::from_json(&json)?;
        self.write_user(id, &user, "scim_user_patched").await
    }

    /// `DELETE /Users/{id}`: deactivated, gone for the directory, purged after the
    /// organization's retention.
    pub async fn delete_user(&self, id: &str, if_match: Option<&str>) -> Result<(), ScimError> {
        let current = self.user(id).await?;
        check_version(&current, if_match)?;
        let audit = self.event("scim_user_deleted", id).into_row(self.now);
        self.store
            .delete_directory_account(self.organization_id, id, self.now, &audit)
            .await
            .map_err(store_error)?
            .ok_or_else(|| not_found(id))?;
        Ok(())
    }

    async fn write_user(
        &self,
        id: &str,
        user: &User,
        action: &str,
    ) -> Result<UserResource, ScimError> {
        let settings = self.settings().await?;
        let row = self.row(id).await?;
        let username = valid_username(&user.user_name).map_err(invalid)?;
        if !username.eq_ignore_ascii_case(&row.username) {
            if let Some(owner) = self
                .store
                .account_by_username(&username)
                .await
                .map_err(store_error)?
            {
                if owner.id != row.id {
                    return Err(ScimError::uniqueness(format!(
                        "userName {username:?} is taken."
                    )));
                }
            }
        }
        self.check_external_id(user.external_id.as_deref(), Some(id))
            .await?;
        let emails = account_emails(user, &username)?;
        self.check_login_emails(&emails, Some(id)).await?;
        let extension = match self.extension_from_attribute(&settings, user)? {
            Some(extension) if extension != row.extension => {
                self.check_extension_free(&extension).await?;
                extension
            }
            _ => row.extension.clone(),
        };
        let display_name = valid_text("displayName", &user.display(), 120).map_err(invalid)?;
        let stored = stored_attributes(user);
        let change = DirectoryChange {
            username: &username,
            display_name: &display_name,
            extension: &extension,
            external_id: user.external_id.as_deref(),
            scim_attributes: &stored,
            emails: &emails,
            active: user.active,
        };
        let mut event = self
            .event(action, id)
            .detail("username", username.as_str())
            .detail("active", user.active);
        if extension != row.extension {
            event = event.detail("extension", extension.as_str());
        }
        let audit = event.into_row(self.now);
        let actor = self.actor();
        let now = self.now;
        let unlink_audit = move |link: &EndedLink<'_>| {
            let mut event = AuditEvent::new(AuditKind::Unlink)
                .actor(actor.clone())
                .account(link.account_id)
                .detail("reason", link.reason);
            if let Some(provider_id) = link.provider_id {
                event = event.provider(provider_id);
            }
            event.into_row(now)
        };
        let replaced = self
            .store
            .replace_directory_account(id, &change, self.now, &audit, &unlink_audit)
            .await
            .map_err(store_error)?;
        if user.active && (replaced.activation == Some(true) || replaced.line_changed) {
            self.sync_static_credential(id).await?;
        }
        if replaced.activation == Some(false) {
            tracing::info!(
                account = id,
                sessions_ended = replaced.sessions_ended,
                "the directory deactivated an account"
            );
        }
        self.user(id).await
    }

    fn event(&self, action: &str, account_id: &str) -> AuditEvent {
        AuditEvent::new(AuditKind::Admin)
            .actor(self.actor())
            .organization(self.organization_id)
            .account(account_id)
            .detail("action", action)
    }

    async fn row(&self, id: &str) -> Result<DirectoryAccountRow, ScimError> {
        self.store
            .directory_account(self.organization_id, id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| not_found(id))
    }

    async fn emails_of(
        &self,
        rows: &[&DirectoryAccountRow],
    ) -> Result<Vec<(String, String, String)>, ScimError> {
        let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
        let mut emails = Vec::new();
        // A bounded number of parameters per query (SQLite's limit is 32,766).
        for chunk in ids.chunks(500) {
            emails.extend(
                self.store
                    .emails_of_accounts(chunk)
                    .await
                    .map_err(store_error)?,
            );
        }
        Ok(emails)
    }

    fn resource(
        &self,
        row: &DirectoryAccountRow,
        emails: &[(String, String, String)],
    ) -> UserResource {
        let user = user_of(row, emails);
        let meta = Meta {
            created: row.created_at,
            last_modified: row.updated_at.unwrap_or(row.created_at),
            location: format!("{}/Users/{}", self.base_url, row.id),
        };
        UserResource {
            id: row.id.clone(),
            json: user.to_resource(&row.id, &meta),
            etag: user.etag(&row.id),
        }
    }

    async fn check_external_id(
        &self,
        external_id: Option<&str>,
        own: Option<&str>,
    ) -> Result<(), ScimError> {
        let Some(external_id) = external_id else {
            return Ok(());
        };
        let owners = self
            .store
            .directory_accounts(
                self.organization_id,
                DirectoryLookup::ExternalId(external_id),
            )
            .await
            .map_err(store_error)?;
        if owners.iter().any(|owner| Some(owner.id.as_str()) != own) {
            return Err(ScimError::uniqueness(format!(
                "externalId {external_id:?} belongs to another user."
            )));
        }
        Ok(())
    }

    async fn check_login_emails(
        &self,
        emails: &Emails,
        own: Option<&str>,
    ) -> Result<(), ScimError> {
        for (email, purpose) in emails {
            if purpose != "login" {
                continue;
            }
            let owners = self
                .store
                .live_login_email_owners(email, own)
                .await
                .map_err(store_error)?;
            if !owners.is_empty() {
                return Err(ScimError::uniqueness(format!(
                    "{email} already signs in to another account."
                )));
            }
        }
        Ok(())
    }

    /// The extension the configured attribute gives, validated; `None` when none is
    /// configured or the user has none.
    fn extension_from_attribute(
        &self,
        settings: &ScimSettingsRow,
        user: &User,
    ) -> Result<Option<String>, ScimError> {
        let value = match settings.extension_attribute.as_deref() {
            Some("employeeNumber") => user
                .enterprise
                .as_ref()
                .and_then(|enterprise| enterprise.employee_number.clone()),
            Some("phoneNumbers.work") => user
                .phone_numbers
                .iter()
                .find(|phone| {
                    phone
                        .kind
                        .as_deref()
                        .is_some_and(|kind| kind.eq_ignore_ascii_case("work"))
                })
                .map(|phone| {
                    phone
                        .value
                        .chars()
                        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
                        .collect()
                }),
            _ => None,
        };
        value
            .filter(|value| !value.trim().is_empty())
            .map(|value| valid_extension(&value).map_err(invalid))
            .transpose()
    }

    async fn check_extension_free(&self, extension: &str) -> Result<(), ScimError> {
        let in_use = self
            .store
            .extensions_in_use(self.organization_id)
            .await
            .map_err(store_error)?;
        if in_use.iter().any(|used| used == extension) {
            return Err(ScimError::uniqueness(format!(
                "Extension {extension} belongs to another account."
            )));
        }
        Ok(())
    }

    async fn sync_static_credential(&self, account_id: &str) -> Result<(), ScimError> {
        crate::sip_credentials::sync_static_credentials(self.store, self.key, Some(account_id), self.now)
            .await
            .map_err(|error| {
                tracing::error!(%error, account = account_id, "cannot make the account's static SIP credential");
                ScimError::status(500, "The portal could not finish this request.")
            })?;
        Ok(())
    }
}
