//! The token endpoint (RFC 6749 §4.1.3, §6) and revocation (RFC 7009): form-encoded
//! requests (`application/x-www-form-urlencoded`), as OAuth has them.
//!
//! Which answer goes with which grant:
//!
//! | request                              | answer (JSON)                  |
//! |--------------------------------------|--------------------------------|
//! | [`TokenRequest::AuthorizationCode`]  | [`LoginStep`](crate::LoginStep) |
//! | [`TokenRequest::RefreshToken`]       | [`SessionTokens`](crate::SessionTokens) |
//! | [`RevokeRequest`]                    | an empty 200, known token or not |

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/token`: a grant, named by its `grant_type` parameter.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
pub enum TokenRequest {
    /// Redeems the one-time code a provider sign-in ended with. Answered with a `LoginStep`.
    AuthorizationCode {
        code: String,
        /// The PKCE verifier of the `code_challenge` the authorize request sent (RFC 7636).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code_verifier: Option<String>,
        /// The `redirect_uri` of the authorize request, exactly.
        redirect_uri: String,
        /// Shown in the user's list of sessions ("Alice's laptop").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device_name: Option<String>,
    },
    /// Rotates a refresh token. Answered with the next `SessionTokens`.
    RefreshToken { refresh_token: String },
}

impl TokenRequest {
    /// The `grant_type` parameter this request is sent with.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Self::AuthorizationCode { .. } => "authorization_code",
            Self::RefreshToken { .. } => "refresh_token",
        }
    }
}

/// `POST /v1/revoke` (RFC 7009).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// A refresh token ends its whole session.
    pub token: String,
    /// What kind of token `token` is, `refresh_token` or `access_token`; only a hint, and
    /// one the portal does not know is ignored (described as a string for that reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub token_type_hint: Option<TokenTypeHint>,
}

/// The kinds of token a revocation can name (RFC 7009 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenTypeHint {
    AccessToken,
    RefreshToken,
    /// A hint this portal does not know: RFC 7009 has the server ignore it, not refuse it.
    #[serde(other)]
    Other,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AuthorizationCode {
                redirect_uri,
                device_name,
                ..
            } => f
                .debug_struct("AuthorizationCode")
                .field("redirect_uri", redirect_uri)
                .field("device_name", device_name)
                .finish_non_exhaustive(),
            Self::RefreshToken { .. } => f.debug_struct("RefreshToken").finish_non_exhaustive(),
        }
    }
}

impl std::fmt::Debug for RevokeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevokeRequest")
            .field("token_type_hint", &self.token_type_hint)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn round_trip<T>(value: &T) -> (String, T)
    where
        T: Serialize + for<'de> Deserialize<'de>,
    {
        let form = serde_urlencoded::to_string(value).unwrap();
        let back = serde_urlencoded::from_str(&form).unwrap();
        (form, back)
    }

    #[test]
    fn the_code_grant_round_trips_through_a_form() {
        let request = TokenRequest::AuthorizationCode {
            code: "sbc_one time".into(),
            code_verifier: Some("verifier&=".into()),
            redirect_uri: "http://127.0.0.1:5173/callback?x=1".into(),
            device_name: Some("Alice's laptop".into()),
        };
        let (form, back) = round_trip(&request);
        assert_eq!(back, request);
        assert!(form.starts_with("grant_type=authorization_code&"), "{form}");
        assert!(form.contains("code_verifier=verifier%26%3D"), "{form}");
    }

    #[test]
    fn the_code_grant_leaves_out_what_it_does_not_have() {
        let request = TokenRequest::AuthorizationCode {
            code: "c".into(),
            code_verifier: None,
            redirect_uri: "app://callback".into(),
            device_name: None,
        };
        let (form, back) = round_trip(&request);
        assert_eq!(back, request);
        assert_eq!(
            form,
            "grant_type=authorization_code&code=c&redirect_uri=app%3A%2F%2Fcallback"
        );
    }

    #[test]
    fn the_refresh_grant_round_trips_through_a_form() {
        let request = TokenRequest::RefreshToken {
            refresh_token: "sbr_abc+/=".into(),
        };
        let (form, back) = round_trip(&request);
        assert_eq!(back, request);
        assert_eq!(
            form,
            "grant_type=refresh_token&refresh_token=sbr_abc%2B%2F%3D"
        );
        assert_eq!(request.grant_type(), "refresh_token");
    }

    #[test]
    fn a_form_reads_in_any_order_and_ignores_other_parameters() {
        let request: TokenRequest = serde_urlencoded::from_str(
            "refresh_token=r&client_id=switchboard&grant_type=refresh_token",
        )
        .unwrap();
        assert_eq!(
            request,
            TokenRequest::RefreshToken {
                refresh_token: "r".into()
            }
        );
    }

    #[test]
    fn an_unknown_grant_or_a_missing_parameter_does_not_read() {
        for form in [
            "grant_type=password&username=a",
            "code=c",
            "grant_type=authorization_code&code=c",
            "grant_type=refresh_token",
        ] {
            assert!(
                serde_urlencoded::from_str::<TokenRequest>(form).is_err(),
                "{form}"
            );
        }
    }

    #[test]
    fn a_revocation_round_trips_through_a_form() {
        for token_type_hint in [
            None,
            Some(TokenTypeHint::RefreshToken),
            Some(TokenTypeHint::AccessToken),
        ] {
            let request = RevokeRequest {
                token: "sbr_x y".into(),
                token_type_hint,
            };
            assert_eq!(round_trip(&request).1, request);
        }
        let form = serde_urlencoded::to_string(RevokeRequest {
            token: "t".into(),
            token_type_hint: Some(TokenTypeHint::RefreshToken),
        })
        .unwrap();
        assert_eq!(form, "token=t&token_type_hint=refresh_token");
    }

    #[test]
    fn an_unknown_hint_is_read_not_refused() {
        for hint in ["device_code", ""] {
            let request: RevokeRequest =
                serde_urlencoded::from_str(&format!("token=t&token_type_hint={hint}")).unwrap();
            assert_eq!(request.token_type_hint, Some(TokenTypeHint::Other));
        }
        assert!(
            serde_urlencoded::from_str::<RevokeRequest>("token_type_hint=access_token").is_err()
        );
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let code = TokenRequest::AuthorizationCode {
            code: "secret-code".into(),
            code_verifier: Some("secret-verifier".into()),
            redirect_uri: "app://callback".into(),
            device_name: None,
        };
        let refresh = TokenRequest::RefreshToken {
            refresh_token: "secret-refresh".into(),
        };
        let revoke = RevokeRequest {
            token: "secret-token".into(),
            token_type_hint: None,
        };
        let printed = format!("{code:?} {refresh:?} {revoke:?}");
        assert!(!printed.contains("secret"), "{printed}");
    }
}
