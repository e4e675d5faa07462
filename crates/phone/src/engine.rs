//! The engine: one baresip process with its lines, started in a folder of its own, driven
//! over its control interface, stopped (lines unregistered first) by [`Engine::quit`] or,
//! without unregistering, when dropped.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::{broadcast, Mutex};

use crate::config::{EngineConfig, LineSpec};
use crate::control::Control;
use crate::error::PhoneError;
use crate::event::{CallInfo, Direction, EngineEvent};

/// Where Debian (and a `make install`) put baresip's modules.
const MODULE_PATHS: &[&str] = &[
    "/usr/lib/baresip/modules",
    "/usr/lib/x86_64-linux-gnu/baresip/modules",
    "/usr/lib/aarch64-linux-gnu/baresip/modules",
    "/usr/local/lib/baresip/modules",
];

/// baresip runs under this small supervisor (`sh -c`), which stops it (SIGTERM: its lines
/// unregister) when its standard input closes, that is when the process that started it
/// ends, also when that process is killed or crashes: an engine never outlives its app,
/// keeping a line registered that rings on no window. Its exit status is baresip's.
const SUPERVISOR: &str = r#"exec 3<&0 0</dev/null
"$@" 3<&- &
engine=$!
{ cat <&3 >/dev/null; kill -TERM "$engine" 2>/dev/null; } &
watcher=$!
exec 3<&-
trap 'kill -TERM "$engine" 2>/dev/null' TERM INT
wait "$engine"
status=$?
kill "$watcher" 2>/dev/null
exit "$status""#;

/// How many times the engine is started on other ports when its ports were taken.
const PORT_ATTEMPTS: u32 = 5;

/// How long a dial waits for the engine to name the call it started.
const DIAL_NAMED_WITHIN: Duration = Duration::from_secs(5);

pub struct Engine {
    config: EngineConfig,
    sip_port: u16,
    pid: Option<u32>,
    child: Mutex<Child>,
    control: Control,
    events: broadcast::Sender<EngineEvent>,
    /// baresip acts on "the current line" and "the current call": a command that selects
    /// them and the command that follows hold this, so nothing comes between.
    sequence: Mutex<Selection>,
}

#[derive(Default)]
struct Selection {
    /// Calls muted here (baresip's `mute` toggles).
    muted: HashMap<String, bool>,
}

impl Engine {
    /// Writes the configuration into `config.dir`, starts baresip and connects to its
    /// control port. Must be called inside a tokio runtime.
    pub async fn start(config: EngineConfig) -> Result<Self, PhoneError> {
        let program = find_program("baresip").ok_or(PhoneError::NotInstalled)?;
        let module_path = MODULE_PATHS
            .iter()
            .find(|path| Path::new(path).join("ctrl_tcp.so").is_file())
            .ok_or(PhoneError::NotInstalled)?;
        create_dir(&config.dir)?;
        if let Some(dir) = &config.record_dir {
            create_dir(dir)?;
        }
        // No accounts on disk: lines (with their passwords) arrive over the control port.
        write(&config.dir.join("accounts"), "")?;
        // A port found free can be taken before baresip binds it (another program starting
        // at the same moment): then baresip exits at once, and it is started again on others.
        let mut attempt = 0;
        let (child, stream, sip_port) = loop {
            attempt += 1;
            match spawn(&program, module_path, &config).await {
                Err(PhoneError::Exited { log, .. })
                    if attempt < PORT_ATTEMPTS && log.contains("Address already in use") =>
                {
                    tracing::info!(attempt, "the call engine's ports were taken; trying others");
                }
                other => break other?,
            }
        };
        let pid = child.id().and_then(engine_of);
        let (events, _) = broadcast::channel(256);
        let control = Control::connect(stream, events.clone(), config.command_timeout).await;
        Ok(Self {
            config,
            sip_port,
            pid,
            child: Mutex::new(child),
            control,
            events,
            sequence: Mutex::new(Selection::default()),
        })
    }

    /// The port the engine takes calls on (UDP and TCP).
    pub fn sip_port(&self) -> u16 {
        self.sip_port
    }

    /// The engine's process id (for measuring it).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Everything the engine tells from now on.
    pub fn events(&self) -> broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    /// What the engine logged so far (no password: lines arrive over the control port).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.config.dir.join("baresip.log")).unwrap_or_default()
    }

    /// Adds a line and registers it; returns its address of record. Its registration's
    /// progress arrives as events.
    pub async fn add_line(&self, line: &LineSpec) -> Result<String, PhoneError> {
        let account = line.account()?;
        let _selection = self.sequence.lock().await;
        match self.control.command("uanew", &account).await {
            Ok(_) => Ok(line.aor()),
            // The answer repeats the account, password included: never pass it on.
            Err(PhoneError::Refused { command, .. }) => Err(PhoneError::Refused {
                command,
                answer: format!("the line {} was not added", line.aor()),
            }),
            Err(error) => Err(error),
        }
    }

    /// Removes a line: its contact is unregistered (`Expires: 0`) and its calls end.
    pub async fn remove_line(&self, aor: &str) -> Result<(), PhoneError> {
        let _selection = self.sequence.lock().await;
        self.control.command("uadel", aor).await.map(drop)
    }

    /// Calls `target` (an extension, a number, or a `sip:` address) from `line`.
    pub async fn dial(&self, line: &str, target: &str) -> Result<CallInfo, PhoneError> {
        let target = dial_target(target)?;
        let mut events = self.events.subscribe();
        {
            let _selection = self.sequence.lock().await;
            self.control.command("uafind", line).await?;
            self.control.command("dial", &target).await?;
        }
        let deadline = tokio::time::Instant::now() + DIAL_NAMED_WITHIN;
        loop {
            let event = tokio::time::timeout_at(deadline, events.recv())
                .await
                .map_err(|_| PhoneError::Timeout {
                    command: "dial".into(),
                    seconds: DIAL_NAMED_WITHIN.as_secs(),
                })?;
            match event {
                Ok(event) => {
                    if let Some(call) = call_of(&event) {
                        if call.line == line && call.direction == Direction::Outgoing {
                            return Ok(call.clone());
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return Err(PhoneError::Stopped),
            }
        }
    }

    /// Answers an incoming call (a call up on the same line is put on hold).
    pub async fn answer(&self, call: &CallInfo) -> Result<(), PhoneError> {
        self.on_call(call, "accept", "").await
    }

    /// Ends a call: hangs up one that is up or ringing out, declines (486) one that rings
    /// here.
    pub async fn hang_up(&self, call: &CallInfo) -> Result<(), PhoneError> {
        let mut selection = self.sequence.lock().await;
        self.select(call).await?;
        self.control.command("hangup", "").await?;
        selection.muted.remove(&call.id);
        Ok(())
    }

    /// Puts a call on hold (`a=sendonly`) or resumes it.
    pub async fn hold(&self, call: &CallInfo, on_hold: bool) -> Result<(), PhoneError> {
        self.on_call(call, if on_hold { "hold" } else { "resume" }, "")
            .await
    }

    /// Sends keys (`0-9`, `*`, `#`, `A-D`) as RFC 4733 telephone events.
    pub async fn send_dtmf(&self, call: &CallInfo, keys: &str) -> Result<(), PhoneError> {
        if keys.is_empty()
            || !keys
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D'))
        {
            return Err(PhoneError::InvalidLine {
                field: "the keys",
                reason: format!("`{keys}` holds something other than 0-9, *, # and A-D"),
            });
        }
        self.on_call(call, "sndcode", keys).await
    }

    /// Mutes or unmutes the microphone in a call.
    pub async fn set_muted(&self, call: &CallInfo, muted: bool) -> Result<(), PhoneError> {
        let mut selection = self.sequence.lock().await;
        let now = selection.muted.get(&call.id).copied().unwrap_or(false);
        if now == muted {
            return Ok(());
        }
        self.select(call).await?;
        self.control.command("mute", "").await?;
        selection.muted.insert(call.id.clone(), muted);
        Ok(())
    }

    async fn on_call(
        &self,
        call: &CallInfo,
        command: &str,
        params: &str,
    ) -> Result<(), PhoneError> {
        let _selection = self.sequence.lock().await;
        self.select(call).await?;
        self.control.command(command, params).await.map(drop)
    }

    /// Makes `call` the current call of the current line.
    async fn select(&self, call: &CallInfo) -> Result<(), PhoneError> {
        self.control.command("uafind", &call.line).await?;
        let answer = self.control.command("callfind", &call.id).await?;
        if answer.contains("not found") {
            return Err(PhoneError::NoSuchCall {
                aor: call.line.clone(),
                call_id: call.id.clone(),
            });
        }
        Ok(())
    }

    /// Quits: every line unregisters (`Expires: 0`), within `quit_timeout`; then the
    /// process is stopped whether or not the registrar answered.
    pub async fn quit(&self) {
        let _ = self.control.command("quit", "").await;
        let mut child = self.child.lock().await;
        let waited = tokio::time::timeout(self.config.quit_timeout, child.wait()).await;
        if waited.is_err() {
            tracing::warn!("the call engine did not quit in time: stopped");
            let _ = child.kill().await;
        }
    }
}

/// The call an event is about.
pub fn call_of(event: &EngineEvent) -> Option<&CallInfo> {
    match event {
        EngineEvent::Incoming(call)
        | EngineEvent::Ringing(call)
        | EngineEvent::Progress(call)
        | EngineEvent::Established(call)
        | EngineEvent::Closed { call, .. }
        | EngineEvent::Dtmf { call, .. } => Some(call),
        _ => None,
    }
}

/// What may be dialled: a number (spaces, dashes, dots and brackets dropped), or a
/// `sip:`/`sips:` address; a `tel:` link becomes its number.
pub fn dial_target(target: &str) -> Result<String, PhoneError> {
    let target = target.trim();
    let invalid = |reason: &str| PhoneError::InvalidLine {
        field: "the number",
        reason: reason.into(),
    };
    if target.starts_with("sip:") || target.starts_with("sips:") {
        if target.contains(char::is_whitespace) || target.contains(['"', '<', '>']) {
            return Err(invalid("a SIP address holds no spaces, quotes or brackets"));
        }
        return Ok(target.to_string());
    }
    // A tel: link's parameters (`;phone-context=…`) are not dialled.
    let number = match target.strip_prefix("tel:") {
        Some(link) => link.split(';').next().unwrap_or(link),
        None => target,
    };
    let cleaned: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let valid = !cleaned.is_empty()
        && cleaned
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || matches!(c, '*' | '#') || (c == '+' && i == 0));
    if !valid {
        return Err(invalid(
            "type an extension or a phone number (digits, and + * #)",
        ));
    }
    Ok(cleaned)
}

/// The engine's process: the supervisor's child (Linux's /proc; `None` elsewhere).
fn engine_of(supervisor: u32) -> Option<u32> {
    let children =
        std::fs::read_to_string(format!("/proc/{supervisor}/task/{supervisor}/children")).ok()?;
    children
        .split_whitespace()
        .filter_map(|pid| pid.parse::<u32>().ok())
        .find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|name| name.trim() == "baresip")
        })
}

/// Writes the configuration with free ports, starts baresip and connects to its control
/// port: the process, the connection and the SIP port.
async fn spawn(
    program: &Path,
    module_path: &str,
    config: &EngineConfig,
) -> Result<(Child, TcpStream, u16), PhoneError> {
    let control_port = free_port()?;
    let sip_port = free_udp_and_tcp_port(config.sip_address)?;
    write(
        &config.dir.join("config"),
        &config.baresip_config(module_path, sip_port, control_port),
    )?;
    let log_path = config.dir.join("baresip.log");
    let log = File::create(&log_path).map_err(|source| PhoneError::Write {
        path: log_path.display().to_string(),
        source,
    })?;
    let log_err = log.try_clone().map_err(PhoneError::Spawn)?;
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(SUPERVISOR)
        .arg("switchboard-engine")
        .arg(program)
        .arg("-f")
        .arg(&config.dir);
    if config.sip_trace {
        command.arg("-s");
    }
    let mut child = command
        // Held open by this process (in `Child`) and never written: it closes when this
        // process ends, however it ends, and the supervisor then stops the engine.
        .stdin(Stdio::piped())
        .stdout(log)
        .stderr(log_err)
        .kill_on_drop(true)
        .spawn()
        .map_err(PhoneError::Spawn)?;
    let stream = connect(&mut child, control_port, config).await?;
    Ok((child, stream, sip_port))
}

async fn connect(
    child: &mut Child,
    port: u16,
    config: &EngineConfig,
) -> Result<TcpStream, PhoneError> {
    let started = Instant::now();
    let log = || std::fs::read_to_string(config.dir.join("baresip.log")).unwrap_or_default();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(PhoneError::Exited {
                status: status.to_string(),
                log: log(),
            });
        }
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)).await {
            return Ok(stream);
        }
        if started.elapsed() > config.start_timeout {
            let _ = child.kill().await;
            return Err(PhoneError::NotReady {
                seconds: config.start_timeout.as_secs(),
                log: log(),
            });
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

fn free_port() -> Result<u16, PhoneError> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(PhoneError::Spawn)?;
    Ok(listener.local_addr().map_err(PhoneError::Spawn)?.port())
}

/// A port free for UDP and TCP on `ip`, with the next one free for TCP: the engine listens
/// on both with one number, and for SIP over TLS on the next (baresip 1.0 always does).
fn free_udp_and_tcp_port(ip: std::net::IpAddr) -> Result<u16, PhoneError> {
    let mut last_error = None;
    for _ in 0..50 {
        let tcp = std::net::TcpListener::bind((ip, 0)).map_err(PhoneError::Spawn)?;
        let port = tcp.local_addr().map_err(PhoneError::Spawn)?.port();
        let Some(next) = port.checked_add(1) else {
            continue;
        };
        let both = std::net::UdpSocket::bind((ip, port))
            .and_then(|udp| std::net::TcpListener::bind((ip, next)).map(|tls| (udp, tls)));
        match both {
            Ok(_) => return Ok(port),
            Err(error) => last_error = Some(error),
        }
    }
    Err(PhoneError::Spawn(last_error.unwrap_or_else(|| {
        std::io::Error::other("no port free for both UDP and TCP")
    })))
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn create_dir(dir: &Path) -> Result<(), PhoneError> {
    std::fs::create_dir_all(dir).map_err(|source| PhoneError::Write {
        path: dir.display().to_string(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), PhoneError> {
    std::fs::write(path, text).map_err(|source| PhoneError::Write {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_links_become_dial_targets() {
        assert_eq!(dial_target(" 210 ").unwrap(), "210");
        assert_eq!(dial_target("tel:+1-555-0100").unwrap(), "+15550100");
        assert_eq!(dial_target("(555) 010.0").unwrap(), "5550100");
        assert_eq!(
            dial_target("sip:210@sip.acme.example").unwrap(),
            "sip:210@sip.acme.example"
        );
        assert!(dial_target("").is_err());
        assert!(dial_target("21+0").is_err());
        assert!(dial_target("210;auth_pass=x").is_err());
        assert!(dial_target("sip:a b").is_err());
    }
}
