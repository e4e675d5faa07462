//! `switchboard-cli`: the sign-in client core from a terminal. Shares the desktop app's
//! configuration, data folder and keychain entries.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use switchboard_client::email_first::{choose_provider_message, no_single_sign_on_message};
use switchboard_client::loopback::LoopbackRedirect;
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
        SignInOutcome::ChooseAccount { .. } => println!("step: choose_account"),
        SignInOutcome::MfaRequired => println!("step: mfa_required"),
        SignInOutcome::ProviderLinked { provider_name } => {
            println!("step: provider_linked");
            println!("{provider_name} is linked to your account.");
        }
        SignInOutcome::LinkAccount { .. } => println!("step: link_account"),
        SignInOutcome::NotSupported { message } => {
            println!("step: needs_another_step");
            println!("{message}");
        }
    }
}

/// Finds a signed-in or offered account by username, extension or id.
fn matches_account(wanted: &str, id: &str, extension: &str, names: &[&str]) -> bool {
    let wanted = wanted.trim();
    wanted == id || wanted == extension || names.iter().any(|n| n.eq_ignore_ascii_case(wanted))
}

async fn read_line(prompt: &str) -> Result<String, String> {
    print!("{prompt}");
    let _ = std::io::stdout().flush();
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|error| format!("cannot read your answer: {error}"))?;
    Ok(line.trim().to_owned())
}

struct StepAnswers {
    account: Option<String>,
    remember: bool,
    username: Option<String>,
    code: Option<String>,
}

/// Takes the choose and link steps the portal asks for until signed in (or a step this
/// version cannot take).
async fn finish_steps(
    client: &Switchboard,
    mut outcome: SignInOutcome,
    answers: &StepAnswers,
) -> Result<SignInOutcome, String> {
    loop {
        outcome = match outcome {
            SignInOutcome::ChooseAccount {
                accounts,
                remembered_account_id,
                shared_email,
            } => {
                println!("step: choose_account");
                if shared_email {
                    println!(
                        "Your email is shared by several accounts (a group or shared address)."
                    );
                }
                for (index, account) in accounts.iter().enumerate() {
                    let remembered = remembered_account_id.as_deref() == Some(&account.account_id);
                    println!(
                        "  {}. {} (extension {}, {}){}",
                        index + 1,
                        account.display_name,
                        account.extension,
                        account.organization_name,
                        if remembered { " [remembered]" } else { "" }
                    );
                }
                let wanted = match &answers.account {
                    Some(wanted) => wanted.clone(),
                    None => read_line("Which account? Enter its number: ").await?,
                };
                let chosen = wanted
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| accounts.get(i))
                    .or_else(|| {
                        accounts.iter().find(|a| {
                            matches_account(
                                &wanted,
                                &a.account_id,
                                &a.extension,
                                &[&a.display_name],
                            )
                        })
                    })
                    .ok_or_else(|| {
                        format!("{wanted:?} is none of the accounts listed; run login again")
                    })?;
                client
                    .choose_account(&chosen.account_id, answers.remember)
                    .await
                    .map_err(failure)?
            }
            SignInOutcome::LinkAccount {
                provider_name,
                email,
                reason,
            } => {
                println!("step: link_account");
                println!(
                    "{}",
                    switchboard_client::link_reason_text(reason, &provider_name, email.as_deref())
                );
                println!(
                    "Your {provider_name} sign-in{} is not linked to a phone account yet. Link it once with the account's username and password.",
                    email.map(|e| format!(" ({e})")).unwrap_or_default()
                );
                let username = match &answers.username {
                    Some(username) => username.clone(),
                    None => read_line("Username: ").await?,
                };
                let password = password_from_env_or_prompt()?;
                let code = match &answers.code {
                    Some(code) => code.clone(),
                    None => {
                        read_line("Authenticator code, if the account has one (else press Enter): ")
                            .await?
                    }
                };
                let code = Some(code.as_str()).filter(|c| !c.is_empty());
                client
                    .link_account(&username, &password, code)
                    .await
                    .map_err(failure)?
            }
            SignInOutcome::MfaRequired => {
                println!("step: mfa_required");
                let code = match &answers.code {
                    Some(code) => code.clone(),
                    None => read_line("Authenticator code (or a recovery code): ").await?,
                };
                client.submit_mfa_code(&code).await.map_err(failure)?
            }
            done => return Ok(done),
        };
    }
}

fn password_from_env_or_prompt() -> Result<String, String> {
    match std::env::var("SWITCHBOARD_PASSWORD") {
        Ok(password) => Ok(password),
        Err(_) => rpassword::prompt_password("Password: ")
            .map_err(|error| format!("cannot read the password: {error}")),
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let mut config = ClientConfig::load(|name| std::env::var(name).ok(), config_file().as_deref())
        .map_err(|error| error.to_string())?;
    if let Some(portal) = cli.portal {
        switchboard_client::config::check_portal_url(&portal, "--portal")
            .map_err(|error| error.to_string())?;
        config.portal_url = portal;
    }
    let client = Switchboard::new(&config, &data_dir()?, system_clock()).map_err(failure)?;
    match cli.command {
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
            let accounts = client.signed_in_accounts();
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
            for account in client.signed_in_accounts() {
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

/// `login --email`: the provider the email's domain has, started with the email as hint.
async fn login_with_email(
    client: &Switchboard,
    provider: Option<&str>,
    email: &str,
    no_browser: bool,
) -> Result<SignInOutcome, String> {
    if let Some(provider) = provider {
        return login(client, provider, Some(email), no_browser).await;
    }
    let found = client
        .sign_in_options_for_email(email)
        .await
        .map_err(failure)?;
    let listed = |providers: &[switchboard_api::ProviderOption]| {
        providers
            .iter()
            .map(|p| format!("{} ({})", p.id, p.display_name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match found.providers.as_slice() {
        [only] => login(client, &only.id, Some(email.trim()), no_browser).await,
        [] => {
            let mut message = no_single_sign_on_message(&found.domain, found.password_sign_in);
            if found.password_sign_in {
                message.push_str(" (`login --username NAME`)");
            }
            if !found.providers_for_everyone.is_empty() {
                message.push_str(&format!(
                    " Providers for everyone: {}.",
                    listed(&found.providers_for_everyone)
                ));
            }
            Err(message)
        }
        several => Err(format!(
            "{} Run again with --provider and one of: {}.",
            choose_provider_message(&found.domain),
            listed(several)
        )),
    }
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
        loopback
            .wait_for_callback(&start.state)
            .await
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::TimedOut => {
                    "the browser did not come back in time; run login again".to_owned()
                }
                _ => format!("the browser's return failed: {error}"),
            })?
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
