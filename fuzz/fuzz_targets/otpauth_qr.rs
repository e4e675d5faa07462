//! The authenticator set-up's otpauth URI: drawn as a QR code by the client, and its
//! `secret` read as the portal reads base32 secrets; a code typed for it checked as the
//! portal checks codes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_portal::totp;
use url::Url;

const NOW: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(code) = switchboard_desktop::qr::qr_code(text) {
        let size = code.size as usize;
        assert!((21..=177).contains(&size));
        assert_eq!(code.rows.len(), size);
        assert!(code
            .rows
            .iter()
            .all(|row| row.len() == size && row.bytes().all(|b| b == b'0' || b == b'1')));
    }
    let Ok(uri) = Url::parse(text) else {
        return;
    };
    let query = |key: &str| {
        uri.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(secret) = query("secret") {
        if let Ok(bytes) = totp::decode_base32(&secret) {
            let code = query("code").unwrap_or_else(|| totp::code_at(&bytes, NOW as u64));
            let _ = totp::accept(&bytes, &code, NOW, None);
        }
    }
});
