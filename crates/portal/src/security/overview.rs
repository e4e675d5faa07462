//! What the security settings screen shows: authenticator, linked providers, emails
//! and their warnings, sessions, and how long the session's confirmation holds.

use switchboard_api::{
    AccountEmail, AuthenticatorStatus, EmailPurpose, LinkedProvider, SecurityOverview,
    SecurityWarning, SessionClient, SessionInfo, SignInOptions,
};

use super::{confirmed_for, link_id, SecurityError};
use crate::recovery;
use crate::signin::sessions::AuthenticatedSession;
use crate::store::Store;

fn provider_name(options: &SignInOptions, provider_id: &str) -> String {
    options
        .providers
        .iter()
        .find(|p| p.id == provider_id)
        .map(|p| p.display_name.clone())
        .unwrap_or_else(|| provider_id.to_owned())
}

pub async fn overview(
    store: &Store,
    options: &SignInOptions,
    session: &AuthenticatedSession,
    now: i64,
) -> Result<SecurityOverview, SecurityError> {
    let account = &session.account_id;
    let account_row = store
        .credentials_by_id(account)
        .await?
        .ok_or(SecurityError::AccountGone)?;
    let has_totp = account_row.has_totp;
    let username = store
        .username(account)
        .await?
        .ok_or(SecurityError::AccountGone)?;

    let linked_providers = store
        .links_of_account(account)
        .await?
        .into_iter()
        .map(|link| {
            let provider_id = link.provider_id.unwrap_or_else(|| link.issuer.clone());
            LinkedProvider {
                link_id: link_id(&link.issuer, &link.subject),
                provider_name: provider_name(options, &provider_id),
                provider_id,
                email: link.email,
                linked_at: link.created_at,
            }
        })
        .collect();

    let unconfirmed = store.unconfirmed_emails_of_account(account).await?;
    let emails: Vec<AccountEmail> = store
        .emails_of_account(account)
        .await?
        .into_iter()
        .map(|row| AccountEmail {
            confirmed: !unconfirmed.contains(&row.email),
            email: row.email,
            purpose: if row.purpose == "login" {
                EmailPurpose::Login
            } else {
                EmailPurpose::Notification
            },
            also_login_email_of: u32::try_from(row.other_login_accounts).unwrap_or(0),
        })
        .collect();
    let login_emails: Vec<&AccountEmail> = emails
        .iter()
        .filter(|e| e.purpose == EmailPurpose::Login)
        .collect();
    let mut warnings = Vec::new();
    if login_emails.len() > 1 {
        warnings.push(SecurityWarning::SeveralLoginEmails {
            count: u32::try_from(login_emails.len()).unwrap_or(u32::MAX),
        });
    }
    for email in &login_emails {
        if email.also_login_email_of > 0 {
            warnings.push(SecurityWarning::SharedLoginEmail {
                email: email.email.clone(),
                other_accounts: email.also_login_email_of,
            });
        }
    }

    let sessions = store
        .live_sessions_of_account(account)
        .await?
        .into_iter()
        .map(|row| SessionInfo {
            current: row.id == session.session_id,
            session_id: row.id,
            device_name: row.device_name,
            auth_method: row.auth_method,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            client: row
                .user_agent
                .as_deref()
                .map(SessionClient::of_user_agent)
                .unwrap_or_default(),
            user_agent: row.user_agent,
            signed_in_from: row.signed_in_ip,
            last_used_from: row.last_used_ip,
        })
        .collect();

    Ok(SecurityOverview {
        username,
        authenticator: AuthenticatorStatus {
            enabled: has_totp,
            recovery_codes_left: if has_totp {
                recovery::remaining(store, account).await?
            } else {
                0
            },
        },
        linked_providers,
        emails,
        warnings,
        sessions,
        confirmed_for_seconds: confirmed_for(store, session, now).await?,
    })
}
