//! Saving a file where the user says: the system's save dialog (the platform's), a stand-in
//! the tests answer through an environment variable, and writing the file so that only its
//! owner can read it, whole or not at all.

use std::path::PathBuf;
use std::sync::Arc;

/// What the save dialog is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveRequest {
    pub title: String,
    /// The file name it suggests.
    pub file_name: String,
    /// The folder it opens in, when known (the Documents folder).
    pub folder: Option<PathBuf>,
}

/// The save dialog could not be shown.
#[derive(Debug, thiserror::Error)]
#[error("cannot show the save dialog: {0}")]
pub struct SaveDialogUnavailable(pub String);

/// Asks the user where to save a file. Blocks until they answer: `None` when they cancelled.
/// Replacing an existing file is something the dialog itself confirms with them.
pub trait SaveDialog: Send + Sync {
    fn choose(&self, request: &SaveRequest) -> Result<Option<PathBuf>, SaveDialogUnavailable>;
}

/// The variable naming a file that answers the save dialog instead of the user (the window
/// tests cannot reach a native dialog). Read at each dialog: a path to save to, or `cancel`.
pub const SAVE_DIALOG_ENV: &str = "SWITCHBOARD_SAVE_DIALOG_ANSWER_FILE";

/// A dialog answered by a file's contents, read each time it is asked.
pub struct ScriptedSaveDialog(pub PathBuf);

impl SaveDialog for ScriptedSaveDialog {
    fn choose(&self, _request: &SaveRequest) -> Result<Option<PathBuf>, SaveDialogUnavailable> {
        let answer = std::fs::read_to_string(&self.0)
            .map_err(|error| SaveDialogUnavailable(format!("{}: {error}", self.0.display())))?;
        match answer.trim() {
            "cancel" => Ok(None),
            "" => Err(SaveDialogUnavailable(format!(
                "{} is empty",
                self.0.display()
            ))),
            path => Ok(Some(path.into())),
        }
    }
}

/// The dialog `SWITCHBOARD_SAVE_DIALOG_ANSWER_FILE` answers when set, else `system`.
pub fn save_dialog_from_env(
    var: impl Fn(&str) -> Option<String>,
    system: Arc<dyn SaveDialog>,
) -> Arc<dyn SaveDialog> {
    match var(SAVE_DIALOG_ENV).filter(|file| !file.is_empty()) {
        Some(file) => Arc::new(ScriptedSaveDialog(file.into())),
        None => system,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_file_answers_the_dialog_each_time_with_a_path_or_a_cancel() {
        struct System;
        impl SaveDialog for System {
            fn choose(&self, _: &SaveRequest) -> Result<Option<PathBuf>, SaveDialogUnavailable> {
                Err(SaveDialogUnavailable("the real one".into()))
            }
        }
        let request = SaveRequest {
            title: "Save".into(),
            file_name: "codes.txt".into(),
            folder: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("answer");
        let named = file.display().to_string();
        let dialog = save_dialog_from_env(|_| Some(named.clone()), Arc::new(System));
        std::fs::write(&file, "cancel\n").unwrap();
        assert_eq!(dialog.choose(&request).unwrap(), None);
        std::fs::write(&file, "/tmp/x.txt\n").unwrap();
        assert_eq!(
            dialog.choose(&request).unwrap(),
            Some(PathBuf::from("/tmp/x.txt"))
        );
        std::fs::remove_file(&file).unwrap();
        assert!(dialog.choose(&request).is_err(), "no answer: no dialog");

        let unset = save_dialog_from_env(|_| None, Arc::new(System));
        assert!(
            unset.choose(&request).is_err(),
            "unset: the system's dialog"
        );
        let empty = save_dialog_from_env(|_| Some(String::new()), Arc::new(System));
        assert!(
            empty.choose(&request).is_err(),
            "empty: the system's dialog"
        );
    }
}
