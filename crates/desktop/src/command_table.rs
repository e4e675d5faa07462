//! Commands written once. `commands!` takes each command as a plain async function of the
//! app and emits: the function itself (what tests and other callers use), its entry in
//! [`CommandSignature`]s (from which the TypeScript `Commands` interface is generated, so a
//! renamed command fails the front end's type check), and with the `tauri` feature a
//! Tauri command of the same name plus the handler that registers them all.

use ts_rs::TS;

use crate::email_views::EmailSignInView;
use crate::views::{AppInfo, AppView, PortalStatus};
use switchboard_frontend::error_code::CommandError;

/// A command as the front end sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSignature {
    /// The Tauri command name (snake_case).
    pub name: &'static str,
    pub doc: &'static str,
    /// Each parameter's Rust name and TypeScript type.
    pub params: Vec<(&'static str, String)>,
    /// The TypeScript type the promise resolves to.
    pub answer: String,
    /// Whether the command can reject with a `CommandError`.
    pub rejects: bool,
}

/// What a command answers, as TypeScript.
pub trait Answer {
    fn typescript() -> String;
    fn rejects() -> bool {
        false
    }
}

macro_rules! plain_answers {
    ($($answer:ty),*) => {
        $(impl Answer for $answer {
            fn typescript() -> String {
                <$answer as TS>::name(&ts_rs::Config::default())
            }
        })*
    };
}

plain_answers!(
    AppView,
    AppInfo,
    PortalStatus,
    EmailSignInView,
    String,
    Option<String>,
    Vec<crate::line_views::LineView>,
    crate::call_views::CallsView
);

impl<T: Answer> Answer for Result<T, CommandError> {
    fn typescript() -> String {
        T::typescript()
    }
    fn rejects() -> bool {
        true
    }
}

macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])*
        async fn $name:ident($app:ident $(, $arg:ident : $argty:ty)* $(,)?) -> $answer:ty $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            pub async fn $name($app: &std::sync::Arc<$crate::App> $(, $arg: $argty)*) -> $answer $body
        )*

        /// Every command with its parameters and answer, in order.
        pub fn command_table() -> Vec<$crate::command_table::CommandSignature> {
            let config = ts_rs::Config::default();
            vec![$($crate::command_table::CommandSignature {
                name: stringify!($name),
                doc: concat!($($doc, "\n"),*),
                params: vec![$((stringify!($arg), <$argty as ts_rs::TS>::name(&config))),*],
                answer: <$answer as $crate::command_table::Answer>::typescript(),
                rejects: <$answer as $crate::command_table::Answer>::rejects(),
            }),*]
        }

        /// The commands as Tauri commands: each takes the app from Tauri's managed state
        /// (an `Arc<App>`) and calls the function of the same name.
        #[cfg(feature = "tauri")]
        pub mod tauri_commands {
            #[allow(unused_imports)]
            use super::*;
            use tauri::Manager;

            $(
                #[tauri::command]
                async fn $name<R: tauri::Runtime>(
                    handle: tauri::AppHandle<R> $(, $arg: $argty)*
                ) -> $answer {
                    let app = std::sync::Arc::clone(handle.state::<std::sync::Arc<$crate::App>>().inner());
                    super::$name(&app $(, $arg)*).await
                }
            )*

            /// Every command, for `tauri::Builder::invoke_handler`.
            pub fn handler<R: tauri::Runtime>(
            ) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
                tauri::generate_handler![$($name),*]
            }
        }
    };
}

pub(crate) use commands;
