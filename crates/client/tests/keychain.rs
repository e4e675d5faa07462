//! Against the real Secret Service: `cargo xtask test` runs these inside a private D-Bus
//! session with gnome-keyring unlocked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchboard_client::keychain::{Keychain, Secret, SecretKind};

fn unique_account() -> String {
    format!("acct-test-{}", rand::random::<u64>())
}

fn portal(url: &str) -> Keychain {
    Keychain::for_portal(&url.parse().unwrap())
}

#[test]
fn stores_reads_and_deletes_a_refresh_token() {
    Keychain::check_available().expect(
        "no Secret Service: run the keychain tests through `cargo xtask test`, which starts one",
    );
    let keychain = portal("https://phones.example.test/");
    let account = unique_account();
    let token = Secret::new("rt_".to_owned() + &"a".repeat(43));

    assert_eq!(
        keychain.load(&account, SecretKind::RefreshToken).unwrap(),
        None
    );
    keychain
        .store(&account, SecretKind::RefreshToken, &token)
        .unwrap();
    assert_eq!(
        keychain.load(&account, SecretKind::RefreshToken).unwrap(),
        Some(token.clone())
    );

    // Rotation overwrites, it does not add a second entry.
    let rotated = Secret::new("rt_rotated");
    keychain
        .store(&account, SecretKind::RefreshToken, &rotated)
        .unwrap();
    assert_eq!(
        keychain.load(&account, SecretKind::RefreshToken).unwrap(),
        Some(rotated)
    );

    keychain.delete(&account, SecretKind::RefreshToken).unwrap();
    assert_eq!(
        keychain.load(&account, SecretKind::RefreshToken).unwrap(),
        None
    );
    // Deleting again is not an error.
    keychain.delete(&account, SecretKind::RefreshToken).unwrap();
}

#[test]
fn entries_are_separate_per_portal_account_and_kind() {
    let account = unique_account();
    let other_account = unique_account();
    let one = portal("https://one.example.test/");
    let two = portal("https://two.example.test/");

    one.store(&account, SecretKind::RefreshToken, &Secret::new("one-rt"))
        .unwrap();
    one.store(&account, SecretKind::SipPassword, &Secret::new("one-sip"))
        .unwrap();
    two.store(&account, SecretKind::RefreshToken, &Secret::new("two-rt"))
        .unwrap();
    one.store(
        &other_account,
        SecretKind::RefreshToken,
        &Secret::new("other-rt"),
    )
    .unwrap();

    assert_eq!(
        one.load(&account, SecretKind::RefreshToken)
            .unwrap()
            .unwrap()
            .expose(),
        "one-rt"
    );
    assert_eq!(
        one.load(&account, SecretKind::SipPassword)
            .unwrap()
            .unwrap()
            .expose(),
        "one-sip"
    );
    assert_eq!(
        two.load(&account, SecretKind::RefreshToken)
            .unwrap()
            .unwrap()
            .expose(),
        "two-rt"
    );

    // Signing one account out of one portal leaves the others alone.
    one.wipe_account(&account).unwrap();
    assert_eq!(one.load(&account, SecretKind::RefreshToken).unwrap(), None);
    assert_eq!(one.load(&account, SecretKind::SipPassword).unwrap(), None);
    assert_eq!(
        two.load(&account, SecretKind::RefreshToken)
            .unwrap()
            .unwrap()
            .expose(),
        "two-rt"
    );
    assert_eq!(
        one.load(&other_account, SecretKind::RefreshToken)
            .unwrap()
            .unwrap()
            .expose(),
        "other-rt"
    );

    two.wipe_account(&account).unwrap();
    one.wipe_account(&other_account).unwrap();
}
