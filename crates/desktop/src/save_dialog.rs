//! Saving a file where the user says: the system's save dialog (the platform's), a stand-in
//! the tests answer through an environment variable, and writing the file so that only its
//! owner can read it, whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};
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

/// Writes `contents` to `path`, readable by its owner only (mode 0600 on Unix), atomically:
/// a new temporary file beside it (never an existing one), flushed to disk, then renamed
/// over `path`. On failure nothing is left behind and an existing `path` is untouched.
pub fn write_private_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let (temporary, mut file) = create_temporary(folder, &name.to_string_lossy())?;
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// A file that did not exist, created readable by its owner only.
fn create_temporary(folder: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut attempt = 0u32;
    loop {
        let temporary = folder.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&temporary) {
            Ok(file) => return Ok((temporary, file)),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_file_holds_exactly_the_contents_and_only_its_owner_can_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.txt");
        write_private_atomically(&path, b"one\ntwo\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one\ntwo\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left beside it");
    }

    #[cfg(unix)]
    #[test]
    fn replacing_a_file_others_could_read_leaves_one_only_its_owner_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.txt");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }

    #[test]
    fn a_temporary_name_already_taken_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.txt");
        let taken = dir
            .path()
            .join(format!(".codes.txt.{}.0.tmp", std::process::id()));
        std::fs::write(&taken, b"someone else's").unwrap();
        write_private_atomically(&path, b"codes").unwrap();
        assert_eq!(std::fs::read(&taken).unwrap(), b"someone else's");
        assert_eq!(std::fs::read(&path).unwrap(), b"codes");
    }

    #[test]
    fn a_folder_that_does_not_exist_fails_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("codes.txt");
        assert!(write_private_atomically(&path, b"codes").is_err());
        assert!(!dir.path().join("missing").exists());
    }

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
