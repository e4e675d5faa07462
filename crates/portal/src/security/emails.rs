//! Notification emails the user adds and removes (login emails are the
//! administrator's).

use switchboard_api::NotificationEmailAdded;

use super::{change_event, require_confirmation, SecurityError};
use crate::audit::{self};
use crate::mail::MailSender;
use crate::notification_emails;
use crate::request::RequestContext;
use crate::signin::sessions::AuthenticatedSession;
use crate::store::Store;

/// The administrator's looser check of an email (the app's notification emails go through
/// [`notification_emails::check`]).
pub(crate) fn normalized_email(email: &str) -> Result<String, notification_emails::EmailProblem> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@'));
    if valid {
        Ok(email)
    } else {
        Err(notification_emails::EmailProblem::Syntax(email))
    }
}

/// Adds a notification-only email (voicemail copies; it never signs in) after the checks
/// of [`notification_emails::check`]; it receives nothing until the code mailed to it is
/// entered. A sensitive change: it needs a recent confirmation.
pub async fn add_notification_email(
    store: &Store,
    mail: &dyn MailSender,
    portal_name: &str,
    session: &AuthenticatedSession,
    email: &str,
    request: &RequestContext,
    now: i64,
) -> Result<NotificationEmailAdded, SecurityError> {
    require_confirmation(store, session, now).await?;
    Ok(notification_emails::add(store, mail, portal_name, session, email, request, now).await?)
}

pub async fn remove_notification_email(
    store: &Store,
    session: &AuthenticatedSession,
    email: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(), SecurityError> {
    let email = email.trim().to_lowercase();
    match store
        .remove_notification_email(&session.account_id, &email)
        .await?
    {
        None => Err(SecurityError::UnknownEmail(email)),
        Some(purpose) if purpose == "login" => Err(SecurityError::LoginEmailManaged),
        Some(_) => {
            let event = change_event(session, "notification_email_removed").detail("email", email);
            audit::record(store, event, request, now).await;
            Ok(())
        }
    }
}
