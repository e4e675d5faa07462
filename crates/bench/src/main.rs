//! `switchboard-bench portal`: starts the release portal on a fresh SQLite database with the
//! demo accounts, and measures over loopback
//! - refresh-token grants per second at 1, 16 and 64 connections, each request a fresh
//!   rotation with the token the previous one returned (p50/p99/max latency too);
//! - password sign-ins per second at the production Argon2 parameters;
//! - refresh p99 at 16 connections while password sign-ins saturate the hashing pool, and the
//!   portal's resident memory at the end of it;
//! - with `--postgres`, the refresh grants again against TWO portal instances sharing one
//!   PostgreSQL database (connections spread over both), under the `portal_refresh_pg2_*`
//!   keys.
//!
//! It prints a table and merges its numbers (`key: number`, the keys of `cargo xtask bench`)
//! into the JSON file `--out` names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use switchboard_api::LoginStep;
use switchboard_bench::merge_into;
use url::Url;

mod portal_process;

use portal_process::{start_portal_on, PortalFolder};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The portal's throughput and latency over loopback.
    Portal {
        /// The release `switchboard-portal` binary.
        #[arg(long)]
        portal: PathBuf,
        /// Seconds each measurement runs.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// The JSON file the numbers are merged into.
        #[arg(long)]
        out: PathBuf,
        /// A PostgreSQL database (URL) to measure two instances sharing it on, too.
        #[arg(long)]
        postgres: Option<String>,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Portal {
            portal,
            seconds,
            out,
            postgres,
        } => {
            let length = Duration::from_secs(seconds);
            let mut results = portal_bench(&portal, length).await?;
            if let Some(database_url) = postgres {
                results.extend(postgres_bench(&portal, &database_url, length).await?);
            }
            for (key, value) in &results {
                println!("{key:<45} {value:>10}");
            }
            merge_into(&out, &results)?;
        }
    }
    Ok(())
}

/// The demo accounts without an authenticator, and their passwords.
const ACCOUNTS: [(&str, &str); 3] = [
    ("alice", "alice-demo-pass"),
    ("maria", "maria-demo-pass"),
    ("adam", "adam-demo-pass"),
];

/// One simulated device: its own connection, its own client address, one account.
struct Device {
    client: reqwest::Client,
    account: (&'static str, &'static str),
}

static DEVICES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn device() -> Result<Device> {
    let number = DEVICES.fetch_add(1, Ordering::Relaxed);
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "X-Bench-Client",
        format!(
            "10.{}.{}.{}",
            number >> 16 & 255,
            number >> 8 & 255,
            number & 255
        )
        .parse()?,
    );
    Ok(Device {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(30))
            .default_headers(headers)
            .build()?,
        account: ACCOUNTS[number as usize % ACCOUNTS.len()],
    })
}

async fn password_sign_in(device: &Device, url: &Url) -> Result<LoginStep> {
    let (username, password) = device.account;
    let response = device
        .client
        .post(url.join("v1/login/password")?)
        .json(&serde_json::json!({
            "username": username,
            "password": password,
            "device_name": "bench"
        }))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("password sign-in answered {}", response.status());
    }
    Ok(response.json().await?)
}

async fn refresh_token_of(device: &Device, url: &Url) -> Result<String> {
    match password_sign_in(device, url).await? {
        LoginStep::SignedIn { session } => Ok(session.refresh_token),
        other => bail!("expected a signed-in answer, got {other:?}"),
    }
}

/// One rotation: the refresh token it answered.
async fn rotate(device: &Device, url: &Url, refresh_token: &str) -> Result<String> {
    let response = device
        .client
        .post(url.join("v1/token")?)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("refresh answered {}", response.status());
    }
    let tokens: switchboard_api::SessionTokens = response.json().await?;
    Ok(tokens.refresh_token)
}

/// Latencies of a run and its length.
struct Run {
    latencies: Vec<Duration>,
    elapsed: Duration,
    errors: u64,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn clone_percentile_ms(&self, percentile: f64) -> f64 {
        Run {
            latencies: self.latencies.clone(),
            elapsed: self.elapsed,
            errors: self.errors,
        }
        .percentile_ms(percentile)
    }

    fn percentile_ms(&mut self, percentile: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        self.latencies.sort_unstable();
        let rank = ((percentile / 100.0) * (self.latencies.len() - 1) as f64).round() as usize;
        self.latencies[rank.min(self.latencies.len() - 1)].as_secs_f64() * 1000.0
    }
}

/// `connections` devices rotating their own refresh tokens for `length`, spread evenly
/// over the instances at `urls`.
async fn refresh_run(urls: &[Url], connections: usize, length: Duration) -> Result<Run> {
    let mut devices = Vec::with_capacity(connections);
    for number in 0..connections {
        let device = device()?;
        let url = urls[number % urls.len()].clone();
        let token = refresh_token_of(&device, &url).await?;
        devices.push((device, url, token));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = devices
        .into_iter()
        .map(|(device, url, mut token)| {
            let stop = Arc::clone(&stop);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0_u64;
                while !stop.load(Ordering::Relaxed) {
                    let began = Instant::now();
                    match rotate(&device, &url, &token).await {
                        Ok(next) => {
                            latencies.push(began.elapsed());
                            token = next;
                        }
                        Err(_) => {
                            errors += 1;
                            // The session is gone: sign in again and go on.
                            match refresh_token_of(&device, &url).await {
                                Ok(fresh) => token = fresh,
                                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                            }
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    tokio::time::sleep(length).await;
    stop.store(true, Ordering::Relaxed);
    let mut run = Run {
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
        errors: 0,
    };
    for worker in workers {
        let (latencies, errors) = worker.await?;
        run.latencies.extend(latencies);
        run.errors += errors;
    }
    run.elapsed = started.elapsed();
    Ok(run)
}

/// `connections` devices signing in with the right password for `length`.
async fn password_run(url: &Url, connections: usize, length: Duration) -> Result<Run> {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::with_capacity(connections);
    for _ in 0..connections {
        let device = device()?;
        let url = url.clone();
        let stop = Arc::clone(&stop);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0_u64;
            while !stop.load(Ordering::Relaxed) {
                let began = Instant::now();
                match password_sign_in(&device, &url).await {
                    Ok(_) => latencies.push(began.elapsed()),
                    Err(_) => {
                        errors += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(length).await;
    stop.store(true, Ordering::Relaxed);
    let mut run = Run {
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
        errors: 0,
    };
    for worker in workers {
        let (latencies, errors) = worker.await?;
        run.latencies.extend(latencies);
        run.errors += errors;
    }
    run.elapsed = started.elapsed();
    Ok(run)
}

/// Resident memory of a process, from `/proc/<pid>/status`.
fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Refresh grants at 1, 16 and 64 connections over `urls`, under `prefix`'s keys.
async fn refresh_set(
    urls: &[Url],
    prefix: &str,
    length: Duration,
    results: &mut BTreeMap<String, f64>,
) -> Result<()> {
    for connections in [1, 16, 64] {
        eprintln!(
            "{prefix}: refresh grants at {connections} connection(s) over {} instance(s) for {length:?}…",
            urls.len()
        );
        let mut run = refresh_run(urls, connections, length).await?;
        results.insert(
            format!("{prefix}_rps_c{connections}"),
            round(run.per_second()),
        );
        for (name, percentile) in [("p50", 50.0), ("p99", 99.0), ("max", 100.0)] {
            results.insert(
                format!("{prefix}_{name}_ms_c{connections}"),
                round(run.percentile_ms(percentile)),
            );
        }
        results.insert(format!("{prefix}_errors_c{connections}"), run.errors as f64);
    }
    Ok(())
}

async fn portal_bench(binary: &Path, length: Duration) -> Result<BTreeMap<String, f64>> {
    let mut results = BTreeMap::new();
    let folder = PortalFolder::new(binary)?;
    let portal = start_portal_on(binary, &folder, "sqlite://portal.db?mode=rwc", 0).await?;
    let url = portal.url.clone();
    refresh_set(
        std::slice::from_ref(&url),
        "portal_refresh",
        length,
        &mut results,
    )
    .await?;
    eprintln!("password sign-ins for {length:?}…");
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let passwords = password_run(&url, threads * 2, length).await?;
    results.insert("portal_password_rps".into(), round(passwords.per_second()));
    results.insert(
        "portal_password_p99_ms".into(),
        round(passwords.clone_percentile_ms(99.0)),
    );

    eprintln!("refresh grants at 16 connections under password load for {length:?}…");
    let load_url = url.clone();
    let load = tokio::spawn(async move { password_run(&load_url, threads * 4, length).await });
    let mut under_load = refresh_run(std::slice::from_ref(&url), 16, length).await?;
    let load = load.await??;
    results.insert(
        "portal_refresh_p99_ms_under_login_load".into(),
        round(under_load.percentile_ms(99.0)),
    );
    results.insert(
        "portal_refresh_rps_under_login_load".into(),
        round(under_load.per_second()),
    );
    results.insert(
        "portal_password_rps_under_refresh_load".into(),
        round(load.per_second()),
    );
    if let Some(pid) = portal.child.id() {
        if let Some(rss) = rss_mb(pid) {
            results.insert("portal_rss_mb_under_login_load".into(), round(rss));
        }
    }
    drop(portal);
    Ok(results)
}

/// Two instances sharing the PostgreSQL database at `database_url`.
async fn postgres_bench(
    binary: &Path,
    database_url: &str,
    length: Duration,
) -> Result<BTreeMap<String, f64>> {
    let mut results = BTreeMap::new();
    let folder = PortalFolder::new(binary)?;
    // One after the other: the first migrates and seeds, the second finds it done.
    let first = start_portal_on(binary, &folder, database_url, 0).await?;
    let second = start_portal_on(binary, &folder, database_url, 1).await?;
    let urls = [first.url.clone(), second.url.clone()];
    refresh_set(&urls, "portal_refresh_pg2", length, &mut results).await?;
    drop((first, second));
    Ok(results)
}
