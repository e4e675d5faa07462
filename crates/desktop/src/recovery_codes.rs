//! "Save to a file" for recovery codes just shown: a text file only the user can read.

use switchboard_client::store::write_private_file;

use crate::error_code::{CommandError, ErrorCode};
use crate::App;

impl App {
    /// Writes the codes to a text file in the user's Documents folder (readable by them
    /// only); answers its path.
    pub fn save_recovery_codes(
        &self,
        username: &str,
        codes: &[String],
    ) -> Result<String, CommandError> {
        let folder = self.platform.documents_dir.as_ref().ok_or_else(|| {
            CommandError::new(
                ErrorCode::NoFolder,
                "Cannot find your Documents folder. Copy the codes instead.",
            )
        })?;
        let safe: String = username
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        let path = folder.join(format!("Switchboard recovery codes ({safe}).txt"));
        let text = format!(
            "Switchboard recovery codes for {username}\nEach code signs you in once when you don't have your authenticator app.\n\n{}\n",
            codes.join("\n")
        );
        write_private_file(&path, text.as_bytes()).map_err(|error| {
            CommandError::new(
                ErrorCode::SaveFailed,
                format!("Cannot save the recovery codes: {error}"),
            )
        })?;
        Ok(path.display().to_string())
    }
}
