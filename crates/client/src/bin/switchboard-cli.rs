//! `switchboard-cli`: the sign-in client core from a terminal. Shares the desktop app's
//! configuration, data folder and keychain entries.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use switchboard_client::loopback::LoopbackRedirect;
use switchboard_client::signin::PENDING_LIFETIME;
use switchboard_client::{system_clock, ClientConfig, ClientError, SignInOutcome, Switchboard};
use url::Url;

/// The desktop app's identifier: its config and data folders are named after it.
const APP_IDENTIFIER: &str = "example.switchboard.desktop";

#[derive(Parser)]
#[command(
    name = "switchboard-cli",
    version,
    about = "Sign in to Switchboard from a terminal"
)]
struct Cli {
    /// The portal to sign in to (default: as the desktop app is configured).
    #[arg(long, global = true)]
    portal: Option<Url>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in with a provider through the browser.
    Login {
        /// The provider's id (google, microsoft, apple, or your organization's).
        #[arg(long)]
        provider: String,
        /// Your email at the provider, so it can skip asking.
        #[arg(long)]
        login_hint: Option<String>,
        /// Print the link instead of opening a browser, then read the address the browser
        /// ends on from standard input.
        #[arg(long)]
        no_browser: bool,
    },
    /// Restore the remembered account and show it.
    Status,
    /// Sign out the current account here and at the portal.
    Logout,
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

fn config_file() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".config")))
        .map(|dir| dir.join(APP_IDENTIFIER).join("config.toml"))
}

fn data_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("SWITCHBOARD_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".local").join("share")))
        .map(|dir| dir.join(APP_IDENTIFIER))
        .ok_or_else(|| {
            "no HOME: set SWITCHBOARD_DATA_DIR to a folder for Switchboard's data".into()
        })
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber_init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("switchboard-cli: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Quiet unless asked: `RUST_LOG=info` shows what the core does (never secrets).
fn tracing_subscriber_init() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
}

fn failure(error: ClientError) -> String {
    format!("{} [{}]", error.message(), error.code())
}

fn print_outcome(outcome: &SignInOutcome) {
    match outcome {
        SignInOutcome::Ready { account, phone } => {
            println!("step: signed_in");
            println!(
                "Signed in as {} ({}) at {}.",
                account.display_name, account.username, account.organization_name
            );
            println!(
                "Softphone ready: extension {} on {}.",
                phone.extension, phone.sip_domain
            );
        }
        SignInOutcome::NotSupported { message } => {
            println!("step: needs_another_step");
            println!("{message}");
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let mut config = ClientConfig::load(|name| std::env::var(name).ok(), config_file().as_deref())
        .map_err(|error| error.to_string())?;
    if let Some(portal) = cli.portal {
        config.portal_url = portal;
    }
    let client = Switchboard::new(&config, &data_dir()?, system_clock()).map_err(failure)?;
    match cli.command {
        Command::Login {
            provider,
            login_hint,
            no_browser,
        } => {
            let outcome = login(&client, &provider, login_hint.as_deref(), no_browser).await?;
            print_outcome(&outcome);
        }
        Command::Status => match client.restore().await {
            Ok(Some(outcome)) => print_outcome(&outcome),
            Ok(None) => println!("step: signed_out"),
            Err(ClientError::SignedOut) => {
                println!("step: signed_out");
                println!("Your sign-in had ended; sign in again.");
            }
            Err(error) => return Err(failure(error)),
        },
        Command::Logout => match client.current_account().map_err(failure)? {
            Some(account) => {
                client
                    .sign_out(&account.account_id)
                    .await
                    .map_err(failure)?;
                println!("step: signed_out");
                println!(
                    "Signed out {} ({}).",
                    account.display_name, account.username
                );
            }
            None => println!("step: signed_out"),
        },
    }
    Ok(())
}

async fn login(
    client: &Switchboard,
    provider: &str,
    login_hint: Option<&str>,
    no_browser: bool,
) -> Result<SignInOutcome, String> {
    // Loopback redirect (RFC 8252 §7.3): the browser comes back to this port.
    let loopback = LoopbackRedirect::bind().await.map_err(|error| {
        format!("cannot open a local port for the browser to return to: {error}")
    })?;
    let redirect_uri = loopback.redirect_uri();
    let (start, provider_name) = client
        .begin_sign_in(provider, login_hint, &redirect_uri)
        .await
        .map_err(failure)?;

    let callback = if no_browser {
        println!("Open this link in a browser and sign in with {provider_name}:");
        println!("{}", start.authorize_url);
        println!("Then paste the address the browser ends on (it starts with {redirect_uri}):");
        let _ = std::io::stdout().flush();
        drop(loopback);
        let line = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map(|_| line)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|error| format!("cannot read the address: {error}"))?;
        Url::parse(line.trim()).map_err(|_| "that is not an address; run login again".to_owned())?
    } else {
        println!("Opening your browser to sign in with {provider_name}. If it does not open, use this link:");
        println!("{}", start.authorize_url);
        open_browser(&start.authorize_url);
        let timeout = std::time::Duration::from_secs(PENDING_LIFETIME as u64);
        tokio::time::timeout(timeout, loopback.wait_for_callback())
            .await
            .map_err(|_| "the browser did not come back in time; run login again".to_owned())?
            .map_err(|error| format!("the browser's return failed: {error}"))?
    };
    client.complete_sign_in(&callback).await.map_err(failure)
}

fn open_browser(url: &Url) {
    let opener = if let Some(browser) = std::env::var_os("BROWSER") {
        browser
    } else if cfg!(target_os = "macos") {
        "open".into()
    } else if cfg!(windows) {
        "explorer".into()
    } else {
        "xdg-open".into()
    };
    if let Err(error) = std::process::Command::new(&opener)
        .arg(url.as_str())
        .spawn()
    {
        eprintln!("switchboard-cli: cannot open a browser ({error}); open the link above yourself");
    }
}
