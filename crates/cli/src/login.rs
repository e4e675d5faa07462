//! Signing in through the browser from a terminal: the same browser flow as the window
//! (`switchboard_frontend::browser_flow`), always with a loopback port, or without a browser:
//! the link printed and the address the browser ends on read back.

use std::io::{BufRead, Write};

use switchboard_client::{SignInOutcome, Switchboard};
use switchboard_frontend::browser_flow::{Browser, BrowserSignIn, ProgramBrowser, Redirect};
use switchboard_frontend::words::{choose_provider_message, no_single_sign_on_message};
use url::Url;

use crate::steps::failure;

/// `login --email`: the provider the email's domain has, started with the email as hint.
pub async fn login_with_email(
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

pub async fn login(
    client: &Switchboard,
    provider: &str,
    login_hint: Option<&str>,
    no_browser: bool,
) -> Result<SignInOutcome, String> {
    // Loopback redirect (RFC 8252 §7.3): the browser comes back to this port.
    let redirect = Redirect::loopback()
        .await
        .map_err(|error| error.to_string())?;
    let redirect_uri = redirect.uri();
    let (start, provider_name) = client
        .begin_sign_in(provider, login_hint, &redirect_uri)
        .await
        .map_err(failure)?;
    let sign_in = BrowserSignIn::without_browser(start, provider_name, redirect);
    let link = if no_browser {
        println!(
            "Open this link in a browser and sign in with {}:",
            sign_in.provider_name
        );
        println!("{}", sign_in.authorize_url);
        println!("Then paste the address the browser ends on (it starts with {redirect_uri}):");
        let _ = std::io::stdout().flush();
        // The port closes: the address is pasted here instead.
        drop(sign_in);
        let line = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map(|_| line)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|error| format!("cannot read the address: {error}"))?;
        Url::parse(line.trim()).map_err(|_| "that is not an address; run login again".to_owned())?
    } else {
        println!(
            "Opening your browser to sign in with {}. If it does not open, use this link:",
            sign_in.provider_name
        );
        println!("{}", sign_in.authorize_url);
        if let Err(error) = system_browser().open(&sign_in.authorize_url) {
            eprintln!("switchboard-cli: {error}; open the link above yourself");
        }
        match sign_in.loopback_link(client).await {
            Some(Ok(link)) => link,
            Some(Err(error)) if error.kind() == std::io::ErrorKind::TimedOut => {
                return Err("the browser did not come back in time; run login again".to_owned())
            }
            Some(Err(error)) => return Err(format!("the browser's return failed: {error}")),
            None => {
                return Err(
                    "the sign-in ended before the browser came back; run login again".to_owned(),
                )
            }
        }
    };
    client.complete_sign_in(&link).await.map_err(failure)
}

/// `BROWSER` when set, else the system's opener.
fn system_browser() -> ProgramBrowser {
    let program = if let Some(browser) = std::env::var_os("BROWSER") {
        browser
    } else if cfg!(target_os = "macos") {
        "open".into()
    } else if cfg!(windows) {
        "explorer".into()
    } else {
        "xdg-open".into()
    };
    ProgramBrowser(program.into())
}
