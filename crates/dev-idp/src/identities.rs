//! The demo identities: fixed people at fixed providers, with stable subjects, so demos,
//! scripts and tests can name them.
//!
//! They cover the cases the portal's matching must get right: verified Google Workspace
//! users (`hd`), a consumer Gmail address, an unverified email, Entra users in the company's
//! tenant (`xms_edov` true), an attacker tenant claiming the company's address (nOAuth:
//! `xms_edov` false), Apple's private relay, and a company OpenID provider.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::profiles::{Profile, ACME_TENANT_ID, CONTOSO_TENANT_ID};

/// One person at one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoIdentity {
    /// Globally unique, stable handle (`google-alice`, `entra-contoso-mallory`, ...).
    pub id: String,
    /// What the person types or a client passes as `login_hint` at this provider (the
    /// account's email). Unique within one issuer, not across issuers.
    pub login_hint: String,
    pub profile: Profile,
    /// The `sub` claim.
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
    pub claims: ProfileClaims,
}

/// The claims only one kind of provider has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ProfileClaims {
    Google {
        /// Hosted domain of a Google Workspace account; absent for consumer accounts.
        hd: Option<String>,
    },
    Entra {
        /// Object id: the user's stable id across applications (with `tid`).
        oid: String,
        preferred_username: String,
        /// Whether the tenant verified the domain of `email` ("email domain owner verified").
        xms_edov: bool,
    },
    Apple {
        /// Whether `email` is a private relay address.
        is_private_email: bool,
    },
    AcmeSso,
    /// The strict provider: the ID token carries only `sub`; the rest is in userinfo.
    Strict,
}

impl ProfileClaims {
    /// Whether these claims belong with that profile.
    pub fn fits(&self, profile: &Profile) -> bool {
        matches!(
            (self, profile),
            (ProfileClaims::Google { .. }, Profile::Google)
                | (ProfileClaims::Entra { .. }, Profile::Entra { .. })
                | (ProfileClaims::Apple { .. }, Profile::Apple)
                | (ProfileClaims::AcmeSso, Profile::AcmeSso)
                | (ProfileClaims::Strict, Profile::Strict)
        )
    }
}

impl DemoIdentity {
    /// The identity claims an ID token of this provider carries for this person (no `iss`,
    /// `aud`, `exp`, `iat`, `nonce`: those belong to the token, not the person).
    ///
    /// Like the real providers: Google adds `hd` for Workspace accounts; Entra adds `tid`,
    /// `oid`, `preferred_username` and `xms_edov` and has no `email_verified`; Apple has
    /// `is_private_email` and no `name` (Apple sends the name once, outside the token).
    pub fn id_token_claims(&self) -> Map<String, Value> {
        if self.claims == ProfileClaims::Strict {
            let mut claims = Map::new();
            claims.insert("sub".to_owned(), Value::from(self.subject.clone()));
            return claims;
        }
        self.all_claims()
    }

    /// What userinfo answers for this person: every claim of the person (the strict
    /// provider's ID token has only `sub`).
    pub fn userinfo_claims(&self) -> Map<String, Value> {
        self.all_claims()
    }

    fn all_claims(&self) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("sub".to_owned(), Value::from(self.subject.clone()));
        claims.insert("email".to_owned(), Value::from(self.email.clone()));
        let include_name = !matches!(self.claims, ProfileClaims::Apple { .. });
        if include_name {
            claims.insert("name".to_owned(), Value::from(self.name.clone()));
        }
        let include_email_verified = !matches!(self.claims, ProfileClaims::Entra { .. });
        if include_email_verified {
            claims.insert(
                "email_verified".to_owned(),
                Value::from(self.email_verified),
            );
        }
        match &self.claims {
            ProfileClaims::Google { hd } => {
                if let Some(hd) = hd {
                    claims.insert("hd".to_owned(), Value::from(hd.clone()));
                }
            }
            ProfileClaims::Entra {
                oid,
                preferred_username,
                xms_edov,
            } => {
                if let Profile::Entra { tenant_id } = &self.profile {
                    claims.insert("tid".to_owned(), Value::from(tenant_id.clone()));
                }
                claims.insert("oid".to_owned(), Value::from(oid.clone()));
                claims.insert(
                    "preferred_username".to_owned(),
                    Value::from(preferred_username.clone()),
                );
                claims.insert("xms_edov".to_owned(), Value::from(*xms_edov));
                claims.insert("ver".to_owned(), Value::from("2.0"));
            }
            ProfileClaims::Apple { is_private_email } => {
                claims.insert(
                    "is_private_email".to_owned(),
                    Value::from(*is_private_email),
                );
            }
            ProfileClaims::AcmeSso | ProfileClaims::Strict => {}
        }
        claims
    }
}

struct Spec {
    id: &'static str,
    login_hint: &'static str,
    profile: Profile,
    subject: &'static str,
    email: &'static str,
    email_verified: bool,
    name: &'static str,
    claims: ProfileClaims,
}

fn google(
    id: &'static str,
    email: &'static str,
    subject: &'static str,
    name: &'static str,
    hd: Option<&str>,
    email_verified: bool,
) -> Spec {
    Spec {
        id,
        login_hint: email,
        profile: Profile::Google,
        subject,
        email,
        email_verified,
        name,
        claims: ProfileClaims::Google {
            hd: hd.map(str::to_owned),
        },
    }
}

struct EntraUser {
    id: &'static str,
    tenant_id: &'static str,
    email: &'static str,
    upn: &'static str,
    subject: &'static str,
    oid: &'static str,
    name: &'static str,
    xms_edov: bool,
}

fn entra(user: EntraUser) -> Spec {
    Spec {
        id: user.id,
        login_hint: user.email,
        profile: Profile::Entra {
            tenant_id: user.tenant_id.to_owned(),
        },
        subject: user.subject,
        email: user.email,
        // Entra sends no email_verified; `xms_edov` is the signal that counts.
        email_verified: user.xms_edov,
        name: user.name,
        claims: ProfileClaims::Entra {
            oid: user.oid.to_owned(),
            preferred_username: user.upn.to_owned(),
            xms_edov: user.xms_edov,
        },
    }
}

/// The demo identities, always the same, in a stable order.
pub fn demo_identities() -> Vec<DemoIdentity> {
    let specs = vec![
        // Google: Acme's Workspace users, a consumer account, an unverified address.
        google(
            "google-alice",
            "alice@acme.example",
            "108345619023417782301",
            "Alice Archer",
            Some("acme.example"),
            true,
        ),
        google(
            "google-adam",
            "adam@acme.example",
            "108345728164093355127",
            "Adam Assistant",
            Some("acme.example"),
            true,
        ),
        google(
            "google-nora",
            "nora@acme.example",
            "108345836201948873402",
            "Nora Notify",
            Some("acme.example"),
            true,
        ),
        // People a company's directory provisions (SCIM): no account until it does.
        google(
            "google-dana",
            "dana@acme.example",
            "108345102938475610001",
            "Dana Reyes",
            Some("acme.example"),
            true,
        ),
        google(
            "google-dana-okafor",
            "dana.okafor@acme.example",
            "108345102938475610002",
            "Dana Okafor",
            Some("acme.example"),
            true,
        ),
        google(
            "google-erin",
            "erin@acme.example",
            "108345102938475610003",
            "Erin Moss",
            Some("acme.example"),
            true,
        ),
        google(
            "google-newbie",
            "newbie@gmail.com",
            "117204958301627745918",
            "Nick Newbie",
            None,
            true,
        ),
        google(
            "google-eve",
            "eve@acme.example",
            "108345940387152260734",
            "Eve Unverified",
            Some("acme.example"),
            false,
        ),
        // A consumer Google account made with Alice's work address: verified, but no
        // Workspace (`hd`), so Acme's "Google for acme.example" does not cover it.
        Spec {
            login_hint: "alice.consumer@gmail.example",
            ..google(
                "google-alice-consumer",
                "alice@acme.example",
                "108345940387152260735",
                "Alice (personal Google account)",
                None,
                true,
            )
        },
        // Entra: Acme's own tenant.
        entra(EntraUser {
            id: "entra-acme-maria",
            tenant_id: ACME_TENANT_ID,
            email: "maria@acme.example",
            upn: "maria@acme.example",
            subject: "Xk3mR9vT2pL8qW5nJ7hF4dS6aZ1cB0yE8uI3oP2rT7w",
            oid: "2b7c9e14-5a3f-4c8d-9e21-7f4a6b8c0d13",
            name: "Maria Manager",
            xms_edov: true,
        }),
        entra(EntraUser {
            id: "entra-acme-tom",
            tenant_id: ACME_TENANT_ID,
            email: "tom@acme.example",
            upn: "tom@acme.example",
            subject: "p4Qz8LmN2vB6xC9kJ3hG7fD5sA1wE0rT6yU8iO4nM2k",
            oid: "6e1f3a5c-8b2d-4f7e-a9c0-1d3e5f7a9b2c",
            name: "Tom Token",
            xms_edov: true,
        }),
        // Entra: an attacker's tenant that set Acme's address as a user's email (nOAuth).
        // The tenant does not own acme.example, so xms_edov is false.
        entra(EntraUser {
            id: "entra-contoso-mallory",
            tenant_id: CONTOSO_TENANT_ID,
            email: "alice@acme.example",
            upn: "mallory@contoso.example",
            subject: "M9nB7vC5xZ3lK1jH8gF6dS4aQ2wE0rT9yU7iO5pL3kA",
            oid: "c3d5e7f9-1a2b-4c6d-8e0f-2a4c6e8a0b1d",
            name: "Mallory (Contoso)",
            xms_edov: false,
        }),
        // Apple: Alice hides her address behind the private relay; Tom shares his.
        Spec {
            id: "apple-alice-relay",
            login_hint: "alice@acme.example",
            profile: Profile::Apple,
            subject: "000123.7c1e9f3a5b2d4e6f8a0c1e3f5a7b9d2e.1021",
            email: "k7x2q9@privaterelay.appleid.com",
            email_verified: true,
            name: "Alice Archer",
            claims: ProfileClaims::Apple {
                is_private_email: true,
            },
        },
        Spec {
            id: "apple-tom",
            login_hint: "tom@acme.example",
            profile: Profile::Apple,
            subject: "000123.2f8d4b6a9c1e3d5f7a9b0c2e4f6a8b1d.1448",
            email: "tom@acme.example",
            email_verified: true,
            name: "Tom Token",
            claims: ProfileClaims::Apple {
                is_private_email: false,
            },
        },
        // Acme's own OpenID provider.
        Spec {
            id: "acme-sso-tom",
            login_hint: "tom@acme.example",
            profile: Profile::AcmeSso,
            subject: "acme-u-10042",
            email: "tom@acme.example",
            email_verified: true,
            name: "Tom Token",
            claims: ProfileClaims::AcmeSso,
        },
        // A provider that follows the specification strictly (claims only in userinfo).
        Spec {
            id: "strict-tom",
            login_hint: "tom@acme.example",
            profile: Profile::Strict,
            subject: "strict-u-7001",
            email: "tom@acme.example",
            email_verified: true,
            name: "Tom Token",
            claims: ProfileClaims::Strict,
        },
        // The same address under a new subject (a recreated user, a re-registered domain).
        Spec {
            id: "strict-tom-recreated",
            login_hint: "tom.recreated@acme.example",
            profile: Profile::Strict,
            subject: "strict-u-9002",
            email: "tom@acme.example",
            email_verified: true,
            name: "Tom Token (recreated)",
            claims: ProfileClaims::Strict,
        },
    ];
    specs
        .into_iter()
        .map(|s| DemoIdentity {
            id: s.id.to_owned(),
            login_hint: s.login_hint.to_owned(),
            profile: s.profile,
            subject: s.subject.to_owned(),
            email: s.email.to_owned(),
            email_verified: s.email_verified,
            name: s.name.to_owned(),
            claims: s.claims,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::profiles::{demo_tenants, Profile};

    fn find(id: &str) -> DemoIdentity {
        demo_identities()
            .into_iter()
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("no identity {id}"))
    }

    #[test]
    fn there_are_exactly_the_seventeen_demo_identities() {
        let ids: Vec<_> = demo_identities().into_iter().map(|i| i.id).collect();
        assert_eq!(
            ids,
            [
                "google-alice",
                "google-adam",
                "google-nora",
                "google-dana",
                "google-dana-okafor",
                "google-erin",
                "google-newbie",
                "google-eve",
                "google-alice-consumer",
                "entra-acme-maria",
                "entra-acme-tom",
                "entra-contoso-mallory",
                "apple-alice-relay",
                "apple-tom",
                "acme-sso-tom",
                "strict-tom",
                "strict-tom-recreated",
            ]
        );
    }

    #[test]
    fn ids_subjects_and_login_hints_per_issuer_are_unique() {
        let identities = demo_identities();
        let ids: HashSet<_> = identities.iter().map(|i| &i.id).collect();
        assert_eq!(ids.len(), identities.len());
        let subjects: HashSet<_> = identities
            .iter()
            .map(|i| (&i.profile, &i.subject))
            .collect();
        assert_eq!(subjects.len(), identities.len());
        let hints: HashSet<_> = identities
            .iter()
            .map(|i| (&i.profile, &i.login_hint))
            .collect();
        assert_eq!(hints.len(), identities.len());
    }

    #[test]
    fn profile_claims_fit_their_profile_and_tenants_are_known() {
        let tenants = demo_tenants();
        for identity in demo_identities() {
            assert!(identity.claims.fits(&identity.profile), "{}", identity.id);
            if let Profile::Entra { tenant_id } = &identity.profile {
                assert!(tenants.iter().any(|t| t.id == tenant_id), "{}", identity.id);
            }
        }
    }

    #[test]
    fn google_claims_carry_hd_only_for_workspace_accounts() {
        let alice = find("google-alice").id_token_claims();
        assert_eq!(alice["hd"], "acme.example");
        assert_eq!(alice["email_verified"], true);
        assert_eq!(alice["sub"], "108345619023417782301");
        let newbie = find("google-newbie").id_token_claims();
        assert!(!newbie.contains_key("hd"));
        let eve = find("google-eve").id_token_claims();
        assert_eq!(eve["email_verified"], false);
    }

    #[test]
    fn the_contoso_identity_claims_acmes_address_without_owning_the_domain() {
        let mallory = find("entra-contoso-mallory");
        assert_eq!(mallory.email, "alice@acme.example");
        let claims = mallory.id_token_claims();
        assert_eq!(claims["tid"], CONTOSO_TENANT_ID);
        assert_eq!(claims["xms_edov"], false);
        assert!(!claims.contains_key("email_verified"));
        let maria = find("entra-acme-maria").id_token_claims();
        assert_eq!(maria["tid"], ACME_TENANT_ID);
        assert_eq!(maria["xms_edov"], true);
        assert_eq!(maria["oid"], "2b7c9e14-5a3f-4c8d-9e21-7f4a6b8c0d13");
    }

    #[test]
    fn apple_relay_identity_is_private_and_has_no_name_claim() {
        let relay = find("apple-alice-relay").id_token_claims();
        assert_eq!(relay["email"], "k7x2q9@privaterelay.appleid.com");
        assert_eq!(relay["is_private_email"], true);
        assert_eq!(relay["email_verified"], true);
        assert!(!relay.contains_key("name"));
        let tom = find("apple-tom").id_token_claims();
        assert_eq!(tom["is_private_email"], false);
    }
}
