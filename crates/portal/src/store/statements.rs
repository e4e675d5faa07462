//! The statements several writes share, written once for both engines: [`Statements`] is
//! implemented for any connection whose driver can run them (SQLite's and PostgreSQL's),
//! and a transaction derefs to its connection, so `tx.insert_audit_row(row)` runs in the
//! caller's transaction. None of them commits: the caller does, where it can be read.

use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};

use super::admin::AccountChange;
use super::sip_credentials::NewSipCredential;
use super::{AuditRow, LinkOrigin, NewAccount, NewLink};

/// What an app is told over its event stream (`session_events.kind`).
pub(crate) mod event_kind {
    /// The session ended; the row's reason says why.
    pub const SESSION_ENDED: &str = "session_ended";
    /// The account's SIP profile changed: fetch it again.
    pub const SIP_PROFILE_CHANGED: &str = "sip_profile_changed";
    /// The account's organization changed its sign-in policy.
    pub const POLICY_CHANGED: &str = "policy_changed";
}

/// A random row id for the outbox rows.
fn row_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// An event row's id: the wall clock's nanoseconds (not the portal's clock, which tests
/// set: every writer, the admin command included, shares the wall clock), then a random
/// tail. Instances read new events by id (see `events::follow`).
pub(crate) fn event_row_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    format!("{nanos:024}-{:08x}", rand::random::<u32>())
}

/// Which sessions [`Statements::end_sessions`] ends (live ones only).
#[derive(Debug, Clone, Copy)]
pub(crate) enum SessionsToEnd<'a> {
    /// Every session of the account, but `except`.
    OfAccount {
        account_id: &'a str,
        except: Option<&'a str>,
    },
    /// The account's sessions that came through a provider (SSO, or a link).
    ThroughProviders { account_id: &'a str },
    /// The account's sessions that came through the link of `issuer` and `subject`.
    ThroughLink {
        account_id: &'a str,
        issuer: &'a str,
        subject: &'a str,
    },
    /// The sessions that came through one provider in an organization.
    ThroughProvider(ProviderScope<'a>),
}

/// Which SIP credentials [`Statements::delete_credentials`] ends.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CredentialsToEnd<'a> {
    /// The credential of one device's session.
    OfSession(&'a str),
    /// Every device credential of the account (not its static one).
    DevicesOfAccount(&'a str),
    /// The account's static credential.
    StaticOfAccount(&'a str),
}

/// Which links [`Statements::end_links`] ends.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LinksToEnd<'a> {
    /// The links made from `email` when it was a login email of the account.
    MadeFromEmail { account_id: &'a str, email: &'a str },
    /// The links through one provider in an organization.
    ThroughProvider(ProviderScope<'a>),
}

/// A provider's links or sessions in an organization: only those for one domain or tenant
/// when `organization_key` is given, only one account's when `account_id` is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProviderScope<'a> {
    pub organization_id: &'a str,
    pub provider_id: &'a str,
    pub organization_key: Option<&'a str>,
    pub account_id: Option<&'a str>,
}

/// A link a change ended, as its `unlink` audit row needs it.
#[derive(Debug, Clone, Copy)]
pub struct EndedLink<'a> {
    pub account_id: &'a str,
    pub provider_id: Option<&'a str>,
    /// Why it ended (`provider_disabled`, `relinked`, `login_email_removed`).
    pub reason: &'a str,
}

/// The caller's way to make the audit row of each link a change ends (the store writes the
/// rows it is given and makes none).
pub type UnlinkAudit<'a> = &'a (dyn Fn(&EndedLink<'_>) -> AuditRow + Sync);

/// What ending links (and the sessions that came through them) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
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

    /// Turns an account off: it is marked deactivated, every session ends (with its device
    /// credential, the device told why) and the static credential goes; the registrar is
    /// told to drop the contacts of both. How many sessions ended.
    async fn deactivate_account(&mut self, account_id: &str, now: i64) -> Result<u64, sqlx::Error> {
        self.set_deactivated_at(account_id, Some(now)).await?;
        let every_session = SessionsToEnd::OfAccount {
            account_id,
            except: None,
        };
        let ended = self
            .end_sessions(every_session, "account_deactivated", now)
            .await?;
        self.delete_credentials(CredentialsToEnd::StaticOfAccount(account_id), now)
            .await?;
        Ok(ended)
    }

    /// Marks the account deactivated at `at`, or active again (`None`).
    async fn set_deactivated_at(
        &mut self,
        account_id: &str,
        at: Option<i64>,
    ) -> Result<(), sqlx::Error>;

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

    /// Inserts an account with its emails and SIP profile.
    async fn insert_account(
        &mut self,
        organization_id: &str,
        account: &NewAccount<'_>,
        now: i64,
    ) -> Result<(), sqlx::Error>;

    /// Updates an account's details and SIP profile (whose version, its ETag, moves on so
    /// the app fetches it again); `false` when there is no such account.
    async fn update_account_rows(
        &mut self,
        account_id: &str,
        change: &AccountChange,
    ) -> Result<bool, sqlx::Error>;

    /// Links the identity to the account. A link that exists keeps how it was made, unless
    /// it was made from an email and is now made deliberately (then it no longer follows
    /// the email). A deliberate link forgets that the user removed it once.
    async fn insert_link(
        &mut self,
        link: &NewLink<'_>,
        account_id: &str,
        now: i64,
    ) -> Result<(), sqlx::Error>;

    /// Replaces the account's recovery codes. Only in a transaction that holds the
    /// account's row lock (two replacements at once would otherwise leave both sets).
    async fn replace_recovery_codes(
        &mut self,
        account_id: &str,
        code_hashes: &[String],
        now: i64,
    ) -> Result<(), sqlx::Error>;
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
    async fn set_deactivated_at(
        &mut self,
        account_id: &str,
        at: Option<i64>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE accounts SET deactivated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(account_id)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

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

    async fn insert_account(
        &mut self,
        organization_id: &str,
        account: &NewAccount<'_>,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO accounts (id, organization_id, username, display_name, extension, password_hash, sso_allowed, totp_secret_encrypted, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8)",
        )
        .bind(account.id)
        .bind(organization_id)
        .bind(account.username)
        .bind(account.display_name)
        .bind(account.extension)
        .bind(account.password_hash)
        .bind(account.totp_secret_encrypted)
        .bind(now)
        .execute(&mut *self)
        .await?;
        let emails = account
            .login_emails
            .iter()
            .map(|email| (*email, "login"))
            .chain(
                account
                    .notification_emails
                    .iter()
                    .map(|email| (*email, "notification")),
            );
        for (email, purpose) in emails {
            sqlx::query(
                "INSERT INTO account_emails (account_id, email, purpose) VALUES ($1, $2, $3)",
            )
            .bind(account.id)
            .bind(email)
            .bind(purpose)
            .execute(&mut *self)
            .await?;
        }
        let sip = &account.sip;
        sqlx::query(
            "INSERT INTO sip_profiles (account_id, sip_user, auth_user, password_encrypted, sip_domain, registrar, outbound_proxy, transport, stun_server, turn_server, voicemail_number, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)",
        )
        .bind(account.id)
        .bind(sip.sip_user)
        .bind(sip.auth_user)
        .bind(sip.password_encrypted)
        .bind(sip.sip_domain)
        .bind(sip.registrar)
        .bind(sip.outbound_proxy)
        .bind(sip.transport)
        .bind(sip.stun_server)
        .bind(sip.turn_server)
        .bind(sip.voicemail_number)
        .execute(&mut *self)
        .await?;
        Ok(())
    }

    async fn update_account_rows(
        &mut self,
        account_id: &str,
        change: &AccountChange,
    ) -> Result<bool, sqlx::Error> {
        let updated: Option<(String,)> = sqlx::query_as(
            "UPDATE accounts SET display_name = COALESCE($1, display_name), extension = COALESCE($2, extension)
             WHERE id = $3 RETURNING id",
        )
        .bind(change.display_name.as_deref())
        .bind(change.extension.as_deref())
        .bind(account_id)
        .fetch_optional(&mut *self)
        .await?;
        let changed = updated.is_some();
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
            .execute(&mut *self)
            .await?;
        }
        Ok(changed)
    }

    async fn insert_link(
        &mut self,
        link: &NewLink<'_>,
        account_id: &str,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let matched_email = (link.origin == LinkOrigin::Email)
            .then_some(link.email)
            .flatten();
        sqlx::query(
            "INSERT INTO identity_links (issuer, subject, account_id, created_at, provider_id, email, made_by, matched_email, organization_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (issuer, subject, account_id) DO UPDATE SET
                 made_by = CASE WHEN excluded.made_by = 'email' THEN identity_links.made_by ELSE excluded.made_by END,
                 matched_email = CASE WHEN excluded.made_by = 'email' THEN identity_links.matched_email ELSE NULL END",
        )
        .bind(link.issuer)
        .bind(link.subject)
        .bind(account_id)
        .bind(now)
        .bind(link.provider_id)
        .bind(link.email)
        .bind(link.origin.as_str())
        .bind(matched_email)
        .bind(link.organization_key)
        .execute(&mut *self)
        .await?;
        if link.origin != LinkOrigin::Email {
            sqlx::query(
                "DELETE FROM removed_links WHERE issuer = $1 AND subject = $2 AND account_id = $3",
            )
            .bind(link.issuer)
            .bind(link.subject)
            .bind(account_id)
            .execute(&mut *self)
            .await?;
        }
        Ok(())
    }

    async fn replace_recovery_codes(
        &mut self,
        account_id: &str,
        code_hashes: &[String],
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *self)
            .await?;
        for hash in code_hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(account_id)
            .bind(hash.as_str())
            .bind(now)
            .execute(&mut *self)
            .await?;
        }
        Ok(())
    }
}
