//! `switchboard-cli`: the sign-in client core from a terminal. Shares the desktop app's
//! configuration, data folder and keychain entries.

mod calls;
mod login;
mod phone;
mod steps;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use switchboard_client::{system_clock, ClientConfig, ClientError, Program, Switchboard};
use url::Url;

use crate::login::{login, login_with_email};
use crate::steps::{
    failure, finish_steps, matches_account, password_from_env_or_prompt, print_outcome, StepAnswers,
};

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
    /// Sign in with a provider through the browser, or with `--username` and a password.
    Login {
        /// The provider's id (google, microsoft, apple, or your organization's). Without
        /// it, `--username` signs in with that account's password.
        #[arg(long, required_unless_present_any = ["username", "email"])]
        provider: Option<String>,
        /// Your email at the provider, so it can skip asking.
        #[arg(long, conflicts_with = "email")]
        login_hint: Option<String>,
        /// Your work email: signs in with the provider your organization set up for its
        /// domain (when it has several, choose one with `--provider`).
        #[arg(long, conflicts_with = "username")]
        email: Option<String>,
        /// Print the link instead of opening a browser, then read the address the browser
        /// ends on from standard input.
        #[arg(long)]
        no_browser: bool,
        /// When your sign-in reaches several accounts: the one to use (its username,
        /// extension or id). Without it you are asked.
        #[arg(long)]
        account: Option<String>,
        /// Remember the chosen account for this sign-in (on every computer).
        #[arg(long)]
        remember: bool,
        /// The account's username: to sign in with its password (without `--provider`),
        /// or to link a provider sign-in that is not linked yet. The password is asked for
        /// (or read from SWITCHBOARD_PASSWORD).
        #[arg(long)]
        username: Option<String>,
    },
    /// Restore the current account and show it.
    Status,
    /// List the accounts signed in here; `*` marks the current one.
    Accounts,
    /// Make another signed-in account the current one and provision its softphone.
    Switch {
        /// Its username, extension or id.
        account: String,
    },
    /// The softphone: `phone status [--json]`, `phone register [--hold]`, `phone call NUMBER`,
    /// `phone answer`.
    #[command(subcommand)]
    Phone(phone::PhoneCommand),
    /// Follow the portal for every account signed in here: prints sign-outs made
    /// elsewhere (the account is then forgotten here, as the app does) and changes of the
    /// phone settings, as they happen. Ends when no account is left, or on Ctrl-C.
    Watch {
        /// One JSON object a line.
        #[arg(long)]
        json: bool,
    },
    /// Sign out the current account (or every account) here and at the portal.
    Logout {
        #[arg(long)]
        all: bool,
    },
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

async fn run(cli: Cli) -> Result<(), String> {
    let mut config = ClientConfig::load(|name| std::env::var(name).ok(), config_file().as_deref())
        .map_err(|error| error.to_string())?;
    if let Some(portal) = cli.portal {
        switchboard_client::config::check_portal_url(&portal, "--portal")
            .map_err(|error| error.to_string())?;
        config.portal_url = portal;
    }
    let data_dir = data_dir()?;
    let client = Switchboard::for_program(&config, &data_dir, system_clock(), Program::CommandLine)
        .map_err(failure)?;
    match cli.command {
        Command::Phone(command) => return phone::phone(client, &data_dir, command).await,
        Command::Login {
            provider,
            login_hint,
            no_browser,
            account,
            remember,
            username,
            email,
        } => {
            let outcome = match (&email, &provider, &username) {
                (Some(email), provider, _) => {
                    login_with_email(&client, provider.as_deref(), email, no_browser).await?
                }
                (None, Some(provider), _) => {
                    login(&client, provider, login_hint.as_deref(), no_browser).await?
                }
                (None, None, Some(username)) => {
                    let password = password_from_env_or_prompt()?;
                    client
                        .sign_in_with_password(username, &password)
                        .await
                        .map_err(failure)?
                }
                (None, None, None) => return Err("give --provider, --email or --username".into()),
            };
            let answers = StepAnswers {
                account,
                remember,
                username,
                // Not an option: a code on the command line ends up in `ps` and history.
                code: std::env::var("SWITCHBOARD_CODE").ok(),
            };
            let outcome = finish_steps(&client, outcome, &answers).await?;
            print_outcome(&outcome);
        }
        Command::Accounts => {
            let current = client.current_account().map_err(failure)?;
            let accounts = client.signed_in_accounts().map_err(failure)?;
            if accounts.is_empty() {
                println!("step: signed_out");
            }
            for account in accounts {
                let mark = if current.as_ref().map(|c| &c.account_id) == Some(&account.account_id) {
                    "*"
                } else {
                    " "
                };
                println!(
                    "{mark} {} ({}, extension {}, {})",
                    account.display_name,
                    account.username,
                    account.extension,
                    account.organization_name
                );
            }
        }
        Command::Switch { account } => {
            let target = client
                .signed_in_accounts()
                .map_err(failure)?
                .into_iter()
                .find(|a| matches_account(&account, &a.account_id, &a.extension, &[&a.username]))
                .ok_or_else(|| {
                    format!(
                        "no account {account:?} is signed in here; see `switchboard-cli accounts`"
                    )
                })?;
            let outcome = client
                .switch_to(&target.account_id)
                .await
                .map_err(failure)?;
            print_outcome(&outcome);
        }
        Command::Watch { json } => return watch::watch(std::sync::Arc::new(client), json).await,
        Command::Status => match client.restore().await {
            Ok(Some(outcome)) => print_outcome(&outcome),
            Ok(None) => println!("step: signed_out"),
            Err(ClientError::SignedOut) => {
                println!("step: signed_out");
                println!("Your sign-in had ended; sign in again.");
            }
            Err(error) => return Err(failure(error)),
        },
        Command::Logout { all: true } => {
            for account in client.signed_in_accounts().map_err(failure)? {
                client
                    .sign_out(&account.account_id)
                    .await
                    .map_err(failure)?;
                println!(
                    "Signed out {} ({}).",
                    account.display_name, account.username
                );
            }
            println!("step: signed_out");
        }
        Command::Logout { all: false } => match client.current_account().map_err(failure)? {
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
