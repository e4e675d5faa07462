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
    /// `alg_none`: an unsigned ID token (`alg` `none`).
    AlgNone,
    /// `alg_hs256`: an ID token signed with HS256, keyed by the client secret.
    AlgHs256,
    /// `no_email`: the ID token lacks `email` (Entra keeps `preferred_username`).
    NoEmail,
    /// `userinfo_other_sub`: userinfo answers for another subject.
    UserinfoOtherSub,
    /// `callback_iss_forged`: the authorization response's `iss` names another issuer.
    CallbackIssForged,
    /// `callback_iss_missing`: the authorization response has no `iss`.
    CallbackIssMissing,
}

/// The audience a `wrong_aud` token carries.
pub const FORGED_AUDIENCE: &str = "some-other-client";

/// The issuer a `callback_iss_forged` authorization response names.
pub const FORGED_CALLBACK_ISSUER: &str = "https://attacker.example/";

/// The subject a `userinfo_other_sub` userinfo answers for.
pub const FORGED_USERINFO_SUBJECT: &str = "someone-else";

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
            Forgery::AlgNone => "alg_none",
            Forgery::AlgHs256 => "alg_hs256",
            Forgery::NoEmail => "no_email",
            Forgery::UserinfoOtherSub => "userinfo_other_sub",
            Forgery::CallbackIssForged => "callback_iss_forged",
            Forgery::CallbackIssMissing => "callback_iss_missing",
        }
    }

    /// The knobs beyond [`Forgery::ALL`]: algorithms no relying party may accept, claims
    /// moved, and the strict provider's authorization response.
    pub const EXTRA: [Forgery; 6] = [
        Forgery::AlgNone,
        Forgery::AlgHs256,
        Forgery::NoEmail,
        Forgery::UserinfoOtherSub,
        Forgery::CallbackIssForged,
        Forgery::CallbackIssMissing,
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .chain(Self::EXTRA)
            .find(|f| f.name() == name)
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
            Forgery::AlgNone => "the token is unsigned (alg none)",
            Forgery::AlgHs256 => "the token is signed with HS256 and the client secret",
            Forgery::NoEmail => "the token has no email claim",
            Forgery::UserinfoOtherSub => "userinfo answers for another subject",
            Forgery::CallbackIssForged => "the authorization response names another issuer",
            Forgery::CallbackIssMissing => "the authorization response has no iss",
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
        for knob in Forgery::ALL.into_iter().chain(Forgery::EXTRA) {
            assert_eq!(Forgery::parse(knob.name()), Some(knob));
        }
        assert_eq!(Forgery::parse("BAD_SIGNATURE"), None);
        assert_eq!(Forgery::parse(""), None);
    }
}
