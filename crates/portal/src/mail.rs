//! Outgoing mail: the [`MailSender`] interface the portal sends through (today: the code
//! that confirms a notification email), and the development senders behind it. No real
//! mail server is needed here; a production deployment plugs its own sender in.
//!
//! - [`Outbox`] (`[mail] outbox = "folder"`): each message becomes a file in the folder,
//!   readable only by the portal's user. The demo and the tests use it.
//! - [`LogSender`] (no `[mail]` table): each message is written to the portal's log
//!   (escaped), for trying the portal out; not for production.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use crate::config::MailSettings;
use crate::log_text::Outside;

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cannot write the message to {path}: {source}")]
    Outbox {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the message could not be sent: {0}")]
    Failed(String),
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

/// Sends mail. Implementations must not log the body at more than debug level in
/// production; the development ones below are for development.
pub trait MailSender: Send + Sync {
    fn send<'a>(&'a self, mail: &'a Mail) -> SendFuture<'a>;
}

/// The sender the configuration names.
pub fn sender(settings: &MailSettings) -> Arc<dyn MailSender> {
    match &settings.outbox {
        Some(folder) => Arc::new(Outbox::new(folder)),
        None => Arc::new(LogSender),
    }
}

/// Development: every message is a file `<time>-<random>.eml` in a folder.
#[derive(Debug, Clone)]
pub struct Outbox {
    folder: PathBuf,
}

impl Outbox {
    pub fn new(folder: &Path) -> Self {
        Self {
            folder: folder.to_owned(),
        }
    }

    /// The messages in `folder`, oldest first (for tests and the demo).
    pub fn read(folder: &Path) -> std::io::Result<Vec<Mail>> {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(folder) {
            Ok(entries) => entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
                .collect(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(error),
        };
        files.sort();
        files
            .iter()
            .map(|path| std::fs::read_to_string(path).map(|text| parse(&text)))
            .collect()
    }
}

fn render(mail: &Mail) -> String {
    format!(
        "To: {}\nSubject: {}\nContent-Type: text/plain; charset=utf-8\n\n{}\n",
        mail.to, mail.subject, mail.body
    )
}

fn parse(text: &str) -> Mail {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(name))
            .unwrap_or_default()
            .to_owned()
    };
    Mail {
        to: header("To: "),
        subject: header("Subject: "),
        body: body.trim_end().to_owned(),
    }
}

impl MailSender for Outbox {
    fn send<'a>(&'a self, mail: &'a Mail) -> SendFuture<'a> {
        let folder = self.folder.clone();
        let text = render(mail);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                let name = format!("{nanos:024}-{:016x}.eml", rand::random::<u64>());
                let path = folder.join(name);
                let written = create_private_dir(&folder)
                    .and_then(|()| crate::private_file::write_private_file(&path, text.as_bytes()));
                written.map_err(|source| MailError::Outbox { path, source })
            })
            .await
            .map_err(|error| MailError::Failed(error.to_string()))?
        })
    }
}

fn create_private_dir(folder: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(folder)
}

/// Development: every message is written to the log.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSender;

impl MailSender for LogSender {
    fn send<'a>(&'a self, mail: &'a Mail) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(
                to = %Outside(&mail.to),
                subject = %Outside(&mail.subject),
                body = %Outside(&mail.body),
                "mail written to the log (no [mail] outbox configured; development only)"
            );
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_outbox_writes_private_files_that_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("mail");
        let outbox = Outbox::new(&folder);
        let mail = Mail {
            to: "nora@acme.example".into(),
            subject: "Confirm".into(),
            body: "Your code: 123456\n\nThanks".into(),
        };
        outbox.send(&mail).await.unwrap();
        assert_eq!(Outbox::read(&folder).unwrap(), vec![mail]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = std::fs::read_dir(&folder).unwrap().next().unwrap().unwrap();
            let mode = file.metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }
}
