//! "Save to a file" for recovery codes just shown: the system's save dialog asks where, and
//! the file is one only the user can read, written whole or not at all.

use std::sync::Arc;

use crate::save_dialog::SaveRequest;
use crate::App;
use switchboard_client::private_file::write_private_file;
use switchboard_frontend::error_code::{CommandError, ErrorCode};

/// The file name the save dialog suggests for an account's codes.
pub fn suggested_file_name(username: &str) -> String {
    let safe: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    format!("Switchboard recovery codes ({safe}).txt")
}

/// What the file holds: a line saying what the codes are, then one code a line.
pub fn recovery_codes_file(username: &str, codes: &[String]) -> String {
    format!(
        "Switchboard recovery codes for {username}\nEach code signs you in once when you don't have your authenticator app. Keep this file where only you can reach it.\n\n{}\n",
        codes.join("\n")
    )
}

impl App {
    /// Asks where to save the codes (the system's save dialog, opening in the Documents
    /// folder), then writes them there, readable by the user only. Answers the file's path,
    /// or `None` when the user cancelled the dialog: nothing was written.
    pub async fn save_recovery_codes(
        &self,
        username: &str,
        codes: &[String],
    ) -> Result<Option<String>, CommandError> {
        let request = SaveRequest {
            title: "Save your recovery codes".to_owned(),
            file_name: suggested_file_name(username),
            folder: self.platform.documents_dir.clone(),
        };
        let text = recovery_codes_file(username, codes);
        let dialog = Arc::clone(&self.platform.save_dialog);
        // The dialog waits for the user, and writing waits for the disk: off the async threads.
        tokio::task::spawn_blocking(move || {
            let Some(path) = dialog.choose(&request).map_err(|error| {
                CommandError::new(
                    ErrorCode::SaveFailed,
                    format!("{error}. Copy the codes instead."),
                )
            })?
            else {
                return Ok(None);
            };
            write_private_file(&path, text.as_bytes()).map_err(|error| {
                CommandError::new(
                    ErrorCode::SaveFailed,
                    format!(
                        "Cannot save the recovery codes to {}: {error}. Choose another place, or copy them instead.",
                        path.display()
                    ),
                )
            })?;
            tracing::info!("recovery codes saved to a file the user chose");
            Ok(Some(path.display().to_string()))
        })
        .await
        .map_err(|error| {
            CommandError::new(
                ErrorCode::SaveFailed,
                format!("Cannot save the recovery codes: {error}"),
            )
        })?
    }
}
