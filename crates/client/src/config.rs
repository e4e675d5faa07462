//! Where the app signs in. In order: the `SWITCHBOARD_PORTAL_URL` environment variable,
//! `portal_url` in the user's `switchboard/config.toml`, the URL baked in at build time
//! (`SWITCHBOARD_DEFAULT_PORTAL_URL`), else a portal on this machine.
//!
//! The portal is reached over `https://`; plain `http://` only on this machine (127.0.0.0/8,
//! `::1`, `localhost`), where nothing travels over a network.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

pub const PORTAL_URL_ENV: &str = "SWITCHBOARD_PORTAL_URL";
pub const REDIRECT_ENV: &str = "SWITCHBOARD_REDIRECT";

/// How the browser hands a sign-in back to the app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectMode {
    /// The URL scheme when the OS has it registered for this app, else loopback.
    #[default]
    Auto,
    /// Always the app's URL scheme.
    Scheme,
    /// Always `http://127.0.0.1:<port>/` (RFC 8252 §7.3).
    Loopback,
}
const LOCAL_PORTAL_URL: &str = "http://127.0.0.1:8780/";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("{origin} says redirect {value:?}; use auto, scheme or loopback")]
    BadRedirect { value: String, origin: String },
    #[error("the portal address {value:?} from {origin} is not a valid http(s) URL")]
    BadPortalUrl { value: String, origin: String },
    #[error("the portal address {value:?} from {origin} uses plain http: use https:// (plain http:// only for a portal on this computer: 127.0.0.1, [::1] or localhost)")]
    InsecurePortalUrl { value: String, origin: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub portal_url: Url,
    /// The operator's status page, shown when the portal does not answer.
    pub status_page_url: Option<Url>,
    pub redirect: RedirectMode,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    portal_url: Option<String>,
    status_page_url: Option<String>,
    redirect: Option<RedirectMode>,
}

impl ClientConfig {
    /// Reads the configuration; `env` looks up environment variables (injected for tests),
    /// `file` is the user's config file, which may not exist.
    pub fn load(
        env: impl Fn(&str) -> Option<String>,
        file: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        let parsed = match file {
            Some(path) => read_file(path)?,
            None => ConfigFile::default(),
        };
        let origin = || file.map(|p| p.display().to_string()).unwrap_or_default();
        let status_page_url = match parsed.status_page_url {
            Some(value) => Some(parse_portal_url(&value, &origin())?),
            None => None,
        };
        let portal_url = if let Some(value) = env(PORTAL_URL_ENV) {
            parse_portal_url(&value, PORTAL_URL_ENV)?
        } else if let Some(value) = parsed.portal_url {
            parse_portal_url(&value, &origin())?
        } else {
            let default = option_env!("SWITCHBOARD_DEFAULT_PORTAL_URL").unwrap_or(LOCAL_PORTAL_URL);
            parse_portal_url(default, "the build")?
        };
        let redirect = match env(REDIRECT_ENV) {
            Some(value) => match value.trim() {
                "auto" => RedirectMode::Auto,
                "scheme" => RedirectMode::Scheme,
                "loopback" => RedirectMode::Loopback,
                _ => {
                    return Err(ConfigError::BadRedirect {
                        value,
                        origin: REDIRECT_ENV.into(),
                    })
                }
            },
            None => parsed.redirect.unwrap_or_default(),
        };
        Ok(Self {
            portal_url,
            status_page_url,
            redirect,
        })
    }
}

/// The config file, or nothing when it does not exist.
fn read_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(source) => Err(ConfigError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Whether `url`'s host is this computer: 127.0.0.0/8, `::1` or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A portal URL the app may use: `https://`, or `http://` on loopback only.
pub fn check_portal_url(url: &Url, origin: &str) -> Result<(), ConfigError> {
    let (value, origin) = (url.to_string(), origin.to_owned());
    match url.scheme() {
        _ if url.host().is_none() => Err(ConfigError::BadPortalUrl { value, origin }),
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(ConfigError::InsecurePortalUrl { value, origin }),
        _ => Err(ConfigError::BadPortalUrl { value, origin }),
    }
}

fn parse_portal_url(value: &str, origin: &str) -> Result<Url, ConfigError> {
    let bad = || ConfigError::BadPortalUrl {
        value: value.to_owned(),
        origin: origin.to_owned(),
    };
    let mut url = Url::parse(value.trim()).map_err(|_| bad())?;
    check_portal_url(&url, origin).map_err(|error| match error {
        ConfigError::InsecurePortalUrl { .. } => ConfigError::InsecurePortalUrl {
            value: value.to_owned(),
            origin: origin.to_owned(),
        },
        _ => bad(),
    })?;
    // A base URL must end in '/' for `join` to keep its path.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn environment_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "portal_url = 'https://file.example/'").unwrap();
        let config = ClientConfig::load(
            |name| (name == PORTAL_URL_ENV).then(|| "https://env.example/phones".to_owned()),
            Some(&file),
        )
        .unwrap();
        assert_eq!(config.portal_url.as_str(), "https://env.example/phones/");
    }

    #[test]
    fn file_is_used_when_the_environment_is_silent() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "portal_url = 'https://file.example/'").unwrap();
        let config = ClientConfig::load(no_env, Some(&file)).unwrap();
        assert_eq!(config.portal_url.as_str(), "https://file.example/");
    }

    #[test]
    fn status_page_comes_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "status_page_url = 'https://status.example/'").unwrap();
        let config = ClientConfig::load(no_env, Some(&file)).unwrap();
        assert_eq!(
            config.status_page_url.map(String::from).as_deref(),
            Some("https://status.example/")
        );
    }

    #[test]
    fn redirect_mode_from_environment_or_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "redirect = 'loopback'").unwrap();
        assert_eq!(
            ClientConfig::load(no_env, Some(&file)).unwrap().redirect,
            RedirectMode::Loopback
        );
        let scheme = |name: &str| (name == REDIRECT_ENV).then(|| "scheme".to_owned());
        assert_eq!(
            ClientConfig::load(scheme, Some(&file)).unwrap().redirect,
            RedirectMode::Scheme
        );
        let bad = |name: &str| (name == REDIRECT_ENV).then(|| "carrier-pigeon".to_owned());
        assert!(ClientConfig::load(bad, None).is_err());
        assert_eq!(
            ClientConfig::load(no_env, None).unwrap().redirect,
            RedirectMode::Auto
        );
    }

    #[test]
    fn missing_file_falls_back_to_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let config = ClientConfig::load(no_env, Some(&dir.path().join("absent.toml"))).unwrap();
        assert_eq!(config.portal_url.scheme(), "http");
    }

    #[test]
    fn an_http_portal_is_refused_unless_it_is_on_this_computer() {
        let from_env = |value: &'static str| {
            ClientConfig::load(
                move |name| (name == PORTAL_URL_ENV).then(|| value.to_owned()),
                None,
            )
        };
        for insecure in [
            "http://portal.example.com/",
            "http://10.0.0.5:8780/",
            "http://128.0.0.1/",
            "http://localhost.evil.example/",
            "http://[::2]/",
        ] {
            let error = from_env(insecure).unwrap_err();
            assert!(
                matches!(error, ConfigError::InsecurePortalUrl { .. }),
                "{insecure}: {error}"
            );
            let message = error.to_string();
            assert!(message.contains("https://"), "{message}");
            assert!(message.contains(PORTAL_URL_ENV), "{message}");
        }
        for allowed in [
            "https://portal.example.com/",
            "http://127.0.0.1:8780/",
            "http://127.8.9.10/",
            "http://[::1]:8780/",
            "http://localhost:8780/",
            "http://LOCALHOST/",
        ] {
            assert!(from_env(allowed).is_ok(), "{allowed}");
        }
        // The same rule for the file and for a URL set on the command line.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "portal_url = 'http://portal.example.com/'").unwrap();
        let error = ClientConfig::load(no_env, Some(&file)).unwrap_err();
        assert!(
            matches!(error, ConfigError::InsecurePortalUrl { .. }),
            "{error}"
        );
        let url = Url::parse("http://portal.example.com/").unwrap();
        assert!(check_portal_url(&url, "--portal").is_err());
    }

    #[test]
    fn bad_urls_say_where_they_came_from() {
        let error =
            ClientConfig::load(|_| Some("ftp://files.example".to_owned()), None).unwrap_err();
        assert!(error.to_string().contains(PORTAL_URL_ENV), "{error}");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "portal_url = 42").unwrap();
        let error = ClientConfig::load(no_env, Some(&file)).unwrap_err();
        assert!(matches!(error, ConfigError::Parse { .. }), "{error}");
    }
}
