//! How a SCIM User and an account map onto each other, and the checks a write makes on
//! what the directory sent.

use serde_json::Value;
use switchboard_scim::{MultiValue, ScimError, User};

use super::invalid;
use crate::admin::validate::valid_email;
use crate::store::DirectoryAccountRow;

/// A User as the directory reads it back, with its version for `ETag`.
pub struct UserResource {
    pub id: String,
    pub json: Value,
    pub etag: String,
}

/// What an account's emails are: (email, purpose).
pub(super) type Emails = Vec<(String, String)>;

/// `active` left out (a PUT without it, a PATCH that removes it) keeps the account as it
/// is: only an explicit value turns an account on or off, so no request reactivates a
/// deprovisioned person by omission.
pub(super) fn keep_activity_unless_given(json: &mut Value, current: &Value) {
    let Value::Object(object) = json else {
        return;
    };
    let given = object
        .iter()
        .any(|(key, value)| key.eq_ignore_ascii_case("active") && !value.is_null());
    if !given {
        object.retain(|key, _| !key.eq_ignore_ascii_case("active"));
        object.insert("active".to_owned(), current["active"].clone());
    }
}

pub(super) fn not_found(id: &str) -> ScimError {
    ScimError::not_found(format!("No user {id:?} in this organization."))
}

/// `If-Match`: the request applies only to the version named (`*` to any).
pub(super) fn check_version(
    current: &UserResource,
    if_match: Option<&str>,
) -> Result<(), ScimError> {
    let Some(if_match) = if_match.map(str::trim) else {
        return Ok(());
    };
    let matches = if_match == "*"
        || if_match
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == current.etag.trim_start_matches("W/"));
    if matches {
        Ok(())
    } else {
        Err(ScimError::status(
            412,
            "The user changed since this version (If-Match): read it again.",
        ))
    }
}

/// The account's emails from a User: `userName` when it is an email and the login email
/// (primary, else work, else first) sign in; the others are notification emails.
pub(super) fn account_emails(user: &User, username: &str) -> Result<Emails, ScimError> {
    let mut emails: Emails = Vec::new();
    let mut put = |email: String, purpose: &str| {
        if let Some(existing) = emails.iter_mut().find(|(known, _)| *known == email) {
            if purpose == "login" {
                existing.1 = "login".into();
            }
        } else {
            emails.push((email, purpose.to_owned()));
        }
    };
    if username.contains('@') {
        put(valid_email("userName", username).map_err(invalid)?, "login");
    }
    if let Some(login) = user.login_email() {
        put(valid_email("emails", &login).map_err(invalid)?, "login");
    }
    for email in &user.emails {
        put(
            valid_email("emails", &email.value).map_err(invalid)?,
            "notification",
        );
    }
    Ok(emails)
}

pub(super) fn emails_with<'e>(emails: &'e Emails, purpose: &str) -> Vec<&'e str> {
    emails
        .iter()
        .filter(|(_, wanted)| wanted == purpose)
        .map(|(email, _)| email.as_str())
        .collect()
}

/// What is stored of a User: its JSON (the account's columns win over it when read).
pub(super) fn stored_attributes(user: &User) -> String {
    user.to_json().to_string()
}

/// The User an account is: the stored attributes, with the account's username, display
/// name, external id, activity and emails (an email an administrator added shows too).
pub(super) fn user_of(row: &DirectoryAccountRow, emails: &[(String, String, String)]) -> User {
    let stored = row
        .scim_attributes
        .as_deref()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|json| User::from_json(&json).ok());
    let mut user = stored.unwrap_or_else(|| User {
        user_name: row.username.clone(),
        external_id: None,
        display_name: None,
        name: None,
        emails: Vec::new(),
        phone_numbers: Vec::new(),
        active: true,
        enterprise: None,
    });
    user.user_name = row.username.clone();
    user.external_id = row.external_id.clone();
    user.display_name = Some(row.display_name.clone());
    user.active = row.deactivated_at.is_none();
    let own: Vec<(&str, &str)> = emails
        .iter()
        .filter(|(account_id, _, _)| *account_id == row.id)
        .map(|(_, email, purpose)| (email.as_str(), purpose.as_str()))
        .collect();
    user.emails.retain(|stored| {
        own.iter()
            .any(|(email, _)| email.eq_ignore_ascii_case(&stored.value))
    });
    for (email, purpose) in own {
        if !user
            .emails
            .iter()
            .any(|stored| stored.value.eq_ignore_ascii_case(email))
        {
            user.emails.push(MultiValue {
                value: email.to_owned(),
                kind: Some(if purpose == "login" { "work" } else { "other" }.to_owned()),
                primary: false,
            });
        }
    }
    user
}
