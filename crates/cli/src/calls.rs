//! `switchboard-cli phone call|answer`: calls from a terminal, over the same core as the
//! app (the lines register through the call engine, so calls reach this process). Every
//! change of the call is printed as a line; Ctrl-C hangs up; the lines unregister and the
//! engine stops on the way out.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use switchboard_client::{engine_config, CallState, CallStatuses, LineStatus, Switchboard};
use switchboard_frontend::call_words::ended_message;

use crate::phone::{chosen_accounts, start_lines, wait_until_settled};

/// How long the lines may take to register before a call.
const REGISTER_WITHIN: Duration = Duration::from_secs(30);

pub async fn call(
    client: Arc<Switchboard>,
    data_dir: &Path,
    wanted: Option<String>,
    number: &str,
    talk: Option<u64>,
) -> Result<(), String> {
    let wanted = wanted.or_else(|| {
        client
            .current_account()
            .ok()
            .flatten()
            .map(|account| account.account_id)
    });
    let accounts = chosen_accounts(&client, wanted)?;
    let account = accounts
        .first()
        .cloned()
        .ok_or("no account is signed in here: sign in with `switchboard-cli login`")?;
    let accounts = vec![account.clone()];
    ready_lines(&client, data_dir, &accounts).await?;
    let result = async {
        let call_id = client
            .dial(&account.account_id, number)
            .await
            .map_err(|error| error.to_string())?;
        println!(
            "Calling {number} from {} ({})…",
            account.extension, account.username
        );
        follow(&client, &call_id, talk).await
    }
    .await;
    end(&client).await;
    result
}

pub async fn answer(
    client: Arc<Switchboard>,
    data_dir: &Path,
    wanted: Option<String>,
    timeout: u64,
    talk: Option<u64>,
) -> Result<(), String> {
    let accounts = chosen_accounts(&client, wanted)?;
    ready_lines(&client, data_dir, &accounts).await?;
    let result = async {
        println!("Waiting for a call (up to {timeout} s)…");
        let mut changes = client.call_changes();
        let ringing = tokio::time::timeout(Duration::from_secs(timeout), async {
            loop {
                let ringing = changes
                    .borrow_and_update()
                    .calls
                    .iter()
                    .find(|call| call.state == CallState::Ringing)
                    .cloned();
                if let Some(call) = ringing {
                    return Some(call);
                }
                if changes.changed().await.is_err() {
                    return None;
                }
            }
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| format!("no call came in within {timeout} s"))?;
        let who = match &ringing.peer_name {
            Some(name) => format!("{name} ({})", ringing.peer_number),
            None => ringing.peer_number.clone(),
        };
        println!("Incoming call from {who}: answering.");
        client
            .answer(&ringing.call_id)
            .await
            .map_err(|error| error.to_string())?;
        follow(&client, &ringing.call_id, talk).await
    }
    .await;
    end(&client).await;
    result
}

/// Turns calls on and registers the lines; an error with the reason when one fails.
async fn ready_lines(
    client: &Arc<Switchboard>,
    data_dir: &Path,
    accounts: &[switchboard_api::AccountSummary],
) -> Result<(), String> {
    client
        .enable_calls(engine_config(data_dir, |name| std::env::var(name).ok()))
        .map_err(|error| error.to_string())?;
    start_lines(client, accounts).await?;
    let settled = wait_until_settled(client, accounts, REGISTER_WITHIN).await;
    for account in accounts {
        match settled.get(&account.account_id) {
            Some(LineStatus::Registered { .. }) => {}
            other => {
                end(client).await;
                let said = other
                    .map(switchboard_frontend::line_words::line_message)
                    .unwrap_or_else(|| "no answer from the phone system".into());
                return Err(format!(
                    "{} ({}) is not registered: {said}",
                    account.extension, account.username
                ));
            }
        }
    }
    Ok(())
}

/// Prints the call's states until it ends (the far end hangs up, `talk` seconds after it
/// connected, or Ctrl-C); an error with the reason when it never connected.
async fn follow(client: &Switchboard, call_id: &str, talk: Option<u64>) -> Result<(), String> {
    let mut changes = client.call_changes();
    let mut said = String::new();
    let mut connected = false;
    let mut hang_up_at: Option<tokio::time::Instant> = None;
    loop {
        let now = changes.borrow_and_update().clone();
        match now.calls.iter().find(|call| call.call_id == call_id) {
            Some(call) => {
                let state = match &call.state {
                    CallState::Ringing => "Ringing here",
                    CallState::Calling => "Calling…",
                    CallState::RingingThere => "Ringing…",
                    CallState::Connected { .. } => "Connected",
                };
                if state != said {
                    println!("{state}");
                    said = state.to_owned();
                }
                if matches!(call.state, CallState::Connected { .. }) && !connected {
                    connected = true;
                    hang_up_at = talk
                        .map(|seconds| tokio::time::Instant::now() + Duration::from_secs(seconds));
                }
            }
            None => return ended(&now, call_id, connected),
        }
        let deadline = async {
            match hang_up_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return Err("the call engine stopped".into());
                }
            }
            () = deadline => {
                hang_up_at = None;
                println!("Hanging up.");
                client.hang_up(call_id).await.map_err(|error| error.to_string())?;
            }
            _ = tokio::signal::ctrl_c() => {
                println!("Hanging up.");
                client.hang_up(call_id).await.map_err(|error| error.to_string())?;
            }
        }
    }
}

fn ended(calls: &CallStatuses, call_id: &str, connected: bool) -> Result<(), String> {
    let news = calls
        .last_ended
        .as_ref()
        .filter(|ended| ended.call_id == call_id)
        .and_then(ended_message);
    match (connected, news) {
        (true, _) => {
            println!("Call ended.");
            Ok(())
        }
        (false, Some(news)) => Err(news),
        (false, None) => Err("the call ended before it was answered".into()),
    }
}

async fn end(client: &Switchboard) {
    client.unregister_all_lines().await;
    client.quit_calls().await;
}
