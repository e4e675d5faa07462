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
}
