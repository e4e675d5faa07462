//! The steps after a sign-in, in a terminal: choose an account, link with the password,
//! the authenticator code; and how outcomes and errors are printed.

use std::io::{BufRead, Write};

use switchboard_client::{ClientError, SignInOutcome, Switchboard};
use switchboard_frontend::error_code::{message, ErrorCode};
use switchboard_frontend::words::link_reason_text;

pub fn failure(error: ClientError) -> String {
    format!("{} [{}]", message(&error), ErrorCode::of(&error).as_str())
}

pub fn print_outcome(outcome: &SignInOutcome) {
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
pub fn matches_account(wanted: &str, id: &str, extension: &str, names: &[&str]) -> bool {
    let wanted = wanted.trim();
    wanted == id || wanted == extension || names.iter().any(|n| n.eq_ignore_ascii_case(wanted))
}

pub async fn read_line(prompt: &str) -> Result<String, String> {
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

pub struct StepAnswers {
    pub account: Option<String>,
    pub remember: bool,
    pub username: Option<String>,
    pub code: Option<String>,
}

/// Takes the choose and link steps the portal asks for until signed in (or a step this
/// version cannot take).
pub async fn finish_steps(
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
                ..
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
                    link_reason_text(reason, &provider_name, email.as_deref())
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

pub fn password_from_env_or_prompt() -> Result<String, String> {
    match std::env::var("SWITCHBOARD_PASSWORD") {
        Ok(password) => Ok(password),
        Err(_) => rpassword::prompt_password("Password: ")
            .map_err(|error| format!("cannot read the password: {error}")),
    }
}
