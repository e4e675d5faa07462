//! The db_text tables of a registrar given its accounts: the same names and columns as
//! the portal's views, so the shipped configuration reads either.

use std::fmt::Write as _;

use crate::config::{Account, DigestAlgorithm};
use crate::digest::ha1;

/// The credentials table of one algorithm (`registrar_credentials_md5` or `_sha256`).
pub(crate) fn credentials_table(accounts: &[Account], algorithm: DigestAlgorithm) -> String {
    let mut table = String::from(
        "username(string) domain(string) ha1(string) ha1b(string) extension(string)\n",
    );
    for account in accounts {
        let digest = ha1(
            algorithm,
            &account.username,
            &account.domain,
            &account.password,
        );
        // As the portal's views: ha1b is the same digest.
        let _ = writeln!(
            table,
            "{}:{}:{digest}:{digest}:{}",
            escape(&account.username),
            escape(&account.domain),
            escape(&account.extension)
        );
    }
    table
}

/// `registrar_lines`: the lines (extension@domain) calls may be for.
pub(crate) fn lines_table(accounts: &[Account]) -> String {
    let mut lines: Vec<(&str, &str)> = accounts
        .iter()
        .map(|account| (account.extension.as_str(), account.domain.as_str()))
        .collect();
    lines.sort();
    lines.dedup();
    let mut table = String::from("username(string) domain(string)\n");
    for (username, domain) in lines {
        let _ = writeln!(table, "{}:{}", escape(username), escape(domain));
    }
    table
}

/// The tables' file names (in the db_text folder) and contents.
pub(crate) fn tables(accounts: &[Account]) -> [(&'static str, String); 3] {
    [
        (
            "registrar_credentials_md5",
            credentials_table(accounts, DigestAlgorithm::Md5),
        ),
        (
            "registrar_credentials_sha256",
            credentials_table(accounts, DigestAlgorithm::Sha256),
        ),
        ("registrar_lines", lines_table(accounts)),
    ]
}

/// db_text separates columns with `:`; a value's own `:` and `\` are escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace(':', "\\:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Vec<Account> {
        vec![
            Account {
                username: "201:auth".into(),
                domain: "sip.acme.example".into(),
                password: "pa:ss".into(),
                extension: "201".into(),
            },
            Account {
                username: "201-desk".into(),
                domain: "sip.acme.example".into(),
                password: "x".into(),
                extension: "201".into(),
            },
        ]
    }

    #[test]
    fn credentials_rows_hold_digests_not_passwords() {
        let table = credentials_table(&accounts(), DigestAlgorithm::Md5);
        let digest = ha1(
            DigestAlgorithm::Md5,
            "201:auth",
            "sip.acme.example",
            "pa:ss",
        );
        assert!(table.contains(&format!(
            "\n201\\:auth:sip.acme.example:{digest}:{digest}:201\n"
        )));
        assert!(!table.contains("pa:ss") && !table.contains("pa\\:ss"));
        let sha = credentials_table(&accounts(), DigestAlgorithm::Sha256);
        assert_eq!(sha.lines().nth(2).map(|l| l.split(':').count()), Some(5));
    }

    #[test]
    fn each_line_is_listed_once() {
        assert_eq!(
            lines_table(&accounts()),
            "username(string) domain(string)\n201:sip.acme.example\n"
        );
    }
}
