//! `cargo xtask bench`: performance measured on this machine, never asserted in a test.
//! Builds what it measures in release mode, runs each measurement and writes
//! `<target>/bench/bench.json` (one number per key) and a table.

use anyhow::Result;
use clap::Args;

use crate::shell::{cargo, cmd, run};
use crate::target_dir;

#[derive(Args)]
pub struct BenchArgs {
    /// Seconds each throughput measurement runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

pub fn run_bench(args: BenchArgs) -> Result<()> {
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "switchboard-portal",
        "-p",
        "switchboard-bench",
    ]))?;
    let release = target_dir().join("release");
    let out = target_dir().join("bench").join("bench.json");
    run(cmd(release.join("switchboard-bench"))
        .arg("portal")
        .arg("--portal")
        .arg(release.join("switchboard-portal"))
        .arg("--seconds")
        .arg(args.seconds.to_string())
        .arg("--out")
        .arg(&out))?;
    eprintln!("numbers written to {}", out.display());
    Ok(())
}
