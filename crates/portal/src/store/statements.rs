//! The statements several writes share, written once for both engines: [`Statements`] is
//! implemented for any connection whose driver can run them (SQLite's and PostgreSQL's),
//! and a transaction derefs to its connection, so `tx.insert_audit_row(row)` runs in the
//! caller's transaction. None of them commits: the caller does, where it can be read.

use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};

use super::changes::{
    event_kind, event_row_id, row_id, CredentialsToEnd, Ended, EndedLink, LinksToEnd,
    NewSipCredential, ProviderScope, SessionsToEnd, UnlinkAudit,
};
use super::AuditRow;

/// The shared statements, on a connection or in a transaction of either engine.
pub(crate) trait Statements {
    /// Inserts an audit row (the organization is the account's when the row has none).
    async fn insert_audit_row(&mut self, row: &AuditRow) -> Result<(), sqlx::Error>;

    /// Ends the sessions `which` picks with `reason`, and deletes their access tokens; how
    /// many ended.
    async fn end_sessions(
        &mut self,
        which: SessionsToEnd<'_>,
        reason: &str,
        now: i64,
    ) -> Result<u64, sqlx::Error>;

    /// Ends the device credential of an ended session: deleted, its contacts queued for
    /// removal at the registrar, and the device told why (`reason`) over its event stream.
    async fn end_session_credentials(
        &mut self,
        session_id: &str,
        account_id: &str,
        reason: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        self.delete_credentials(CredentialsToEnd::OfSession(session_id), now)
            .await?;
        self.insert_session_event(
            account_id,
            Some(session_id),
            event_kind::SESSION_ENDED,
            Some(reason),
            now,
        )
        .await
    }

    /// Deletes the credentials `which` picks and queues their contacts for removal at the
    /// registrar; how many.
    async fn delete_credentials(
        &mut self,
        which: CredentialsToEnd<'_>,
        now: i64,
    ) -> Result<u64, sqlx::Error>;

    /// Ends every device credential of the account and tells its devices their profile
    /// changed (they fetch it again and get new ones). How many ended.
    async fn rotate_device_credentials(
        &mut self,
        account_id: &str,
        now: i64,
    ) -> Result<u64, sqlx::Error> {
        let ended = self
            .delete_credentials(CredentialsToEnd::DevicesOfAccount(account_id), now)
            .await?;
        self.insert_session_event(account_id, None, event_kind::SIP_PROFILE_CHANGED, None, now)
            .await?;
        Ok(ended)
    }

    /// Replaces the account's static credential; the old one's contacts are queued for
    /// removal.
    async fn put_static_credential(
        &mut self,
        credential: &NewSipCredential<'_>,
    ) -> Result<(), sqlx::Error>;

    /// A row of the event stream (`session_id` `None`: for every session of the account).
    async fn insert_session_event(
        &mut self,
        account_id: &str,
        session_id: Option<&str>,
        kind: &str,
        reason: Option<&str>,
        now: i64,
    ) -> Result<(), sqlx::Error>;

    /// Deletes the links `which` picks, with the account choices remembered through them,
    /// and ends the sessions that came through them; each ended link writes the audit row
    /// `unlink_audit` makes for it.
    async fn end_links(
        &mut self,
        which: LinksToEnd<'_>,
        reason: &str,
        now: i64,
        unlink_audit: UnlinkAudit<'_>,
    ) -> Result<Ended, sqlx::Error>;

    /// Ends a provider's links in an organization (see [`Statements::end_links`]) and the
    /// sessions that came through it there, whose link may be gone already.
    async fn end_provider_links(
        &mut self,
        scope: ProviderScope<'_>,
        reason: &str,
        now: i64,
        unlink_audit: UnlinkAudit<'_>,
    ) -> Result<Ended, sqlx::Error> {
        let mut ended = self
            .end_links(
                LinksToEnd::ThroughProvider(scope),
                reason,
                now,
                unlink_audit,
            )
            .await?;
        ended.sessions += self
            .end_sessions(SessionsToEnd::ThroughProvider(scope), reason, now)
            .await?;
        Ok(ended)
    }
}

impl<C, DB> Statements for C
where
    C: sqlx::Connection<Database = DB>,
    DB: Database,
    for<'c> &'c mut C: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (String, String): FromRow<'r, DB::Row>,
    for<'r> (String, String, String): FromRow<'r, DB::Row>,
    for<'r> (String, String, String, Option<String>): FromRow<'r, DB::Row>,
{
    async fn delete_credentials(
        &mut self,
        which: CredentialsToEnd<'_>,
        now: i64,
    ) -> Result<u64, sqlx::Error> {
        let delete = match which {
            CredentialsToEnd::OfSession(session_id) => sqlx::query_as(
                "DELETE FROM sip_credentials WHERE session_id = $1 RETURNING auth_user, realm, aor_user",
            )
            .bind(session_id),
            CredentialsToEnd::DevicesOfAccount(account_id) => sqlx::query_as(
                "DELETE FROM sip_credentials WHERE account_id = $1 AND session_id IS NOT NULL
                 RETURNING auth_user, realm, aor_user",
            )
            .bind(account_id),
            CredentialsToEnd::StaticOfAccount(account_id) => sqlx::query_as(
                "DELETE FROM sip_credentials WHERE account_id = $1 AND session_id IS NULL
                 RETURNING auth_user, realm, aor_user",
            )
            .bind(account_id),
        };
        let ended: Vec<(String, String, String)> = delete.fetch_all(&mut *self).await?;
        for (auth_user, realm, aor_user) in &ended {
            sqlx::query(
                "INSERT INTO registrar_outbox (id, auth_user, aor, created_at, attempts, next_attempt_at)
                 VALUES ($1, $2, $3, $4, 0, $4)",
            )
            .bind(row_id().as_str())
            .bind(auth_user.as_str())
            .bind(format!("sip:{aor_user}@{realm}").as_str())
            .bind(now)
            .execute(&mut *self)
            .await?;
        }
        Ok(ended.len() as u64)
    }

    async fn put_static_credential(
        &mut self,
        credential: &NewSipCredential<'_>,
    ) -> Result<(), sqlx::Error> {
        self.delete_credentials(
            CredentialsToEnd::StaticOfAccount(credential.account_id),
            credential.now,
        )
        .await?;
        sqlx::query(
            "INSERT INTO sip_credentials (auth_user, account_id, session_id, realm, aor_user, ha1_md5,
                                          ha1_sha256, password_encrypted, created_at)
             VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8)",
        )
        .bind(credential.auth_user)
        .bind(credential.account_id)
        .bind(credential.realm)
        .bind(credential.aor_user)
        .bind(credential.ha1_md5)
        .bind(credential.ha1_sha256)
        .bind(credential.password_encrypted)
        .bind(credential.now)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn insert_session_event(
        &mut self,
        account_id: &str,
        session_id: Option<&str>,
        kind: &str,
        reason: Option<&str>,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO session_events (id, account_id, session_id, kind, reason, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event_row_id().as_str())
        .bind(account_id)
        .bind(session_id)
        .bind(kind)
        .bind(reason)
        .bind(now)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn insert_audit_row(&mut self, row: &AuditRow) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_events (id, at, kind, actor, organization_id, account_id, method, provider_id, device, ip, result, detail)
             VALUES ($1, $2, $3, $4,
                     COALESCE($5, (SELECT organization_id FROM accounts WHERE id = $6)),
                     $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(row.id.as_str())
        .bind(row.at)
        .bind(row.kind.as_str())
        .bind(row.actor.as_str())
        .bind(row.organization_id.as_deref())
        .bind(row.account_id.as_deref())
        .bind(row.method.as_deref())
        .bind(row.provider_id.as_deref())
        .bind(row.device.as_deref())
        .bind(row.ip.as_deref())
        .bind(row.result.as_str())
        .bind(row.detail.as_deref())
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn end_sessions(
        &mut self,
        which: SessionsToEnd<'_>,
        reason: &str,
        now: i64,
    ) -> Result<u64, sqlx::Error> {
        let update = match which {
            SessionsToEnd::OfAccount { account_id, except } => sqlx::query_as(
                "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
                 WHERE account_id = $3 AND revoked_at IS NULL AND id <> COALESCE($4, '')
                 RETURNING id, account_id",
            )
            .bind(now)
            .bind(reason)
            .bind(account_id)
            .bind(except),
            SessionsToEnd::ThroughProviders { account_id } => sqlx::query_as(
                "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
                 WHERE account_id = $3 AND revoked_at IS NULL
                   AND (identity IS NOT NULL OR auth_method LIKE 'sso:%' OR auth_method LIKE 'link:%')
                 RETURNING id, account_id",
            )
            .bind(now)
            .bind(reason)
            .bind(account_id),
            SessionsToEnd::ThroughLink {
                account_id,
                issuer,
                subject,
            } => sqlx::query_as(
                "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
                 WHERE account_id = $3 AND link_issuer = $4 AND link_subject = $5 AND revoked_at IS NULL
                 RETURNING id, account_id",
            )
            .bind(now)
            .bind(reason)
            .bind(account_id)
            .bind(issuer)
            .bind(subject),
            SessionsToEnd::ThroughProvider(scope) => sqlx::query_as(
                "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
                 WHERE provider_id = $3 AND revoked_at IS NULL
                   AND ($4 IS NULL OR organization_key = $4)
                   AND account_id IN (SELECT id FROM accounts WHERE organization_id = $5 AND ($6 IS NULL OR id = $6))
                 RETURNING id, account_id",
            )
            .bind(now)
            .bind(reason)
            .bind(scope.provider_id)
            .bind(scope.organization_key)
            .bind(scope.organization_id)
            .bind(scope.account_id),
        };
        let ended: Vec<(String, String)> = update.fetch_all(&mut *self).await?;
        for (session_id, account_id) in &ended {
            sqlx::query("DELETE FROM access_tokens WHERE session_id = $1")
                .bind(session_id.as_str())
                .execute(&mut *self)
                .await?;
            self.end_session_credentials(session_id, account_id, reason, now)
                .await?;
        }
        Ok(ended.len() as u64)
    }

    async fn end_links(
        &mut self,
        which: LinksToEnd<'_>,
        reason: &str,
        now: i64,
        unlink_audit: UnlinkAudit<'_>,
    ) -> Result<Ended, sqlx::Error> {
        let delete = match which {
            LinksToEnd::MadeFromEmail { account_id, email } => sqlx::query_as(
                "DELETE FROM identity_links WHERE account_id = $1 AND made_by = 'email' AND matched_email = $2
                 RETURNING issuer, subject, account_id, provider_id",
            )
            .bind(account_id)
            .bind(email),
            LinksToEnd::ThroughProvider(scope) => sqlx::query_as(
                "DELETE FROM identity_links
                 WHERE provider_id = $1 AND ($2 IS NULL OR organization_key = $2)
                   AND account_id IN (SELECT id FROM accounts WHERE organization_id = $3 AND ($4 IS NULL OR id = $4))
                 RETURNING issuer, subject, account_id, provider_id",
            )
            .bind(scope.provider_id)
            .bind(scope.organization_key)
            .bind(scope.organization_id)
            .bind(scope.account_id),
        };
        let removed: Vec<(String, String, String, Option<String>)> =
            delete.fetch_all(&mut *self).await?;
        let mut ended = Ended::default();
        for (issuer, subject, account_id, provider_id) in &removed {
            ended.links += 1;
            let row = unlink_audit(&EndedLink {
                account_id,
                provider_id: provider_id.as_deref(),
                reason,
            });
            self.insert_audit_row(&row).await?;
            sqlx::query(
                "DELETE FROM remembered_choices WHERE issuer = $1 AND subject = $2 AND account_id = $3",
            )
            .bind(issuer.as_str())
            .bind(subject.as_str())
            .bind(account_id.as_str())
            .execute(&mut *self)
            .await?;
            let through_link = SessionsToEnd::ThroughLink {
                account_id,
                issuer,
                subject,
            };
            ended.sessions += self.end_sessions(through_link, reason, now).await?;
        }
        Ok(ended)
    }
}
