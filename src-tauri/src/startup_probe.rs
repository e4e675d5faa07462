//! The end of the cold start `cargo xtask bench` measures. When SWITCHBOARD_BENCH_READY_FILE
//! names a file, the first time the window says the sign-in screen has painted the portal's
//! providers (the front end's `sign-in-shown` event, sent two animation frames after they were
//! put in the page, so a frame with them is on screen) the time is written to that file as
//! microseconds since the Unix epoch. The bench compares it with the time it started the
//! process. Without the variable nothing listens.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use tauri::{AppHandle, Listener};

/// The file the time is written to.
pub const READY_FILE_ENV: &str = "SWITCHBOARD_BENCH_READY_FILE";

/// What the front end sends (ui/src/lib/bridge.ts, SIGN_IN_SHOWN_EVENT).
const SIGN_IN_SHOWN_EVENT: &str = "sign-in-shown";

pub fn listen(app: &AppHandle) {
    let Some(path) = std::env::var_os(READY_FILE_ENV).map(PathBuf::from) else {
        return;
    };
    app.once_any(SIGN_IN_SHOWN_EVENT, move |_| {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_micros());
        if let Err(error) = write_whole(&path, &format!("{micros}\n")) {
            tracing::error!(%error, path = %path.display(), "cannot write the ready file");
        }
    });
}

/// Written beside it, then renamed: whoever polls for the file never reads half of it.
fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}
