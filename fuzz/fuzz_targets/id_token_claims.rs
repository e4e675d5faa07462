//! A verified ID token's claims (its JSON payload) mapped to the identity the portal
//! matches accounts by. The first byte picks the provider kind and whether userinfo
//! answers; the rest is the claims.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_portal::fuzzing::{claims_to_identity, kind_from_byte};

const SINGLE_TENANT: &str =
    "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0";
const MULTI_TENANT: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

fuzz_target!(|data: &[u8]| {
    let Some((&first, claims)) = data.split_first() else {
        return;
    };
    let kind = kind_from_byte(first);
    let discovered = if first & 0x10 == 0 {
        SINGLE_TENANT
    } else {
        MULTI_TENANT
    };
    let userinfo = match (first >> 5) & 0x3 {
        0 => None,
        1 => Some((None, None)),
        2 => Some((Some("Someone@Example.test".to_owned()), Some(true))),
        _ => Some((Some("other@example.test".to_owned()), Some(false))),
    };
    let _ = claims_to_identity(kind, discovered, claims, userinfo);
});
