//! Forgery knobs: make the next ID token defective on purpose, so tests can prove the
//! relying party refuses it.
//!
//! A test adds `dev_idp_forge=<knob>` to the authorize URL the relying party sent it to;
//! the knob travels with the authorization code and is applied when the token endpoint
//! mints the ID token.

/// The authorize query parameter that carries a knob.
pub const FORGE_PARAM: &str = "dev_idp_forge";

/// The authorize query parameter that cancels the sign-in without a page (`=1`).
pub const CANCEL_PARAM: &str = "dev_idp_cancel";

/// One way to spoil an ID token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Forgery {
    /// `bad_signature`: signed by the current key, then signature bytes flipped.
    BadSignature,
    /// `wrong_aud`: `aud` and `azp` name another client.
    WrongAud,
    /// `wrong_iss`: `iss` is this issuer with `-forged` appended (a prefix check passes it).
    WrongIss,
    /// `expired`: `iat` an hour ago, `exp` half an hour ago.
    Expired,
    /// `missing_nonce`: no `nonce` claim.
    MissingNonce,
    /// `wrong_nonce`: a `nonce` that is not the one the client sent.
    WrongNonce,
    /// `unverified_email`: `email_verified` false (Entra: `xms_edov` false).
    UnverifiedEmail,
    /// `unknown_kid`: signed by a key that is not in the JWKS, under its own kid.
    UnknownKid,
}

/// The audience a `wrong_aud` token carries.
pub const FORGED_AUDIENCE: &str = "some-other-client";

/// The suffix a `wrong_iss` token's issuer carries.
pub const FORGED_ISSUER_SUFFIX: &str = "-forged";

impl Forgery {
    pub const ALL: [Forgery; 8] = [
        Forgery::BadSignature,
        Forgery::WrongAud,
        Forgery::WrongIss,
        Forgery::Expired,
        Forgery::MissingNonce,
        Forgery::WrongNonce,
        Forgery::UnverifiedEmail,
        Forgery::UnknownKid,
    ];

    /// The knob's name, as `dev_idp_forge` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Forgery::BadSignature => "bad_signature",
            Forgery::WrongAud => "wrong_aud",
            Forgery::WrongIss => "wrong_iss",
            Forgery::Expired => "expired",
            Forgery::MissingNonce => "missing_nonce",
            Forgery::WrongNonce => "wrong_nonce",
            Forgery::UnverifiedEmail => "unverified_email",
            Forgery::UnknownKid => "unknown_kid",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// What the knob does, for people.
    pub fn description(self) -> &'static str {
        match self {
            Forgery::BadSignature => "the signature does not verify",
            Forgery::WrongAud => "the audience is another client",
            Forgery::WrongIss => "the issuer is not this issuer",
            Forgery::Expired => "the token has expired",
            Forgery::MissingNonce => "the nonce is missing",
            Forgery::WrongNonce => "the nonce is not the one sent",
            Forgery::UnverifiedEmail => "the email is not verified",
            Forgery::UnknownKid => "the signing key is not published",
        }
    }
}

impl std::fmt::Display for Forgery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for knob in Forgery::ALL {
            assert_eq!(Forgery::parse(knob.name()), Some(knob));
        }
        assert_eq!(Forgery::parse("BAD_SIGNATURE"), None);
        assert_eq!(Forgery::parse(""), None);
    }
}
