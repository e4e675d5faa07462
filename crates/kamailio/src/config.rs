//! What the registrar is told: its listening ports, accounts, challenge and digest
//! algorithm, rendered into `kamailio.cfg`, the db_text tables and `tls.cfg`.

use std::fmt::Write as _;
use std::path::PathBuf;

/// A digest account: `username` is the authentication user (the profile's `auth_user`),
/// `domain` the realm and AOR domain.
#[derive(Clone)]
pub struct Account {
    pub username: String,
    pub domain: String,
    pub password: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("username", &self.username)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

/// Which challenge a REGISTER without credentials gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// 401 with WWW-Authenticate (a registrar).
    Www,
    /// 407 with Proxy-Authenticate (a proxy in front of the registrar).
    Proxy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Md5,
    Sha256,
}

/// The registrar's certificate and key (PEM files) and the port it listens on for TLS.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub port: u16,
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct RegistrarConfig {
    /// Kamailio's folder: configuration, tables, control socket, log.
    pub dir: PathBuf,
    pub listen_ip: String,
    /// UDP and TCP listen on this port.
    pub port: u16,
    pub tls: Option<TlsFiles>,
    pub accounts: Vec<Account>,
    /// Shorter registrations are answered `423 Interval Too Brief` with this Min-Expires.
    pub min_expires: u32,
    pub challenge: Challenge,
    pub algorithm: DigestAlgorithm,
}

impl RegistrarConfig {
    /// A registrar on 127.0.0.1 with MD5 and 401 challenges, no TLS, no minimum interval.
    pub fn new(dir: PathBuf, port: u16, accounts: Vec<Account>) -> Self {
        Self {
            dir,
            listen_ip: "127.0.0.1".into(),
            port,
            tls: None,
            accounts,
            min_expires: 0,
            challenge: Challenge::Www,
            algorithm: DigestAlgorithm::Md5,
        }
    }

    pub(crate) fn control_socket(&self) -> PathBuf {
        self.dir.join("kamailio_ctl")
    }

    pub(crate) fn db_dir(&self) -> PathBuf {
        self.dir.join("db")
    }

    pub(crate) fn kamailio_cfg(&self) -> String {
        let mut cfg = String::from("#!KAMAILIO\n");
        let ip = &self.listen_ip;
        let dir = self.dir.display();
        let _ = writeln!(cfg, "debug=2\nlog_stderror=yes\nchildren=2\ntcp_children=2");
        let _ = writeln!(
            cfg,
            "auto_aliases=no\ndns=no\nrev_dns=no\nuse_dns_cache=off"
        );
        let _ = writeln!(
            cfg,
            "listen=udp:{ip}:{}\nlisten=tcp:{ip}:{}",
            self.port, self.port
        );
        if let Some(tls) = &self.tls {
            let _ = writeln!(cfg, "enable_tls=yes\nlisten=tls:{ip}:{}", tls.port);
        }
        cfg.push('\n');
        if self.tls.is_some() {
            cfg.push_str("loadmodule \"tls.so\"\n");
        }
        for module in [
            "jsonrpcs",
            "kex",
            "corex",
            "sl",
            "tm",
            "pv",
            "maxfwd",
            "textops",
            "siputils",
            "xlog",
            "ctl",
            "db_text",
            "usrloc",
            "registrar",
            "auth",
            "auth_db",
        ] {
            let _ = writeln!(cfg, "loadmodule \"{module}.so\"");
        }
        let algorithm = match self.algorithm {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        };
        let _ = writeln!(
            cfg,
            r#"
modparam("jsonrpcs", "transport", 0)
modparam("ctl", "binrpc", "unix:{dir}/kamailio_ctl")
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", {min})
modparam("registrar", "min_expires_mode", 1)
modparam("registrar", "max_expires", 7200)
modparam("auth", "algorithm", "{algorithm}")
modparam("auth_db", "db_url", "text://{dir}/db")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "load_credentials", "")
modparam("auth_db", "use_domain", 1)"#,
            min = self.min_expires,
        );
        if self.tls.is_some() {
            let _ = writeln!(cfg, "modparam(\"tls\", \"config\", \"{dir}/tls.cfg\")");
        }
        let (authorize, challenge) = match self.challenge {
            Challenge::Www => ("www_authorize", "www_challenge"),
            Challenge::Proxy => ("proxy_authorize", "proxy_challenge"),
        };
        let _ = writeln!(
            cfg,
            r#"
request_route {{
    if (!mf_process_maxfwd_header("10")) {{
        sl_send_reply("483", "Too Many Hops");
        exit;
    }}
    if (!is_method("REGISTER")) {{
        sl_send_reply("405", "Method Not Allowed");
        exit;
    }}
    if (!{authorize}("$td", "subscriber")) {{
        {challenge}("$td", "1");
        exit;
    }}
    consume_credentials();
    if (!save("location")) {{
        sl_reply_error();
    }}
    exit;
}}"#
        );
        cfg
    }

    pub(crate) fn subscriber_table(&self) -> String {
        let mut table = String::from(
            "id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null)\n",
        );
        for (id, account) in self.accounts.iter().enumerate() {
            let _ = writeln!(
                table,
                "{}:{}:{}:{}::",
                id + 1,
                escape(&account.username),
                escape(&account.domain),
                escape(&account.password)
            );
        }
        table
    }

    pub(crate) fn version_table() -> &'static str {
        "id(int,auto) table_name(string) table_version(int)\n1:subscriber:7\n2:location:9\n"
    }

    pub(crate) fn tls_cfg(&self) -> Option<String> {
        self.tls.as_ref().map(|tls| {
            format!(
                "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\nprivate_key = {}\ncertificate = {}\n\n[client:default]\nverify_certificate = no\nrequire_certificate = no\n",
                tls.private_key.display(),
                tls.certificate.display()
            )
        })
    }
}

/// db_text separates columns with `:`; a value's own `:` and `\` are escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace(':', "\\:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> RegistrarConfig {
        RegistrarConfig::new(
            PathBuf::from("/tmp/k"),
            5090,
            vec![Account {
                username: "201-auth".into(),
                domain: "sip.acme.example".into(),
                password: "pa:ss".into(),
            }],
        )
    }

    #[test]
    fn subscriber_rows_escape_the_column_separator() {
        let table = config().subscriber_table();
        assert!(table.ends_with("1:201-auth:sip.acme.example:pa\\:ss::\n"));
    }

    #[test]
    fn proxy_challenge_and_sha256_are_configured() {
        let mut config = config();
        config.challenge = Challenge::Proxy;
        config.algorithm = DigestAlgorithm::Sha256;
        let cfg = config.kamailio_cfg();
        assert!(cfg.contains("proxy_challenge(\"$td\", \"1\")"));
        assert!(cfg.contains("modparam(\"auth\", \"algorithm\", \"SHA-256\")"));
        assert!(!cfg.contains("tls.so"));
    }

    #[test]
    fn the_account_debug_output_has_no_password() {
        let debug = format!("{:?}", config().accounts);
        assert!(!debug.contains("pa:ss"));
    }
}
