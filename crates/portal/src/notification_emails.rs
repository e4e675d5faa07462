//! Notification emails the user adds in the security settings (voicemail copies; they never
//! sign in). An address is checked before it is stored (syntax, markup, bidi controls and
//! invisible characters, labels mixing scripts), at most [`MAX_NOTIFICATION_EMAILS`] per
//! account, and it waits for the code mailed to it before it receives anything: only
//! [`deliverable`] addresses may be sent copies.

use switchboard_api::{NotificationEmailAdded, NotificationEmailWarning};
use unicode_script::{Script, UnicodeScript};

use crate::audit::{self, AuditEvent, AuditKind};
use crate::mail::{Mail, MailSender};
use crate::request::RequestContext;
use crate::signin::login::LoginError;
use crate::signin::password_sign_in::{admit, failure};
use crate::signin::sessions::AuthenticatedSession;
use crate::store::{AddedEmail, Store};
use crate::throttle::{self, Limit};
use crate::tokens::token_hash;

/// Notification emails an account may have, confirmed or waiting.
pub const MAX_NOTIFICATION_EMAILS: i64 = 5;
/// Seconds a confirmation code works.
pub const CODE_LIFETIME: i64 = 30 * 60;
const MAX_EMAIL_LENGTH: usize = 254;
const MAX_LOCAL_LENGTH: usize = 64;
const MAX_LABEL_LENGTH: usize = 63;

/// Wrong confirmation codes, per account: locked for 15 minutes at the fifth.
pub const EMAIL_CODE_PER_ACCOUNT: Limit = Limit {
    scope: "email_code",
    free_failures: 5,
    max_failures: 5,
    window_seconds: 15 * 60,
    lockout_seconds: 15 * 60,
    backoff_cap_seconds: 0,
};

/// Why an address is refused, in words the user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailProblem {
    #[error("{0:?} is not an email address: it needs one @ with a name before it and a domain such as example.com after it")]
    Syntax(String),
    #[error("an email address cannot be longer than {MAX_EMAIL_LENGTH} characters")]
    TooLong,
    #[error("an email address cannot contain {0}")]
    Markup(&'static str),
    #[error("that address holds an invisible character that changes the direction of text (U+{0:04X}); type the address again by hand")]
    BidiControl(u32),
    #[error(
        "that address holds an invisible character (U+{0:04X}); type the address again by hand"
    )]
    Invisible(u32),
    #[error("the part {label:?} mixes letters of different alphabets ({scripts}), as look-alike addresses do; type the address again with one alphabet per part")]
    MixedScripts { label: String, scripts: String },
}

/// Right-to-left and left-to-right marks, embeddings, overrides and isolates.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Format characters that show nothing (zero-width spaces and joiners, the soft hyphen,
/// the byte-order mark, invisible operators, Mongolian vowel separator).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00ad}' | '\u{180e}' | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// Characters of markup and quoting: refused so an address never carries HTML or a
/// display-name trick into a page or a mail header.
fn markup_name(c: char) -> Option<&'static str> {
    Some(match c {
        '<' => "<",
        '>' => ">",
        '"' => "quotes (\")",
        '\'' => "quotes (')",
        '`' => "backquotes (`)",
        '&' => "&",
        '\\' => "backslashes",
        '(' | ')' => "parentheses",
        ',' | ';' | ':' => "commas, semicolons or colons",
        '[' | ']' => "square brackets",
        _ => return None,
    })
}

/// The scripts of a label's letters (Common and Inherited, such as digits and
/// combining marks, belong to any).
fn scripts_of(label: &str) -> Vec<Script> {
    let mut scripts: Vec<Script> = label
        .chars()
        .map(|c| c.script())
        .filter(|script| !matches!(script, Script::Common | Script::Inherited | Script::Unknown))
        .collect();
    scripts.sort_by_key(|script| script.full_name());
    scripts.dedup();
    scripts
}

/// Unicode's "highly restrictive" rule (UTS #39, 5.2): one script, or Latin with the
/// scripts a CJK language writes together.
fn allowed_mix(scripts: &[Script]) -> bool {
    const TOGETHER: [&[Script]; 3] = [
        &[
            Script::Latin,
            Script::Han,
            Script::Hiragana,
            Script::Katakana,
        ],
        &[Script::Latin, Script::Han, Script::Bopomofo],
        &[Script::Latin, Script::Han, Script::Hangul],
    ];
    scripts.len() <= 1
        || TOGETHER
            .iter()
            .any(|set| scripts.iter().all(|script| set.contains(script)))
}

fn local_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%*+-/=?^_{|}~.".contains(c)
        || (!c.is_ascii() && c.is_alphanumeric())
}

fn domain_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
}

/// The address as stored (trimmed, lower-case), or why it is refused.
pub fn check(raw: &str) -> Result<String, EmailProblem> {
    let email = raw.trim().to_lowercase();
    if email.chars().count() > MAX_EMAIL_LENGTH {
        return Err(EmailProblem::TooLong);
    }
    for c in email.chars() {
        if is_bidi_control(c) {
            return Err(EmailProblem::BidiControl(u32::from(c)));
        }
        if is_invisible(c) {
            return Err(EmailProblem::Invisible(u32::from(c)));
        }
        if let Some(name) = markup_name(c) {
            return Err(EmailProblem::Markup(name));
        }
    }
    let syntax = || EmailProblem::Syntax(email.clone());
    let (local, domain) = email.split_once('@').ok_or_else(syntax)?;
    let labels: Vec<&str> = domain.split('.').collect();
    let syntax_ok = !local.is_empty()
        && local.len() <= MAX_LOCAL_LENGTH
        && local.chars().all(local_char_ok)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.chars().count() <= MAX_LABEL_LENGTH
                && label.chars().all(domain_char_ok)
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
        && labels.last().is_some_and(|tld| {
            tld.chars().count() >= 2 && !tld.chars().all(|c| c.is_ascii_digit())
        });
    if !syntax_ok {
        return Err(syntax());
    }
    for label in local
        .split(['.', '+', '-', '_'])
        .chain(labels.iter().copied())
    {
        let scripts = scripts_of(label);
        if !allowed_mix(&scripts) {
            return Err(EmailProblem::MixedScripts {
                label: label.to_owned(),
                scripts: scripts
                    .iter()
                    .map(|script| script.full_name())
                    .collect::<Vec<_>>()
                    .join(" and "),
            });
        }
    }
    Ok(email)
}

#[derive(Debug, thiserror::Error)]
pub enum NotificationEmailError {
    #[error(transparent)]
    Refused(#[from] EmailProblem),
    #[error("{0} is already on your account")]
    Exists(String),
    #[error("an account can have at most {MAX_NOTIFICATION_EMAILS} notification emails: remove one first")]
    TooMany,
    #[error("cannot send the confirmation code to {0} right now; try again later")]
    NotSent(String),
    #[error("that code does not match, or it has expired: enter the code from the latest message, or add the address again for a new code")]
    WrongCode,
    #[error(transparent)]
    Login(#[from] LoginError),
}

impl From<crate::store::StoreError> for NotificationEmailError {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Login(LoginError::from(error))
    }
}

fn code_hash(account_id: &str, email: &str, code: &str) -> String {
    token_hash(&format!(
        "email-confirmation\n{account_id}\n{email}\n{code}"
    ))
}

fn new_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// Adds a notification email waiting for its confirmation, and mails it the code. Adding
/// an address that is still waiting sends a new code.
pub async fn add(
    store: &Store,
    mail: &dyn MailSender,
    portal_name: &str,
    session: &AuthenticatedSession,
    raw: &str,
    request: &RequestContext,
    now: i64,
) -> Result<NotificationEmailAdded, NotificationEmailError> {
    let email = check(raw)?;
    let code = new_code();
    let added = store
        .add_unconfirmed_notification_email(
            &session.account_id,
            &email,
            &code_hash(&session.account_id, &email, &code),
            now + CODE_LIFETIME,
            MAX_NOTIFICATION_EMAILS,
        )
        .await?;
    match added {
        AddedEmail::Added | AddedEmail::CodeRenewed => {}
        AddedEmail::Exists => return Err(NotificationEmailError::Exists(email)),
        AddedEmail::LimitReached => return Err(NotificationEmailError::TooMany),
    }
    let message = Mail {
        to: email.clone(),
        subject: format!("{portal_name}: confirm this address for notifications"),
        body: format!(
            "Someone asked {portal_name} to send notifications (such as voicemail copies) to this address.\n\n\
             If it was you, enter this code in the app's security settings: {code}\n\n\
             It works for {} minutes. If it was not you, ignore this message: nothing is sent here until the code is entered.",
            CODE_LIFETIME / 60
        ),
    };
    if let Err(error) = mail.send(&message).await {
        tracing::warn!(account = %session.account_id, error = %crate::log_text::outside_error(&error), "confirmation code not sent");
        store
            .remove_notification_email(&session.account_id, &email)
            .await?;
        return Err(NotificationEmailError::NotSent(email));
    }
    let mut warnings = Vec::new();
    if store
        .is_login_email_of_another_account(&session.account_id, &email)
        .await?
    {
        warnings.push(NotificationEmailWarning::LoginEmailOfAnotherAccount);
    }
    let event = AuditEvent::new(AuditKind::Security)
        .account(session.account_id.as_str())
        .detail("action", "notification_email_added")
        .detail("email", email.clone());
    audit::record(store, event, request, now).await;
    Ok(NotificationEmailAdded {
        email,
        confirmation_sent: true,
        expires_in: CODE_LIFETIME as u64,
        warnings,
    })
}

/// The code from the message: the address starts receiving notifications. Wrong codes
/// count towards a per-account limit.
pub async fn confirm(
    store: &Store,
    session: &AuthenticatedSession,
    raw: &str,
    code: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(), NotificationEmailError> {
    let email = raw.trim().to_lowercase();
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let key = session.account_id.as_str();
    let if_wrong = admit(store, &[(&EMAIL_CODE_PER_ACCOUNT, key)], now).await?;
    let confirmed = store
        .confirm_notification_email(
            &session.account_id,
            &email,
            &code_hash(&session.account_id, &email, &code),
            now,
        )
        .await?;
    if !confirmed {
        return Err(match failure(if_wrong, LoginError::InvalidCode, now) {
            LoginError::InvalidCode => NotificationEmailError::WrongCode,
            other => other.into(),
        });
    }
    throttle::clear(store, &EMAIL_CODE_PER_ACCOUNT, key).await?;
    let event = AuditEvent::new(AuditKind::Security)
        .account(session.account_id.as_str())
        .detail("action", "notification_email_confirmed")
        .detail("email", email);
    audit::record(store, event, request, now).await;
    Ok(())
}

/// The account's notification emails that may be sent copies: confirmed ones only.
pub async fn deliverable(
    store: &Store,
    account_id: &str,
) -> Result<Vec<String>, crate::store::StoreError> {
    store.deliverable_notification_emails(account_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_pass_lower_cased() {
        for (raw, stored) in [
            (" Nora@Acme.Example ", "nora@acme.example"),
            (
                "first.last+voicemail@mail.acme.example",
                "first.last+voicemail@mail.acme.example",
            ),
            ("jürgen@müller.example", "jürgen@müller.example"),
            ("山田@例え.テスト", "山田@例え.テスト"),
            ("ivan@пример.рф", "ivan@пример.рф"),
            ("x-1_y@a-b.co", "x-1_y@a-b.co"),
        ] {
            assert_eq!(check(raw).as_deref(), Ok(stored), "{raw}");
        }
    }

    #[test]
    fn bad_syntax_is_refused() {
        for raw in [
            "",
            "nora",
            "@acme.example",
            "nora@",
            "nora@acme",
            "nora@@acme.example",
            "nora@acme..example",
            ".nora@acme.example",
            "no..ra@acme.example",
            "nora@-acme.example",
            "nora@acme.123",
            "no ra@acme.example",
            "nora\n@acme.example",
            "nora\u{7}@acme.example",
        ] {
            let problem = check(raw).map(|ok| panic!("{raw:?} passed as {ok}"));
            assert!(problem.is_err(), "{raw:?}");
        }
        assert_eq!(
            check(&format!("{}@acme.example", "a".repeat(250))),
            Err(EmailProblem::TooLong)
        );
    }

    #[test]
    fn markup_is_refused_by_name() {
        assert_eq!(
            check("<script>@acme.example"),
            Err(EmailProblem::Markup("<"))
        );
        assert_eq!(
            check("\"Boss\" nora@acme.example"),
            Err(EmailProblem::Markup("quotes (\")"))
        );
        assert_eq!(check("nora>@acme.example"), Err(EmailProblem::Markup(">")));
        assert_eq!(
            check("o'neil@acme.example"),
            Err(EmailProblem::Markup("quotes (')"))
        );
    }

    #[test]
    fn bidi_controls_and_invisible_characters_are_refused() {
        // "nora@elpmaxe.com" shown as "nora@moc.example" with a right-to-left override.
        assert_eq!(
            check("nora@\u{202e}elpmaxe.com"),
            Err(EmailProblem::BidiControl(0x202e))
        );
        assert_eq!(
            check("nora\u{200f}@acme.example"),
            Err(EmailProblem::BidiControl(0x200f))
        );
        assert_eq!(
            check("no\u{200b}ra@acme.example"),
            Err(EmailProblem::Invisible(0x200b))
        );
        let message = check("nora@\u{2067}acme.example").unwrap_err().to_string();
        assert!(message.contains("direction of text"), "{message}");
    }

    #[test]
    fn labels_mixing_scripts_are_refused() {
        // A Cyrillic "а" in a Latin word: "аcme" looks like "acme".
        let problem = check("nora@\u{0430}cme.example").unwrap_err();
        assert_eq!(
            problem,
            EmailProblem::MixedScripts {
                label: "\u{0430}cme".into(),
                scripts: "Cyrillic and Latin".into()
            }
        );
        assert!(problem.to_string().contains("different alphabets"));
        // In the name part too, and Greek omicron in "g\u{03bf}\u{03bf}gle".
        assert!(check("n\u{043e}ra@acme.example").is_err());
        assert!(check("nora@g\u{03bf}\u{03bf}gle.example").is_err());
        // Separate labels may each use their own script; Japanese mixes Han and kana.
        assert!(check("nora@пример.example").is_ok());
        assert!(check("やまだ太郎@acme.example").is_ok());
    }
}
