//! The site's file, `switchboard-local.cfg`: the listen lines and `#!define`s that the
//! shipped `kamailio.cfg` reads (see the head of deploy/kamailio/kamailio.cfg).

use std::fmt::Write as _;

use crate::config::{Challenge, Credentials, DatabaseKind, DigestAlgorithm, RegistrarConfig};
use crate::KamailioError;

impl RegistrarConfig {
    /// The text of `switchboard-local.cfg` for this registrar. It holds the control token
    /// and the database URL (with its password): write it readable by its owner only.
    pub(crate) fn local_cfg(&self) -> Result<String, KamailioError> {
        let mut cfg = String::from(
            "# This registrar's settings, read by kamailio.cfg (written by switchboard-kamailio).\n",
        );
        let ip = &self.listen_ip;
        if ip.is_empty()
            || !ip
                .chars()
                .all(|c| c.is_ascii_hexdigit() || ".:[]".contains(c))
        {
            return Err(KamailioError::ListenAddress(ip.clone()));
        }
        let _ = writeln!(
            cfg,
            "listen=udp:{ip}:{port}\nlisten=tcp:{ip}:{port}",
            port = self.port
        );
        let _ = writeln!(
            cfg,
            "#!define CTL_SOCKET \"unix:{}\"",
            define_string(&self.control_socket())?
        );
        match &self.credentials {
            Credentials::Accounts(_) => {
                let db = define_string(&self.db_dir())?;
                let _ = writeln!(cfg, "#!define DBURL \"text://{db}\"");
            }
            Credentials::Database(database) => {
                let (kind, url) = database.kamailio_url()?;
                match kind {
                    DatabaseKind::Sqlite { file } => {
                        let _ =
                            writeln!(cfg, "#!define WITH_SQLITE\n#!define SQLITE_FILE \"{file}\"");
                    }
                    DatabaseKind::Postgres => cfg.push_str("#!define WITH_POSTGRES\n"),
                }
                let _ = writeln!(cfg, "#!define DBURL \"{url}\"");
            }
        }
        if self.algorithm == DigestAlgorithm::Sha256 {
            cfg.push_str("#!define WITH_SHA256\n");
        }
        if let Some(table) = &self.credentials_table {
            if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(KamailioError::DatabaseUrl {
                    reason: format!(
                        "the credentials table {table:?} may hold letters, digits and `_` only"
                    ),
                });
            }
            let _ = writeln!(cfg, "#!define CREDENTIALS \"{table}\"");
        }
        if self.challenge == Challenge::Proxy {
            cfg.push_str("#!define WITH_PROXY_CHALLENGE\n");
        }
        let _ = writeln!(cfg, "#!define MIN_EXPIRES {}", self.min_expires);
        if let Some(tls) = &self.tls {
            let path = define_string(&self.tls_config_path())?;
            let _ = writeln!(
                cfg,
                "#!define WITH_TLS\n#!define TLS_CONFIG \"{path}\"\nlisten=tls:{ip}:{}",
                tls.port
            );
        }
        if let Some(control) = &self.control {
            let token_ok = !control.token.is_empty()
                && control
                    .token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._~+/=".contains(c));
            if !token_ok {
                return Err(KamailioError::ControlToken);
            }
            let _ = writeln!(
                cfg,
                "#!define WITH_CONTROL\n#!define CONTROL_PORT {port}\n#!define CONTROL_TOKEN \"{token}\"\nlisten=tcp:127.0.0.1:{port}",
                port = control.port,
                token = control.token
            );
        }
        Ok(cfg)
    }
}

/// A path inside a `#!define NAME "..."` string: no quote, backslash, `#` or line break.
fn define_string(path: &std::path::Path) -> Result<String, KamailioError> {
    let value = path.display().to_string();
    if value
        .chars()
        .any(|c| matches!(c, '"' | '\\' | '\n' | '\r' | '#'))
    {
        return Err(KamailioError::Path(value));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config::{ControlEndpoint, Database, TlsFiles};

    fn config() -> RegistrarConfig {
        RegistrarConfig::new(PathBuf::from("/tmp/k"), 5090, Vec::new())
    }

    #[test]
    fn the_defaults_are_db_text_md5_and_401() {
        let cfg = config().local_cfg().unwrap();
        assert!(cfg.contains("listen=udp:127.0.0.1:5090\nlisten=tcp:127.0.0.1:5090\n"));
        assert!(cfg.contains("#!define DBURL \"text:///tmp/k/db\"\n"));
        assert!(cfg.contains("#!define CTL_SOCKET \"unix:/tmp/k/kamailio_ctl\"\n"));
        assert!(cfg.contains("#!define MIN_EXPIRES 0\n"));
        for absent in [
            "WITH_SHA256",
            "WITH_PROXY",
            "WITH_TLS",
            "WITH_CONTROL",
            "WITH_SQLITE",
        ] {
            assert!(!cfg.contains(absent), "{absent}");
        }
    }

    #[test]
    fn every_option_has_its_define() {
        let mut config = config();
        config.algorithm = DigestAlgorithm::Sha256;
        config.challenge = Challenge::Proxy;
        config.min_expires = 60;
        config.credentials = Credentials::Database(Database {
            url: "sqlite:///var/lib/p.db".into(),
        });
        config.tls = Some(TlsFiles {
            port: 5091,
            certificate: "/c.pem".into(),
            private_key: "/k.pem".into(),
        });
        config.control = Some(ControlEndpoint {
            port: 5092,
            token: "abc-123".into(),
        });
        let cfg = config.local_cfg().unwrap();
        for line in [
            "#!define WITH_SHA256",
            "#!define WITH_PROXY_CHALLENGE",
            "#!define MIN_EXPIRES 60",
            "#!define WITH_SQLITE",
            "#!define SQLITE_FILE \"/var/lib/p.db\"",
            "#!define DBURL \"sqlite:////var/lib/p.db\"",
            "#!define WITH_TLS",
            "#!define TLS_CONFIG \"/tmp/k/tls.cfg\"",
            "listen=tls:127.0.0.1:5091",
            "#!define WITH_CONTROL",
            "#!define CONTROL_PORT 5092",
            "#!define CONTROL_TOKEN \"abc-123\"",
            "listen=tcp:127.0.0.1:5092",
        ] {
            assert!(cfg.lines().any(|l| l == line), "{line} in\n{cfg}");
        }
    }

    #[test]
    fn a_token_that_would_break_the_file_is_refused() {
        let mut config = config();
        config.control = Some(ControlEndpoint {
            port: 5092,
            token: "a\"b".into(),
        });
        assert!(matches!(
            config.local_cfg(),
            Err(KamailioError::ControlToken)
        ));
        config.control = Some(ControlEndpoint {
            port: 5092,
            token: String::new(),
        });
        assert!(matches!(
            config.local_cfg(),
            Err(KamailioError::ControlToken)
        ));
    }
}
