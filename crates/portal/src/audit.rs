//! The audit log: who signed in how and from where, what failed and what locked, which
//! links were made and ended (and how), what users changed in their security settings and
//! what administrators changed. Operators read it with `switchboard-portal admin audit`.
//!
//! Never a secret in an event: no password, code, token or SIP password; a typed username
//! is kept (it is what an operator looks for after a lockout).
//!
//! Writing an event never fails the request it describes: a failed write is logged. An
//! administrator's change writes its event in the change's own transaction instead.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::request::RequestContext;
use crate::store::{AuditRow, Store};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A session started (password, provider, authenticator step).
    SignIn,
    /// Wrong credentials, a refused provider sign-in, a bad or replayed code.
    SignInFailed,
    /// Too many attempts: a lock started or was in force.
    Lockout,
    /// A provider identity linked to an account (`detail.made_by` says how).
    Link,
    /// A link ended (`detail.reason` says why).
    Unlink,
    /// A change in the app's security settings.
    Security,
    /// A session ended other than by its own sign-out (replay, policy, administrator).
    SessionEnded,
    /// An administrator's change.
    Admin,
}

impl AuditKind {
    pub const ALL: [AuditKind; 8] = [
        AuditKind::SignIn,
        AuditKind::SignInFailed,
        AuditKind::Lockout,
        AuditKind::Link,
        AuditKind::Unlink,
        AuditKind::Security,
        AuditKind::SessionEnded,
        AuditKind::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::SignIn => "sign_in",
            AuditKind::SignInFailed => "sign_in_failed",
            AuditKind::Lockout => "lockout",
            AuditKind::Link => "link",
            AuditKind::Unlink => "unlink",
            AuditKind::Security => "security",
            AuditKind::SessionEnded => "session_ended",
            AuditKind::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// One event, built with the methods below.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    kind: AuditKind,
    actor: String,
    result: &'static str,
    organization_id: Option<String>,
    account_id: Option<String>,
    method: Option<String>,
    provider_id: Option<String>,
    device: Option<String>,
    ip: Option<std::net::IpAddr>,
    detail: serde_json::Map<String, Value>,
}

impl AuditEvent {
    /// An event done by the user in the app (the actor is `user`), with result `ok`.
    pub fn new(kind: AuditKind) -> Self {
        Self {
            kind,
            actor: "user".into(),
            result: "ok",
            organization_id: None,
            account_id: None,
            method: None,
            provider_id: None,
            device: None,
            ip: None,
            detail: serde_json::Map::new(),
        }
    }

    /// An administrator's change, by `operator`.
    pub fn admin(operator: &str, action: &str) -> Self {
        Self::new(AuditKind::Admin)
            .by_admin(operator)
            .detail("action", action)
    }

    /// Done by the administrator `operator`.
    pub fn by_admin(self, operator: &str) -> Self {
        self.actor(format!("admin:{operator}"))
    }

    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = actor.into();
        self
    }

    pub fn result(mut self, result: &'static str) -> Self {
        self.result = result;
        self
    }

    pub fn account(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    pub fn maybe_account(mut self, account_id: Option<&str>) -> Self {
        self.account_id = account_id.map(str::to_owned);
        self
    }

    pub fn organization(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = Some(organization_id.into());
        self
    }

    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    pub fn provider(mut self, provider_id: impl Into<String>) -> Self {
        self.provider_id = Some(provider_id.into());
        self
    }

    pub fn device(mut self, device: impl Into<String>) -> Self {
        self.device = Some(device.into());
        self
    }

    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.detail.insert(key.to_owned(), value.into());
        self
    }

    /// The same event recorded as another kind (a failure that turned out a lockout).
    pub fn of_kind(mut self, kind: AuditKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn kind(&self) -> AuditKind {
        self.kind
    }

    /// The request it happened in: its client's address is recorded.
    pub fn in_request(mut self, request: &RequestContext) -> Self {
        self.ip = request.ip;
        self
    }

    /// The row to store at `now`, with the request's address (when `in_request` gave one).
    pub fn into_row(self, now: i64) -> AuditRow {
        AuditRow {
            id: event_id(),
            at: now,
            kind: self.kind.as_str().to_owned(),
            actor: self.actor,
            organization_id: self.organization_id,
            account_id: self.account_id,
            method: self.method,
            provider_id: self.provider_id,
            device: self.device,
            ip: self.ip.map(|ip| ip.to_string()),
            result: self.result.to_owned(),
            detail: (!self.detail.is_empty()).then(|| Value::Object(self.detail).to_string()),
        }
    }
}

/// Ids sort in the order events were written (within the same `at`, which may come from a
/// test clock): the wall clock's nanoseconds, then a random tail against collisions.
fn event_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    format!("{nanos:024}-{:08x}", rand::random::<u32>())
}

/// Writes the event; a failure is logged, never returned (the request it describes has
/// happened either way).
pub async fn record(store: &Store, event: AuditEvent, request: &RequestContext, now: i64) {
    let kind = event.kind;
    let event = event.in_request(request);
    if let Err(error) = store.insert_audit(&event.into_row(now)).await {
        tracing::warn!(kind = kind.as_str(), %error, "cannot write an audit event");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name() {
        for kind in AuditKind::ALL {
            assert_eq!(AuditKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(AuditKind::parse("signin"), None);
    }

    #[test]
    fn ids_sort_in_writing_order() {
        let first = event_id();
        let second = event_id();
        assert!(first < second, "{first} {second}");
    }

    #[test]
    fn the_request_address_is_recorded_only_from_a_request() {
        let outside = AuditEvent::new(AuditKind::SignIn).into_row(1);
        assert_eq!(outside.ip, None);
        let inside = AuditEvent::new(AuditKind::SignIn)
            .in_request(&RequestContext {
                ip: Some("192.0.2.7".parse().unwrap()),
                user_agent: None,
            })
            .into_row(1);
        assert_eq!(inside.ip.as_deref(), Some("192.0.2.7"));
    }
}
