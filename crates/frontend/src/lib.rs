//! The layer both front ends share, the window (`switchboard-desktop`) and the terminal
//! (`switchboard-cli`): the browser sign-in flow and its loopback listener, the error codes
//! with their sentences, and every other sentence a user reads. A sentence both show is
//! written here once; the window receives it in its views, never rewritten in TypeScript.

pub mod browser_flow;
pub mod call_words;
pub mod error_code;
pub mod line_words;
pub mod loopback;
pub mod words;

pub use browser_flow::{Browser, BrowserSignIn, BrowserUnavailable, ProgramBrowser, Redirect};
pub use error_code::{message, CommandError, ErrorCode};
