//! The certificate authorities a line's TLS trusts: the system's bundle, and a private
//! phone system's CA named in `SWITCHBOARD_SIP_CA_FILE` (read by the app and the CLI alike).

pub const SIP_CA_FILE_ENV: &str = "SWITCHBOARD_SIP_CA_FILE";

/// The certificate authorities a line's TLS trusts: the system's bundle, and the file
/// `SWITCHBOARD_SIP_CA_FILE` names (a private phone system's CA).
pub fn trusted_roots(env: impl Fn(&str) -> Option<String>) -> Vec<u8> {
    const SYSTEM_BUNDLES: &[&str] = &[
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/cert.pem",
    ];
    let mut pem = SYSTEM_BUNDLES
        .iter()
        .find_map(|path| std::fs::read(path).ok())
        .unwrap_or_default();
    if let Some(path) = env(SIP_CA_FILE_ENV) {
        match std::fs::read(&path) {
            Ok(extra) => {
                pem.push(b'\n');
                pem.extend(extra);
            }
            Err(error) => tracing::warn!(%path, %error, "cannot read {SIP_CA_FILE_ENV}"),
        }
    }
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extra_ca_file_is_added_to_the_trusted_roots() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, "-----BEGIN CERTIFICATE-----\nTEST\n").unwrap();
        let path = file.display().to_string();
        let roots = trusted_roots(|name| (name == SIP_CA_FILE_ENV).then(|| path.clone()));
        assert!(String::from_utf8_lossy(&roots).contains("TEST"));
    }
}
