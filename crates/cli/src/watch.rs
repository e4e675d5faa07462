//! `switchboard-cli watch`: follows the portal's event stream of every account signed in
//! here and prints what it says, as the app would show it: a sign-out made elsewhere (the
//! account is then forgotten here, its keychain entries wiped), a change of the phone
//! settings. Ends when no account is left, or on Ctrl-C.

use std::sync::Arc;

use switchboard_client::{PortalNotice, Switchboard};
use tokio::sync::broadcast::error::RecvError;

use crate::failure;

pub async fn watch(client: Arc<Switchboard>, json: bool) -> Result<(), String> {
    if client.signed_in_accounts().map_err(failure)?.is_empty() {
        return Err("no account is signed in here: sign in with `switchboard-cli login`".into());
    }
    let mut notices = client.portal_notices();
    client.follow_portal();
    loop {
        let notice = tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            notice = notices.recv() => notice,
        };
        let notice = match notice {
            Ok(notice) => notice,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return Ok(()),
        };
        if json {
            println!("{}", json_line(&notice));
        } else {
            println!("{}", notice.sentence());
        }
        if matches!(notice, PortalNotice::SignedOut { .. })
            && client.signed_in_accounts().map_err(failure)?.is_empty()
        {
            if !json {
                println!("step: signed_out");
            }
            return Ok(());
        }
    }
}

/// One notice as a JSON line: `{"event": …, "username": …, "message": …}`.
fn json_line(notice: &PortalNotice) -> serde_json::Value {
    let (event, account, reason) = match notice {
        PortalNotice::Following { account } => ("following", account, None),
        PortalNotice::SignedOut { account, reason } => ("signed_out", account, Some(reason)),
        PortalNotice::ProfileChanged { account } => ("profile_changed", account, None),
        PortalNotice::PolicyChanged { account } => ("policy_changed", account, None),
        PortalNotice::StreamDown { account, .. } => ("stream_down", account, None),
    };
    serde_json::json!({
        "event": event,
        "username": account.username,
        "reason": reason,
        "message": notice.sentence(),
    })
}
