//! Broker state: sign-ins waiting for a provider, one-time codes for the app, login
//! tickets, link intents, and the account choice remembered per provider identity.
//! Secrets arrive here already hashed (or encrypted); each use-once row is claimed by one
//! conditional statement, so of two concurrent uses on any instances exactly one wins.

use super::{on_backend, Store, StoreError};

/// A sign-in the app started; the provider has not answered yet.
pub struct NewPendingAuthorization<'a> {
    pub portal_state_hash: &'a str,
    pub provider_id: &'a str,
    pub app_redirect_uri: &'a str,
    pub app_state: &'a str,
    pub app_code_challenge: &'a str,
    pub nonce_encrypted: &'a str,
    pub pkce_verifier_encrypted: &'a str,
    pub link_account_id: Option<&'a str>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(sqlx::FromRow)]
pub struct PendingAuthorization {
    pub app_redirect_uri: String,
    pub app_state: String,
    pub app_code_challenge: String,
    pub nonce_encrypted: String,
    pub pkce_verifier_encrypted: String,
    pub expires_at: i64,
    pub link_account_id: Option<String>,
}

/// A one-time code just claimed.
#[derive(sqlx::FromRow)]
pub struct ClaimedCode {
    pub app_redirect_uri: String,
    pub app_code_challenge: String,
    pub identity: String,
    pub expires_at: i64,
    pub link_account_id: Option<String>,
}

/// A login ticket's contents: the identity JSON (none after a password) and the
/// comma-separated accounts it may end in.
#[derive(sqlx::FromRow)]
pub struct TicketRow {
    pub identity: Option<String>,
    pub account_ids: String,
}

impl Store {
    pub async fn insert_pending_authorization(
        &self,
        pending: &NewPendingAuthorization<'_>,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query(
            "INSERT INTO pending_authorizations (portal_state_hash, provider_id, app_redirect_uri, app_state, app_code_challenge, nonce_encrypted, pkce_verifier_encrypted, created_at, expires_at, link_account_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(pending.portal_state_hash)
        .bind(pending.provider_id)
        .bind(pending.app_redirect_uri)
        .bind(pending.app_state)
        .bind(pending.app_code_challenge)
        .bind(pending.nonce_encrypted)
        .bind(pending.pkce_verifier_encrypted)
        .bind(pending.created_at)
        .bind(pending.expires_at)
        .bind(pending.link_account_id)
        .execute(pool)
        .await?;
        });
        Ok(())
    }

    /// Removes and answers the pending sign-in (once, whichever instance asks).
    pub async fn take_pending_authorization(
        &self,
        portal_state_hash: &str,
        provider_id: &str,
    ) -> Result<Option<PendingAuthorization>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "DELETE FROM pending_authorizations WHERE portal_state_hash = $1 AND provider_id = $2
             RETURNING app_redirect_uri, app_state, app_code_challenge, nonce_encrypted, pkce_verifier_encrypted, expires_at, link_account_id",
        )
        .bind(portal_state_hash)
        .bind(provider_id)
        .fetch_optional(pool)
        .await?))
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_code(
        &self,
        code_hash: &str,
        app_redirect_uri: &str,
        app_code_challenge: &str,
        identity_json: &str,
        link_account_id: Option<&str>,
        created_at: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query(
            "INSERT INTO authorization_codes (code_hash, app_redirect_uri, app_code_challenge, identity, created_at, expires_at, link_account_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(code_hash)
        .bind(app_redirect_uri)
        .bind(app_code_challenge)
        .bind(identity_json)
        .bind(created_at)
        .bind(expires_at)
        .bind(link_account_id)
        .execute(pool)
        .await?;
        });
        Ok(())
    }

    /// Marks the code used; `None` when it is unknown or was used already.
    pub async fn claim_code(
        &self,
        code_hash: &str,
        now: i64,
    ) -> Result<Option<ClaimedCode>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "UPDATE authorization_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL
             RETURNING app_redirect_uri, app_code_challenge, identity, expires_at, link_account_id",
        )
        .bind(now)
        .bind(code_hash)
        .fetch_optional(pool)
        .await?))
    }

    /// For a code that could not be claimed: marks it replayed and answers the session it
    /// produced so far (`Some(None)`: none yet), or `None` when it never existed.
    pub async fn mark_code_replayed(
        &self,
        code_hash: &str,
        now: i64,
    ) -> Result<Option<Option<String>>, StoreError> {
        let row: Option<(Option<String>,)> = on_backend!(self, pool => sqlx::query_as(
            "UPDATE authorization_codes SET replayed_at = COALESCE(replayed_at, $1)
             WHERE code_hash = $2 RETURNING session_id",
        )
        .bind(now)
        .bind(code_hash)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(session,)| session))
    }

    /// Records the session the code produced; `true` when the code was replayed meanwhile
    /// (the replay found no session to revoke, so the caller must).
    pub async fn set_code_session(
        &self,
        code_hash: &str,
        session_id: &str,
    ) -> Result<bool, StoreError> {
        let row: Option<(bool,)> = on_backend!(self, pool => sqlx::query_as(
            "UPDATE authorization_codes SET session_id = $1 WHERE code_hash = $2
             RETURNING replayed_at IS NOT NULL",
        )
        .bind(session_id)
        .bind(code_hash)
        .fetch_optional(pool)
        .await?);
        Ok(row.is_some_and(|(replayed,)| replayed))
    }

    pub async fn insert_ticket(
        &self,
        ticket_hash: &str,
        kind: &str,
        identity_json: Option<&str>,
        account_ids: &str,
        created_at: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query(
            "INSERT INTO login_tickets (ticket_hash, kind, identity, account_ids, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(ticket_hash)
        .bind(kind)
        .bind(identity_json)
        .bind(account_ids)
        .bind(created_at)
        .bind(expires_at)
        .execute(pool)
        .await?;
        });
        Ok(())
    }

    /// The ticket when it is of this kind, unused and in time; it stays usable.
    pub async fn peek_ticket(
        &self,
        ticket_hash: &str,
        kind: &str,
        now: i64,
    ) -> Result<Option<TicketRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT identity, account_ids FROM login_tickets
             WHERE ticket_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at >= $3",
        )
        .bind(ticket_hash)
        .bind(kind)
        .bind(now)
        .fetch_optional(pool)
        .await?))
    }

    /// Uses the ticket up: of two concurrent uses, one wins.
    pub async fn claim_ticket(
        &self,
        ticket_hash: &str,
        kind: &str,
        now: i64,
    ) -> Result<Option<TicketRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "UPDATE login_tickets SET used_at = $1
             WHERE ticket_hash = $2 AND kind = $3 AND used_at IS NULL AND expires_at >= $1
             RETURNING identity, account_ids",
        )
        .bind(now)
        .bind(ticket_hash)
        .bind(kind)
        .fetch_optional(pool)
        .await?))
    }

    pub async fn insert_link_intent(
        &self,
        intent_hash: &str,
        account_id: &str,
        provider_id: &str,
        code_challenge: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query(
            "INSERT INTO link_intents (intent_hash, account_id, provider_id, code_challenge, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(intent_hash)
        .bind(account_id)
        .bind(provider_id)
        .bind(code_challenge)
        .bind(expires_at)
        .execute(pool)
        .await?;
        });
        Ok(())
    }

    /// Uses up a link intent for this provider and PKCE challenge; the account it links to.
    pub async fn claim_link_intent(
        &self,
        intent_hash: &str,
        provider_id: &str,
        code_challenge: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "UPDATE link_intents SET used_at = $1
             WHERE intent_hash = $2 AND provider_id = $3 AND code_challenge = $4
               AND used_at IS NULL AND expires_at >= $1
             RETURNING account_id",
        )
        .bind(now)
        .bind(intent_hash)
        .bind(provider_id)
        .bind(code_challenge)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(account,)| account))
    }

    pub async fn remembered_choice(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT account_id FROM remembered_choices WHERE issuer = $1 AND subject = $2",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(id,)| id))
    }

    pub async fn remember_choice(
        &self,
        issuer: &str,
        subject: &str,
        account_id: &str,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query(
            "INSERT INTO remembered_choices (issuer, subject, account_id) VALUES ($1, $2, $3)
             ON CONFLICT (issuer, subject) DO UPDATE SET account_id = excluded.account_id",
        )
        .bind(issuer)
        .bind(subject)
        .bind(account_id)
        .execute(pool)
        .await?;
        });
        Ok(())
    }

    pub async fn forget_choice(&self, issuer: &str, subject: &str) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query(
            "DELETE FROM remembered_choices WHERE issuer = $1 AND subject = $2",
        )
        .bind(issuer)
        .bind(subject)
        .execute(pool)
        .await?;
        });
        Ok(())
    }
}
