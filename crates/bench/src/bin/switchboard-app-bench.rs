//! `switchboard-app-bench`: the release app's cold start and idle memory, under the X display
//! it is given (`cargo xtask bench` runs it under Xvfb), against a portal with the demo
//! organization on loopback (started in this process).
//!
//! Each run starts the app as a first launch: a fresh HOME (no config, data, WebKit cache or
//! keychain entries), a session bus of its own with an unlocked gnome-keyring started before
//! the clock does. The operating system's file cache is warm (the binary and libraries were
//! just read), as on any launch but the first after booting.
//! - `app_cold_start_ms_p50`: from just before the process is spawned to the moment the sign-in
//!   screen has painted the portal's providers. The front end sends `sign-in-shown` two
//!   animation frames after the providers the portal answered were put in the page (so a frame
//!   with them has been painted; WebKit runs no frames for a window that is not shown), and
//!   the app writes the time to the file SWITCHBOARD_BENCH_READY_FILE names
//!   (src-tauri/src/startup_probe.rs). It includes the app's portal status query on loopback.
//! - `app_idle_pss_mb`, `app_idle_uss_mb`, `app_idle_rss_mb`: `--idle-seconds` after that,
//!   summed over the app and every process under it (WebKitWebProcess, WebKitNetworkProcess),
//!   from /proc/<pid>/smaps_rollup; USS is Private_Clean + Private_Dirty. In MiB.
//!
//! PSS and USS depend on what else runs: pages of WebKit's libraries that another WebKit
//! process on the machine also maps count only partly (PSS) or not at all (USS); the bench
//! warns when it sees such processes.
//!
//! Every number is the median over the runs. It prints each run and, for the last run, each
//! process's memory (PSS split into anonymous memory, file mappings and shared memory), and
//! merges its numbers into the JSON file `--out` names.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Parser;
use switchboard_bench::app_launch::LaunchedApp;
use switchboard_bench::memory::{others_mapping, total, tree_memory, Footprint, ProcessMemory};
use switchboard_bench::merge_into;
use switchboard_e2e::world::World;

/// WebKit's library: other processes that map it share its pages with the app's.
const WEBKIT_LIBRARY: &str = "libwebkit2gtk-4.1.so";

#[derive(Parser)]
struct Cli {
    /// The release app's binary.
    #[arg(long)]
    app: PathBuf,
    /// Cold starts measured.
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Seconds after the sign-in screen is shown until the memory is read.
    #[arg(long, default_value_t = 10)]
    idle_seconds: u64,
    /// Extra environment for the app, NAME=VALUE (repeatable), for comparing settings.
    #[arg(long = "env", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// The JSON file the numbers are merged into; none: only printed.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE"))
}

struct Run {
    cold_start: Duration,
    processes: Vec<ProcessMemory>,
    /// Other processes that mapped WebKit while the memory was read.
    other_webkit: usize,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn mib(kib: u64) -> f64 {
    (kib as f64 / 1024.0 * 10.0).round() / 10.0
}

fn one_run(cli: &Cli, world: &World) -> Result<Run> {
    let extra: Vec<(&str, &str)> = cli
        .env
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let mut app = LaunchedApp::start(&cli.app, &world.portal, &extra)?;
    let cold_start = app.wait_until_shown(Duration::from_secs(60))?;
    std::thread::sleep(Duration::from_secs(cli.idle_seconds));
    let processes = tree_memory(app.pid())?;
    if processes.iter().all(|process| process.pid != app.pid()) {
        bail!("the app exited while idle");
    }
    let tree: Vec<u32> = processes.iter().map(|process| process.pid).collect();
    let other_webkit = others_mapping(&tree, WEBKIT_LIBRARY)?.len();
    Ok(Run {
        cold_start,
        processes,
        other_webkit,
    })
}

fn print_processes(processes: &[ProcessMemory]) {
    println!(
        "{:>8} {:<22} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9}",
        "pid", "process (last run)", "PSS", "USS", "RSS", "PSS anon", "PSS file", "PSS shmem"
    );
    let row = |pid: String, name: &str, f: &Footprint| {
        println!(
            "{pid:>8} {name:<22} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9}",
            mib(f.pss),
            mib(f.uss),
            mib(f.rss),
            mib(f.pss_anon),
            mib(f.pss_file),
            mib(f.pss_shmem)
        );
    };
    for process in processes {
        row(process.pid.to_string(), &process.name, &process.footprint);
    }
    row(String::new(), "total (MiB)", &total(processes));
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if std::env::var_os("DISPLAY").is_none() {
        bail!("no DISPLAY: run this under an X server (`cargo xtask bench --only app` uses Xvfb)");
    }
    if !cli.app.is_file() {
        bail!("no app binary at {}", cli.app.display());
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start tokio")?;
    let world = runtime.block_on(World::start("127.0.0.1:0"))?;

    let mut runs = Vec::with_capacity(cli.runs);
    println!(
        "{:>4} {:>14} {:>8} {:>8} {:>8}",
        "run", "cold start ms", "PSS MiB", "USS MiB", "RSS MiB"
    );
    for number in 1..=cli.runs {
        let run = one_run(&cli, &world).with_context(|| format!("run {number}"))?;
        let sum = total(&run.processes);
        println!(
            "{number:>4} {:>14.1} {:>8} {:>8} {:>8}",
            run.cold_start.as_secs_f64() * 1000.0,
            mib(sum.pss),
            mib(sum.uss),
            mib(sum.rss)
        );
        runs.push(run);
    }
    if let Some(last) = runs.last() {
        print_processes(&last.processes);
    }
    let shared = runs.iter().map(|run| run.other_webkit).max().unwrap_or(0);
    if shared > 0 {
        eprintln!(
            "warning: {shared} other processes on this machine mapped WebKit during the runs (another \
             WebKit app or test): the pages they share with the app count only partly in its PSS and \
             not at all in its USS, so both read lower than when the app runs alone"
        );
    }

    let of_runs = |value: fn(&Run) -> f64| median(runs.iter().map(value).collect());
    let mut numbers = BTreeMap::new();
    numbers.insert(
        "app_cold_start_ms_p50".to_owned(),
        (of_runs(|run| run.cold_start.as_secs_f64() * 1000.0) * 10.0).round() / 10.0,
    );
    numbers.insert(
        "app_idle_pss_mb".to_owned(),
        of_runs(|run| mib(total(&run.processes).pss)),
    );
    numbers.insert(
        "app_idle_uss_mb".to_owned(),
        of_runs(|run| mib(total(&run.processes).uss)),
    );
    numbers.insert(
        "app_idle_rss_mb".to_owned(),
        of_runs(|run| mib(total(&run.processes).rss)),
    );
    for (key, value) in &numbers {
        println!("{key:<26} {value}");
    }
    if let Some(out) = &cli.out {
        merge_into(out, &numbers)?;
    }
    drop(world);
    Ok(())
}
