//! Login tickets: the single-use, short-lived handle of a step between a verified
//! credential and a session (choose an account, link one, give the authenticator code).
//! Stored hashed; a ticket ends only in the accounts it lists.

use sqlx::SqlitePool;

use crate::login::LoginError;
use crate::providers::ProviderIdentity;
use crate::tokens::token_hash;

/// What a valid ticket carries.
pub struct Ticket {
    /// The provider identity it came from; `None` after a password.
    pub identity: Option<ProviderIdentity>,
    pub account_ids: Vec<String>,
}

fn parse_ticket(identity: Option<String>, account_ids: &str) -> Result<Ticket, LoginError> {
    let identity = match identity {
        Some(json) => Some(serde_json::from_str(&json).map_err(|_| LoginError::TicketInvalid)?),
        None => None,
    };
    Ok(Ticket {
        identity,
        account_ids: account_ids
            .split(',')
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// The ticket, when it is of this kind, unused and in time; it stays usable.
pub async fn peek_ticket(
    pool: &SqlitePool,
    ticket: &str,
    kind: &str,
    now: i64,
) -> Result<Ticket, LoginError> {
    let row: Option<(Option<String>, String)> = sqlx::query_as(
        "SELECT identity, account_ids FROM login_tickets
         WHERE ticket_hash = ? AND kind = ? AND used_at IS NULL AND expires_at >= ?",
    )
    .bind(token_hash(ticket))
    .bind(kind)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let (identity, account_ids) = row.ok_or(LoginError::TicketInvalid)?;
    parse_ticket(identity, &account_ids)
}

/// Uses the ticket up: of two concurrent uses, one wins.
pub async fn claim_ticket(
    pool: &SqlitePool,
    ticket: &str,
    kind: &str,
    now: i64,
) -> Result<Ticket, LoginError> {
    let row: Option<(Option<String>, String)> = sqlx::query_as(
        "UPDATE login_tickets SET used_at = ?
         WHERE ticket_hash = ? AND kind = ? AND used_at IS NULL AND expires_at >= ?
         RETURNING identity, account_ids",
    )
    .bind(now)
    .bind(token_hash(ticket))
    .bind(kind)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let (identity, account_ids) = row.ok_or(LoginError::TicketInvalid)?;
    parse_ticket(identity, &account_ids)
}
