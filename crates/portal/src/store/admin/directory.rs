//! The accounts an organization's directory keeps current over SCIM: found, created,
//! replaced, deactivated, deleted and purged, each change in one transaction with its
//! audit row. Its settings and tokens are in [`super::directory_settings`].

use super::super::account_statements::AccountStatements;
use super::super::accounts::{NewAccount, NewSipProfile};
use super::super::changes::{Ended, LinksToEnd, UnlinkAudit};
use super::super::statements::Statements;
use super::super::{on_backend, AuditRow, Store, StoreError};
use super::{write_with_audit, AccountChange, Written};

/// An account as the directory sees it (its emails apart: [`Store::emails_of_accounts`]).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DirectoryAccountRow {
    pub id: String,
    pub organization_id: String,
    pub username: String,
    pub display_name: String,
    pub extension: String,
    pub external_id: Option<String>,
    pub deactivated_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: Option<i64>,
    pub scim_attributes: Option<String>,
}

const DIRECTORY_COLUMNS: &str = "id, organization_id, username, display_name, extension,
    external_id, deactivated_at, created_at, updated_at, scim_attributes";

/// The one equality a directory's filter looks accounts up by (the rest of the filter is
/// checked on what this finds).
#[derive(Debug, Clone, Copy)]
pub enum DirectoryLookup<'a> {
    Everyone,
    Username(&'a str),
    ExternalId(&'a str),
    Email(&'a str),
}

/// Which extension a new account gets.
#[derive(Debug, Clone, Copy)]
pub enum ExtensionChoice<'a> {
    /// This one (from the directory's attribute), unless another account has it.
    Given(&'a str),
    /// The next number of the range no account of the organization has: after the last one
    /// given, then from the start again (numbers a purge freed).
    NextFree { first: i64, last: i64 },
}

/// What a directory keeps of an account beyond what an administrator's has.
#[derive(Debug, Clone, Copy)]
pub struct DirectoryFields<'a> {
    pub external_id: Option<&'a str>,
    /// The User's attributes as JSON.
    pub scim_attributes: &'a str,
    pub active: bool,
}

/// What a directory's replace sets: every field, as the directory now has it.
#[derive(Debug, Clone)]
pub struct DirectoryChange<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub extension: &'a str,
    pub external_id: Option<&'a str>,
    pub scim_attributes: &'a str,
    /// Every email with its purpose (`login` or `notification`), lower case.
    pub emails: &'a [(String, String)],
    pub active: bool,
}

/// What a replace did beyond the fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectoryReplaced {
    /// Links (and their sessions) that ended with a removed login email.
    pub ended: Ended,
    /// Sessions that ended because the account was deactivated now.
    pub sessions_ended: u64,
    /// Whether it was deactivated (`Some(false)`) or reactivated (`Some(true)`) now.
    pub activation: Option<bool>,
    /// Whether the line moved (the extension changed): static credential to sync.
    pub line_changed: bool,
}

impl Store {
    /// The organization's accounts the directory sees (not deleted) that `lookup` finds,
    /// oldest first.
    pub async fn directory_accounts(
        &self,
        organization_id: &str,
        lookup: DirectoryLookup<'_>,
    ) -> Result<Vec<DirectoryAccountRow>, StoreError> {
        let (condition, value) = match lookup {
            DirectoryLookup::Everyone => ("TRUE", None),
            DirectoryLookup::Username(username) => ("lower(username) = lower($2)", Some(username)),
            DirectoryLookup::ExternalId(id) => ("external_id = $2", Some(id)),
            DirectoryLookup::Email(email) => (
                "id IN (SELECT account_id FROM account_emails WHERE email = lower($2))",
                Some(email),
            ),
        };
        // `$2` is bound even when the condition does not use it (NULL then): PostgreSQL
        // wants every parameter's type known, so the condition names it when it is used.
        let sql = if value.is_some() {
            format!(
                "SELECT {DIRECTORY_COLUMNS} FROM accounts
                 WHERE organization_id = $1 AND deleted_at IS NULL AND {condition}
                 ORDER BY created_at, id"
            )
        } else {
            format!(
                "SELECT {DIRECTORY_COLUMNS} FROM accounts
                 WHERE organization_id = $1 AND deleted_at IS NULL
                 ORDER BY created_at, id"
            )
        };
        Ok(on_backend!(self, pool => {
            let mut query = sqlx::query_as(&sql).bind(organization_id);
            if let Some(value) = value {
                query = query.bind(value);
            }
            query.fetch_all(pool).await?
        }))
    }

    /// One page of the organization's accounts (oldest first) and how many there are.
    pub async fn directory_page(
        &self,
        organization_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<DirectoryAccountRow>), StoreError> {
        let (total,): (i64,) = on_backend!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM accounts WHERE organization_id = $1 AND deleted_at IS NULL",
        )
        .bind(organization_id)
        .fetch_one(pool)
        .await?);
        let sql = format!(
            "SELECT {DIRECTORY_COLUMNS} FROM accounts
             WHERE organization_id = $1 AND deleted_at IS NULL
             ORDER BY created_at, id LIMIT $2 OFFSET $3"
        );
        let rows = on_backend!(self, pool => sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?);
        Ok((total, rows))
    }

    /// One account of the organization the directory sees (not deleted).
    pub async fn directory_account(
        &self,
        organization_id: &str,
        account_id: &str,
    ) -> Result<Option<DirectoryAccountRow>, StoreError> {
        let sql = format!(
            "SELECT {DIRECTORY_COLUMNS} FROM accounts
             WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL"
        );
        Ok(on_backend!(self, pool => sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(account_id)
            .fetch_optional(pool)
            .await?))
    }

    /// The emails (account id, email, purpose) of these accounts, in one query.
    pub async fn emails_of_accounts(
        &self,
        account_ids: &[&str],
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        if account_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=account_ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT account_id, email, purpose FROM account_emails
             WHERE account_id IN ({}) ORDER BY account_id, purpose, email",
            placeholders.join(", ")
        );
        Ok(on_backend!(self, pool => {
            let mut query = sqlx::query_as(&sql);
            for id in account_ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        }))
    }

    /// The extensions the organization's accounts use (deleted ones' included: a number
    /// comes free only when their data is purged).
    pub async fn extensions_in_use(
        &self,
        organization_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT extension FROM accounts WHERE organization_id = $1",
        )
        .bind(organization_id)
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(extension,)| extension).collect())
    }

    /// The usernames of other live accounts (not deleted) this email signs in to.
    pub async fn live_login_email_owners(
        &self,
        email: &str,
        except_account: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT a.username FROM account_emails e JOIN accounts a ON a.id = e.account_id
             WHERE e.email = $1 AND e.purpose = 'login' AND a.deleted_at IS NULL
               AND a.id <> COALESCE($2, '')
             ORDER BY a.username",
        )
        .bind(email)
        .bind(except_account)
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(username,)| username).collect())
    }

    /// Creates an account the directory sent, with its directory fields, on the extension
    /// `extension` picks (the account's own one is ignored): the chosen extension, or `None`
    /// when a given one is another account's or the range has none free. Creates in one
    /// organization wait for one another, so two cannot take one extension.
    pub async fn create_directory_account(
        &self,
        organization_id: &str,
        account: &NewAccount<'_>,
        extension: ExtensionChoice<'_>,
        fields: &DirectoryFields<'_>,
        now: i64,
        audit: &AuditRow,
    ) -> Result<Option<String>, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            // The organization's row lock (PostgreSQL) or the write lock (SQLite).
            sqlx::query("UPDATE organizations SET id = id WHERE id = $1")
                .bind(organization_id)
                .execute(&mut *tx)
                .await?;
            let chosen = match extension {
                ExtensionChoice::Given(extension) => {
                    let (taken,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM accounts WHERE organization_id = $1 AND extension = $2",
                    )
                    .bind(organization_id)
                    .bind(extension)
                    .fetch_one(&mut *tx)
                    .await?;
                    (taken == 0).then(|| extension.to_owned())
                }
                ExtensionChoice::NextFree { first, last } => {
                    // From the one after the last given, then from the start of the range
                    // (numbers freed by a purge): one indexed look-up per number tried.
                    let (hint,): (Option<i64>,) = sqlx::query_as(
                        "SELECT next_extension FROM scim_settings WHERE organization_id = $1",
                    )
                    .bind(organization_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .unwrap_or((None,));
                    let start = hint.filter(|hint| (first..=last).contains(hint)).unwrap_or(first);
                    let mut chosen = None;
                    for number in (start..=last).chain(first..start) {
                        let candidate = number.to_string();
                        let (taken,): (i64,) = sqlx::query_as(
                            "SELECT COUNT(*) FROM accounts WHERE organization_id = $1 AND extension = $2",
                        )
                        .bind(organization_id)
                        .bind(candidate.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                        if taken == 0 {
                            sqlx::query(
                                "UPDATE scim_settings SET next_extension = $1 WHERE organization_id = $2",
                            )
                            .bind(number + 1)
                            .bind(organization_id)
                            .execute(&mut *tx)
                            .await?;
                            chosen = Some(candidate);
                            break;
                        }
                    }
                    chosen
                }
            };
            let Some(chosen) = chosen else {
                return Ok(Written::Unchanged(None));
            };
            let account = NewAccount {
                extension: &chosen,
                sip: NewSipProfile {
                    sip_user: &chosen,
                    ..account.sip
                },
                ..*account
            };
            tx.insert_account(organization_id, &account, now).await?;
            sqlx::query(
                "UPDATE accounts SET external_id = $1, scim_attributes = $2, updated_at = $3,
                        deactivated_at = $4
                 WHERE id = $5",
            )
            .bind(fields.external_id)
            .bind(fields.scim_attributes)
            .bind(now)
            .bind((!fields.active).then_some(now))
            .bind(account.id)
            .execute(&mut *tx)
            .await?;
            Ok(Written::Changed(Some(chosen.clone())))
        })
        .await)
    }

    /// Replaces what the directory keeps of an account. Removed login emails end the links
    /// made from them (with their sessions); deactivating ends every session, device
    /// credential and the static credential (the registrar is told to drop their
    /// contacts); reactivating lets the account sign in again.
    pub async fn replace_directory_account(
        &self,
        account_id: &str,
        change: &DirectoryChange<'_>,
        now: i64,
        audit: &AuditRow,
        unlink_audit: UnlinkAudit<'_>,
    ) -> Result<DirectoryReplaced, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            let before: Option<(String, Option<i64>)> = sqlx::query_as(
                "SELECT extension, deactivated_at FROM accounts WHERE id = $1 AND deleted_at IS NULL",
            )
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((extension_before, deactivated_at)) = before else {
                return Ok(Written::Unchanged(DirectoryReplaced::default()));
            };
            let mut replaced = DirectoryReplaced::default();
            let was_active = deactivated_at.is_none();
            sqlx::query(
                "UPDATE accounts SET username = $1, external_id = $2, scim_attributes = $3,
                        updated_at = $4
                 WHERE id = $5",
            )
            .bind(change.username)
            .bind(change.external_id)
            .bind(change.scim_attributes)
            .bind(now)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            let line_changed = extension_before != change.extension;
            let details = AccountChange {
                display_name: Some(change.display_name.to_owned()),
                extension: line_changed.then(|| change.extension.to_owned()),
                sip_user: line_changed.then(|| change.extension.to_owned()),
                ..AccountChange::default()
            };
            tx.update_account_rows(account_id, &details).await?;
            if line_changed && was_active {
                tx.rotate_device_credentials(account_id, now).await?;
            }
            replaced.line_changed = line_changed;

            // The emails: those no longer sent go (login ones end their links), new ones
            // come, a changed purpose is written (login → notification ends links too).
            let current: Vec<(String, String)> = sqlx::query_as(
                "SELECT email, purpose FROM account_emails WHERE account_id = $1",
            )
            .bind(account_id)
            .fetch_all(&mut *tx)
            .await?;
            for (email, purpose) in &current {
                let wanted = change.emails.iter().find(|(wanted, _)| wanted == email);
                if wanted.is_some_and(|(_, wanted_purpose)| wanted_purpose == purpose) {
                    continue;
                }
                if wanted.is_none() {
                    sqlx::query("DELETE FROM account_emails WHERE account_id = $1 AND email = $2")
                        .bind(account_id)
                        .bind(email.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                if purpose == "login" {
                    let made_from_email = LinksToEnd::MadeFromEmail { account_id, email };
                    replaced.ended += tx
                        .end_links(made_from_email, "login_email_removed", now, unlink_audit)
                        .await?;
                }
            }
            for (email, purpose) in change.emails {
                sqlx::query(
                    "INSERT INTO account_emails (account_id, email, purpose) VALUES ($1, $2, $3)
                     ON CONFLICT (account_id, email) DO UPDATE SET purpose = excluded.purpose,
                         confirmation_hash = NULL, confirmation_expires_at = NULL",
                )
                .bind(account_id)
                .bind(email.as_str())
                .bind(purpose.as_str())
                .execute(&mut *tx)
                .await?;
            }

            if was_active && !change.active {
                replaced.sessions_ended = tx.deactivate_account(account_id, now).await?;
                replaced.activation = Some(false);
            } else if !was_active && change.active {
                tx.set_deactivated_at(account_id, None).await?;
                replaced.activation = Some(true);
            }
            Ok(Written::Changed(replaced))
        })
        .await)
    }

    /// Deletes an account for the directory: deactivated (as above) and gone from SCIM;
    /// its username is freed and its data kept until the retention purges it. How many
    /// sessions ended; `None` when there is no such account.
    pub async fn delete_directory_account(
        &self,
        organization_id: &str,
        account_id: &str,
        now: i64,
        audit: &AuditRow,
    ) -> Result<Option<u64>, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            let found: Option<(Option<i64>,)> = sqlx::query_as(
                "SELECT deactivated_at FROM accounts
                 WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL",
            )
            .bind(account_id)
            .bind(organization_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((deactivated_at,)) = found else {
                return Ok(Written::Unchanged(None));
            };
            let ended = if deactivated_at.is_none() {
                tx.deactivate_account(account_id, now).await?
            } else {
                0
            };
            // `deleted:` cannot begin a username, so the name is free for a new account.
            sqlx::query(
                "UPDATE accounts SET deleted_at = $1, updated_at = $1, username = 'deleted:' || id
                 WHERE id = $2",
            )
            .bind(now)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            Ok(Written::Changed(Some(ended)))
        })
        .await)
    }
}
