//! An authenticator app, written from RFC 4648 and RFC 6238 and nothing of the portal's:
//! base32 secrets, HMAC-SHA1, 30-second steps, 6 digits.

use hmac::{Hmac, Mac};

/// RFC 4648 base32 (no padding needed).
pub fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let value = ALPHABET
            .iter()
            .position(|&a| a == c.to_ascii_uppercase())
            .expect("a base32 letter") as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

/// The 6-digit code for the 30-second step containing `unix_time`.
pub fn code(secret: &[u8], unix_time: i64) -> String {
    let counter = (unix_time / 30) as u64;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).unwrap();
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

/// The secret of an `otpauth://totp/…?secret=…` URI.
pub fn secret_of(otpauth_uri: &str) -> Vec<u8> {
    let url = url::Url::parse(otpauth_uri).unwrap();
    assert_eq!(url.scheme(), "otpauth");
    assert_eq!(url.host_str(), Some("totp"));
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(query("algorithm").as_deref(), Some("SHA1"));
    assert_eq!(query("digits").as_deref(), Some("6"));
    assert_eq!(query("period").as_deref(), Some("30"));
    base32_decode(&query("secret").unwrap())
}
