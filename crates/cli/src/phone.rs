//! `switchboard-cli phone status|register`: the softphone's lines from a terminal.
//!
//! `status` reads what the process keeping the lines registered (the desktop app, or a
//! `phone register --hold`) last wrote to `lines.json` in the data folder. `register`
//! registers the lines itself, waits for the registrar's answers, and exits non-zero with
//! the reason when a line fails; it unregisters on the way out unless `--hold` keeps them
//! registered until Ctrl-C (nothing here answers calls, so a contact left behind would
//! only make calls ring nowhere).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::Subcommand;
use serde::Serialize;
use switchboard_api::AccountSummary;
use switchboard_client::trusted_roots;
use switchboard_client::{LineConfig, LineStatus, LinesFile, Switchboard, LINES_FILE};
use switchboard_frontend::line_words::line_message;

use crate::steps::{failure, matches_account};

#[derive(Subcommand)]
pub enum PhoneCommand {
    /// Each signed-in account's line, as the app (or `phone register --hold`) keeps it.
    Status {
        /// One JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Register the lines now and wait for the registrar; non-zero exit with the reason
    /// when a line fails. Unregisters when done, unless `--hold`.
    Register {
        /// Only this account's line (its username, extension or id).
        #[arg(long)]
        account: Option<String>,
        /// Stay registered (refreshing) until Ctrl-C, then unregister.
        #[arg(long)]
        hold: bool,
        /// Seconds to wait for the registrar's answers.
        #[arg(long, default_value_t = 45)]
        timeout: u64,
        /// One JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Call a number (an extension, a phone number, a sip: or tel: address) and stay in
    /// the call until the far end hangs up, `--talk` seconds pass or Ctrl-C; non-zero exit
    /// with the reason when the call does not connect (busy, nobody there, no such number).
    Call {
        number: String,
        /// From this account's line (its username, extension or id); else the current one.
        #[arg(long)]
        account: Option<String>,
        /// Hang up after this many seconds of conversation.
        #[arg(long)]
        talk: Option<u64>,
    },
    /// Wait for a call to the signed-in lines, answer it, and stay in it until the far end
    /// hangs up, `--talk` seconds pass or Ctrl-C; non-zero exit when none comes in time.
    Answer {
        /// Only calls to this account's line (its username, extension or id).
        #[arg(long)]
        account: Option<String>,
        /// Seconds to wait for a call.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// Hang up after this many seconds of conversation.
        #[arg(long)]
        talk: Option<u64>,
    },
}

/// One line as printed.
#[derive(Debug, Clone, Serialize)]
struct PrintedLine {
    account_id: String,
    username: String,
    display_name: String,
    extension: String,
    /// `None`: no process keeps this line registered.
    status: Option<LineStatus>,
    message: String,
    /// The SIP user the line authenticates as: this computer's own credential.
    credential: Option<String>,
}

#[derive(Debug, Serialize)]
struct PrintedLines {
    /// The process keeping the lines registered, if one is running.
    held_by_pid: Option<u32>,
    lines: Vec<PrintedLine>,
}

pub async fn phone(
    client: Switchboard,
    data_dir: &Path,
    command: PhoneCommand,
) -> Result<(), String> {
    match command {
        PhoneCommand::Status { json } => status(&client, data_dir, json),
        PhoneCommand::Register {
            account,
            hold,
            timeout,
            json,
        } => register(Arc::new(client), account, hold, timeout, json).await,
        PhoneCommand::Call {
            number,
            account,
            talk,
        } => crate::calls::call(Arc::new(client), data_dir, account, &number, talk).await,
        PhoneCommand::Answer {
            account,
            timeout,
            talk,
        } => crate::calls::answer(Arc::new(client), data_dir, account, timeout, talk).await,
    }
}

fn status(client: &Switchboard, data_dir: &Path, json: bool) -> Result<(), String> {
    let accounts = client.signed_in_accounts().map_err(failure)?;
    let held = read_lines_file(&data_dir.join(LINES_FILE)).filter(|file| is_running(file.pid));
    let lines = accounts
        .into_iter()
        .map(|account| {
            let status = held
                .as_ref()
                .and_then(|file| file.lines.get(&account.account_id).cloned());
            let credential = client.line_credential(&account.account_id).ok().flatten();
            printed(account, status, credential)
        })
        .collect();
    let printed = PrintedLines {
        held_by_pid: held.map(|file| file.pid),
        lines,
    };
    if json {
        print_json(&printed)?;
    } else {
        if printed.lines.is_empty() {
            println!("No account is signed in here: sign in with `switchboard-cli login`.");
        }
        for line in &printed.lines {
            print_line(line);
        }
        if printed.held_by_pid.is_none() && !printed.lines.is_empty() {
            println!("No line is registered on this computer: the Switchboard app is not running. `switchboard-cli phone register` registers them now.");
        }
    }
    Ok(())
}

/// The signed-in accounts `wanted` names (all of them without it); an error that says
/// what to do when there is none.
pub(crate) fn chosen_accounts(
    client: &Switchboard,
    wanted: Option<String>,
) -> Result<Vec<AccountSummary>, String> {
    let accounts: Vec<AccountSummary> = client
        .signed_in_accounts()
        .map_err(failure)?
        .into_iter()
        .filter(|a| {
            wanted.as_deref().is_none_or(|wanted| {
                matches_account(wanted, &a.account_id, &a.extension, &[&a.username])
            })
        })
        .collect();
    if accounts.is_empty() {
        return Err(match wanted {
            Some(wanted) => {
                format!("no account {wanted:?} is signed in here; see `switchboard-cli accounts`")
            }
            None => "no account is signed in here: sign in with `switchboard-cli login`".into(),
        });
    }
    Ok(accounts)
}

/// Turns the lines on and provisions each account's (which registers it).
pub(crate) async fn start_lines(
    client: &Arc<Switchboard>,
    accounts: &[AccountSummary],
) -> Result<(), String> {
    client
        .enable_lines(LineConfig {
            trusted_roots_pem: trusted_roots(|name| std::env::var(name).ok()),
            ..LineConfig::default()
        })
        .map_err(|error| error.to_string())?;
    for account in accounts {
        if let Err(error) = client.provision(&account.account_id).await {
            return Err(format!(
                "cannot fetch the phone settings of {}: {}",
                account.username,
                failure(error)
            ));
        }
    }
    Ok(())
}

async fn register(
    client: Arc<Switchboard>,
    wanted: Option<String>,
    hold: bool,
    timeout: u64,
    json: bool,
) -> Result<(), String> {
    let accounts = chosen_accounts(&client, wanted)?;
    start_lines(&client, &accounts).await?;
    let settled = wait_until_settled(&client, &accounts, Duration::from_secs(timeout)).await;
    let printed: Vec<PrintedLine> = accounts
        .iter()
        .map(|account| {
            let credential = client.line_credential(&account.account_id).ok().flatten();
            printed(
                account.clone(),
                settled.get(&account.account_id).cloned(),
                credential,
            )
        })
        .collect();
    let failed: Vec<&PrintedLine> = printed
        .iter()
        .filter(|line| !matches!(line.status, Some(LineStatus::Registered { .. })))
        .collect();
    if json {
        print_json(&PrintedLines {
            held_by_pid: Some(std::process::id()),
            lines: printed.clone(),
        })?;
    } else {
        for line in &printed {
            print_line(line);
        }
    }
    if failed.is_empty() && hold {
        eprintln!("Holding the registration; press Ctrl-C to unregister and quit.");
        let _ = tokio::signal::ctrl_c().await;
    }
    client.unregister_all_lines().await;
    if !failed.is_empty() {
        let reasons: Vec<String> = failed
            .iter()
            .map(|line| format!("{} ({}): {}", line.extension, line.username, line.message))
            .collect();
        return Err(format!("not registered: {}", reasons.join("; ")));
    }
    if !hold && !json {
        println!("Unregistered again (use --hold to stay registered until Ctrl-C).");
    }
    Ok(())
}

/// Waits until every line is registered or has failed (not while it is connecting, nor
/// while the profile is fetched again after a refusal).
pub(crate) async fn wait_until_settled(
    client: &Switchboard,
    accounts: &[AccountSummary],
    limit: Duration,
) -> switchboard_client::LineStatuses {
    let mut changes = client.line_changes();
    let settled = |statuses: &switchboard_client::LineStatuses| {
        accounts.iter().all(|account| {
            statuses
                .get(&account.account_id)
                .is_some_and(|status| !matches!(status, LineStatus::Registering))
        })
    };
    let waited = tokio::time::timeout(limit, async {
        loop {
            if settled(&changes.borrow_and_update()) {
                return;
            }
            if changes.changed().await.is_err() {
                return;
            }
        }
    })
    .await;
    if waited.is_err() {
        eprintln!(
            "switchboard-cli: no answer from the registrar within {} s",
            limit.as_secs()
        );
    }
    client.line_statuses()
}

fn printed(
    account: AccountSummary,
    status: Option<LineStatus>,
    credential: Option<String>,
) -> PrintedLine {
    let message = match &status {
        Some(status) => line_message(status),
        None => "Not registered on this computer.".into(),
    };
    PrintedLine {
        account_id: account.account_id,
        username: account.username,
        display_name: account.display_name,
        extension: account.extension,
        status,
        message,
        credential,
    }
}

fn print_line(line: &PrintedLine) {
    let state = match &line.status {
        None => "not registered".to_owned(),
        Some(LineStatus::Registered { until, .. }) => {
            format!("registered, for {}", in_words(*until - now()))
        }
        Some(LineStatus::Registering) => "connecting".into(),
        Some(LineStatus::WrongCredentials { .. }) => "wrong SIP password".into(),
        Some(LineStatus::Unreachable { next_try_at, .. }) => format!(
            "registrar unreachable, next try in {}",
            in_words(*next_try_at - now())
        ),
        Some(LineStatus::Refused {
            status,
            next_try_at,
        }) => format!(
            "refused ({status}), next try in {}",
            in_words(*next_try_at - now())
        ),
        Some(LineStatus::NotRegistered { .. }) => "not registered".into(),
    };
    let credential = line
        .credential
        .as_deref()
        .map(|user| format!(" Credential: {user} (this computer's own)."))
        .unwrap_or_default();
    println!(
        "{} {} ({}): {state}. {}{credential}",
        line.extension, line.display_name, line.username, line.message
    );
}

fn in_words(seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds < 120 {
        format!("{seconds} s")
    } else {
        format!("{} min", seconds / 60)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn print_json(value: &impl Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|error| error.to_string())?;
    println!("{text}");
    Ok(())
}

fn read_lines_file(path: &Path) -> Option<LinesFile> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Whether the process that wrote the file still runs (else its lines have lapsed).
fn is_running(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        Path::new(&format!("/proc/{pid}")).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_seconds_then_minutes() {
        assert_eq!(in_words(-3), "0 s");
        assert_eq!(in_words(90), "90 s");
        assert_eq!(in_words(600), "10 min");
    }

    #[test]
    fn this_process_is_running_and_a_made_up_one_is_not() {
        assert!(is_running(std::process::id()));
        assert!(!is_running(u32::MAX - 1));
    }
}
