//! `switchboard-revocation-bench`: how fast signing a device out takes its phone back, with
//! the real portal, the real registrar (Kamailio reading the portal's database and taking
//! removals on its control endpoint) and the client core following the portal's event
//! stream, as the app does. Each round signs Alice in with her password, waits until her
//! line is registered and her stream followed, then an administrator signs her out
//! (`admin account sign-out`, in process) and the clock runs:
//! - `revocation_view_ms_p50`/`_p99`: until the client core says the account was signed
//!   out here (what the window shows at once; its own share is a function call);
//! - `revocation_contact_ms_p50`/`_p99`: until the registrar's location table has no
//!   contact of that device (polled every 5 ms).
//!
//! It prints a table and merges its numbers into the JSON file `--out` names. Run it inside
//! a D-Bus session with an unlocked keyring (`cargo xtask bench --only revocation` does).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use switchboard_bench::merge_into;
use switchboard_client::{
    system_clock, ClientConfig, Keychain, LineConfig, LineStatus, PortalNotice, RedirectMode,
    SignInOutcome, Switchboard,
};
use switchboard_e2e::registrar::TestRegistrar;
use switchboard_e2e::world::World;

/// A demo account without an authenticator: its password alone signs in.
const USERNAME: &str = "maria";
const PASSWORD: &str = "maria-demo-pass";
const EXTENSION: &str = "210";
const WAIT: Duration = Duration::from_secs(20);

#[derive(Parser)]
struct Cli {
    /// Revocations measured.
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

async fn registered(core: &Switchboard, account_id: &str) -> Result<()> {
    let mut changes = core.line_changes();
    tokio::time::timeout(WAIT, async {
        loop {
            if matches!(
                changes.borrow_and_update().get(account_id),
                Some(LineStatus::Registered { .. })
            ) {
                return Ok(());
            }
            changes.changed().await?;
        }
    })
    .await
    .context("the line did not register")?
}

async fn notice(
    notices: &mut tokio::sync::broadcast::Receiver<PortalNotice>,
    wanted: impl Fn(&PortalNotice) -> bool,
) -> Result<()> {
    tokio::time::timeout(WAIT, async {
        loop {
            match notices.recv().await {
                Ok(notice) if wanted(&notice) => return Ok(()),
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(error) => bail!("the notices stopped: {error}"),
            }
        }
    })
    .await
    .context("the notice did not come")?
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    Keychain::check_available()
        .context("no usable Secret Service: run this inside a D-Bus session with an unlocked keyring (`cargo xtask bench` does)")?;
    let world = World::start("127.0.0.1:0").await?;
    let registrar = TestRegistrar::start_for(&world).await.context(
        "the registrar did not start (apt-get install kamailio kamailio-sqlite-modules)",
    )?;
    let config = ClientConfig {
        portal_url: world.portal.clone(),
        status_page_url: None,
        redirect: RedirectMode::Scheme,
    };
    let data_dir = world.scratch_dir("bench-client")?;
    let core = Arc::new(Switchboard::new(&config, &data_dir, system_clock())?);
    core.enable_lines(LineConfig::default())?;
    let mut notices = core.portal_notices();
    core.follow_portal();

    let mut view = Vec::with_capacity(cli.runs);
    let mut contact = Vec::with_capacity(cli.runs);
    for run in 0..cli.runs {
        let account = match core.sign_in_with_password(USERNAME, PASSWORD).await? {
            SignInOutcome::Ready { account, .. } => account,
            other => bail!("expected to be signed in, got {other:?}"),
        };
        registered(&core, &account.account_id).await?;
        notice(&mut notices, |n| {
            matches!(n, PortalNotice::Following { .. })
        })
        .await?;
        let admin = world.admin().await?;

        let began = Instant::now();
        admin.account_sign_out(USERNAME).await?;
        let mut view_at = None;
        let mut contact_at = None;
        while view_at.is_none() || contact_at.is_none() {
            if began.elapsed() > WAIT {
                bail!("run {run}: the revocation did not arrive within {WAIT:?}");
            }
            if view_at.is_none() {
                if let Ok(PortalNotice::SignedOut { .. }) = notices.try_recv() {
                    view_at = Some(began.elapsed());
                }
            }
            if contact_at.is_none() && registrar.contacts(EXTENSION)?.is_empty() {
                contact_at = Some(began.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        view.extend(view_at);
        contact.extend(contact_at);
    }

    let mut results = BTreeMap::new();
    results.insert(
        "revocation_view_ms_p50".to_owned(),
        percentile(&mut view, 0.5),
    );
    results.insert(
        "revocation_view_ms_p99".to_owned(),
        percentile(&mut view, 0.99),
    );
    results.insert(
        "revocation_contact_ms_p50".to_owned(),
        percentile(&mut contact, 0.5),
    );
    results.insert(
        "revocation_contact_ms_p99".to_owned(),
        percentile(&mut contact, 0.99),
    );
    for (key, value) in &results {
        println!("{key:<28} {value}");
    }
    merge_into(&cli.out, &results)
}
