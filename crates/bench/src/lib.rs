//! What the benchmark binaries share: writing their numbers into `bench.json`, starting the
//! release app as a first launch, reading a process tree's memory.

pub mod app_launch;
pub mod memory;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

/// Adds `results` to the JSON object in `path` (made if missing), replacing equal keys.
pub fn merge_into(path: &Path, results: &BTreeMap<String, f64>) -> Result<()> {
    let mut all: BTreeMap<String, serde_json::Value> = match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not a JSON object", path.display()))?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    for (key, value) in results {
        all.insert(key.clone(), serde_json::json!(value));
    }
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    std::fs::write(path, serde_json::to_string_pretty(&all)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
