//! What the app remembers in its data folder: the signed-in accounts of each portal and
//! their softphone settings. Never a secret: tokens and SIP passwords live in the keychain.
//! Files are replaced atomically, so a crash never leaves half a file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use switchboard_api::{AccountSummary, SipTransport};
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot save to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file was not what this app writes (damaged on disk, or edited by hand). It is
    /// set aside, never deleted, and the app goes on as if it had not been there.
    #[error("Switchboard's file {path} was damaged, so it was set aside as {kept_at}. Sign in again to go on; nothing else was lost.")]
    Damaged { path: PathBuf, kept_at: PathBuf },
}

/// The softphone settings without the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProfile {
    pub etag: Option<String>,
    pub extension: String,
    pub display_name: String,
    pub sip_user: String,
    pub auth_user: String,
    pub domain: String,
    pub registrar: String,
    pub outbound_proxy: Option<String>,
    pub transport: SipTransport,
    pub stun_server: Option<String>,
    pub turn_server: Option<String>,
    pub voicemail_number: Option<String>,
    pub version: i64,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct AccountsFile {
    current: Option<String>,
    accounts: Vec<AccountSummary>,
    /// How many accounts the sign-in that last signed each account in here reached (it went
    /// through the chooser when more than one). Missing: one.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    reach: std::collections::BTreeMap<String, usize>,
}

/// The data folder of one portal.
#[derive(Debug, Clone)]
pub struct AccountStore {
    dir: PathBuf,
}

fn folder_name(portal: &Url) -> String {
    portal
        .as_str()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Writes a file only its owner can read (on Unix), replacing it atomically (see
/// [`crate::private_file`]); its folder is made first.
pub fn write_private_file(path: &Path, contents: &[u8]) -> Result<(), StoreError> {
    let error = |source| StoreError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(error)?;
    }
    crate::private_file::write_private_file(path, contents).map_err(error)
}

/// Reads a file this app wrote. A damaged one is set aside (renamed, never deleted) and
/// reported once: the next read finds no file and starts afresh.
fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(value) => Ok(Some(value)),
            Err(_) => {
                let kept_at = path.with_extension("json.damaged");
                std::fs::rename(path, &kept_at).map_err(|source| StoreError::Write {
                    path: kept_at.clone(),
                    source,
                })?;
                tracing::error!(path = %path.display(), kept_at = %kept_at.display(), "a damaged data file was set aside");
                Err(StoreError::Damaged {
                    path: path.to_owned(),
                    kept_at,
                })
            }
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StoreError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

impl AccountStore {
    pub fn new(data_dir: &Path, portal: &Url) -> Self {
        Self {
            dir: data_dir.join("portals").join(folder_name(portal)),
        }
    }

    fn accounts_path(&self) -> PathBuf {
        self.dir.join("accounts.json")
    }

    fn profile_path(&self, account_id: &str) -> PathBuf {
        let safe: String = account_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join("profiles").join(format!("{safe}.json"))
    }

    fn load(&self) -> Result<AccountsFile, StoreError> {
        Ok(read_json(&self.accounts_path())?.unwrap_or_default())
    }

    fn save(&self, file: &AccountsFile) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(file).unwrap_or_default();
        write_private_file(&self.accounts_path(), &json)
    }

    pub fn accounts(&self) -> Result<Vec<AccountSummary>, StoreError> {
        Ok(self.load()?.accounts)
    }

    pub fn current(&self) -> Result<Option<AccountSummary>, StoreError> {
        let file = self.load()?;
        Ok(file
            .current
            .and_then(|id| file.accounts.into_iter().find(|a| a.account_id == id)))
    }

    /// Adds the account (at the end) or updates it where it is, and makes it the current one.
    /// The list stays in the order the accounts were added: a refresh or a new sign-in of an
    /// account does not move it.
    pub fn remember(&self, account: &AccountSummary) -> Result<(), StoreError> {
        let mut file = self.load()?;
        match file
            .accounts
            .iter_mut()
            .find(|a| a.account_id == account.account_id)
        {
            Some(known) => *known = account.clone(),
            None => file.accounts.push(account.clone()),
        }
        file.current = Some(account.account_id.clone());
        self.save(&file)
    }

    /// Updates an account signed in here (its name or organization may have changed) where
    /// it is, without making it the current one: a refresh in the background must not
    /// switch the window to another account. An account not signed in here stays absent.
    pub fn update(&self, account: &AccountSummary) -> Result<(), StoreError> {
        let mut file = self.load()?;
        let Some(known) = file
            .accounts
            .iter_mut()
            .find(|a| a.account_id == account.account_id)
        else {
            return Ok(());
        };
        if known == account {
            return Ok(());
        }
        *known = account.clone();
        self.save(&file)
    }

    /// Makes a signed-in account the current one; `false` when it is not signed in here.
    pub fn set_current(&self, account_id: &str) -> Result<bool, StoreError> {
        let mut file = self.load()?;
        if !file.accounts.iter().any(|a| a.account_id == account_id) {
            return Ok(false);
        }
        file.current = Some(account_id.to_owned());
        self.save(&file)?;
        Ok(true)
    }

    /// Records how many accounts the sign-in that signed the account in reached.
    pub fn set_reach(&self, account_id: &str, accounts: usize) -> Result<(), StoreError> {
        let mut file = self.load()?;
        if accounts > 1 {
            file.reach.insert(account_id.to_owned(), accounts);
        } else if file.reach.remove(account_id).is_none() {
            return Ok(());
        }
        self.save(&file)
    }

    /// How many accounts the account's sign-in reached: more than one means "use a different
    /// account" has others to offer.
    pub fn reach(&self, account_id: &str) -> Result<usize, StoreError> {
        Ok(self.load()?.reach.get(account_id).copied().unwrap_or(1))
    }

    /// Forgets the account and its profile.
    pub fn forget(&self, account_id: &str) -> Result<(), StoreError> {
        let mut file = self.load()?;
        file.accounts.retain(|a| a.account_id != account_id);
        file.reach.remove(account_id);
        if file.current.as_deref() == Some(account_id) {
            file.current = file.accounts.first().map(|a| a.account_id.clone());
        }
        self.save(&file)?;
        match std::fs::remove_file(self.profile_path(account_id)) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Write {
                path: self.profile_path(account_id),
                source,
            }),
        }
    }

    pub fn profile(&self, account_id: &str) -> Result<Option<StoredProfile>, StoreError> {
        read_json(&self.profile_path(account_id))
    }

    pub fn save_profile(
        &self,
        account_id: &str,
        profile: &StoredProfile,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(profile).unwrap_or_default();
        write_private_file(&self.profile_path(account_id), &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store in a folder of its own (kept while the folder handle lives).
    fn fresh_store() -> (tempfile::TempDir, AccountStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = AccountStore::new(dir.path(), &"https://p.example/".parse().unwrap());
        (dir, store)
    }

    fn account_ids(store: &AccountStore) -> Vec<String> {
        store
            .accounts()
            .unwrap()
            .into_iter()
            .map(|a| a.account_id)
            .collect()
    }

    fn account(id: &str) -> AccountSummary {
        AccountSummary {
            account_id: id.into(),
            username: id.into(),
            display_name: id.into(),
            extension: "1".into(),
            organization_name: "Org".into(),
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_account_list_and_the_stored_profile_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, store) = fresh_store();
        // Written by an older version, readable by others: replaced by an owner-only file.
        let accounts = store.accounts_path();
        std::fs::create_dir_all(accounts.parent().unwrap()).unwrap();
        std::fs::write(&accounts, br#"{"current":null,"accounts":[]}"#).unwrap();
        std::fs::set_permissions(&accounts, std::fs::Permissions::from_mode(0o644)).unwrap();
        store.remember(&account("a1")).unwrap();
        store
            .save_profile(
                "a1",
                &StoredProfile {
                    etag: None,
                    extension: "201".into(),
                    display_name: "Alice".into(),
                    sip_user: "201".into(),
                    auth_user: "201".into(),
                    domain: "sip.example".into(),
                    registrar: "sip.example".into(),
                    outbound_proxy: None,
                    transport: SipTransport::Tls,
                    stun_server: None,
                    turn_server: None,
                    voicemail_number: None,
                    version: 1,
                },
            )
            .unwrap();
        for path in [store.accounts_path(), store.profile_path("a1")] {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{} has mode {mode:o}", path.display());
        }
    }

    #[test]
    fn remembers_the_current_account_and_forgets_cleanly() {
        let (_dir, store) = fresh_store();
        assert_eq!(store.current().unwrap(), None);
        store.remember(&account("a")).unwrap();
        store.remember(&account("b")).unwrap();
        assert_eq!(store.current().unwrap().unwrap().account_id, "b");
        store.forget("b").unwrap();
        assert_eq!(store.current().unwrap().unwrap().account_id, "a");
        store.forget("a").unwrap();
        assert_eq!(store.current().unwrap(), None);
    }

    #[test]
    fn switching_keeps_every_account_and_refuses_strangers() {
        let (_dir, store) = fresh_store();
        store.remember(&account("a")).unwrap();
        store.remember(&account("b")).unwrap();
        assert!(store.set_current("a").unwrap());
        assert_eq!(store.current().unwrap().unwrap().account_id, "a");
        assert!(!store.set_current("c").unwrap());
        assert_eq!(store.current().unwrap().unwrap().account_id, "a");
        assert_eq!(store.accounts().unwrap().len(), 2);
    }

    #[test]
    fn accounts_stay_in_the_order_they_were_added() {
        let (_dir, store) = fresh_store();
        for id in ["a", "b", "c"] {
            store.remember(&account(id)).unwrap();
        }
        // Signed in again (or refreshed) with a new name: updated where it is.
        let mut renamed = account("a");
        renamed.display_name = "Ann".into();
        store.remember(&renamed).unwrap();
        assert!(store.set_current("b").unwrap());
        let accounts = store.accounts().unwrap();
        let ids: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(accounts[0].display_name, "Ann");
        store.forget("b").unwrap();
        let ids = account_ids(&store);
        assert_eq!(ids, ["a", "c"]);
    }

    #[test]
    fn a_refreshed_account_is_updated_in_place_and_does_not_become_current() {
        let (_dir, store) = fresh_store();
        store.remember(&account("a")).unwrap();
        store.remember(&account("b")).unwrap();
        let mut renamed = account("a");
        renamed.display_name = "Ann".into();
        store.update(&renamed).unwrap();
        assert_eq!(store.current().unwrap().unwrap().account_id, "b");
        let accounts = store.accounts().unwrap();
        assert_eq!(accounts[0].display_name, "Ann");
        // Signed out meanwhile: a late refresh does not bring it back.
        store.forget("a").unwrap();
        store.update(&renamed).unwrap();
        let ids = account_ids(&store);
        assert_eq!(ids, ["b"]);
    }

    #[test]
    fn remembers_how_many_accounts_a_sign_in_reached() {
        let (_dir, store) = fresh_store();
        store.remember(&account("a")).unwrap();
        assert_eq!(store.reach("a").unwrap(), 1);
        store.set_reach("a", 2).unwrap();
        assert_eq!(store.reach("a").unwrap(), 2);
        // Signed in again by password: one account.
        store.set_reach("a", 1).unwrap();
        assert_eq!(store.reach("a").unwrap(), 1);
        store.set_reach("a", 3).unwrap();
        store.forget("a").unwrap();
        assert_eq!(store.reach("a").unwrap(), 1);
    }

    /// A damaged file is reported (not shown as an empty list without a word), kept aside
    /// for support, and afterwards the app works as if signed out.
    #[test]
    fn a_damaged_file_is_reported_once_kept_aside_and_then_as_if_signed_out() {
        let (_dir, store) = fresh_store();
        store.remember(&account("a")).unwrap();
        std::fs::write(store.accounts_path(), b"{ not json").unwrap();
        let error = store.current().unwrap_err();
        assert!(matches!(error, StoreError::Damaged { .. }), "{error}");
        assert!(error.to_string().contains("Sign in again"), "{error}");
        let kept = store.accounts_path().with_extension("json.damaged");
        assert_eq!(std::fs::read(&kept).unwrap(), b"{ not json");
        assert_eq!(store.current().unwrap(), None);
        store.remember(&account("a")).unwrap();
        assert_eq!(store.current().unwrap().unwrap().account_id, "a");
    }
}
