//! `switchboard-client-bench`: the client core's own time, against a portal and dev-idp on
//! loopback (started in this process), with the real keychain (run it inside a D-Bus session
//! with an unlocked Secret Service; `cargo xtask bench` does):
//! - `signin_deeplink_ms_p50`/`_p99`: a sign-in link handed to the core until it is signed
//!   in and provisioned (code redeemed, refresh token to the keychain, SIP profile fetched and
//!   its password to the keychain). The browser's part is not timed;
//! - `restore_ms_p50`/`_p99`: a fresh client with a refresh token in the keychain until the
//!   account is provisioned (keychain read, refresh, keychain write, profile check);
//! - `keychain_read_ms_p50`, `keychain_write_ms_p50`: one keychain read alone, and one write
//!   (a secret of a refresh token's length). A sign-in link writes twice (the refresh token
//!   and the SIP password), a restore once.
//!
//! It prints a table and merges its numbers into the JSON file `--out` names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use switchboard_bench::merge_into;
use switchboard_client::keychain::{Keychain, Secret, SecretKind};
use switchboard_client::signin::app_redirect_uri;
use switchboard_client::{system_clock, ClientConfig, RedirectMode, SignInOutcome, Switchboard};
use switchboard_e2e::browser::Browser;
use switchboard_e2e::world::World;

#[derive(Parser)]
struct Cli {
    /// Runs of each measurement.
    #[arg(long, default_value_t = 100)]
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

fn client(config: &ClientConfig, data_dir: &Path) -> Result<Switchboard> {
    Switchboard::new(config, data_dir, system_clock()).context("cannot set up the client")
}

async fn signed_in(outcome: Result<SignInOutcome, switchboard_client::ClientError>) -> Result<()> {
    match outcome {
        Ok(SignInOutcome::Ready { .. }) => Ok(()),
        Ok(other) => bail!("expected to be signed in, got {other:?}"),
        Err(error) => bail!("the sign-in failed: {error}"),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    Keychain::check_available()
        .context("no usable Secret Service: run this inside a D-Bus session with an unlocked keyring (`cargo xtask bench` does)")?;
    let world = World::start("127.0.0.1:0").await?;
    let config = ClientConfig {
        portal_url: world.portal.clone(),
        status_page_url: None,
        redirect: RedirectMode::Scheme,
    };
    let data_dir = world.scratch_dir("bench-client")?;
    let core = client(&config, &data_dir)?;
    let browser = Browser::new();

    let mut deep_link = Vec::with_capacity(cli.runs);
    for _ in 0..cli.runs {
        let (start, _) = core
            .begin_sign_in("google", None, &app_redirect_uri())
            .await?;
        let link = browser
            .sign_in(&start.authorize_url, "alice@acme.example", &[])
            .await?;
        let began = Instant::now();
        signed_in(core.complete_sign_in(&link).await).await?;
        deep_link.push(began.elapsed());
        // Signed out between runs, untimed: each sign-in starts with no session to replace.
        core.sign_out("acct-alice").await?;
    }

    let (start, _) = core
        .begin_sign_in("google", None, &app_redirect_uri())
        .await?;
    let link = browser
        .sign_in(&start.authorize_url, "alice@acme.example", &[])
        .await?;
    signed_in(core.complete_sign_in(&link).await).await?;
    let mut restore = Vec::with_capacity(cli.runs);
    for _ in 0..cli.runs {
        // A fresh client, as after the app was started again: no access token in memory.
        let fresh = client(&config, &data_dir)?;
        let began = Instant::now();
        match fresh.restore().await {
            Ok(Some(SignInOutcome::Ready { .. })) => {}
            other => bail!("expected the account restored, got {other:?}"),
        }
        restore.push(began.elapsed());
    }

    let keychain = Arc::new(Keychain::for_portal(&config.portal_url));
    let mut read = Vec::with_capacity(cli.runs);
    for _ in 0..cli.runs {
        let keychain = Arc::clone(&keychain);
        let began = Instant::now();
        let found = tokio::task::spawn_blocking(move || {
            keychain.load("acct-alice", SecretKind::RefreshToken)
        })
        .await??;
        read.push(began.elapsed());
        if found.is_none() {
            bail!("the refresh token is not in the keychain");
        }
    }
    let mut write = Vec::with_capacity(cli.runs);
    for run in 0..cli.runs {
        let keychain = Arc::clone(&keychain);
        let secret = Secret::new(format!("sbr_bench-{run:0>38}"));
        let began = Instant::now();
        tokio::task::spawn_blocking(move || {
            keychain.store("acct-bench", SecretKind::RefreshToken, &secret)
        })
        .await??;
        write.push(began.elapsed());
    }
    keychain.delete("acct-bench", SecretKind::RefreshToken)?;
    core.sign_out("acct-alice").await?;

    let results = BTreeMap::from([
        (
            "signin_deeplink_ms_p50".to_owned(),
            percentile(&mut deep_link, 0.5),
        ),
        (
            "signin_deeplink_ms_p99".to_owned(),
            percentile(&mut deep_link, 0.99),
        ),
        ("restore_ms_p50".to_owned(), percentile(&mut restore, 0.5)),
        ("restore_ms_p99".to_owned(), percentile(&mut restore, 0.99)),
        (
            "keychain_read_ms_p50".to_owned(),
            percentile(&mut read, 0.5),
        ),
        (
            "keychain_write_ms_p50".to_owned(),
            percentile(&mut write, 0.5),
        ),
    ]);
    for (key, value) in &results {
        println!("{key:<45} {value:>10}");
    }
    merge_into(&cli.out, &results)
}
