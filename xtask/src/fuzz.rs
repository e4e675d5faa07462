//! `cargo xtask fuzz [--seconds N] [TARGET]`: runs the cargo-fuzz targets in `fuzz/` (the
//! parsers that read what comes from outside) for a fixed time each and prints a table of
//! targets, runs and findings. Not part of `cargo xtask test`: it needs nightly Rust and
//! takes minutes. Installs cargo-fuzz (and the nightly toolchain) when missing.
//!
//! A finding is kept under `<target dir>/fuzz/artifacts/<target>/`; reproduce it with
//! `cargo +nightly fuzz run <target> <file>`, fix the code, and keep the input as a plain
//! `#[test]` in the crate's own tests.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{bail, Context, Result};

use crate::shell::{cargo, cmd, describe, run as run_command};
use crate::{target_dir, workspace_root};

/// Every fuzz target, in the order they run.
pub const TARGETS: [(&str, &str); 4] = [
    (
        "deep_link",
        "the sign-in link handed to the app (deep link or loopback)",
    ),
    ("token_form", "POST /v1/token's form body"),
    (
        "id_token_claims",
        "ID-token claims to the portal's identity",
    ),
    (
        "otpauth_qr",
        "the otpauth URI: its QR code, base32 secret and codes",
    ),
];

#[derive(clap::Args)]
pub struct FuzzArgs {
    /// Seconds each target runs.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Only this target (default: all of them).
    pub target: Option<String>,
}

struct Outcome {
    target: &'static str,
    runs: Option<u64>,
    findings: Vec<PathBuf>,
    log: PathBuf,
}

pub fn run(args: FuzzArgs) -> Result<()> {
    let selected: Vec<&'static str> = match &args.target {
        Some(name) => match TARGETS.iter().find(|(target, _)| target == name) {
            Some((target, _)) => vec![*target],
            None => bail!(
                "no fuzz target `{name}`; the targets are: {}",
                TARGETS.map(|(target, _)| target).join(", ")
            ),
        },
        None => TARGETS.iter().map(|(target, _)| *target).collect(),
    };
    ensure_tools()?;
    let root = workspace_root();
    let work = target_dir().join("fuzz");
    let mut outcomes = Vec::new();
    for target in selected {
        outcomes.push(fuzz_one(&root, &work, target, args.seconds)?);
    }
    print_table(&outcomes);
    let found: usize = outcomes.iter().map(|o| o.findings.len()).sum();
    if found > 0 {
        bail!("{found} finding(s): reproduce with `cargo +nightly fuzz run <target> <file>`, fix, and keep the input as a test");
    }
    Ok(())
}

/// Nightly Rust and cargo-fuzz, installed when missing.
fn ensure_tools() -> Result<()> {
    let nightly = cmd("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !nightly {
        run_command(cmd("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
    }
    let fuzz = cargo()
        .args(["+nightly", "fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !fuzz {
        run_command(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    Ok(())
}

fn files_in(dir: &Path) -> BTreeSet<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn fuzz_one(root: &Path, work: &Path, target: &'static str, seconds: u64) -> Result<Outcome> {
    let seeds = root.join("fuzz").join("corpus").join(target);
    // New inputs go to a corpus of this machine's; the committed seeds are only read.
    let corpus = work.join("corpus").join(target);
    let artifacts = work.join("artifacts").join(target);
    let logs = work.join("logs");
    for dir in [&corpus, &artifacts, &logs] {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let log = logs.join(format!("{target}.log"));
    let before = files_in(&artifacts);
    let mut command = cargo();
    command
        .current_dir(root)
        .args(["+nightly", "fuzz", "run", target, "--codegen-units", "16"])
        .arg("--target-dir")
        .arg(work)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        // An input that takes ten seconds, or half a gigabyte, is a finding too. (Shorter,
        // and a panic's backtrace under a loaded machine is reported as a timeout.)
        .args(["-timeout=10", "-rss_limit_mb=1024", "-malloc_limit_mb=512"])
        .args(["-print_final_stats=1", "-max_len=8192"])
        .arg(&corpus)
        .arg(&seeds);
    eprintln!("$ {}", describe(&command));
    eprintln!("fuzzing {target} for {seconds} s (log: {})", log.display());
    let log_file = fs::File::create(&log)?;
    let status = command
        .stdout(Stdio::from(log_file.try_clone()?))
        .stderr(Stdio::from(log_file))
        .status()
        .context("cannot start cargo fuzz")?;
    let text = fs::read_to_string(&log).unwrap_or_default();
    let runs = text
        .lines()
        .rev()
        .filter_map(|line| line.strip_prefix("stat::number_of_executed_units:"))
        .find_map(|n| n.trim().parse().ok());
    let findings: Vec<PathBuf> = files_in(&artifacts).difference(&before).cloned().collect();
    if !status.success() && findings.is_empty() {
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "fuzzing {target} failed ({status}) without a finding:\n{}",
            tail.join("\n")
        );
    }
    Ok(Outcome {
        target,
        runs,
        findings,
        log,
    })
}

fn print_table(outcomes: &[Outcome]) {
    println!();
    println!("{:<16} {:>12}  findings", "target", "runs");
    for outcome in outcomes {
        let runs = outcome
            .runs
            .map_or_else(|| "?".to_owned(), |runs| runs.to_string());
        let findings = if outcome.findings.is_empty() {
            "none".to_owned()
        } else {
            outcome
                .findings
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!("{:<16} {:>12}  {findings}", outcome.target, runs);
        if !outcome.findings.is_empty() {
            println!("{:<16} {:>12}  log: {}", "", "", outcome.log.display());
        }
    }
}
