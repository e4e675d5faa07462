//! `crates/portal/openapi.json` is the committed contract; this fails when the code and the
//! file disagree. Refresh it with `UPDATE_SNAPSHOTS=1 cargo test -p switchboard-portal`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn committed_openapi_document_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let generated = switchboard_portal::openapi::document_json();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "crates/portal/openapi.json is stale: run `UPDATE_SNAPSHOTS=1 cargo test -p switchboard-portal` and commit it"
    );
}
