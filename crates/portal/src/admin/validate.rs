//! What an operator types, checked: the same rules for the command line and for CSV rows.

use rand::Rng;

use super::{invalid, AdminError};
use crate::security::normalized_email;

pub(crate) fn valid_username(username: &str) -> Result<String, AdminError> {
    let username = username.trim().to_lowercase();
    let ok = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(username)
    } else {
        Err(invalid(
            "username",
            format!("{username:?} must be 1 to 64 letters, digits, '.', '_', '-' or '@'"),
        ))
    }
}

pub(crate) fn valid_text(field: &str, text: &str, max: usize) -> Result<String, AdminError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(invalid(
            field,
            format!("must be 1 to {max} characters, without control characters"),
        ));
    }
    Ok(text.to_owned())
}

pub(crate) fn valid_extension(extension: &str) -> Result<String, AdminError> {
    let extension = extension.trim();
    let ok = !extension.is_empty()
        && extension.len() <= 15
        && extension
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | '+'));
    if ok {
        Ok(extension.to_owned())
    } else {
        Err(invalid(
            "extension",
            format!("{extension:?} must be 1 to 15 digits (and * # +)"),
        ))
    }
}

pub(crate) fn valid_email(field: &str, email: &str) -> Result<String, AdminError> {
    normalized_email(email)
        .map_err(|_| invalid(field, format!("{email:?} is not an email address")))
}

pub(crate) fn valid_transport(transport: &str) -> Result<String, AdminError> {
    let transport = transport.trim().to_ascii_lowercase();
    if matches!(transport.as_str(), "udp" | "tcp" | "tls") {
        Ok(transport)
    } else {
        Err(invalid(
            "transport",
            format!("{transport:?} must be udp, tcp or tls"),
        ))
    }
}

pub(crate) fn valid_sip_uri(field: &str, uri: &str) -> Result<String, AdminError> {
    let uri = valid_text(field, uri, 255)?;
    if uri.starts_with("sip:")
        || uri.starts_with("sips:")
        || uri.starts_with("stun:")
        || uri.starts_with("turn:")
        || uri.starts_with("turns:")
    {
        Ok(uri)
    } else {
        Err(invalid(
            field,
            format!("{uri:?} must be a URI such as sip:sip.acme.example:5061;transport=tls"),
        ))
    }
}

/// The password the operator gave (long enough), or a new one to show once: (password,
/// what to show).
pub(crate) fn given_or_new_password(
    given: Option<&str>,
) -> Result<(String, Option<String>), AdminError> {
    match given {
        Some(password) if password.chars().count() >= crate::security::MIN_PASSWORD_LENGTH => {
            Ok((password.to_owned(), None))
        }
        Some(_) => Err(invalid(
            "password",
            format!(
                "must be at least {} characters",
                crate::security::MIN_PASSWORD_LENGTH
            ),
        )),
        None => {
            let made_up = new_password();
            Ok((made_up.clone(), Some(made_up)))
        }
    }
}

/// A password a person can type: 20 characters without look-alikes (about 100 bits).
pub(crate) fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let chars: Vec<char> = (0..20)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    chars
        .chunks(5)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

pub(crate) fn new_account_id() -> String {
    format!("acct-{:016x}", rand::random::<u64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_passwords_are_long_and_readable() {
        let password = new_password();
        assert_eq!(password.len(), 23, "{password}");
        assert!(password
            .chars()
            .all(|c| c == '-' || c.is_ascii_alphanumeric()));
        assert_ne!(password, new_password());
    }

    #[test]
    fn inputs_are_checked() {
        assert_eq!(valid_username(" Alice ").unwrap(), "alice");
        assert!(valid_username("al ice").is_err());
        assert!(valid_extension("20a").is_err());
        assert!(valid_transport("sctp").is_err());
        assert!(valid_sip_uri("registrar", "http://x").is_err());
        assert!(valid_email("email", "nobody").is_err());
    }
}
