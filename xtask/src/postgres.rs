//! PostgreSQL clusters of our own: a throwaway one for `cargo xtask test`'s second run of the
//! portal's and client's tests, and the one `cargo xtask demo --postgres` keeps. Each listens
//! on 127.0.0.1 only (no Unix socket) with trust authentication. PostgreSQL refuses to run
//! as root, so as root the server runs as the `postgres` system user (made by Debian's
//! package) through `runuser`; otherwise as the current user.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::shell::{cmd, describe, is_root, output};

/// The Debian/Ubuntu package with the server and its programs.
pub const PACKAGE: &str = "postgresql";
/// The superuser every cluster is made with; the URLs name it.
const SUPERUSER: &str = "postgres";
/// The system user the server runs as when xtask runs as root.
const SYSTEM_USER: &str = "postgres";

/// A running PostgreSQL server. Dropping it stops the server (so also when a test failed or
/// xtask returns an error) and, unless kept, deletes its folder.
pub struct TempCluster {
    bin: PathBuf,
    /// Holds the cluster (`data/`) and the server's log (`postgres.log`).
    dir: PathBuf,
    port: u16,
    as_system_user: bool,
    keep: bool,
    /// fsync and synchronous commits on (a benchmark's durable writes); tests turn them off.
    durable: bool,
    started: bool,
}

impl TempCluster {
    /// A new cluster in a new folder under the temporary directory, set up for tests: no
    /// waiting for the disk, and 300 connections (many tests open pools at once).
    pub fn start() -> Result<Self> {
        let bin = find_bin_dir()?;
        let dir = make_temp_dir()?;
        Self::start_with(bin, dir, false, false)
    }

    /// As `start`, with PostgreSQL's durability left on (fsync, synchronous commit, full
    /// page writes): what `cargo xtask bench` measures against.
    pub fn start_durable() -> Result<Self> {
        let bin = find_bin_dir()?;
        let dir = make_temp_dir()?;
        Self::start_with(bin, dir, false, true)
    }

    /// The cluster in `dir` (made there on first use), started on a free port. With `keep`
    /// the folder and its databases stay when dropped, for the next start.
    pub fn start_in(dir: PathBuf, keep: bool) -> Result<Self> {
        let bin = find_bin_dir()?;
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Self::start_with(bin, dir, keep, keep)
    }

    fn start_with(bin: PathBuf, dir: PathBuf, keep: bool, durable: bool) -> Result<Self> {
        // From here on, dropping it on an error cleans up.
        let mut cluster = TempCluster {
            bin,
            dir,
            port: 0,
            as_system_user: is_root(),
            keep,
            durable,
            started: false,
        };
        if cluster.as_system_user {
            cluster.hand_to_system_user()?;
        }
        if !cluster.data().join("PG_VERSION").is_file() {
            output(
                cluster
                    .server_program("initdb")
                    .arg("-D")
                    .arg(cluster.data())
                    .args(["-A", "trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C"])
                    .arg("--no-sync"),
            )?;
        }
        cluster.port = free_port()?;
        cluster.launch()?;
        Ok(cluster)
    }

    /// The admin database's URL, `postgres://postgres@127.0.0.1:PORT/postgres`; tests make
    /// their own databases through it.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    pub fn database_url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates the database unless it exists. `name` is one of ours (quoted, not escaped).
    pub fn ensure_database(&self, name: &str) -> Result<()> {
        let found = output(
            self.client_program("psql")
                .args(["-X", "-q", "-t", "-A", "-d", "postgres", "-c"])
                .arg(format!(
                    "SELECT 1 FROM pg_database WHERE datname = '{name}'"
                )),
        )?;
        if found.trim() == "1" {
            return Ok(());
        }
        output(self.client_program("createdb").arg(name)).map(drop)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// The folder becomes the server user's, and that user must be able to reach it: it
    /// cannot enter a folder under /root, for one.
    fn hand_to_system_user(&self) -> Result<()> {
        output(cmd("chown").arg(format!("{SYSTEM_USER}:")).arg(&self.dir))?;
        if !system_user_can(&["-w"], &self.dir) {
            bail!(
                "the `{SYSTEM_USER}` user cannot write to {}: does the user exist (package `{PACKAGE}`), and can it enter every folder above it?",
                self.dir.display()
            );
        }
        Ok(())
    }

    /// `pg_ctl start`, which waits until the server accepts connections; on failure the
    /// error ends with the server's log.
    fn launch(&mut self) -> Result<()> {
        // A kept cluster's server may still run after a demo that was killed.
        if self.keep && self.is_running() {
            eprintln!(
                "xtask: PostgreSQL in {} is still running from an earlier run; restarting it",
                self.dir.display()
            );
            self.stop();
        }
        let mut options = format!(
            "-p {} -k '' -c listen_addresses=127.0.0.1 -c max_connections=300",
            self.port
        );
        if !self.durable {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let started = output(
            self.pg_ctl()
                .arg("-l")
                .arg(self.log())
                .args(["-w", "-t", "60", "-o", &options, "start"]),
        );
        self.started = started.is_ok() || self.is_running();
        if let Err(error) = started {
            let log = std::fs::read_to_string(self.log()).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(20)..].join("\n");
            bail!(
                "{error:#}\nPostgreSQL's log ({}) ends with:\n{tail}",
                self.log().display()
            );
        }
        Ok(())
    }

    /// A fast stop (connections are closed, not waited for); an immediate one if that fails.
    fn stop(&self) {
        for mode in ["fast", "immediate"] {
            let mut stop = self.pg_ctl();
            stop.args(["-m", mode, "-w", "stop"]);
            eprintln!("$ {}", describe(&stop));
            let stopped = stop
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            if stopped {
                return;
            }
        }
    }

    /// Whether the server is running (a failed start may leave one behind, a timeout).
    fn is_running(&self) -> bool {
        self.pg_ctl()
            .arg("status")
            .output()
            .is_ok_and(|out| out.status.success())
    }

    fn pg_ctl(&self) -> Command {
        let mut command = self.server_program("pg_ctl");
        command.arg("-D").arg(self.data());
        command
    }

    /// A server program, run as the server's user, in the cluster's folder (the user may
    /// not be able to enter the current one).
    fn server_program(&self, program: &str) -> Command {
        let mut command = if self.as_system_user {
            let mut command = cmd("runuser");
            command.args(["-u", SYSTEM_USER, "--"]);
            command.arg(self.bin.join(program));
            command
        } else {
            cmd(self.bin.join(program))
        };
        command.current_dir(&self.dir);
        command
    }

    /// A client program connected as the superuser over TCP.
    fn client_program(&self, program: &str) -> Command {
        let mut command = cmd(self.bin.join(program));
        command
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", SUPERUSER]);
        command
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        if self.started {
            self.stop();
        }
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Whether the server could use a folder inside `dir`: as root, whether the `postgres`
/// user can enter it (it cannot enter /root, for one).
pub fn server_can_reach(dir: &Path) -> bool {
    !is_root() || system_user_can(&["-x"], dir)
}

/// `test <flags> <path>` as the server's system user.
fn system_user_can(test: &[&str], path: &Path) -> bool {
    cmd("runuser")
        .args(["-u", SYSTEM_USER, "--", "test"])
        .args(test)
        .arg(path)
        .current_dir("/")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The newest `/usr/lib/postgresql/<version>/bin` (Debian/Ubuntu), else `pg_config --bindir`.
fn find_bin_dir() -> Result<PathBuf> {
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let version: Vec<u32> = name
                .to_str()?
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .max_by(|a, b| a.0.cmp(&b.0));
    if let Some((_, bin)) = newest {
        return Ok(bin);
    }
    if let Ok(out) = cmd("pg_config").arg("--bindir").output() {
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && bin.join("initdb").is_file() {
            return Ok(bin);
        }
    }
    bail!("PostgreSQL's server programs (initdb, pg_ctl) are missing: install them (Debian/Ubuntu: `apt-get install {PACKAGE}`), then run this again")
}

/// A new, private folder under the temporary directory (like `mktemp -d`).
fn make_temp_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    for _ in 0..16 {
        let dir = base.join(format!(
            "switchboard-postgres-{:08x}",
            rand::random::<u32>()
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(&dir) {
            Ok(()) => return Ok(dir),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => {
                return Err(error).with_context(|| format!("cannot create {}", dir.display()))
            }
        }
    }
    bail!("cannot make a new folder in {}", base.display())
}

/// A port nothing listens on right now: the system picks it for a socket we then close.
fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind(("127.0.0.1", 0)).context("cannot find a free port on 127.0.0.1")?;
    Ok(listener.local_addr()?.port())
}
