//! Starting, stopping and asking the Kamailio process.

use std::fs::File;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::{Credentials, RegistrarConfig};
use crate::shipped::{KAMAILIO_CFG, LOCAL_FILE};
use crate::{tables, KamailioError};

const START_TIMEOUT: Duration = Duration::from_secs(15);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// A running (or stopped, to be started again) Kamailio. Stopped when dropped.
pub struct Kamailio {
    config: RegistrarConfig,
    kamailio: PathBuf,
    kamcmd: PathBuf,
    child: Option<Child>,
}

impl Kamailio {
    /// Writes the shipped `kamailio.cfg`, the site's file and (for an account list) the
    /// db_text tables into `config.dir`, and starts Kamailio; returns once it accepts TCP
    /// connections and answers on its control socket.
    pub fn start(config: RegistrarConfig) -> Result<Self, KamailioError> {
        let kamailio = find_program("kamailio").ok_or(KamailioError::NotInstalled)?;
        let kamcmd = find_program("kamcmd").ok_or(KamailioError::NotInstalled)?;
        write_files(&config)?;
        let mut this = Self {
            config,
            kamailio,
            kamcmd,
            child: None,
        };
        this.start_again()?;
        Ok(this)
    }

    pub fn config(&self) -> &RegistrarConfig {
        &self.config
    }

    /// The control endpoint's base URL (`http://127.0.0.1:PORT`), when it has one.
    pub fn control_url(&self) -> Option<String> {
        self.config
            .control
            .as_ref()
            .map(|control| format!("http://127.0.0.1:{}", control.port))
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The registrar with these accounts instead (a password changed): stopped, its
    /// tables written again, and started on the same ports (the location table empties).
    pub fn change_accounts(&mut self, accounts: Vec<crate::Account>) -> Result<(), KamailioError> {
        self.stop();
        self.config.credentials = Credentials::Accounts(accounts);
        write_files(&self.config)?;
        self.start_again()
    }

    /// Starts the stopped registrar on the same ports (the location table starts empty).
    pub fn start_again(&mut self) -> Result<(), KamailioError> {
        if self.child.is_some() {
            return Ok(());
        }
        let log_path = self.log_path();
        let log = File::create(&log_path).map_err(|source| KamailioError::Write {
            path: log_path.display().to_string(),
            source,
        })?;
        let log_err = log.try_clone().map_err(KamailioError::Spawn)?;
        let run_dir = self.config.dir.join("run");
        let child = Command::new(&self.kamailio)
            .arg("-f")
            .arg(self.config.dir.join("kamailio.cfg"))
            .args(["-DD", "-E", "-m", "64", "-M", "8"])
            .arg("-Y")
            .arg(&run_dir)
            .arg("-P")
            .arg(run_dir.join("kamailio.pid"))
            .arg("-w")
            .arg(&self.config.dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Its own process group, so stopping it stops its children too.
            .process_group(0)
            .spawn()
            .map_err(KamailioError::Spawn)?;
        self.child = Some(child);
        self.wait_ready()
    }

    fn wait_ready(&mut self) -> Result<(), KamailioError> {
        let started = Instant::now();
        let address = format!("{}:{}", self.config.listen_ip, self.config.port);
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(KamailioError::Exited {
                        status: status.to_string(),
                        log: self.log(),
                    });
                }
            }
            let listening = address
                .parse()
                .ok()
                .and_then(|addr| TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok())
                .is_some();
            if listening && self.control(&["core.uptime"]).is_ok() {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                let log = self.log();
                self.stop();
                return Err(KamailioError::NotReady {
                    seconds: START_TIMEOUT.as_secs(),
                    log,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops Kamailio and its children (SIGTERM to its process group, then SIGKILL).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let started = Instant::now();
        while started.elapsed() < STOP_TIMEOUT {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = child.wait();
    }

    /// The contact addresses the location table holds for `aor` (`user@domain`).
    pub fn contacts(&self, aor: &str) -> Result<Vec<String>, KamailioError> {
        let output = self.control(&["ul.lookup", "location", aor]);
        match output {
            Ok(text) => Ok(parse_contacts(&text)),
            // "error: 500 - AOR not found in location table", or "AOR has no contacts"
            // once its last contact was removed.
            Err(KamailioError::Control { output, .. })
                if output.contains("not found") || output.contains("has no contacts") =>
            {
                Ok(Vec::new())
            }
            Err(error) => Err(error),
        }
    }

    /// Runs `kamcmd` on the control socket; returns its output.
    pub fn control(&self, args: &[&str]) -> Result<String, KamailioError> {
        let socket = format!("unix:{}", self.config.control_socket().display());
        let output = Command::new(&self.kamcmd)
            .arg("-s")
            .arg(&socket)
            .args(args)
            .output()
            .map_err(KamailioError::Spawn)?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if output.status.success() && !text.starts_with("error") {
            Ok(text)
        } else {
            Err(KamailioError::Control {
                command: args.join(" "),
                output: text,
            })
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.config.dir.join("kamailio.log")
    }

    /// What Kamailio wrote so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `Address: sip:201@127.0.0.1:40000` lines of `ul.lookup`.
fn parse_contacts(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("Address:"))
        .map(|address| address.trim().to_string())
        .collect()
}

/// Writes Kamailio's folder: the shipped configuration verbatim, the site's file, the
/// db_text tables of an account list, the TLS configuration.
fn write_files(config: &RegistrarConfig) -> Result<(), KamailioError> {
    let db = config.db_dir();
    let run = config.dir.join("run");
    for dir in [&config.dir, &db, &run] {
        std::fs::create_dir_all(dir).map_err(|source| KamailioError::Write {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let local = config.local_cfg()?;
    write(&config.dir.join("kamailio.cfg"), KAMAILIO_CFG)?;
    write_private(&config.dir.join(LOCAL_FILE), &local)?;
    if let Credentials::Accounts(accounts) = &config.credentials {
        for (name, table) in tables::tables(accounts) {
            write(&db.join(name), &table)?;
        }
    }
    if let Some(tls) = config.tls_cfg() {
        write(&config.tls_config_path(), &tls)?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), KamailioError> {
    std::fs::write(path, text).map_err(|source| KamailioError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// A file only its owner may read (it holds a token or a database password).
fn write_private(path: &Path, text: &str) -> Result<(), KamailioError> {
    use std::io::Write as _;
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let error = |source| KamailioError::Write {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(error)?;
    // An existing file keeps its mode when opened: set it.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(error)?;
    file.write_all(text.as_bytes()).map_err(error)
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Where [`free_port`] looks first: below Linux's ephemeral range (32768-60999), from
/// which every outgoing connection takes its local port. A port picked from that range
/// can be taken by some connection in the moments before Kamailio binds it (seen when
/// tests run in parallel: "Address already in use").
const QUIET_PORTS: std::ops::Range<u16> = 20_000..32_000;

/// A port free for both UDP and TCP on `ip` (Kamailio listens on both with one number):
/// one of [`QUIET_PORTS`] when one is free, else any the system gives.
pub fn free_port(ip: &str) -> Result<u16, KamailioError> {
    // A start that differs between processes and calls (no random source needed).
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos())
        ^ std::process::id().wrapping_mul(2_654_435_761);
    let span = u32::from(QUIET_PORTS.end - QUIET_PORTS.start);
    for attempt in 0..200_u32 {
        let offset = seed.wrapping_add(attempt.wrapping_mul(7_919)) % span;
        let Ok(port) = u16::try_from(u32::from(QUIET_PORTS.start) + offset) else {
            continue;
        };
        if let (Ok(_tcp), Ok(_udp)) = (TcpListener::bind((ip, port)), UdpSocket::bind((ip, port))) {
            return Ok(port);
        }
    }
    let mut last_error = None;
    for _ in 0..50 {
        let tcp = match TcpListener::bind((ip, 0)) {
            Ok(tcp) => tcp,
            Err(error) => return Err(KamailioError::NoFreePort(error)),
        };
        let port = tcp.local_addr().map_err(KamailioError::NoFreePort)?.port();
        match UdpSocket::bind((ip, port)) {
            Ok(_) => return Ok(port),
            Err(error) => last_error = Some(error),
        }
    }
    Err(KamailioError::NoFreePort(last_error.unwrap_or_else(|| {
        std::io::Error::other("no port free for both UDP and TCP")
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_configuration_is_the_shipped_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = RegistrarConfig::new(
            dir.path().join("kamailio"),
            5090,
            vec![crate::Account {
                username: "201-auth".into(),
                domain: "sip.acme.example".into(),
                password: "secret".into(),
                extension: "201".into(),
            }],
        );
        config.control = Some(crate::ControlEndpoint {
            port: 5091,
            token: "token".into(),
        });
        write_files(&config).unwrap();
        let written = std::fs::read(config.dir.join("kamailio.cfg")).unwrap();
        let shipped = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/kamailio/kamailio.cfg"),
        )
        .unwrap();
        assert_eq!(written, shipped);
        let local = config.dir.join(LOCAL_FILE);
        assert_eq!(
            std::fs::read_to_string(&local).unwrap(),
            config.local_cfg().unwrap()
        );
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&local).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let md5 = std::fs::read_to_string(config.db_dir().join("registrar_credentials_md5"));
        assert!(md5.unwrap().contains(":201\n"));
        assert!(config.db_dir().join("registrar_lines").is_file());
    }

    #[test]
    fn contacts_are_read_from_the_lookup_output() {
        let text = "{\n\tAoR: 201@sip.acme.example\n\tContacts: {\n\t\tContact: {\n\t\t\tAddress: sip:201@127.0.0.1:40000\n\t\t\tExpires: 598\n\t\t}\n\t}\n}\n";
        assert_eq!(parse_contacts(text), vec!["sip:201@127.0.0.1:40000"]);
    }
}
