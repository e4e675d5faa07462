//! The SIP credentials the registrar accepts. Each signed-in device gets its own
//! authentication user and random password with its first SIP profile, bound to its
//! session: ending the session ends them (see `store::Statements::end_session_credentials`).
//! An account's static credential (the profile's own `auth_user` and password, for desk
//! phones an administrator provisions by hand) is kept beside them. The registrar reads
//! digests only: HA1 = H(auth_user ":" realm ":" password), with MD5 and with SHA-256.

use md5::Md5;
use rand::distributions::Alphanumeric;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

use crate::crypto::{Binding, EncryptionKey};
use crate::store::{NewSipCredential, SipProfileRow, Store, StoreError};
use crate::tokens::hex;

/// The prefix of a device's authentication user (the rest is random).
pub const DEVICE_AUTH_USER_PREFIX: &str = "dev-";
const DEVICE_PASSWORD_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SipCredentialError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The session ended while its credential was being made.
    #[error("the session has ended")]
    SessionEnded,
    #[error("a SIP password cannot be decrypted with the configured key (was the key changed?)")]
    Undecryptable,
}

/// The HA1 digests of a credential: (MD5, SHA-256), in lower-case hex.
pub fn digests(auth_user: &str, realm: &str, password: &str) -> (String, String) {
    let text = format!("{auth_user}:{realm}:{password}");
    (
        hex(&Md5::digest(text.as_bytes())),
        hex(&Sha256::digest(text.as_bytes())),
    )
}

/// A device credential's user and password, as its SIP profile hands them out.
pub struct DeviceCredential {
    pub auth_user: String,
    pub password: String,
}

impl std::fmt::Debug for DeviceCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCredential")
            .field("auth_user", &self.auth_user)
            .finish_non_exhaustive()
    }
}

/// The session's device credential: the one it was given, or a new one made now (random
/// user and password from `rng`).
pub async fn device_credential(
    store: &Store,
    key: &EncryptionKey,
    session_id: &str,
    account_id: &str,
    profile: &SipProfileRow,
    rng: &mut (impl RngCore + ?Sized),
    now: i64,
) -> Result<DeviceCredential, SipCredentialError> {
    for _ in 0..2 {
        if let Some(row) = store.device_credential(session_id).await? {
            let password = key
                .decrypt(
                    &row.password_encrypted,
                    Binding::device_sip_password(&row.auth_user),
                )
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or(SipCredentialError::Undecryptable)?;
            return Ok(DeviceCredential {
                auth_user: row.auth_user,
                password,
            });
        }
        let mut suffix = [0_u8; 8];
        rng.fill_bytes(&mut suffix);
        let auth_user = format!("{DEVICE_AUTH_USER_PREFIX}{}", hex(&suffix));
        let password: String = (&mut *rng)
            .sample_iter(&Alphanumeric)
            .take(DEVICE_PASSWORD_LEN)
            .map(char::from)
            .collect();
        let (ha1_md5, ha1_sha256) = digests(&auth_user, &profile.sip_domain, &password);
        let password_encrypted = key.encrypt(
            password.as_bytes(),
            Binding::device_sip_password(&auth_user),
        );
        let stored = store
            .insert_device_credential(&NewSipCredential {
                auth_user: &auth_user,
                account_id,
                session_id: Some(session_id),
                realm: &profile.sip_domain,
                aor_user: &profile.sip_user,
                ha1_md5: &ha1_md5,
                ha1_sha256: &ha1_sha256,
                password_encrypted: &password_encrypted,
                now,
            })
            .await?;
        if stored {
            return Ok(DeviceCredential {
                auth_user,
                password,
            });
        }
        // Another request stored one first (read it above), or the session ended.
    }
    Err(SipCredentialError::SessionEnded)
}

/// Brings the static credential of every account (of `account_id` only, when given) in
/// line with its SIP profile: a profile whose user, domain, line or password changed gets
/// its credential replaced (the old one's contacts are removed at the registrar). A
/// password that cannot be decrypted is logged and skipped. How many were replaced.
pub async fn sync_static_credentials(
    store: &Store,
    key: &EncryptionKey,
    account_id: Option<&str>,
    now: i64,
) -> Result<u64, SipCredentialError> {
    let mut replaced = 0;
    for source in store.static_credential_sources(account_id).await? {
        let password = key
            .decrypt(
                &source.password_encrypted,
                Binding::sip_password(&source.account_id),
            )
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok());
        let Some(password) = password else {
            // A damaged or moved value: that account's desk phones stop registering (its
            // old credential is left as it was); everything else goes on.
            tracing::error!(
                account_id = source.account_id,
                "the account's static SIP password cannot be decrypted with the configured key; \
                 set a new one with `admin account update --sip-password-file`"
            );
            continue;
        };
        let (ha1_md5, ha1_sha256) = digests(&source.auth_user, &source.realm, &password);
        let wanted = crate::store::StaticCredentialRow {
            auth_user: source.auth_user.clone(),
            realm: source.realm.clone(),
            aor_user: source.aor_user.clone(),
            ha1_md5,
            ha1_sha256,
        };
        if store.static_credential(&source.account_id).await?.as_ref() == Some(&wanted) {
            continue;
        }
        let password_encrypted = key.encrypt(
            password.as_bytes(),
            Binding::sip_password(&source.account_id),
        );
        store
            .put_static_credential(&NewSipCredential {
                auth_user: &wanted.auth_user,
                account_id: &source.account_id,
                session_id: None,
                realm: &wanted.realm,
                aor_user: &wanted.aor_user,
                ha1_md5: &wanted.ha1_md5,
                ha1_sha256: &wanted.ha1_sha256,
                password_encrypted: &password_encrypted,
                now,
            })
            .await?;
        replaced += 1;
    }
    Ok(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_the_rfc_ha1_of_user_realm_and_password() {
        // RFC 2617's example user and realm.
        let (md5, sha256) = digests("Mufasa", "testrealm@host.com", "Circle Of Life");
        assert_eq!(md5, "939e7578ed9e3c518a452acee763bce9");
        assert_eq!(sha256.len(), 64);
        assert_ne!(digests("Mufasa", "other", "Circle Of Life").1, sha256);
    }
}
