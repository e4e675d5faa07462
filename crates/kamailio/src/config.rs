//! What the registrar is told: its listening ports, accounts, challenge and digest
//! algorithm, rendered into `kamailio.cfg`, the db_text tables and `tls.cfg`.

use std::fmt::Write as _;
use std::path::PathBuf;

/// A digest account: `username` is the authentication user (the profile's `auth_user`),
/// `domain` the realm and AOR domain, `extension` the line (the AOR's user part) these
/// credentials may register and call from: a REGISTER for another line, or a call whose
/// From is another line, is refused with 403.
#[derive(Clone)]
pub struct Account {
    pub username: String,
    pub domain: String,
    pub password: String,
    pub extension: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("username", &self.username)
            .field("domain", &self.domain)
            .field("extension", &self.extension)
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
            "rr",
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
modparam("registrar", "append_branches", 1)
modparam("tm", "fr_inv_timer", 60000)
modparam("auth", "algorithm", "{algorithm}")
modparam("auth_db", "db_url", "text://{dir}/db")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "load_credentials", "$avp(extension)=extension")
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
        let known = self.known_extensions_pattern();
        let _ = writeln!(
            cfg,
            r#"
request_route {{
    if (!mf_process_maxfwd_header("10")) {{
        sl_send_reply("483", "Too Many Hops");
        exit;
    }}
    if (has_totag()) {{
        route(IN_DIALOG);
        exit;
    }}
    if (is_method("CANCEL")) {{
        if (t_check_trans()) {{
            route(RELAY);
        }}
        exit;
    }}
    if (is_method("ACK")) {{
        if (t_check_trans()) {{
            t_relay();
        }}
        exit;
    }}
    # A retransmission of a request being handled is absorbed here.
    t_check_trans();
    if (is_method("REGISTER")) {{
        route(REGISTRAR);
        exit;
    }}
    if (!is_method("INVITE")) {{
        sl_send_reply("405", "Method Not Allowed");
        exit;
    }}
    route(CALL);
}}

# A line registers: its own credentials, for its own extension only.
route[REGISTRAR] {{
    if (!{authorize}("$td", "subscriber")) {{
        {challenge}("$td", "1");
        exit;
    }}
    if ($tU != $avp(extension)) {{
        sl_send_reply("403", "Forbidden: these credentials belong to another line");
        exit;
    }}
    consume_credentials();
    if (!save("location")) {{
        sl_reply_error();
    }}
}}

# A call from a line: the caller authenticates (407) as the line in its From, then the
# call forks to every device registered for the extension called.
route[CALL] {{
    if (!proxy_authorize("$fd", "subscriber")) {{
        proxy_challenge("$fd", "1");
        exit;
    }}
    if ($fU != $avp(extension)) {{
        sl_send_reply("403", "Forbidden: these credentials belong to another line");
        exit;
    }}
    consume_credentials();
    record_route();
    if (!lookup("location")) {{
        t_newtran();
        if ($rU =~ "{known}") {{
            t_reply("480", "Temporarily Unavailable");
        }} else {{
            t_reply("404", "Not Found");
        }}
        exit;
    }}
    route(RELAY);
}}

# BYE, re-INVITE (hold), INFO and the ACK of an answered call follow the recorded route.
route[IN_DIALOG] {{
    if (loose_route()) {{
        route(RELAY);
        exit;
    }}
    if (is_method("ACK")) {{
        if (t_check_trans()) {{
            t_relay();
        }}
        exit;
    }}
    sl_send_reply("404", "Not Here");
}}

route[RELAY] {{
    if (!t_relay()) {{
        sl_reply_error();
    }}
    exit;
}}"#
        );
        cfg
    }

    /// A regular expression that matches the extensions of [`Self::accounts`], so a call
    /// to a known extension nobody registered gets 480 and an unknown one 404.
    fn known_extensions_pattern(&self) -> String {
        let mut extensions: Vec<String> = self
            .accounts
            .iter()
            .map(|account| regex_literal(&account.extension))
            .filter(|extension| !extension.is_empty())
            .collect();
        extensions.sort();
        extensions.dedup();
        if extensions.is_empty() {
            // Matches nothing: every call to nobody is a 404.
            return "^$^".into();
        }
        format!("^({})$", extensions.join("|"))
    }

    pub(crate) fn subscriber_table(&self) -> String {
        let mut table = String::from(
            "id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null) extension(string)\n",
        );
        for (id, account) in self.accounts.iter().enumerate() {
            let _ = writeln!(
                table,
                "{}:{}:{}:{}:::{}",
                id + 1,
                escape(&account.username),
                escape(&account.domain),
                escape(&account.password),
                escape(&account.extension)
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

/// An extension as a literal inside the configuration's regular expression (and its
/// string): characters other than letters, digits, `_`, `+`, `-` and `.` are dropped.
fn regex_literal(extension: &str) -> String {
    extension
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-' | '.'))
        .map(|c| match c {
            '+' | '.' => format!("\\\\{c}"),
            c => c.to_string(),
        })
        .collect()
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
                extension: "201".into(),
            }],
        )
    }

    #[test]
    fn subscriber_rows_escape_the_column_separator() {
        let table = config().subscriber_table();
        assert!(table.ends_with("1:201-auth:sip.acme.example:pa\\:ss:::201\n"));
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
    fn calls_are_routed_to_known_extensions_only() {
        let mut config = config();
        config.accounts.push(Account {
            username: "a.b-auth".into(),
            domain: "sip.acme.example".into(),
            password: "x".into(),
            extension: "+1.5\"x".into(),
        });
        let cfg = config.kamailio_cfg();
        assert!(cfg.contains("lookup(\"location\")"));
        assert!(cfg.contains("record_route();"));
        assert!(cfg.contains(r#"if ($rU =~ "^(201|\\+1\\.5x)$")"#), "{cfg}");
        assert!(cfg.contains("t_reply(\"480\""));
        assert!(cfg.contains("t_reply(\"404\""));
    }

    #[test]
    fn the_account_debug_output_has_no_password() {
        let debug = format!("{:?}", config().accounts);
        assert!(!debug.contains("pa:ss"));
    }
}
