use super::*;
use crate::private_file::write_private_file;

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused_with_what_to_do() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    write_private_file(&key, EncryptionKey::generate_base64().as_bytes()).unwrap();
    let config: PortalConfig = toml::from_str(&format!(
        "name='x'\nlisten='127.0.0.1:0'\ndatabase_url='sqlite::memory:'\nencryption_key_file='{}'",
        key.display()
    ))
    .unwrap();
    assert!(config.encryption_key().is_ok());
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = config.encryption_key().err().unwrap().to_string();
    assert!(error.contains("chmod 600"), "{error}");
    assert!(error.contains("644"), "{error}");
}

#[test]
fn unknown_fields_are_refused() {
    let error = toml::from_str::<PortalConfig>(
        "name='x'\nlisten='127.0.0.1:0'\ndatabase_url='sqlite::memory:'\nclient_secret='oops'",
    )
    .unwrap_err();
    assert!(error.to_string().contains("client_secret"), "{error}");
}

#[test]
fn provider_files_are_relative_to_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portal.toml");
    std::fs::write(
        &path,
        "name='x'\nlisten='127.0.0.1:0'\ndatabase_url='sqlite::memory:'\n\
         [[providers]]\nid='sso'\nkind='oidc'\ndisplay_name='SSO'\n\
         issuer='https://sso.example/'\nclient_id='portal'\nclient_secret_file='secrets/sso'\n\
         token_endpoint_auth_method='private_key_jwt'\nprivate_key_file='/abs/key.pem'\n",
    )
    .unwrap();
    let config = PortalConfig::load(&path).unwrap();
    let provider = &config.providers[0];
    assert_eq!(
        provider.client_secret_file,
        Some(dir.path().join("secrets/sso"))
    );
    assert_eq!(
        provider.private_key_file,
        Some(PathBuf::from("/abs/key.pem"))
    );
    // The issuer is kept exactly, trailing slash included.
    assert_eq!(provider.issuer, "https://sso.example/");
    assert_eq!(provider.auth_method(), ClientAuthMethod::PrivateKeyJwt);
    assert!(!provider.matches_by_email());
}

#[test]
fn a_relative_sqlite_file_is_relative_to_the_config_file() {
    let dir = Path::new("/etc/switchboard");
    assert_eq!(
        sqlite_url_relative_to("sqlite://data/portal.db?mode=rwc", dir),
        "sqlite:///etc/switchboard/data/portal.db?mode=rwc"
    );
    for unchanged in [
        "sqlite:///var/lib/portal.db?mode=rwc",
        "sqlite::memory:",
        "sqlite://:memory:",
        "postgres://db.internal/switchboard",
    ] {
        assert_eq!(sqlite_url_relative_to(unchanged, dir), unchanged);
    }
}

#[test]
fn relative_key_file_is_relative_to_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portal.toml");
    std::fs::write(
        &path,
        "name='x'\nlisten='127.0.0.1:0'\ndatabase_url='sqlite::memory:'\nencryption_key_file='key'",
    )
    .unwrap();
    let config = PortalConfig::load(&path).unwrap();
    assert_eq!(config.encryption_key_file, Some(dir.path().join("key")));
}
