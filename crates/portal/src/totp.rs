//! Authenticator codes (RFC 6238 TOTP as authenticator apps expect: SHA-1, 6 digits, 30 s)
//! through totp-rs. One step of clock drift is accepted either way, and a code is never
//! accepted twice: the caller stores the step that matched and passes it back as
//! `last_used_step`, and only later steps are accepted.

use totp_rs::{Algorithm, Builder, Secret, Totp};

pub const DIGITS: u8 = 6;
pub const STEP_SECONDS: u64 = 30;
/// Steps of drift accepted either way.
pub const SKEW_STEPS: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("the stored authenticator secret is damaged")]
    BadSecret,
}

fn totp(secret: &[u8]) -> Totp {
    // `build` refuses secrets under 128 bits; secrets set up by hand (such as the demo's
    // 80-bit one) must still work, so the length is checked where secrets are made.
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(0)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret.to_vec())
        .build_noncompliant()
}

/// The raw secret from its RFC 4648 base32 text (as shown to users and in otpauth URIs).
pub fn decode_base32(text: &str) -> Result<Vec<u8>, TotpError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    Secret::try_from_base32(cleaned.trim_end_matches('='))
        .map(|secret| secret.as_ref().to_vec())
        .map_err(|_| TotpError::BadSecret)
}

/// A new random secret (160 bits, as RFC 4226 recommends) in base32.
pub fn new_secret_base32() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes.to_vec()).to_base32()
}

/// The code for the step containing `unix_time`.
pub fn code_at(secret: &[u8], unix_time: u64) -> String {
    totp(secret).generate(unix_time).to_string()
}

/// The time step `code` belongs to, when it is right for `now` (± one step) and later than
/// `last_used_step`. Spaces in the code are ignored.
pub fn accept(secret: &[u8], code: &str, now: i64, last_used_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(now).ok()?;
    let totp = totp(secret);
    let current = now / STEP_SECONDS;
    let mut matched = None;
    // Every candidate is computed, so the time taken does not say which step matched.
    for step in current.saturating_sub(SKEW_STEPS)..=current + SKEW_STEPS {
        let expected = totp.generate(step * STEP_SECONDS).to_string();
        let equal = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes());
        let step = i64::try_from(step).ok()?;
        let fresh = last_used_step.is_none_or(|last| step > last);
        if bool::from(equal) && fresh && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 column (the 8-digit values; 6 digits are their last six).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, eight_digits) in [
            (59_u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(secret, time), eight_digits[2..], "T = {time}");
        }
    }

    #[test]
    fn one_step_of_drift_either_way_and_never_twice() {
        let secret = decode_base32("JBSWY3DPEHPK3PXP").unwrap();
        let now = 1_700_000_015_i64; // inside step 56_666_667
        let step = now / 30;
        let at = |s: i64| code_at(&secret, (s * 30) as u64);
        assert_eq!(accept(&secret, &at(step), now, None), Some(step));
        assert_eq!(accept(&secret, &at(step - 1), now, None), Some(step - 1));
        assert_eq!(accept(&secret, &at(step + 1), now, None), Some(step + 1));
        assert_eq!(accept(&secret, &at(step - 2), now, None), None);
        assert_eq!(accept(&secret, &at(step + 2), now, None), None);
        // Replayed, or an older code after a newer one was used.
        assert_eq!(accept(&secret, &at(step), now, Some(step)), None);
        assert_eq!(accept(&secret, &at(step - 1), now, Some(step)), None);
        assert_eq!(
            accept(&secret, &at(step + 1), now, Some(step)),
            Some(step + 1)
        );
    }

    #[test]
    fn new_secrets_are_160_bits_and_round_trip() {
        let text = new_secret_base32();
        assert_eq!(text.len(), 32);
        assert_eq!(decode_base32(&text).unwrap().len(), 20);
        assert_ne!(new_secret_base32(), text);
    }

    #[test]
    fn malformed_codes_are_refused() {
        let secret = decode_base32("JBSWY3DPEHPK3PXP").unwrap();
        for code in ["", "12345", "1234567", "abcdef", "12 34 5x"] {
            assert_eq!(accept(&secret, code, 1_700_000_000, None), None, "{code}");
        }
        let code = code_at(&secret, 1_700_000_000);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(accept(&secret, &spaced, 1_700_000_000, None).is_some());
    }
}
