//! An authenticator app, written from RFC 4648 and RFC 6238 and nothing of the portal's:
//! base32 secrets, HMAC-SHA1, 30-second steps, 6 digits. Shared by the portal's tests
//! (included by path) and the end-to-end tests.

use hmac::{Hmac, Mac};

/// RFC 4648 base32 (padding optional); `None` for a letter outside the alphabet.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let value = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())? as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// The 6-digit code for the 30-second step containing `unix_time`.
pub fn code(secret: &[u8], unix_time: i64) -> String {
    let counter = (unix_time / 30) as u64;
    // HMAC takes keys of any length.
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// The secret of an `otpauth://totp/…?secret=…` URI, after checking it asks for what
/// authenticator apps do (SHA1, 6 digits, 30 s).
pub fn secret_of(otpauth_uri: &str) -> anyhow::Result<Vec<u8>> {
    let url = url::Url::parse(otpauth_uri)?;
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    anyhow::ensure!(
        url.scheme() == "otpauth" && url.host_str() == Some("totp"),
        "not an otpauth TOTP URI: {otpauth_uri}"
    );
    anyhow::ensure!(query("algorithm").as_deref() == Some("SHA1"), "algorithm");
    anyhow::ensure!(query("digits").as_deref() == Some("6"), "digits");
    anyhow::ensure!(query("period").as_deref() == Some("30"), "period");
    let secret = query("secret").ok_or_else(|| anyhow::anyhow!("no secret"))?;
    base32_decode(&secret).ok_or_else(|| anyhow::anyhow!("the secret is not base32"))
}
