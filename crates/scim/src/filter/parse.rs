//! A recursive-descent parser for RFC 7644's filter grammar (§3.4.2.2) and PATCH paths
//! (§3.5.2): `or` binds loosest, then `and`, then `not`.

use serde_json::Value;

use super::lex::{self, Tok, Token};
use super::{AttrPath, CompareOp, Filter, MAX_DEPTH, MAX_FILTER_BYTES};
use crate::{schemas, ScimError};

fn filter_error(detail: String) -> ScimError {
    ScimError::invalid_filter(detail)
}

fn path_error(detail: String) -> ScimError {
    ScimError::invalid_path(detail)
}

/// Parses a whole filter.
pub(super) fn filter(input: &str) -> Result<Filter, ScimError> {
    let mut parser = Parser::new(input, "filter", filter_error)?;
    let filter = parser.or_expr(false)?;
    parser.finish()?;
    Ok(filter)
}

/// Parses a whole PATCH path.
pub(super) fn patch_path(input: &str) -> Result<AttrPath, ScimError> {
    let mut parser = Parser::new(input, "path", path_error)?;
    let path = parser.path(false)?;
    parser.finish()?;
    Ok(path)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    text: Vec<char>,
    error: fn(String) -> ScimError,
}

fn is_keyword(token: Option<&Token>, keyword: &str) -> bool {
    matches!(token, Some(Token { tok: Tok::Word(word), .. }) if word.eq_ignore_ascii_case(keyword))
}

fn is_operator(token: Option<&Token>) -> bool {
    matches!(token, Some(Token { tok: Tok::Word(word), .. })
        if word.eq_ignore_ascii_case("pr") || CompareOp::from_keyword(word).is_some())
}

impl Parser {
    fn new(input: &str, what: &str, error: fn(String) -> ScimError) -> Result<Parser, ScimError> {
        if input.len() > MAX_FILTER_BYTES {
            return Err(error(format!(
                "the {what} is longer than {MAX_FILTER_BYTES} bytes"
            )));
        }
        let tokens = lex::tokens(input, error)?;
        if tokens.is_empty() {
            return Err(error(format!("the {what} is empty")));
        }
        Ok(Parser {
            tokens,
            pos: 0,
            depth: 0,
            text: input.chars().collect(),
            error,
        })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    /// The 1-based character position of the next token (or just past the end).
    fn here(&self) -> usize {
        self.peek().map_or(self.text.len(), |token| token.start) + 1
    }

    fn fail<T>(&self, detail: String) -> Result<T, ScimError> {
        Err((self.error)(detail))
    }

    fn enter(&mut self) -> Result<(), ScimError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail(format!(
                "nested deeper than {MAX_DEPTH} levels at character {}",
                self.here()
            ));
        }
        Ok(())
    }

    fn finish(&self) -> Result<(), ScimError> {
        match self.peek() {
            None => Ok(()),
            Some(token) if token.tok == Tok::RParen => self.fail(format!(
                "unbalanced parenthesis: \")\" at character {} has no matching \"(\"",
                token.start + 1
            )),
            Some(token) if token.tok == Tok::RBracket => self.fail(format!(
                "unbalanced bracket: \"]\" at character {} has no matching \"[\"",
                token.start + 1
            )),
            Some(token) => self.fail(format!(
                "unexpected {} at character {}",
                token.describe(),
                token.start + 1
            )),
        }
    }

    fn or_expr(&mut self, inner: bool) -> Result<Filter, ScimError> {
        let mut left = self.and_expr(inner)?;
        while is_keyword(self.peek(), "or") {
            self.pos += 1;
            let right = self.and_expr(inner)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self, inner: bool) -> Result<Filter, ScimError> {
        let mut left = self.unary(inner)?;
        while is_keyword(self.peek(), "and") {
            self.pos += 1;
            let right = self.unary(inner)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, inner: bool) -> Result<Filter, ScimError> {
        self.enter()?;
        let filter = if is_keyword(self.peek(), "not")
            && !is_operator(self.tokens.get(self.pos + 1))
        {
            self.pos += 1;
            Filter::Not(Box::new(self.unary(inner)?))
        } else if let Some(open) = self.peek().filter(|t| t.tok == Tok::LParen) {
            let open = open.start + 1;
            self.pos += 1;
            let filter = self.or_expr(inner)?;
            match self.peek() {
                Some(token) if token.tok == Tok::RParen => self.pos += 1,
                Some(token) => {
                    return self.fail(format!(
                        "expected \")\" at character {}, found {} (the \"(\" at character {open} is not closed)",
                        token.start + 1,
                        token.describe()
                    ))
                }
                None => {
                    return self.fail(format!(
                        "unbalanced parenthesis: the \"(\" at character {open} is not closed"
                    ))
                }
            }
            filter
        } else {
            self.attr_expr(inner)?
        };
        self.depth -= 1;
        Ok(filter)
    }

    fn attr_expr(&mut self, inner: bool) -> Result<Filter, ScimError> {
        let start = self.peek().map_or(0, |token| token.start);
        let path = self.path(inner)?;
        let end = self
            .tokens
            .get(self.pos.wrapping_sub(1))
            .map_or(start, |t| t.end);
        let path_text: String = self
            .text
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .collect();
        let next = self.peek();
        if is_keyword(next, "pr") {
            self.pos += 1;
            return Ok(Filter::Present(path));
        }
        if let Some(Token {
            tok: Tok::Word(word),
            ..
        }) = next
        {
            if let Some(op) = CompareOp::from_keyword(word) {
                let word = word.clone();
                self.pos += 1;
                let value = self.literal(op, &word)?;
                return Ok(Filter::Compare { path, op, value });
            }
        }
        let ends_expression = match next {
            None => true,
            Some(token) => {
                matches!(token.tok, Tok::RParen | Tok::RBracket)
                    || is_keyword(Some(token), "and")
                    || is_keyword(Some(token), "or")
            }
        };
        if path.filter.is_some() && path.sub.is_none() && ends_expression {
            return Ok(Filter::ValuePath(path));
        }
        match next {
            Some(Token {
                tok: Tok::Word(word),
                start,
                ..
            }) if !["and", "or", "not"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(word)) =>
            {
                self.fail(format!(
                    "unknown operator {word:?} at character {}",
                    start + 1
                ))
            }
            _ => self.fail(format!(
                "expected an operator after {path_text:?} at character {}",
                self.here()
            )),
        }
    }

    fn literal(&mut self, op: CompareOp, op_word: &str) -> Result<Value, ScimError> {
        let at = self.here();
        let value = match self.peek().map(|token| &token.tok) {
            Some(Tok::Str(s)) => Value::String(s.clone()),
            Some(Tok::Num(n)) => Value::Number(n.clone()),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Value::Bool(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Value::Bool(false),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Value::Null,
            _ => {
                return self.fail(format!(
                    "expected a value (a \"string\", number, true, false or null) after {op_word:?} at character {at}"
                ))
            }
        };
        self.pos += 1;
        match op {
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew if !value.is_string() => self.fail(
                format!("{op_word:?} needs a string value, at character {at}"),
            ),
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
                if value.is_boolean() || value.is_null() =>
            {
                self.fail(format!(
                    "{op_word:?} cannot compare with {value}, at character {at}"
                ))
            }
            _ => Ok(value),
        }
    }

    /// `[urn:]attr[.sub]` or `[urn:]attr[valFilter][.sub]`.
    pub(super) fn path(&mut self, inner: bool) -> Result<AttrPath, ScimError> {
        let (word, word_start) = match self.peek() {
            Some(Token {
                tok: Tok::Word(word),
                start,
                ..
            }) if !word.starts_with('.') => (word.clone(), *start),
            Some(token) => {
                return self.fail(format!(
                    "expected an attribute at character {}, found {}",
                    token.start + 1,
                    token.describe()
                ))
            }
            None => {
                return self.fail(format!(
                    "expected an attribute at character {}",
                    self.here()
                ))
            }
        };
        self.pos += 1;
        let (schema, attr, mut sub) = self.split_word(&word, word_start)?;
        let mut filter = None;
        if let Some(open) = self.peek().filter(|t| t.tok == Tok::LBracket) {
            let open = open.start + 1;
            if inner {
                return self.fail(format!(
                    "a value filter cannot be nested in another, at character {open}"
                ));
            }
            if sub.is_some() {
                return self.fail(format!(
                    "a value filter must follow the attribute, not a sub-attribute, at character {open}"
                ));
            }
            self.pos += 1;
            self.enter()?;
            let inner_filter = self.or_expr(true)?;
            self.depth -= 1;
            let close_end = match self.peek() {
                Some(token) if token.tok == Tok::RBracket => token.end,
                Some(token) => {
                    return self.fail(format!(
                        "expected \"]\" at character {}, found {} (the \"[\" at character {open} is not closed)",
                        token.start + 1,
                        token.describe()
                    ))
                }
                None => {
                    return self.fail(format!(
                        "unbalanced bracket: the \"[\" at character {open} is not closed"
                    ))
                }
            };
            self.pos += 1;
            filter = Some(Box::new(inner_filter));
            if let Some(Token {
                tok: Tok::Word(word),
                start,
                ..
            }) = self.peek()
            {
                if let Some(name) = word.strip_prefix('.').filter(|_| *start == close_end) {
                    let at = start + 1;
                    if !valid_name(name) {
                        return self
                            .fail(format!("invalid sub-attribute {word:?} at character {at}"));
                    }
                    sub = Some(name.to_owned());
                    self.pos += 1;
                }
            }
        }
        Ok(AttrPath {
            schema,
            attr,
            filter,
            sub,
        })
    }

    /// `urn:...:attr.sub` into its schema, attribute and sub-attribute.
    fn split_word(
        &self,
        word: &str,
        start: usize,
    ) -> Result<(Option<String>, String, Option<String>), ScimError> {
        let invalid = || {
            self.fail(format!(
                "invalid attribute path {word:?} at character {}",
                start + 1
            ))
        };
        let known = [schemas::USER, schemas::ENTERPRISE_USER]
            .into_iter()
            .find(|urn| {
                word.len() > urn.len()
                    && word.is_char_boundary(urn.len())
                    && word[..urn.len()].eq_ignore_ascii_case(urn)
                    && word[urn.len()..].starts_with(':')
            });
        let (schema, rest) = match known {
            Some(urn) => (Some(urn.to_owned()), &word[urn.len() + 1..]),
            None if word.len() >= 4 && word[..4].eq_ignore_ascii_case("urn:") => {
                match word.rfind(':') {
                    Some(i) => (Some(word[..i].to_owned()), &word[i + 1..]),
                    None => return invalid(),
                }
            }
            None => (None, word),
        };
        let (attr, sub) = match rest.split_once('.') {
            Some((attr, sub)) => (attr, Some(sub)),
            None => (rest, None),
        };
        if !valid_name(attr) || !sub.is_none_or(valid_name) {
            return invalid();
        }
        Ok((schema, attr.to_owned(), sub.map(str::to_owned)))
    }
}

/// RFC 7643's ATTRNAME (`ALPHA *(nameChar)`), plus `$ref`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '$' => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }
        _ => false,
    }
}
