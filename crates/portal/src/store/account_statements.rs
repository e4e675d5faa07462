//! The account writes several callers share, written once for both engines like
//! [`Statements`], which they build on: an account inserted or changed, turned off or on,
//! a link made, the recovery codes replaced. None of them commits: the caller does.

use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};

use super::changes::{AccountChange, CredentialsToEnd, SessionsToEnd};
use super::statements::Statements;
use super::{LinkOrigin, NewAccount, NewLink};

/// The shared account writes, on a connection or in a transaction of either engine.
pub(crate) trait AccountStatements: Statements {
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

impl<C, DB> AccountStatements for C
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
