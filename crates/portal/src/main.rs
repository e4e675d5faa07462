use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use switchboard_portal::{openapi, seed, Portal, PortalConfig};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "switchboard-portal",
    version,
    about = "Switchboard's sign-in and provisioning service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal. Prints `portal=<public url>` and `listen=<address>` on standard
    /// output once it listens.
    Serve {
        /// The configuration file (TOML).
        #[arg(long, env = "SWITCHBOARD_PORTAL_CONFIG")]
        config: PathBuf,
        /// Add the demo organization and accounts when the database has none (development only).
        #[arg(long)]
        seed_demo: bool,
    },
    /// Operate the portal: organizations, providers per domain or tenant, accounts, CSV
    /// import, re-linking, the risky-email report and the audit log.
    Admin(switchboard_portal::admin::cli::AdminArgs),
    /// Check a configuration against the live providers: prints the redirect URI to
    /// register at each provider and every problem with what to do. Exits non-zero when
    /// something must be fixed.
    Check {
        /// The configuration file (TOML).
        #[arg(long, env = "SWITCHBOARD_PORTAL_CONFIG")]
        config: PathBuf,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Print a new random at-rest encryption key (base64).
    GenerateKey,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "switchboard-portal: {}",
                switchboard_portal::log_text::error_chain(&*error)
            );
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Admin(args) => switchboard_portal::admin::cli::run(args).await?,
        Command::Openapi => print!("{}", openapi::document_json()),
        Command::GenerateKey => println!(
            "{}",
            switchboard_portal::crypto::EncryptionKey::generate_base64()
        ),
        Command::Check { config } => {
            let report = switchboard_portal::check::check_file(
                &config,
                std::sync::Arc::new(switchboard_portal::clock::SystemClock),
            )
            .await;
            print!("{report}");
            if !report.is_ok() {
                anyhow::bail!("the configuration {} has problems", config.display());
            }
        }
        Command::Serve { config, seed_demo } => {
            let config = PortalConfig::load(&config)?;
            let portal = Portal::bind(&config).await?;
            if seed_demo {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)?
                    .as_secs();
                if seed::seed_demo(portal.store(), portal.encryption_key(), i64::try_from(now)?)
                    .await?
                {
                    tracing::info!("added the demo organization and accounts");
                }
            }
            // One write, and no panic when whoever started us stopped reading.
            let announce = format!("portal={}\nlisten={}\n", portal.url(), portal.local_addr()?);
            let mut stdout = std::io::stdout().lock();
            let _ = stdout
                .write_all(announce.as_bytes())
                .and_then(|()| stdout.flush());
            drop(stdout);
            tracing::info!(url = %portal.url(), "portal listening");
            portal.serve(shutdown_signal()).await?;
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
