//! Login tickets: the single-use, short-lived handle of a step between a verified
//! credential and a session (choose an account, link one, give the authenticator code).
//! Stored hashed; a ticket ends only in the accounts it lists.

use crate::providers::ProviderIdentity;
use crate::signin::login::LoginError;
use crate::store::{from_json, Store, TicketRow};
use crate::tokens::token_hash;

/// What a valid ticket carries.
pub struct Ticket {
    /// The provider identity it came from; `None` after a password.
    pub identity: Option<ProviderIdentity>,
    pub account_ids: Vec<String>,
}

fn parse_ticket(row: Option<TicketRow>) -> Result<Ticket, LoginError> {
    let row = row.ok_or(LoginError::TicketInvalid)?;
    let identity = match row.identity {
        Some(json) => Some(from_json(&json).map_err(|_| LoginError::TicketInvalid)?),
        None => None,
    };
    Ok(Ticket {
        identity,
        account_ids: row
            .account_ids
            .split(',')
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// The ticket, when it is of this kind, unused and in time; it stays usable.
pub async fn peek_ticket(
    store: &Store,
    ticket: &str,
    kind: &str,
    now: i64,
) -> Result<Ticket, LoginError> {
    parse_ticket(store.peek_ticket(&token_hash(ticket), kind, now).await?)
}

/// Uses the ticket up: of two concurrent uses, one wins.
pub async fn claim_ticket(
    store: &Store,
    ticket: &str,
    kind: &str,
    now: i64,
) -> Result<Ticket, LoginError> {
    parse_ticket(store.claim_ticket(&token_hash(ticket), kind, now).await?)
}
