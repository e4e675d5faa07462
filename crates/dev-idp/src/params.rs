//! `application/x-www-form-urlencoded` parameters, as OAuth reads them: in order, empty
//! values count as absent (RFC 6749 §3.1), and a parameter given twice is an error.

/// Parsed query or form parameters, in the order given.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(input: &[u8]) -> Self {
        Self {
            pairs: url::form_urlencoded::parse(input)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// The value of `name`: `Ok(None)` when absent or empty, `Err` (a description for
    /// `invalid_request`) when given more than once.
    pub fn one(&self, name: &str) -> Result<Option<&str>, String> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(format!("The parameter {name} is given more than once."));
        }
        Ok(first)
    }

    /// Every pair but those named in `without`.
    pub fn pairs_without<'a>(
        &'a self,
        without: &'a [&str],
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| !without.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space, `%XX` a
/// byte), as HTTP Basic client credentials are encoded (RFC 6749 §2.3.1). Malformed escapes
/// are kept as they are.
pub fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_absent_and_duplicates_are_errors() {
        let params = Params::parse(b"a=1&b=&c=x&c=y&d=%20z");
        assert_eq!(params.one("a"), Ok(Some("1")));
        assert_eq!(params.one("b"), Ok(None));
        assert_eq!(params.one("missing"), Ok(None));
        assert!(params.one("c").is_err());
        assert_eq!(params.one("d"), Ok(Some(" z")));
        let rest: Vec<_> = params.pairs_without(&["c", "b"]).collect();
        assert_eq!(rest, [("a", "1"), ("d", " z")]);
    }

    #[test]
    fn form_decoding_handles_plus_escapes_and_malformed_escapes() {
        assert_eq!(form_decode("a+b%3Ac%25"), "a b:c%");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz"), "%zz");
        assert_eq!(form_decode("dev-idp-demo-secret"), "dev-idp-demo-secret");
    }
}
