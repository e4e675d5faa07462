//! `switchboard-portal admin …`: the command line over [`Admin`](super::Admin).

mod commands;
mod dispatch;

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::{Admin, AdminError, Outcome};
use crate::store::Store;
use crate::PortalConfig;
use commands::AdminCommand;
use dispatch::dispatch;

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The portal's configuration file (the same as `serve`'s).
    #[arg(long, env = "SWITCHBOARD_PORTAL_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Answer in JSON (the audit log: one JSON object per line).
    #[arg(long, global = true)]
    json: bool,
    /// Who is making the change, for the audit log (default: the operating-system user).
    #[arg(long, global = true)]
    actor: Option<String>,
    #[command(subcommand)]
    command: AdminCommand,
}

fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Runs one admin command and prints its answer.
pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let Some(config_path) = &args.config else {
        anyhow::bail!("give the portal's configuration file with --config FILE (or SWITCHBOARD_PORTAL_CONFIG)");
    };
    let config = PortalConfig::load(config_path)?;
    let key = config.encryption_key()?;
    let store = Store::connect(&config.database_url, &config.pool_settings()).await?;
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs(),
    )?;
    let actor = args.actor.clone().unwrap_or_else(os_user);
    let public_url = config
        .public_url
        .as_ref()
        .map_or_else(|| format!("http://{}/", config.listen), ToString::to_string);
    let admin = Admin::new(store.clone(), key, config.providers.clone(), actor, now)
        .with_public_url(public_url);
    let result = dispatch(&admin, &args.command, args.json).await;
    store.close().await;
    let outcome = match result {
        Ok(outcome) => outcome,
        // Asking for what already is: said, not an error (scripts may run twice).
        Err(AdminError::Unchanged(message)) => Outcome {
            text: format!("Nothing changed: {message}."),
            json: json!({ "changed": false, "message": message }),
        },
        Err(error) => return Err(error.into()),
    };
    let mut stdout = std::io::stdout().lock();
    if args.json {
        match &outcome.json {
            // The audit log: JSON lines.
            serde_json::Value::Array(events)
                if matches!(args.command, AdminCommand::Audit { .. }) =>
            {
                for event in events {
                    writeln!(stdout, "{event}")?;
                }
            }
            other => writeln!(stdout, "{other}")?,
        }
    } else {
        writeln!(stdout, "{}", outcome.text)?;
    }
    stdout.flush()?;
    Ok(())
}
