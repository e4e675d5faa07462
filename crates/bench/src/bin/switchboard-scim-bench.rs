//! `switchboard-scim-bench`: how fast a directory provisions through SCIM, against the
//! release portal on SQLite over loopback (demo data seeded, rate limits out of the way):
//! - `scim_create_rps` / `scim_create_p99_ms`: `POST /Users` of new users, 8 at a time;
//! - `scim_patch_rps` / `scim_patch_p99_ms`: a PATCH of each of them (Entra's rename), 8 at
//!   a time;
//! - `scim_sync_10k_s`: an initial sync of 10,000 users into an empty organization as Entra
//!   ID makes it (for each user: `GET /Users?filter=userName eq …`, then `POST`), 8 users at
//!   a time: the wall time from the first request to the last answer.
//!
//! It prints a table and merges its numbers into the JSON file `--out` names
//! (`cargo xtask bench --only scim` runs it).

#[path = "../portal_process.rs"]
mod portal_process;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use portal_process::{start_portal_on, PortalFolder};
use serde_json::{json, Value};
use switchboard_bench::merge_into;
use tokio::sync::Semaphore;
use url::Url;

#[derive(Parser)]
struct Cli {
    /// The release `switchboard-portal` binary.
    #[arg(long)]
    portal: PathBuf,
    /// Users created (and patched) for the throughput figures.
    #[arg(long, default_value_t = 2_000)]
    users: usize,
    /// Users of the initial sync.
    #[arg(long, default_value_t = 10_000)]
    sync_users: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// The JSON file the numbers are merged into.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `switchboard-portal admin --config … ARGS --json` and returns its answer.
fn admin(portal: &Path, config: &Path, args: &[&str]) -> Result<Value> {
    let output = std::process::Command::new(portal)
        .arg("admin")
        .arg("--config")
        .arg(config)
        .args(["--json", "--actor", "bench"])
        .args(args)
        .current_dir(config.parent().context("the configuration has no folder")?)
        .output()
        .context("cannot run switchboard-portal admin")?;
    if !output.status.success() {
        bail!(
            "admin {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Sets up provisioning for `org` and returns a token.
fn connect(portal: &Path, config: &Path, org: &str) -> Result<String> {
    admin(
        portal,
        config,
        &[
            "scim",
            "configure",
            org,
            "--extensions",
            "10000-99999",
            "--sip-domain",
            "sip.acme.example",
            "--registrar",
            "sip:127.0.0.1:5060",
        ],
    )?;
    let made = admin(portal, config, &["scim", "token", "create", org, "bench"])?;
    made["token"]
        .as_str()
        .map(str::to_owned)
        .context("no token in the answer")
}

struct Client {
    http: reqwest::Client,
    base: Url,
    token: String,
}

impl Client {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let url = self.base.join(path.trim_start_matches('/'))?;
        let mut request = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn user(org: &str, n: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": format!("{org}-user{n}@acme.example"),
        "externalId": format!("{org}-{n}"),
        "active": true,
        "displayName": format!("User {n}"),
        "emails": [{ "primary": true, "type": "work", "value": format!("{org}-user{n}@acme.example") }],
        "name": { "givenName": "User", "familyName": format!("{n}") }
    })
}

/// Runs `work(n)` for n in 0..count, `concurrency` at a time; the wall time and each
/// call's latency.
async fn measure<F, Fut, T>(
    count: usize,
    concurrency: usize,
    work: F,
) -> Result<(Duration, Vec<Duration>, Vec<T>)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let permits = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for n in 0..count {
        let permit = Arc::clone(&permits).acquire_owned().await?;
        let call = work(n);
        tasks.push(tokio::spawn(async move {
            let begun = Instant::now();
            let result = call.await;
            drop(permit);
            result.map(|value| (begun.elapsed(), value))
        }));
    }
    let mut latencies = Vec::with_capacity(count);
    let mut values = Vec::with_capacity(count);
    for task in tasks {
        let (latency, value) = task.await??;
        latencies.push(latency);
        values.push(value);
    }
    Ok((started.elapsed(), latencies, values))
}

fn p99_ms(latencies: &mut [Duration]) -> f64 {
    latencies.sort();
    let index = ((latencies.len() as f64 - 1.0) * 0.99).round() as usize;
    latencies
        .get(index)
        .map(|d| (d.as_secs_f64() * 1e5).round() / 100.0)
        .unwrap_or(f64::NAN)
}

fn rate(count: usize, wall: Duration) -> f64 {
    (count as f64 / wall.as_secs_f64()).round()
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let folder = PortalFolder::new(&cli.portal)?;
    let database = format!(
        "sqlite://{}?mode=rwc",
        std::env::temp_dir()
            .join(format!("switchboard-scim-bench-{}.db", std::process::id()))
            .display()
    );
    let mut portal = start_portal_on(&cli.portal, &folder, &database, 0).await?;
    let config = folder.config_file(0);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let base = portal.url.join("scim/v2/")?;
    let mut numbers = BTreeMap::new();

    // Create, then PATCH, in the demo organization.
    let acme = Arc::new(Client {
        http: http.clone(),
        base: base.clone(),
        token: connect(&cli.portal, &config, "acme")?,
    });
    let (wall, mut latencies, ids) = measure(cli.users, cli.concurrency, |n| {
        let client = Arc::clone(&acme);
        async move {
            let created = client
                .send(reqwest::Method::POST, "Users", Some(&user("acme", n)))
                .await?;
            created["id"].as_str().map(str::to_owned).context("no id")
        }
    })
    .await?;
    numbers.insert("scim_create_rps".to_owned(), rate(cli.users, wall));
    numbers.insert("scim_create_p99_ms".to_owned(), p99_ms(&mut latencies));
    let ids = Arc::new(ids);
    let (wall, mut latencies, _) = measure(cli.users, cli.concurrency, |n| {
        let client = Arc::clone(&acme);
        let ids = Arc::clone(&ids);
        async move {
            let body = json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    { "op": "Replace", "path": "displayName", "value": format!("Renamed {n}") },
                    { "op": "Add", "value": { "name.familyName": format!("Renamed {n}") } }
                ]
            });
            client
                .send(
                    reqwest::Method::PATCH,
                    &format!("Users/{}", ids[n]),
                    Some(&body),
                )
                .await
                .map(drop)
        }
    })
    .await?;
    numbers.insert("scim_patch_rps".to_owned(), rate(cli.users, wall));
    numbers.insert("scim_patch_p99_ms".to_owned(), p99_ms(&mut latencies));

    // An initial sync into an empty organization: look up, then create.
    admin(
        &cli.portal,
        &config,
        &["org", "create", "synced", "--name", "Synced"],
    )?;
    let synced = Arc::new(Client {
        http,
        base,
        token: connect(&cli.portal, &config, "synced")?,
    });
    let (wall, _, _) = measure(cli.sync_users, cli.concurrency, |n| {
        let client = Arc::clone(&synced);
        async move {
            let body = user("synced", n);
            let filter = format!("userName eq \"synced-user{n}@acme.example\"");
            let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
            let found = client
                .send(
                    reqwest::Method::GET,
                    &format!("Users?filter={encoded}"),
                    None,
                )
                .await?;
            if found["totalResults"] != 0 {
                bail!("user {n} exists before it was created");
            }
            client
                .send(reqwest::Method::POST, "Users", Some(&body))
                .await
                .map(drop)
        }
    })
    .await?;
    numbers.insert(
        format!("scim_sync_{}k_s", cli.sync_users / 1000),
        (wall.as_secs_f64() * 10.0).round() / 10.0,
    );

    portal.child.kill().await.ok();
    for (key, value) in &numbers {
        println!("{key:<24} {value}");
    }
    merge_into(&cli.out, &numbers)?;
    let _ = std::fs::remove_file(
        database
            .trim_start_matches("sqlite://")
            .trim_end_matches("?mode=rwc"),
    );
    Ok(())
}
