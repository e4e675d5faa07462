//! Upgrades secrets stored by earlier versions, once, when the portal starts: encrypted
//! values without their row binding are encrypted again bound to their row, and unkeyed
//! recovery-code hashes become keyed ones. Safe with several instances starting at once
//! (each row is replaced only if it still holds the old value).

use crate::crypto::{Binding, EncryptionKey, BOUND_PREFIX, KEYED_HASH_PREFIX};
use crate::store::{SecretColumn, Store, StoreError};

/// An encrypted column and how its values are bound.
struct EncryptedColumn {
    column: SecretColumn,
    binding: for<'a> fn(&'a str) -> Binding<'a>,
}

const ENCRYPTED: [EncryptedColumn; 5] = [
    EncryptedColumn {
        column: SecretColumn {
            table: "accounts",
            key_column: "id",
            value_column: "totp_secret_encrypted",
        },
        binding: |row| Binding::totp_secret(row),
    },
    EncryptedColumn {
        column: SecretColumn {
            table: "pending_authenticators",
            key_column: "account_id",
            value_column: "secret_encrypted",
        },
        binding: |row| Binding::totp_secret(row),
    },
    EncryptedColumn {
        column: SecretColumn {
            table: "sip_profiles",
            key_column: "account_id",
            value_column: "password_encrypted",
        },
        binding: |row| Binding::sip_password(row),
    },
    EncryptedColumn {
        column: SecretColumn {
            table: "pending_authorizations",
            key_column: "portal_state_hash",
            value_column: "nonce_encrypted",
        },
        binding: |row| Binding::sign_in_nonce(row),
    },
    EncryptedColumn {
        column: SecretColumn {
            table: "pending_authorizations",
            key_column: "portal_state_hash",
            value_column: "pkce_verifier_encrypted",
        },
        binding: |row| Binding::sign_in_pkce_verifier(row),
    },
];

const RECOVERY_CODES: SecretColumn = SecretColumn {
    table: "recovery_codes",
    key_column: "account_id",
    value_column: "code_hash",
};

/// What the upgrade did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UpgradeReport {
    /// Encrypted values now bound to their rows.
    pub bound: u64,
    /// Recovery-code hashes now keyed.
    pub keyed: u64,
    /// Values that did not decrypt with the configured key (left as they are; reading
    /// them fails as it did before).
    pub undecryptable: u64,
}

pub async fn upgrade(store: &Store, key: &EncryptionKey) -> Result<UpgradeReport, StoreError> {
    let mut report = UpgradeReport::default();
    for encrypted in &ENCRYPTED {
        for (row, old) in store
            .secrets_without_prefix(encrypted.column, BOUND_PREFIX)
            .await?
        {
            let Ok(plaintext) = key.decrypt_unbound(&old) else {
                report.undecryptable += 1;
                continue;
            };
            let new = key.encrypt(&plaintext, (encrypted.binding)(&row));
            if store
                .replace_secret(encrypted.column, &row, &old, &new)
                .await?
            {
                report.bound += 1;
            }
        }
    }
    for (account_id, old) in store
        .secrets_without_prefix(RECOVERY_CODES, KEYED_HASH_PREFIX)
        .await?
    {
        let new = key.recovery_code_hash(&account_id, &old);
        if store
            .replace_secret(RECOVERY_CODES, &account_id, &old, &new)
            .await?
        {
            report.keyed += 1;
        }
    }
    if report.bound + report.keyed > 0 {
        tracing::info!(
            bound = report.bound,
            keyed = report.keyed,
            "secrets at rest upgraded"
        );
    }
    if report.undecryptable > 0 {
        tracing::warn!(
            count = report.undecryptable,
            "stored secrets do not decrypt with the configured encryption key: is it the key this database was made with?"
        );
    }
    Ok(report)
}
