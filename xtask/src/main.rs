//! `cargo xtask demo | test | fuzz`: everything a newcomer needs, installed and run in one command.

mod bench;
mod demo;
mod demo_session;
mod fuzz;
mod kamailio;
mod postgres;
mod setup;
mod shell;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Switchboard's project commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what is missing, build, start dev-idp and the portal with demo data (on
    /// SQLite, or PostgreSQL with --postgres), and launch the app pointed at them. Closing
    /// the app leaves the services running (`--app-only` reopens it); Ctrl-C stops
    /// everything.
    Demo(demo::DemoArgs),
    /// Every check and test: fmt, clippy, the front end's type check, lint and unit tests,
    /// the Rust tests with the keychain and the end-to-end tests in a real window, then the
    /// portal's and client's tests again on a throwaway PostgreSQL cluster.
    Test(test::TestArgs),
    /// Performance on this machine (not part of the tests): the portal's refresh and
    /// password throughput over loopback, written to `<target>/bench/bench.json`.
    Bench(bench::BenchArgs),
    /// Run the cargo-fuzz targets in `fuzz/` for a fixed time each (nightly; installs
    /// cargo-fuzz when missing) and print their runs and findings. Not part of `test`.
    Fuzz(fuzz::FuzzArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Test(args) => test::run(args),
        Command::Bench(args) => bench::run_bench(args),
        Command::Fuzz(args) => fuzz::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Where cargo puts build output (honours CARGO_TARGET_DIR).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        None => workspace_root().join("target"),
    }
}
