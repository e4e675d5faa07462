//! What the engine is told: its configuration file (modules, SIP socket, audio devices,
//! control port) and each line's account, as baresip reads them.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use switchboard_api::SipProfile;

use crate::error::PhoneError;

/// Where audio comes from and goes to, as baresip names devices (`module,device`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDevices {
    /// The microphone (`alsa,default`); in tests a tone (`ausine,440`) or a file
    /// (`aufile,/path/to.wav`).
    pub source: String,
    /// The speaker or headset (`alsa,default`).
    pub player: String,
    /// Where the engine's own alert sounds would play; the app rings itself, so by default
    /// nowhere (`alsa,null`).
    pub alert: String,
}

impl Default for AudioDevices {
    fn default() -> Self {
        Self {
            source: "alsa,default".into(),
            player: "alsa,default".into(),
            alert: "alsa,null".into(),
        }
    }
}

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The engine's folder: its configuration and its log.
    pub dir: PathBuf,
    /// The address the SIP socket listens on (UDP and TCP, on a port free for both that
    /// the engine picks: [`crate::Engine::sip_port`]).
    pub sip_address: std::net::IpAddr,
    pub audio: AudioDevices,
    /// Tests: every call's audio, as received and as sent, is written there as WAV
    /// (baresip's `sndfile`), so what the speaker would play can be checked.
    pub record_dir: Option<PathBuf>,
    /// Tests: the engine writes every SIP message to its log (`baresip -s`). Digest
    /// answers are hashes, but keep it off outside tests.
    pub sip_trace: bool,
    /// How long a command may take to be answered.
    pub command_timeout: Duration,
    /// How long the engine may take to start.
    pub start_timeout: Duration,
    /// How long quitting waits for the lines to unregister before the engine is killed.
    pub quit_timeout: Duration,
}

impl EngineConfig {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            sip_address: std::net::Ipv4Addr::UNSPECIFIED.into(),
            audio: AudioDevices::default(),
            record_dir: None,
            sip_trace: false,
            command_timeout: Duration::from_secs(5),
            start_timeout: Duration::from_secs(10),
            quit_timeout: Duration::from_secs(3),
        }
    }

    /// baresip's `config` with the control interface on `control_port` of 127.0.0.1.
    pub(crate) fn baresip_config(
        &self,
        module_path: &str,
        sip_port: u16,
        control_port: u16,
    ) -> String {
        let mut config = String::new();
        let _ = writeln!(config, "poll_method\t\tepoll");
        let sip = std::net::SocketAddr::new(self.sip_address, sip_port);
        let _ = writeln!(config, "sip_listen\t\t{sip}");
        let _ = writeln!(config, "call_local_timeout\t120");
        let _ = writeln!(config, "call_max_calls\t\t4");
        let _ = writeln!(config, "audio_path\t\t/usr/share/baresip");
        let _ = writeln!(config, "audio_player\t\t{}", self.audio.player);
        let _ = writeln!(config, "audio_source\t\t{}", self.audio.source);
        let _ = writeln!(config, "audio_alert\t\t{}", self.audio.alert);
        let _ = writeln!(config, "audio_buffer\t\t20-160");
        let _ = writeln!(config, "rtp_stats\t\tno");
        let _ = writeln!(config, "module_path\t\t{module_path}");
        // Codecs in order of preference, then audio devices and tones.
        for module in ["opus", "g722", "g711", "alsa", "ausine", "aufile", "srtp"] {
            let _ = writeln!(config, "module\t\t\t{module}.so");
        }
        if let Some(dir) = &self.record_dir {
            let _ = writeln!(config, "module\t\t\tsndfile.so");
            let _ = writeln!(config, "snd_path\t\t{}", dir.display());
        }
        let _ = writeln!(config, "module_app\t\tmenu.so");
        let _ = writeln!(config, "module_app\t\tctrl_tcp.so");
        let _ = writeln!(config, "ctrl_tcp_listen\t\t127.0.0.1:{control_port}");
        let _ = writeln!(config, "ringback_disabled\tyes");
        let _ = writeln!(config, "opus_bitrate\t\t32000");
        config
    }
}

/// One line of the engine: an account that registers and takes calls.
#[derive(Clone)]
pub struct LineSpec {
    /// The line's user (the extension, `201`).
    pub user: String,
    pub domain: String,
    pub display_name: String,
    pub auth_user: String,
    pub password: String,
    /// Where every request goes first (`sip:127.0.0.1:5080;transport=tcp`).
    pub outbound: String,
    /// The registration lifetime asked for; `None`: the engine does not register the
    /// line (another registers a contact that points at the engine) but takes its calls
    /// and places them.
    pub register_every: Option<Duration>,
}

impl std::fmt::Debug for LineSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineSpec")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("auth_user", &self.auth_user)
            .field("outbound", &self.outbound)
            .field("register_every", &self.register_every)
            .finish_non_exhaustive()
    }
}

impl LineSpec {
    /// The line of a provisioned SIP profile: requests go to its outbound proxy, else to
    /// its registrar.
    pub fn from_profile(profile: &SipProfile) -> Self {
        Self {
            user: profile.sip_user.clone(),
            domain: profile.domain.trim().to_string(),
            display_name: profile.display_name.clone(),
            auth_user: profile.auth_user.clone(),
            password: profile.password.clone(),
            outbound: profile
                .outbound_proxy
                .clone()
                .unwrap_or_else(|| profile.registrar.clone()),
            register_every: None,
        }
    }

    /// The address of record, as the engine names the line in its events.
    pub fn aor(&self) -> String {
        format!("sip:{}@{}", self.user, self.domain)
    }

    /// The line as a baresip account (`uanew`'s parameter). Values that would break out
    /// of their parameter are refused, never passed on.
    pub(crate) fn account(&self) -> Result<String, PhoneError> {
        plain("the line's user", &self.user)?;
        plain("the SIP domain", &self.domain)?;
        plain("the authentication user", &self.auth_user)?;
        plain("the SIP password", &self.password)?;
        if !self.outbound.starts_with("sip:") && !self.outbound.starts_with("sips:") {
            return Err(PhoneError::InvalidLine {
                field: "the outbound proxy",
                reason: format!("`{}` is not a sip: or sips: address", self.outbound),
            });
        }
        if self.outbound.contains(['"', '<', '>', ','])
            || self.outbound.contains(char::is_whitespace)
        {
            return Err(PhoneError::InvalidLine {
                field: "the outbound proxy",
                reason: "it holds a quote, an angle bracket, a comma or a space".into(),
            });
        }
        let name: String = self
            .display_name
            .chars()
            .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
            .collect();
        Ok(format!(
            "\"{name}\" <sip:{user}@{domain}>;auth_user={auth_user};auth_pass={password};outbound=\"{outbound}\";regint={regint};answermode=manual",
            user = self.user,
            domain = self.domain,
            auth_user = self.auth_user,
            password = self.password,
            outbound = self.outbound,
            regint = self
                .register_every
                .map(|every| every.as_secs().max(60))
                .unwrap_or(0),
        ))
    }
}

/// A value that goes into the account as it is: no separators, quotes or white space.
fn plain(field: &'static str, value: &str) -> Result<(), PhoneError> {
    if value.is_empty() {
        return Err(PhoneError::InvalidLine {
            field,
            reason: "it is empty".into(),
        });
    }
    if let Some(c) = value.chars().find(|c| {
        c.is_whitespace() || c.is_control() || matches!(c, ';' | '"' | '<' | '>' | ',' | '\\')
    }) {
        return Err(PhoneError::InvalidLine {
            field,
            reason: format!("it holds {c:?}, which a SIP account cannot carry"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> LineSpec {
        LineSpec {
            user: "201".into(),
            domain: "sip.acme.example".into(),
            display_name: "Alice \"Admin\"".into(),
            auth_user: "201-auth".into(),
            password: "s3cret".into(),
            outbound: "sip:127.0.0.1:5080;transport=tcp".into(),
            register_every: Some(Duration::from_secs(600)),
        }
    }

    #[test]
    fn a_line_becomes_an_account() {
        assert_eq!(
            line().account().unwrap(),
            "\"Alice Admin\" <sip:201@sip.acme.example>;auth_user=201-auth;auth_pass=s3cret;outbound=\"sip:127.0.0.1:5080;transport=tcp\";regint=600;answermode=manual"
        );
        assert_eq!(line().aor(), "sip:201@sip.acme.example");
    }

    #[test]
    fn a_password_cannot_add_parameters() {
        let mut sneaky = line();
        sneaky.password = "x;outbound=\"sip:evil.example\"".into();
        let error = sneaky.account().unwrap_err().to_string();
        assert!(error.contains("the SIP password"), "{error}");
        assert!(
            !error.contains("evil"),
            "the refusal does not repeat the secret: {error}"
        );
        let mut sneaky = line();
        sneaky.outbound = "sip:a\" <sip:b>".into();
        assert!(sneaky.account().is_err());
    }

    #[test]
    fn the_debug_output_has_no_password() {
        assert!(!format!("{:?}", line()).contains("s3cret"));
    }

    #[test]
    fn the_config_listens_for_control_on_loopback_only() {
        let config = EngineConfig::new(PathBuf::from("/tmp/e"));
        let text = config.baresip_config("/usr/lib/baresip/modules", 5062, 4444);
        assert!(text.contains("sip_listen\t\t0.0.0.0:5062"));
        assert!(text.contains("ctrl_tcp_listen\t\t127.0.0.1:4444"));
        assert!(!text.contains("sndfile"));
        assert!(
            text.find("opus.so") < text.find("g711.so"),
            "Opus preferred"
        );
    }
}
