//! HA1 digests of passwords, as the portal stores them: hex H(username ":" realm ":"
//! password) with H = MD5 or SHA-256.

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::config::DigestAlgorithm;

/// The hex HA1 of these credentials with this algorithm.
pub fn ha1(algorithm: DigestAlgorithm, username: &str, realm: &str, password: &str) -> String {
    let input = format!("{username}:{realm}:{password}");
    match algorithm {
        DigestAlgorithm::Md5 => hex(&Md5::digest(input.as_bytes())),
        DigestAlgorithm::Sha256 => hex(&Sha256::digest(input.as_bytes())),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_ha1_is_rfc_2617s() {
        // RFC 2617 3.5: Mufasa, testrealm@host.com, "Circle Of Life".
        assert_eq!(
            ha1(
                DigestAlgorithm::Md5,
                "Mufasa",
                "testrealm@host.com",
                "Circle Of Life"
            ),
            "939e7578ed9e3c518a452acee763bce9"
        );
    }

    #[test]
    fn sha256_ha1_is_rfc_7616s() {
        // RFC 7616 3.9.1: HA1 of Mufasa, http-auth@example.org, "Circle of Life".
        assert_eq!(
            ha1(
                DigestAlgorithm::Sha256,
                "Mufasa",
                "http-auth@example.org",
                "Circle of Life"
            ),
            "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232"
        );
    }
}
