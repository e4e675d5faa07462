//! `switchboard-call-bench`: calls between two call engines (baresip, `switchboard-phone`)
//! through a real Kamailio on loopback, each engine's microphone a tone:
//! - `call_incoming_ms_p50`/`_p99`: a dial until the callee's engine reports the incoming
//!   call (the INVITE authenticated and routed by the registrar, ringing);
//! - `call_setup_ms_p50`/`_p99`: a dial until the caller's engine reports the call
//!   established, the callee answering as soon as it rings;
//! - `call_engine_cpu_percent`, `call_engine_rss_mb`: one engine's CPU (of one core) and
//!   resident memory over five seconds of a call (Opus both ways), from /proc.
//!
//! The window's share (the event to the painted incoming-call view) is not in these.
//! It prints a table and merges its numbers into the JSON file `--out` names.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use switchboard_bench::merge_into;
use switchboard_e2e::phone::Device;
use switchboard_e2e::registrar::TestRegistrar;

#[derive(Parser)]
struct Cli {
    /// Calls measured.
    #[arg(long, default_value_t = 50)]
    runs: usize,
    /// The JSON file the numbers are merged into.
    #[arg(long)]
    out: PathBuf,
}

fn percentile(samples: &mut [Duration], fraction: f64) -> f64 {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * fraction).round() as usize;
    samples
        .get(index)
        .map(|d| (d.as_secs_f64() * 1e5).round() / 100.0)
        .unwrap_or(f64::NAN)
}

/// User + system CPU ticks of a process, and its resident memory in KiB.
fn usage(pid: u32) -> Result<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command (which may hold spaces) in its parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command.
    let cpu = ticks(11) + ticks(12);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let rss = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    Ok((cpu, rss))
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let registrar = TestRegistrar::start().context("the registrar did not start")?;
    let mut caller = Device::with_line(1000, &registrar.line("alice")?).await?;
    let mut callee = Device::with_line(440, &registrar.line("maria")?).await?;
    let (mut incoming_times, mut setup_times) = (Vec::new(), Vec::new());
    for _ in 0..cli.runs {
        let dialled = Instant::now();
        let outgoing = caller
            .engine
            .dial("sip:201@sip.acme.example", "210")
            .await?;
        let incoming = callee.incoming().await?;
        incoming_times.push(dialled.elapsed());
        callee.engine.answer(&incoming).await?;
        caller.established(&outgoing).await?;
        setup_times.push(dialled.elapsed());
        caller.engine.hang_up(&outgoing).await?;
        callee.closed(&incoming).await?;
        caller.closed(&outgoing).await?;
    }

    // Five seconds of one call, measured on the callee's engine.
    let pid = callee
        .engine
        .pid()
        .context("the engine has no process id")?;
    let outgoing = caller
        .engine
        .dial("sip:201@sip.acme.example", "210")
        .await?;
    let incoming = callee.incoming().await?;
    callee.engine.answer(&incoming).await?;
    caller.established(&outgoing).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (cpu_before, _) = usage(pid)?;
    let measured = Duration::from_secs(5);
    tokio::time::sleep(measured).await;
    let (cpu_after, rss_kib) = usage(pid)?;
    caller.engine.hang_up(&outgoing).await?;
    // Linux counts CPU time in clock ticks of 1/100 s.
    let cpu_percent = (cpu_after - cpu_before) as f64 / measured.as_secs_f64();

    let mut results = BTreeMap::new();
    results.insert(
        "call_incoming_ms_p50".to_owned(),
        percentile(&mut incoming_times, 0.5),
    );
    results.insert(
        "call_incoming_ms_p99".to_owned(),
        percentile(&mut incoming_times, 0.99),
    );
    results.insert(
        "call_setup_ms_p50".to_owned(),
        percentile(&mut setup_times, 0.5),
    );
    results.insert(
        "call_setup_ms_p99".to_owned(),
        percentile(&mut setup_times, 0.99),
    );
    results.insert(
        "call_engine_cpu_percent".to_owned(),
        (cpu_percent * 10.0).round() / 10.0,
    );
    results.insert(
        "call_engine_rss_mb".to_owned(),
        (rss_kib as f64 / 1024.0 * 10.0).round() / 10.0,
    );
    for (key, value) in &results {
        println!("{key:<28} {value}");
    }
    merge_into(&cli.out, &results)
}
