//! The filter's tokens. Positions are 0-based character indexes; messages add 1.

use serde_json::{Number, Value};

use crate::ScimError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// An attribute path, operator, `and`/`or`/`not`, `true`/`false`/`null`, or (after
    /// `]`) a `.sub` attribute.
    Word(String),
    /// A JSON string, unescaped.
    Str(String),
    /// A JSON number.
    Num(Number),
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    /// The index of its first character.
    pub start: usize,
    /// The index just past its last character.
    pub end: usize,
}

impl Token {
    /// The token as the input has it, for messages.
    pub fn describe(&self) -> String {
        match &self.tok {
            Tok::LParen => "\"(\"".to_owned(),
            Tok::RParen => "\")\"".to_owned(),
            Tok::LBracket => "\"[\"".to_owned(),
            Tok::RBracket => "\"]\"".to_owned(),
            Tok::Word(word) => format!("{word:?}"),
            Tok::Str(s) => Value::from(s.as_str()).to_string(),
            Tok::Num(n) => n.to_string(),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.' | '$')
}

/// Splits `input` into tokens; `error` makes the error of the caller's kind.
pub(super) fn tokens(input: &str, error: fn(String) -> ScimError) -> Result<Vec<Token>, ScimError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '"' => {
                i += 1;
                let mut escaped = false;
                while i < chars.len() && (escaped || chars[i] != '"') {
                    escaped = !escaped && chars[i] == '\\';
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(error(format!(
                        "unterminated string starting at character {}",
                        start + 1
                    )));
                }
                let raw: String = chars[start..=i].iter().collect();
                let s: String = serde_json::from_str(&raw)
                    .map_err(|_| error(format!("invalid string at character {}", start + 1)))?;
                Tok::Str(s)
            }
            c if c.is_ascii_digit() || c == '-' => {
                while i + 1 < chars.len()
                    && (chars[i + 1].is_ascii_alphanumeric()
                        || matches!(chars[i + 1], '.' | '+' | '-'))
                {
                    i += 1;
                }
                let raw: String = chars[start..=i].iter().collect();
                let n: Number = serde_json::from_str(&raw).map_err(|_| {
                    error(format!("invalid number {raw:?} at character {}", start + 1))
                })?;
                Tok::Num(n)
            }
            c if is_word_char(c) => {
                while i + 1 < chars.len() && is_word_char(chars[i + 1]) {
                    i += 1;
                }
                Tok::Word(chars[start..=i].iter().collect())
            }
            other => {
                return Err(error(format!(
                    "unexpected {other:?} at character {}",
                    start + 1
                )))
            }
        };
        i += 1;
        out.push(Token { tok, start, end: i });
    }
    Ok(out)
}
