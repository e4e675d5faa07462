//! A test world for calls: Kamailio on a free port of 127.0.0.1 that routes calls between
//! its lines, and engines (baresip) whose audio sources are tones and whose received audio
//! is recorded, so what each side hears can be measured.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use switchboard_kamailio::{free_port, Account, Kamailio, RegistrarConfig};
use switchboard_phone::{
    call_of, AudioDevices, CallInfo, Engine, EngineConfig, EngineEvent, LineSpec,
};
use tokio::sync::broadcast;

pub const DOMAIN: &str = "sip.acme.example";

/// (extension, auth user, password) of the registrar's lines; 212 is known to the
/// registrar but nobody registers it in these tests.
pub const LINES: &[(&str, &str, &str)] = &[
    ("201", "201-auth", "s3cret-201-0n-the-wire"),
    ("210", "210-auth", "s3cret-210-0n-the-wire"),
    ("212", "212-auth", "s3cret-212-0n-the-wire"),
];

pub struct Registrar {
    pub kamailio: Kamailio,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Registrar {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let port = free_port("127.0.0.1").expect("free port");
        let accounts = LINES
            .iter()
            .map(|(extension, auth_user, password)| Account {
                username: (*auth_user).into(),
                domain: DOMAIN.into(),
                password: (*password).into(),
                extension: (*extension).into(),
            })
            .collect();
        let config = RegistrarConfig::new(dir.path().join("kamailio"), port, accounts);
        let kamailio = match Kamailio::start(config) {
            Ok(kamailio) => kamailio,
            // Not installed is a failure with its remedy, never a skip.
            Err(error) => panic!("the test registrar did not start: {error}"),
        };
        Self {
            kamailio,
            port,
            dir,
        }
    }

    /// The line of `extension` as its profile would give it, over TCP.
    pub fn line(&self, extension: &str) -> LineSpec {
        let (user, auth_user, password) = LINES
            .iter()
            .find(|(user, ..)| *user == extension)
            .copied()
            .expect("a line of the registrar");
        LineSpec {
            user: user.into(),
            domain: DOMAIN.into(),
            display_name: format!("Line {user}"),
            auth_user: auth_user.into(),
            password: password.into(),
            outbound: format!("sip:127.0.0.1:{};transport=tcp", self.port),
            register_every: Duration::from_secs(600),
        }
    }

    /// The contacts the registrar holds for `extension`.
    pub fn contacts(&self, extension: &str) -> Vec<String> {
        self.kamailio
            .contacts(&format!("{extension}@{DOMAIN}"))
            .expect("the registrar's location table")
    }
}

/// One device: an engine playing a tone of `tone_hz` into its calls, recording what it
/// receives, its SIP messages in its log.
pub struct Device {
    pub engine: Engine,
    pub events: broadcast::Receiver<EngineEvent>,
    pub dir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Device {
    pub async fn start(tone_hz: u32) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let mut config = EngineConfig::new(dir.path().join("engine"));
        config.sip_listen = "127.0.0.1:0".into();
        config.audio = AudioDevices {
            source: format!("ausine,{tone_hz}"),
            player: "alsa,null".into(),
            alert: "alsa,null".into(),
        };
        config.record_dir = Some(dir.path().join("audio"));
        config.sip_trace = true;
        let engine = match Engine::start(config).await {
            Ok(engine) => engine,
            Err(error) => panic!("the call engine did not start: {error}"),
        };
        let events = engine.events();
        Self {
            engine,
            events,
            dir: dir.path().to_path_buf(),
            _dir: dir,
        }
    }

    /// A device with `line` registered.
    pub async fn with_line(tone_hz: u32, line: &LineSpec) -> Self {
        let mut device = Self::start(tone_hz).await;
        let aor = device.engine.add_line(line).await.expect("add the line");
        device
            .next(|event| matches!(event, EngineEvent::Registered { line } if *line == aor))
            .await;
        device
    }

    /// Waits (10 s at most) for the first event that `wanted` accepts.
    pub async fn next(&mut self, mut wanted: impl FnMut(&EngineEvent) -> bool) -> EngineEvent {
        let waited = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match self.events.recv().await {
                    Ok(event) if wanted(&event) => return event,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => panic!("the engine stopped"),
                }
            }
        })
        .await;
        match waited {
            Ok(event) => event,
            Err(_) => panic!(
                "no such event within 10 s; the engine's log:\n{}",
                self.engine.log()
            ),
        }
    }

    pub async fn incoming(&mut self) -> CallInfo {
        match self.next(|e| matches!(e, EngineEvent::Incoming(_))).await {
            EngineEvent::Incoming(call) => call,
            _ => unreachable!(),
        }
    }

    pub async fn established(&mut self, call: &CallInfo) {
        let id = call.id.clone();
        self.next(|e| matches!(e, EngineEvent::Established(c) if c.id == id))
            .await;
    }

    /// The status and reason a call ended with.
    pub async fn closed(&mut self, call: &CallInfo) -> (Option<u16>, String) {
        let id = call.id.clone();
        match self
            .next(|e| matches!(e, EngineEvent::Closed { call, .. } if call.id == id))
            .await
        {
            EngineEvent::Closed { status, reason, .. } => (status, reason),
            _ => unreachable!(),
        }
    }

    /// The first call event of another line's call, whatever it is.
    pub fn is_call_event(event: &EngineEvent) -> bool {
        call_of(event).is_some()
    }

    /// The received audio of the device's calls (baresip's `sndfile` `-dec.wav` files).
    pub fn received_audio(&self) -> Vec<PathBuf> {
        wav_files(&self.dir.join("audio"), "-dec.wav")
    }
}

fn wav_files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.to_string_lossy().ends_with(suffix))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The strongest frequency (to 5 Hz, between 100 Hz and 4 kHz) of the middle second of
/// a WAV file, by Goertzel's algorithm; `None` when the file holds less than a second.
pub fn dominant_frequency(path: &Path) -> Option<f64> {
    let mut reader = hound::WavReader::open(path).expect("a WAV file");
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    let rate = f64::from(spec.sample_rate);
    let samples: Vec<f64> = reader
        .samples::<i16>()
        .filter_map(Result::ok)
        .step_by(channels)
        .map(f64::from)
        .collect();
    let window = spec.sample_rate as usize;
    if samples.len() < window + window / 2 {
        return None;
    }
    let start = (samples.len() - window) / 2;
    let window = &samples[start..start + window];
    let power = |frequency: f64| {
        let coefficient = 2.0 * (2.0 * std::f64::consts::PI * frequency / rate).cos();
        let (mut s1, mut s2) = (0.0, 0.0);
        for sample in window {
            let s0 = sample + coefficient * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        s1 * s1 + s2 * s2 - coefficient * s1 * s2
    };
    (20..=800)
        .map(|step| f64::from(step) * 5.0)
        .map(|frequency| (frequency, power(frequency)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(frequency, _)| frequency)
}
