//! `switchboard-portal check --config FILE`: the configuration against the live providers,
//! each problem with what to do. `serve` logs the provider part at start.

use std::path::Path;
use std::sync::Arc;

use url::Url;

use crate::config::PortalConfig;
use crate::providers::check::ProviderReport;
use crate::providers::Providers;

/// Everything `check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Problems of the file itself (it cannot be read, a key, duplicate ids).
    pub config_problems: Vec<String>,
    pub providers: Vec<ProviderReport>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.config_problems.is_empty() && self.providers.iter().all(ProviderReport::is_ok)
    }
}

impl std::fmt::Display for CheckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for problem in &self.config_problems {
            writeln!(f, "configuration: problem: {problem}")?;
        }
        for provider in &self.providers {
            write!(f, "{provider}")?;
        }
        let problems = self.config_problems.len()
            + self
                .providers
                .iter()
                .map(|p| p.problems.len())
                .sum::<usize>();
        if problems == 0 {
            writeln!(f, "summary: the configuration is ready")
        } else {
            writeln!(f, "summary: {problems} problem(s) to fix")
        }
    }
}

/// The public URL the portal will have: `public_url`, else its listen address.
fn public_url(config: &PortalConfig, problems: &mut Vec<String>) -> Option<Url> {
    if let Some(url) = &config.public_url {
        return Some(url.clone());
    }
    if config.listen.port() == 0 {
        problems.push(
            "`listen` has port 0 and there is no `public_url`: the redirect URIs to register at the providers are unknown. Set `public_url`".to_owned(),
        );
        return None;
    }
    Url::parse(&format!("http://{}/", config.listen)).ok()
}

/// Checks the configuration file at `path`.
pub async fn check_file(path: &Path, clock: crate::clock::SharedClock) -> CheckReport {
    match PortalConfig::load(path) {
        Ok(config) => check_config(&config, clock).await,
        Err(error) => CheckReport {
            config_problems: vec![error.to_string()],
            providers: Vec::new(),
        },
    }
}

/// Checks a loaded configuration.
pub async fn check_config(config: &PortalConfig, clock: crate::clock::SharedClock) -> CheckReport {
    let mut report = CheckReport::default();
    if let Err(error) = config.encryption_key() {
        report.config_problems.push(error.to_string());
    }
    let mut ids: Vec<&str> = config.providers.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    for pair in ids.windows(2) {
        if pair[0] == pair[1] {
            report.config_problems.push(format!(
                "two providers have the id {:?}: each needs its own",
                pair[0]
            ));
        }
    }
    let base = match public_url(config, &mut report.config_problems) {
        Some(url) => url,
        None => match Url::parse("http://portal.invalid/") {
            Ok(url) => url,
            Err(_) => return report,
        },
    };
    match Providers::new(&config.providers, base, Arc::clone(&clock)) {
        Ok(providers) => report.providers = providers.check().await,
        Err(error) => report.config_problems.push(error.to_string()),
    }
    report
}

/// Logs each provider's findings (at start of `serve`).
pub fn log_provider_reports(reports: &[ProviderReport]) {
    for report in reports {
        if report.is_ok() {
            tracing::info!(provider = %report.id, redirect_uri = %report.redirect_uri, "provider ready");
        }
        for problem in &report.problems {
            if problem.unreachable {
                tracing::warn!(provider = %report.id, problem = %crate::log_text::Outside(&problem.message), "provider cannot be reached; its sign-ins will fail until it can");
            } else {
                tracing::error!(provider = %report.id, problem = %crate::log_text::Outside(&problem.message), "provider is not set up correctly; run `switchboard-portal check`");
            }
        }
    }
}
