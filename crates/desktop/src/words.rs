//! Sentences shared by the window and the CLI.

use switchboard_api::LinkReason;

/// Why a sign-in must be linked with the account's password, in words (the CLI's; the
/// window's are in `ui/src/lib/accounts.ts`).
pub fn link_reason_text(reason: LinkReason, provider_name: &str, email: Option<&str>) -> String {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    match reason {
        LinkReason::NoAccountForEmail => match email {
            Some(email) => {
                format!("No phone account signs in with {email} through {provider_name} yet.")
            }
            None => format!("No phone account signs in with your {provider_name} identity yet."),
        },
        LinkReason::EmailUnverified => format!(
            "{provider_name} did not confirm your email address, so it can't find your account by itself."
        ),
        LinkReason::ProviderNotEnabled => {
            match email.and_then(|e| e.rsplit_once('@')).map(|(_, d)| d) {
                Some(domain) => format!(
                    "Your organization hasn't enabled {provider_name} sign-in for {domain} accounts like this one."
                ),
                None => format!(
                    "Your organization hasn't enabled {provider_name} sign-in for accounts like this one."
                ),
            }
        }
        LinkReason::EmailMatchingOff => format!(
            "{provider_name} does not prove who owns an email domain, so your organization links each account to it once with the account's password."
        ),
        LinkReason::EmailLinkedToAnotherIdentity => format!(
            "Your email address is already linked to another {provider_name} identity. If this is a new identity of yours, prove it is your account once."
        ),
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
    }
}
