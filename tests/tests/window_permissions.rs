//! What the app's window may ask of the system, read from its capability file: the opener
//! only for https URLs (the status page link); the browser for signing in is opened from
//! Rust, so the page needs nothing else.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

fn capability() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../src-tauri/capabilities/default.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_window_may_open_only_https_urls() {
    let capability = capability();
    let permissions = capability["permissions"].as_array().unwrap();
    let names: Vec<&str> = permissions
        .iter()
        .map(|p| p.as_str().or_else(|| p["identifier"].as_str()).unwrap())
        .collect();
    // No opener set that allows more (http, mailto, tel, revealing files, opening paths).
    let opener: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| name.starts_with("opener:"))
        .collect();
    assert_eq!(opener, ["opener:allow-open-url"], "{names:?}");
    let open_url = permissions
        .iter()
        .find(|p| p["identifier"] == "opener:allow-open-url")
        .unwrap();
    let urls: Vec<&str> = open_url["allow"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls, ["https://*"]);
    // The UI opens nothing itself: every call to Rust goes through ui/src/lib/bridge.ts,
    // which never uses the opener plugin.
    let bridge = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../ui/src/lib/bridge.ts"
    ))
    .unwrap();
    assert!(!bridge.contains("plugin-opener"), "the UI calls the opener");
}

#[test]
fn the_window_cannot_open_file_dialogs_itself() {
    // "Save to a file" opens the save dialog from Rust, inside its command, and writes only
    // the recovery codes there: the page is granted no dialog (or file system) permission.
    let capability = capability();
    let permissions = capability["permissions"].as_array().unwrap();
    for permission in permissions {
        let name = permission
            .as_str()
            .or_else(|| permission["identifier"].as_str())
            .unwrap();
        assert!(
            !name.starts_with("dialog:") && !name.starts_with("fs:"),
            "the page may {name}"
        );
    }
}
