//! What operators change with `switchboard-portal admin`: organizations, the providers
//! they enabled, accounts and their emails. Every change is one transaction that also
//! writes its audit event, so a change and its record land together or not at all, and
//! instances serving at the same time see either all of it or none.

use serde::Serialize;

/// An account's new details; `None` keeps a field, `Some("")` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub extension: Option<String>,
    pub sip_user: Option<String>,
    pub auth_user: Option<String>,
    pub sip_password_encrypted: Option<String>,
    pub sip_domain: Option<String>,
    pub registrar: Option<String>,
    pub transport: Option<String>,
    pub outbound_proxy: Option<String>,
    pub stun_server: Option<String>,
    pub turn_server: Option<String>,
    pub voicemail_number: Option<String>,
}

impl AccountChange {
    fn touches_sip(&self) -> bool {
        self.sip_user.is_some()
            || self.auth_user.is_some()
            || self.sip_password_encrypted.is_some()
            || self.sip_domain.is_some()
            || self.registrar.is_some()
            || self.transport.is_some()
            || self.outbound_proxy.is_some()
            || self.stun_server.is_some()
            || self.turn_server.is_some()
            || self.voicemail_number.is_some()
            || self.extension.is_some()
            || self.display_name.is_some()
    }
}

/// What ending links did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ended {
    pub links: u64,
    pub sessions: u64,
}

impl std::ops::AddAssign for Ended {
    fn add_assign(&mut self, other: Self) {
        self.links += other.links;
        self.sessions += other.sessions;
    }
}

/// Deletes the links `$select` returns (issuer, subject, account_id), with the choices
/// remembered through them, and ends the sessions that came through them; each ended link
/// is an `unlink` audit event by `$actor`. Evaluates to `Result<Ended, sqlx::Error>`.
/// `$select` is a DELETE … RETURNING issuer, subject, account_id, provider_id, already bound.
macro_rules! end_links {
    ($tx:expr, $select:expr, $reason:expr, $actor:expr, $now:expr) => {{
        async {
            let removed: Vec<(String, String, String, Option<String>)> =
                $select.fetch_all(&mut *$tx).await?;
            let mut ended = Ended::default();
            for (issuer, subject, account_id, provider_id) in &removed {
                ended.links += 1;
                let mut event = crate::audit::AuditEvent::new(crate::audit::AuditKind::Unlink)
                    .actor($actor)
                    .account(account_id.as_str())
                    .detail("reason", $reason);
                if let Some(provider_id) = provider_id {
                    event = event.provider(provider_id.as_str());
                }
                insert_audit_row!(&mut *$tx, &event.into_row($now))?;
                sqlx::query(
                    "DELETE FROM remembered_choices WHERE issuer = $1 AND subject = $2 AND account_id = $3",
                )
                .bind(issuer)
                .bind(subject)
                .bind(account_id)
                .execute(&mut *$tx)
                .await?;
                ended.sessions += end_sessions!(
                    $tx,
                    sqlx::query_as(
                        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
                         WHERE account_id = $3 AND link_issuer = $4 AND link_subject = $5 AND revoked_at IS NULL
                         RETURNING id",
                    )
                    .bind($now)
                    .bind($reason)
                    .bind(account_id)
                    .bind(issuer)
                    .bind(subject)
                )?;
            }
            Ok::<Ended, sqlx::Error>(ended)
        }
        .await
    }};
}

/// Runs an `UPDATE sessions … RETURNING id` and deletes the ended sessions' access tokens;
/// evaluates to `Result<u64, sqlx::Error>` (how many ended).
macro_rules! end_sessions {
    ($tx:expr, $update:expr) => {{
        async {
            let ended: Vec<(String,)> = $update.fetch_all(&mut *$tx).await?;
            for (session_id,) in &ended {
                sqlx::query("DELETE FROM access_tokens WHERE session_id = $1")
                    .bind(session_id)
                    .execute(&mut *$tx)
                    .await?;
            }
            Ok::<u64, sqlx::Error>(ended.len() as u64)
        }
        .await
    }};
}

/// Writes `$audit` with `$tx` and commits: a change lands with its audit event or not at
/// all.
macro_rules! commit_with_audit {
    ($tx:expr, $audit:expr) => {{
        insert_audit_row!(&mut *$tx, $audit)?;
        $tx.commit().await?;
    }};
}

/// Ends the links made from `$email` on `$account_id` (see `end_links!`).
macro_rules! end_email_links {
    ($tx:expr, $account_id:expr, $email:expr, $actor:expr, $now:expr) => {
        end_links!(
            $tx,
            sqlx::query_as(
                "DELETE FROM identity_links WHERE account_id = $1 AND made_by = 'email' AND matched_email = $2
                 RETURNING issuer, subject, account_id, provider_id",
            )
            .bind($account_id)
            .bind($email),
            "login_email_removed",
            $actor,
            $now
        )
    };
}

/// Updates an account's details and SIP profile (whose version, its ETag, moves on so the
/// app fetches it again) with `$tx`; evaluates to `Result<bool, sqlx::Error>` (`false`: no
/// such account).
macro_rules! update_account_rows {
    ($tx:expr, $account_id:expr, $change:expr) => {{
        let account_id: &str = $account_id;
        let change: &AccountChange = $change;
        async {
            let changed = sqlx::query(
                "UPDATE accounts SET display_name = COALESCE($1, display_name), extension = COALESCE($2, extension)
                 WHERE id = $3",
            )
            .bind(change.display_name.as_deref())
            .bind(change.extension.as_deref())
            .bind(account_id)
            .execute(&mut *$tx)
            .await?
            .rows_affected()
                == 1;
            if changed && change.touches_sip() {
                sqlx::query(
                    "UPDATE sip_profiles SET
                         sip_user = COALESCE($1, sip_user),
                         auth_user = COALESCE($2, auth_user),
                         password_encrypted = COALESCE($3, password_encrypted),
                         sip_domain = COALESCE($4, sip_domain),
                         registrar = COALESCE($5, registrar),
                         transport = COALESCE($6, transport),
                         outbound_proxy = CASE WHEN $7 IS NULL THEN outbound_proxy ELSE NULLIF($7, '') END,
                         stun_server = CASE WHEN $8 IS NULL THEN stun_server ELSE NULLIF($8, '') END,
                         turn_server = CASE WHEN $9 IS NULL THEN turn_server ELSE NULLIF($9, '') END,
                         voicemail_number = CASE WHEN $10 IS NULL THEN voicemail_number ELSE NULLIF($10, '') END,
                         version = version + 1
                     WHERE account_id = $11",
                )
                .bind(change.sip_user.as_deref())
                .bind(change.auth_user.as_deref())
                .bind(change.sip_password_encrypted.as_deref())
                .bind(change.sip_domain.as_deref())
                .bind(change.registrar.as_deref())
                .bind(change.transport.as_deref())
                .bind(change.outbound_proxy.as_deref())
                .bind(change.stun_server.as_deref())
                .bind(change.turn_server.as_deref())
                .bind(change.voicemail_number.as_deref())
                .bind(account_id)
                .execute(&mut *$tx)
                .await?;
            }
            Ok::<bool, sqlx::Error>(changed)
        }
        .await
    }};
}

mod accounts;
mod import;
mod organizations;
mod report;

pub use accounts::AccountRow;
pub use import::{ImportAccount, ImportIdentity, ImportPlan, ImportUpdate};
pub use organizations::{EnabledProviderRow, OrganizationRow, PolicyChange};
pub use report::EmailPairRow;
