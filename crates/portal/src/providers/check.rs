//! What `switchboard-portal check` (and `serve`, at start) finds out about each provider:
//! the files it names, its discovery document and keys, and whether what the portal will
//! do is what the provider accepts.

use openidconnect::core::{CoreJwsSigningAlgorithm, CoreResponseType};
use openidconnect::ResponseTypes;

use super::{allowed_algs, check_auth_method, Provider, ProviderError, Providers};

/// One provider's findings.
#[derive(Debug, Clone)]
pub struct ProviderReport {
    pub id: String,
    pub display_name: String,
    /// The redirect URI to register at the provider.
    pub redirect_uri: String,
    pub problems: Vec<Problem>,
}

/// Something that keeps a provider from working, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The provider could not be reached (it may work later); otherwise the configuration
    /// or the provider's registration must change.
    pub unreachable: bool,
    pub message: String,
}

impl From<ProviderError> for Problem {
    fn from(error: ProviderError) -> Self {
        Problem {
            unreachable: matches!(error, ProviderError::Unreachable(_)),
            message: match error {
                ProviderError::Misconfigured(message) | ProviderError::Unreachable(message) => {
                    message
                }
                other => other.to_string(),
            },
        }
    }
}

impl ProviderReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl std::fmt::Display for ProviderReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = if self.is_ok() {
            "ok".to_owned()
        } else if self.problems.iter().all(|p| p.unreachable) {
            "cannot be reached".to_owned()
        } else {
            "NOT SET UP CORRECTLY".to_owned()
        };
        writeln!(f, "provider {} ({}): {status}", self.id, self.display_name)?;
        writeln!(f, "  redirect URI to register: {}", self.redirect_uri)?;
        for problem in &self.problems {
            let label = if problem.unreachable {
                "down"
            } else {
                "problem"
            };
            writeln!(f, "  {label}: {}", problem.message)?;
        }
        Ok(())
    }
}

impl Providers {
    /// Checks every provider against its live discovery document and keys, fetching them
    /// anew (which also refreshes the cache). Sorted by provider id.
    pub async fn check(&self) -> Vec<ProviderReport> {
        let mut ids: Vec<&String> = self.by_id.keys().collect();
        ids.sort();
        let mut reports = Vec::new();
        for id in ids {
            if let Some(provider) = self.by_id.get(id) {
                reports.push(self.check_one(provider).await);
            }
        }
        reports
    }

    async fn check_one(&self, provider: &Provider) -> ProviderReport {
        let config = &provider.config;
        let mut problems = Vec::new();
        let redirect_uri = match self.callback_url(&config.id) {
            Ok(url) => url.to_string(),
            Err(error) => {
                problems.push(Problem::from(error));
                String::new()
            }
        };
        match url::Url::parse(&config.issuer) {
            Ok(url) if url.query().is_none() && url.fragment().is_none() => {
                if url.scheme() != "https"
                    && !matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
                {
                    problems.push(Problem {
                        unreachable: false,
                        message: format!(
                            "the issuer {:?} is not https: a real provider's issuer always is",
                            config.issuer
                        ),
                    });
                }
            }
            _ => problems.push(Problem {
                unreachable: false,
                message: format!(
                    "the issuer {:?} is not an http(s) URL without query or fragment: copy it from the provider's discovery document",
                    config.issuer
                ),
            }),
        }
        if let Err(problem) = &provider.credentials {
            problems.push(Problem {
                unreachable: false,
                message: problem.clone(),
            });
        }
        match self.fetch_metadata(provider).await {
            Err(error) => problems.push(Problem::from(error)),
            Ok(metadata) => {
                if let Ok(credentials) = &provider.credentials {
                    if let Err(message) = check_auth_method(credentials, &metadata) {
                        problems.push(Problem {
                            unreachable: false,
                            message,
                        });
                    }
                }
                let usable: Vec<&CoreJwsSigningAlgorithm> = metadata
                    .id_token_signing_alg_values_supported()
                    .iter()
                    .filter(|alg| allowed_algs().contains(alg))
                    .collect();
                if usable.is_empty() {
                    problems.push(Problem {
                        unreachable: false,
                        message: "the provider signs ID tokens only with algorithms the portal refuses (none or HMAC): configure an RS256 or ES256 signing key at the provider".to_owned(),
                    });
                }
                let code = ResponseTypes::new(vec![CoreResponseType::Code]);
                if !metadata.response_types_supported().contains(&code) {
                    problems.push(Problem {
                        unreachable: false,
                        message: "the provider does not offer the authorization code flow (response_type code)".to_owned(),
                    });
                }
                if metadata.jwks().keys().is_empty() {
                    problems.push(Problem {
                        unreachable: false,
                        message: "the provider's key set is empty: no ID token can be verified"
                            .to_owned(),
                    });
                }
            }
        }
        ProviderReport {
            id: config.id.clone(),
            display_name: config.display_name.clone(),
            redirect_uri,
            problems,
        }
    }
}
