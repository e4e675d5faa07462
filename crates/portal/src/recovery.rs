//! Recovery codes: ten per set, each usable once, shown once and stored only as keyed hashes
//! (HMAC-SHA-256 under a key derived from the portal's encryption key, bound to the account:
//! a leaked database alone cannot be searched for them). Ten characters from a 32-letter
//! alphabet (50 bits) each, behind the code attempt limit.

use crate::crypto::EncryptionKey;
use crate::store::{Store, StoreError};
use rand::Rng;

use crate::tokens::token_hash;

pub const COUNT: usize = 10;
/// No 0/o, 1/l/i: easy to read back from paper.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new set, formatted `xxxxx-xxxxx`.
pub fn generate(rng: &mut impl Rng) -> Vec<String> {
    (0..COUNT)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// What is hashed: lower case, without spaces or hyphens.
pub fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether the text looks like a recovery code rather than an authenticator code.
pub fn looks_like_recovery_code(code: &str) -> bool {
    let normalized = normalize(code);
    normalized.len() == 10 && normalized.bytes().all(|b| ALPHABET.contains(&b))
}

/// What is stored of one code: the keyed hash of its normalized form, for this account.
pub fn stored_hash(key: &EncryptionKey, account_id: &str, code: &str) -> String {
    key.recovery_code_hash(account_id, &token_hash(&normalize(code)))
}

/// What is stored of a set of codes.
pub fn stored_hashes(key: &EncryptionKey, account_id: &str, codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .map(|code| stored_hash(key, account_id, code))
        .collect()
}

/// Replaces the account's codes with `codes`.
pub async fn replace(
    store: &Store,
    key: &EncryptionKey,
    account_id: &str,
    codes: &[String],
    now: i64,
) -> Result<(), StoreError> {
    store
        .replace_recovery_codes(account_id, &stored_hashes(key, account_id, codes), now)
        .await
}

/// Uses the code up; `false` when it is not one of the account's unused codes.
pub async fn consume(
    store: &Store,
    key: &EncryptionKey,
    account_id: &str,
    code: &str,
    now: i64,
) -> Result<bool, StoreError> {
    store
        .consume_recovery_code(account_id, &stored_hash(key, account_id, code), now)
        .await
}

pub async fn remaining(store: &Store, account_id: &str) -> Result<u32, StoreError> {
    let count = store.remaining_recovery_codes(account_id).await?;
    Ok(u32::try_from(count).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ten_distinct_readable_codes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let codes = generate(&mut rng);
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        for code in &codes {
            assert_eq!(code.len(), 11);
            assert_eq!(&code[5..6], "-");
            assert!(looks_like_recovery_code(code));
            assert_eq!(
                normalize(&code.to_uppercase().replace('-', " ")),
                normalize(code)
            );
        }
        assert!(!looks_like_recovery_code("123456"));
    }
}
