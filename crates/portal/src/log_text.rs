//! Values from outside (a provider's error, a path segment, a remote server's message)
//! shown in log lines: control characters (a newline would start a forged line), bidi
//! controls and other invisible format characters are written escaped, and long values are
//! cut, so a log line says only what the portal wrote.

use std::fmt;

/// Characters kept in a logged value at most.
const MAX_CHARS: usize = 300;

/// `%Outside(text)` in a tracing macro: the text, escaped.
pub struct Outside<'a>(pub &'a str);

/// Unicode's format characters that reorder or hide text (bidi overrides and isolates,
/// zero-width characters).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

impl fmt::Display for Outside<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, c) in self.0.chars().enumerate() {
            if index == MAX_CHARS {
                return f.write_str("…");
            }
            if c.is_control() || is_invisible(c) || c == '\\' {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// An error from outside (it may quote a remote server), escaped like [`Outside`].
pub fn outside_error(error: &impl fmt::Display) -> String {
    Outside(&error.to_string()).to_string()
}

/// An error with its causes, each said once: "what failed: why", where a cause whose words
/// the message already holds (errors that print their source themselves) is not repeated.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(source) = cause {
        let words = source.to_string();
        if !text.contains(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        cause = source.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_controls_and_bidi_are_escaped_and_long_values_cut() {
        let forged =
            "access_denied\n2026-01-01T00:00:00Z INFO admin signed in\r\u{1b}[2J\u{202e}gnp.exe";
        let shown = Outside(forged).to_string();
        assert!(!shown.contains('\n') && !shown.contains('\r') && !shown.contains('\u{1b}'));
        assert!(!shown.contains('\u{202e}'));
        assert!(shown.starts_with("access_denied\\n2026-01-01"), "{shown}");
        assert!(shown.contains("\\u{202e}"), "{shown}");
        assert_eq!(
            Outside("plain text, déjà vu").to_string(),
            "plain text, déjà vu"
        );
        // A backslash is escaped too, so an escape in the log was always ours.
        assert_eq!(Outside("a\\nb").to_string(), "a\\\\nb");
        let long = "x".repeat(1000);
        assert_eq!(Outside(&long).to_string().chars().count(), MAX_CHARS + 1);
    }

    #[test]
    fn an_error_and_its_causes_are_each_said_once() {
        let missing =
            crate::config::PortalConfig::load(std::path::Path::new("/no/such/portal.toml"))
                .unwrap_err();
        let said = error_chain(&missing);
        assert_eq!(
            said.matches("No such file or directory").count(),
            1,
            "{said}"
        );
        assert!(said.starts_with("cannot read the portal configuration /no/such/portal.toml"));
        // A cause the message does not hold is added after it.
        #[derive(Debug)]
        struct Starting(crate::config::ConfigError);
        impl std::fmt::Display for Starting {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the portal did not start")
            }
        }
        impl std::error::Error for Starting {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let said = error_chain(&Starting(missing));
        assert!(
            said.starts_with("the portal did not start: cannot read the portal configuration"),
            "{said}"
        );
        assert_eq!(
            said.matches("No such file or directory").count(),
            1,
            "{said}"
        );
    }
}
