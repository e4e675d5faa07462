//! Far ends for call tests: a call engine (baresip, `switchboard-phone`) whose microphone
//! is a tone and whose received audio is recorded, and the measure of what it heard.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use switchboard_phone::{AudioDevices, CallInfo, Engine, EngineConfig, EngineEvent, LineSpec};
use tokio::sync::broadcast;

/// How long a test waits for an event of the engine.
pub const EVENT_WAIT: Duration = Duration::from_secs(10);

/// The engine settings of a test device: loopback only, a tone of `tone_hz` as its
/// microphone, no sound card, every call's audio recorded in `dir/audio`.
pub fn test_engine_config(dir: &Path, tone_hz: u32) -> EngineConfig {
    let mut config = EngineConfig::new(dir.join("engine"));
    config.sip_address = std::net::Ipv4Addr::LOCALHOST.into();
    config.audio = AudioDevices {
        source: format!("ausine,{tone_hz}"),
        player: "alsa,null".into(),
        alert: "alsa,null".into(),
    };
    config.record_dir = Some(dir.join("audio"));
    config.sip_trace = true;
    config
}

/// One device: an engine with its events.
pub struct Device {
    pub engine: Engine,
    pub events: broadcast::Receiver<EngineEvent>,
    pub dir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Device {
    pub async fn start(tone_hz: u32) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let engine = Engine::start(test_engine_config(dir.path(), tone_hz))
            .await
            .context("the call engine did not start")?;
        let events = engine.events();
        Ok(Self {
            engine,
            events,
            dir: dir.path().to_path_buf(),
            _dir: dir,
        })
    }

    /// A device with `line` registered.
    pub async fn with_line(tone_hz: u32, line: &LineSpec) -> Result<Self> {
        let mut device = Self::start(tone_hz).await?;
        let aor = device.engine.add_line(line).await?;
        device
            .next(|event| matches!(event, EngineEvent::Registered { line } if *line == aor))
            .await?;
        Ok(device)
    }

    /// The first event that `wanted` accepts, within [`EVENT_WAIT`].
    pub async fn next(
        &mut self,
        mut wanted: impl FnMut(&EngineEvent) -> bool,
    ) -> Result<EngineEvent> {
        let waited = tokio::time::timeout(EVENT_WAIT, async {
            loop {
                match self.events.recv().await {
                    Ok(event) if wanted(&event) => return Ok(event),
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => bail!("the engine stopped"),
                }
            }
        })
        .await;
        match waited {
            Ok(event) => event,
            Err(_) => bail!(
                "no such event within {EVENT_WAIT:?}; the engine's log:\n{}",
                self.engine.log()
            ),
        }
    }

    pub async fn incoming(&mut self) -> Result<CallInfo> {
        match self.next(|e| matches!(e, EngineEvent::Incoming(_))).await? {
            EngineEvent::Incoming(call) => Ok(call),
            other => bail!("not an incoming call: {other:?}"),
        }
    }

    pub async fn established(&mut self, call: &CallInfo) -> Result<()> {
        let id = call.id.clone();
        self.next(|e| matches!(e, EngineEvent::Established(c) if c.id == id))
            .await
            .map(drop)
    }

    /// The status and reason the call ended with.
    pub async fn closed(&mut self, call: &CallInfo) -> Result<(Option<u16>, String)> {
        let id = call.id.clone();
        match self
            .next(|e| matches!(e, EngineEvent::Closed { call, .. } if call.id == id))
            .await?
        {
            EngineEvent::Closed { status, reason, .. } => Ok((status, reason)),
            other => bail!("not the end of the call: {other:?}"),
        }
    }

    /// The audio this device received in its calls (one WAV file a call).
    pub fn received_audio(&self) -> Vec<PathBuf> {
        received_audio(&self.dir.join("audio"))
    }
}

/// The received audio baresip's `sndfile` recorded in `dir` (its `-dec.wav` files).
pub fn received_audio(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.to_string_lossy().ends_with("-dec.wav"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The strongest frequency (to 5 Hz, between 100 Hz and 4 kHz) of the middle second of
/// a WAV file, by Goertzel's algorithm; `None` when it holds less than 1.5 seconds.
pub fn dominant_frequency(path: &Path) -> Result<Option<f64>> {
    let mut reader = hound::WavReader::open(path)
        .with_context(|| format!("{} is not a WAV file", path.display()))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    let rate = f64::from(spec.sample_rate);
    let samples: Vec<f64> = reader
        .samples::<i16>()
        .filter_map(Result::ok)
        .step_by(channels.max(1))
        .map(f64::from)
        .collect();
    let window = spec.sample_rate as usize;
    if samples.len() < window + window / 2 {
        return Ok(None);
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
    Ok((20..=800)
        .map(|step| f64::from(step) * 5.0)
        .map(|frequency| (frequency, power(frequency)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(frequency, _)| frequency))
}
