//! `ui/src/bindings/` is generated from the Rust types the front end sees; this fails when
//! it is stale. Refresh with `UPDATE_SNAPSHOTS=1 cargo test -p switchboard-desktop --test bindings`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[test]
fn typescript_bindings_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    let declarations = switchboard_desktop::bindings::generated_files();
    for (name, source) in &declarations {
        assert!(!source.is_empty(), "{name} did not export");
        let path = dir.join(format!("{name}.ts"));
        if update {
            std::fs::write(&path, source).unwrap();
        }
        if std::fs::read_to_string(&path).unwrap_or_default() != *source {
            stale.push(name.clone());
        }
    }
    // No leftovers of types that are gone.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        let name = file.trim_end_matches(".ts");
        if !declarations.iter().any(|(known, _)| known == name) {
            if update {
                std::fs::remove_file(dir.join(&file)).unwrap();
            } else {
                stale.push(format!("{name} (no longer generated)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "ui/src/bindings is stale for {stale:?}: run `UPDATE_SNAPSHOTS=1 cargo test -p switchboard-desktop --test bindings`"
    );
}
