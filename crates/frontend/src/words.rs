//! Sentences shared by the window and the CLI.

use switchboard_api::LinkReason;

/// Why a sign-in must be linked with the account's password, in words (the window shows it
/// in the link view, the CLI prints it). A provider without a name is "your provider".
pub fn link_reason_text(reason: LinkReason, provider_name: &str, email: Option<&str>) -> String {
    let named = Some(provider_name.trim()).filter(|name| !name.is_empty());
    let provider = named.unwrap_or("your provider");
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    match reason {
        LinkReason::NoAccountForEmail => match (email, named) {
            (Some(email), _) => {
                format!("No phone account signs in with {email} through {provider} yet.")
            }
            (None, Some(name)) => format!("No phone account signs in with your {name} identity yet."),
            (None, None) => "No phone account signs in with your identity at your provider yet.".into(),
        },
        LinkReason::EmailUnverified => format!(
            "{} did not confirm your email address, so it can't find your account by itself.",
            sentence_start(provider)
        ),
        LinkReason::ProviderNotEnabled => {
            let sign_in = match named {
                Some(name) => format!("{name} sign-in"),
                None => "sign-in with your provider".into(),
            };
            match email.and_then(|e| e.rsplit_once('@')).map(|(_, d)| d) {
                Some(domain) => format!(
                    "Your organization hasn't enabled {sign_in} for {domain} accounts like this one."
                ),
                None => format!(
                    "Your organization hasn't enabled {sign_in} for accounts like this one."
                ),
            }
        }
        LinkReason::EmailMatchingOff => format!(
            "{} does not prove who owns an email domain, so your organization links each account to it once with the account's password.",
            sentence_start(provider)
        ),
        LinkReason::EmailLinkedToAnotherIdentity => {
            let another = match named {
                Some(name) => format!("another {name} identity"),
                None => "another identity at your provider".into(),
            };
            format!(
                "Your email address is already linked to {another}. If this is a new identity of yours, prove it is your account once."
            )
        }
    }
}

/// `text` starting a sentence ("your provider" becomes "Your provider").
fn sentence_start(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The sentence for a domain several providers serve.
pub fn choose_provider_message(domain: &str) -> String {
    format!("{domain} signs in with more than one provider. Choose the one your organization uses.")
}

/// The sentence for a domain without single sign-on.
pub fn no_single_sign_on_message(domain: &str, password_sign_in: bool) -> String {
    if password_sign_in {
        format!("No single sign-on is set up for {domain}. Sign in with your username and password, or ask your administrator.")
    } else {
        format!("No single sign-on is set up for {domain}. Sign in with one of the providers above, or ask your administrator.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_as_what_happened() {
        assert_eq!(
            link_reason_text(LinkReason::ProviderNotEnabled, "Google", Some("ann@example.com")),
            "Your organization hasn't enabled Google sign-in for example.com accounts like this one."
        );
        assert!(
            link_reason_text(LinkReason::EmailMatchingOff, "Acme SSO", None)
                .starts_with("Acme SSO does not prove")
        );
        assert!(
            link_reason_text(LinkReason::EmailLinkedToAnotherIdentity, "Acme SSO", None)
                .contains("another Acme SSO identity")
        );
        assert_eq!(
            link_reason_text(
                LinkReason::NoAccountForEmail,
                "Google",
                Some("ann@example.com")
            ),
            "No phone account signs in with ann@example.com through Google yet."
        );
    }

    #[test]
    fn every_reason_reads_well_without_an_email() {
        assert_eq!(
            link_reason_text(LinkReason::NoAccountForEmail, "Google", None),
            "No phone account signs in with your Google identity yet."
        );
        assert_eq!(
            link_reason_text(LinkReason::ProviderNotEnabled, "Google", Some("  ")),
            "Your organization hasn't enabled Google sign-in for accounts like this one."
        );
    }

    #[test]
    fn a_provider_without_a_name_is_your_provider() {
        assert_eq!(
            link_reason_text(LinkReason::EmailUnverified, " ", None),
            "Your provider did not confirm your email address, so it can't find your account by itself."
        );
        assert!(
            link_reason_text(LinkReason::EmailMatchingOff, "", Some("ann@example.com"))
                .starts_with("Your provider does not prove")
        );
        assert_eq!(
            link_reason_text(LinkReason::NoAccountForEmail, "", None),
            "No phone account signs in with your identity at your provider yet."
        );
        assert_eq!(
            link_reason_text(LinkReason::ProviderNotEnabled, "", Some("ann@example.com")),
            "Your organization hasn't enabled sign-in with your provider for example.com accounts like this one."
        );
        assert!(
            link_reason_text(LinkReason::EmailLinkedToAnotherIdentity, "", None).starts_with(
                "Your email address is already linked to another identity at your provider."
            )
        );
    }
}
