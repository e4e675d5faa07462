//! The TypeScript the front end is written against, generated: one file per type the
//! window sees (`ts-rs`), and `commands.ts`, the `Commands` interface and the command
//! table. `tests/bindings.rs` fails when `ui/src/bindings/` is stale.

use switchboard_api::{AccountChoice, AccountSummary, LinkReason, SecurityOverview, SignInOptions};
use switchboard_client::PhoneSummary;
use ts_rs::TS;

use crate::command_table::CommandSignature;
use crate::email_views::EmailSignInView;
use crate::views::{
    AppInfo, AppView, AuthenticatorSetupView, Notice, NoticeKind, PortalStatus, QrCode,
};
use switchboard_frontend::error_code::{CommandError, ErrorCode};

/// Every type the window sees with its TypeScript declaration.
pub fn typescript_declarations() -> Vec<(String, String)> {
    fn entry<T: TS + 'static>() -> (String, String) {
        let config = ts_rs::Config::default();
        (
            T::name(&config),
            T::export_to_string(&config).unwrap_or_default(),
        )
    }
    vec![
        entry::<AppInfo>(),
        entry::<PortalStatus>(),
        entry::<CommandError>(),
        entry::<ErrorCode>(),
        entry::<switchboard_api::ErrorCode>(),
        entry::<SignInOptions>(),
        entry::<switchboard_api::ProviderOption>(),
        entry::<switchboard_api::ProviderKind>(),
        entry::<AppView>(),
        entry::<EmailSignInView>(),
        entry::<Notice>(),
        entry::<NoticeKind>(),
        entry::<PhoneSummary>(),
        entry::<AccountSummary>(),
        entry::<AccountChoice>(),
        entry::<LinkReason>(),
        entry::<QrCode>(),
        entry::<AuthenticatorSetupView>(),
        entry::<SecurityOverview>(),
        entry::<switchboard_api::AuthenticatorStatus>(),
        entry::<switchboard_api::LinkedProvider>(),
        entry::<switchboard_api::AccountEmail>(),
        entry::<switchboard_api::EmailPurpose>(),
        entry::<switchboard_api::SecurityWarning>(),
        entry::<switchboard_api::SessionInfo>(),
        entry::<switchboard_api::SessionClient>(),
        entry::<switchboard_api::SipTransport>(),
        entry::<crate::line_views::LineView>(),
        entry::<switchboard_client::LineStatus>(),
        entry::<crate::call_views::CallsView>(),
        entry::<crate::call_views::CallView>(),
        entry::<switchboard_client::CallStatus>(),
        entry::<switchboard_client::CallState>(),
    ]
}

/// `snake_case` as the front end names it.
fn camel_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn js_doc(doc: &str, rejects: bool, indent: &str) -> String {
    let mut lines: Vec<String> = doc.lines().map(|line| line.trim().to_owned()).collect();
    if rejects {
        lines.push("Rejects with a `CommandError`.".into());
    }
    let mut out = format!("{indent}/**\n");
    for line in lines.iter().filter(|line| !line.is_empty()) {
        out.push_str(&format!("{indent} * {line}\n"));
    }
    out.push_str(&format!("{indent} */\n"));
    out
}

/// `commands.ts`: the `Commands` interface (one method per command) and `COMMANDS`, each
/// method's Tauri command and argument names.
pub fn commands_module(table: &[CommandSignature]) -> String {
    let known: Vec<String> = typescript_declarations()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let mut used: Vec<&String> = known
        .iter()
        .filter(|name| {
            table.iter().any(|command| {
                let array = format!("Array<{name}>");
                command.answer == **name
                    || command.answer == array
                    || command.params.iter().any(|(_, ty)| ty == *name)
            })
        })
        .collect();
    used.sort();
    let mut out = String::from(
        "// Generated from crates/desktop/src/commands.rs: refresh with\n// `UPDATE_SNAPSHOTS=1 cargo test -p switchboard-desktop --test bindings`. Do not edit.\n",
    );
    for name in used {
        out.push_str(&format!("import type {{ {name} }} from './{name}';\n"));
    }
    out.push_str("\n/** Every command the window can call. */\nexport interface Commands {\n");
    for command in table {
        out.push_str(&js_doc(command.doc, command.rejects, "  "));
        let params: Vec<String> = command
            .params
            .iter()
            .map(|(name, ty)| format!("{}: {ty}", camel_case(name)))
            .collect();
        out.push_str(&format!(
            "  {}({}): Promise<{}>;\n",
            camel_case(command.name),
            params.join(", "),
            command.answer
        ));
    }
    out.push_str("}\n\n/** Each method's Tauri command and the names of its arguments, in order. */\nexport const COMMANDS = {\n");
    for command in table {
        let args: Vec<String> = command
            .params
            .iter()
            .map(|(name, _)| format!("'{}'", camel_case(name)))
            .collect();
        out.push_str(&format!(
            "  {}: {{ command: '{}', args: [{}] }},\n",
            camel_case(command.name),
            command.name,
            args.join(", ")
        ));
    }
    out.push_str("} as const;\n\n/** A Tauri command's name. */\nexport type CommandName = (typeof COMMANDS)[keyof typeof COMMANDS]['command'];\n");
    out
}

/// Every generated file of `ui/src/bindings/`: name (without `.ts`) and contents.
pub fn generated_files() -> Vec<(String, String)> {
    let mut files = typescript_declarations();
    files.push((
        "commands".into(),
        commands_module(&crate::commands::command_table()),
    ));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_in_the_table_with_camel_case_arguments() {
        let module = commands_module(&crate::commands::command_table());
        assert!(
            module.contains(
                "  startSignIn(provider: string, loginHint: string | null): Promise<AppView>;"
            ),
            "{module}"
        );
        assert!(
            module.contains(
                "  startSignIn: { command: 'start_sign_in', args: ['provider', 'loginHint'] },"
            ),
            "{module}"
        );
        assert!(
            module.contains(
                "saveRecoveryCodes(username: string, codes: Array<string>): Promise<string | null>;"
            ),
            "{module}"
        );
        assert_eq!(crate::commands::command_table().len(), 38);
    }
}
