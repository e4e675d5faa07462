//! The release portal as a child process: a folder of its own (database, key), the
//! demo accounts seeded, the process started on a free port and stopped with the handle.

use std::path::Path;
use std::process::Stdio;

use anyhow::{bail, Context, Result};
use tokio::io::{AsyncBufReadExt, BufReader};
use url::Url;

/// A running portal process.
pub(crate) struct PortalProcess {
    pub(crate) child: tokio::process::Child,
    pub(crate) url: Url,
}

mod tempdir {
    /// A folder under the system's temporary folder, deleted when dropped.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new(prefix: &str) -> std::io::Result<Self> {
            let path = std::env::temp_dir().join(format!(
                "{prefix}-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ));
            std::fs::create_dir_all(&path)?;
            Ok(Self(path))
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The folder portals of one measurement share: the encryption key (instances of one
/// database must share it) and each instance's configuration.
pub(crate) struct PortalFolder {
    dir: tempdir::Dir,
}

impl PortalFolder {
    /// The configuration file of instance `number` (for `switchboard-portal admin`).
    #[allow(dead_code)] // Not every bench binary runs admin commands.
    pub(crate) fn config_file(&self, number: usize) -> std::path::PathBuf {
        self.dir.0.join(format!("portal-{number}.toml"))
    }

    pub(crate) fn new(binary: &Path) -> Result<Self> {
        let dir = tempdir::Dir::new("switchboard-bench")?;
        let key = std::process::Command::new(binary)
            .arg("generate-key")
            .output()
            .context("cannot run switchboard-portal generate-key")?;
        if !key.status.success() {
            bail!("switchboard-portal generate-key failed");
        }
        let key_file = dir.0.join("encryption.key");
        std::fs::write(&key_file, &key.stdout)?;
        set_private(&key_file)?;
        Ok(Self { dir })
    }
}

/// A portal on `database_url` (demo accounts seeded), instance `number` of the folder.
pub(crate) async fn start_portal_on(
    binary: &Path,
    folder: &PortalFolder,
    database_url: &str,
    number: usize,
) -> Result<PortalProcess> {
    // Rate limits out of the way, and each simulated device its own client address (as
    // the devices of a company are): the attempt counters then see what real sign-ins make.
    let config = format!(
        "name = 'Bench'\nlisten = '127.0.0.1:0'\n\
         database_url = '{database_url}'\nencryption_key_file = 'encryption.key'\n\
         [server]\nmax_connections = 1024\nclient_address_header = 'X-Bench-Client'\n\
         [rate_limits]\n\
         sign_in = {{ per_client = 100000000, global = 100000000 }}\n\
         login = {{ per_client = 100000000, global = 100000000 }}\n\
         token = {{ per_client = 100000000, global = 100000000 }}\n\
         scim = {{ per_client = 100000000, global = 100000000 }}\n"
    );
    let config_file = folder.config_file(number);
    std::fs::write(&config_file, config)?;
    let mut child = tokio::process::Command::new(binary)
        .args(["serve", "--seed-demo", "--config"])
        .arg(&config_file)
        .current_dir(&folder.dir.0)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the portal")?;
    let stdout = child.stdout.take().context("no portal output")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let Some(line) = lines.next_line().await? else {
            bail!("the portal stopped before it printed its address");
        };
        if let Some(url) = line.strip_prefix("portal=") {
            break Url::parse(url.trim())?;
        }
    };
    // Keep reading so the portal never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(PortalProcess { child, url })
}

fn set_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
