//! Paging (RFC 7644 §3.4.2.4) and the ListResponse message.

use serde_json::{json, Value};

use crate::{schemas, ScimError};

/// startIndex/count as RFC 7644 §3.4.2.4 says: startIndex 1-based, below 1 means 1; count
/// negative means 0, missing means `default_count`, above `max_count` is clamped to
/// max_count. Non-numeric -> invalid_value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// The 1-based index of the first result to return.
    pub start_index: usize,
    /// How many results to return at most.
    pub count: usize,
}

impl Page {
    /// Reads the `startIndex` and `count` query parameters as given (`None` when absent).
    ///
    /// An empty parameter (`?count=`) counts as absent; `default_count` is clamped to
    /// `max_count` too; numbers too large for a `usize` saturate. Anything but an optional
    /// sign and digits (after trimming whitespace) is `invalidValue`.
    pub fn from_query(
        start_index: Option<&str>,
        count: Option<&str>,
        default_count: usize,
        max_count: usize,
    ) -> Result<Page, ScimError> {
        let start_index = match parse_integer("startIndex", start_index)? {
            None => 1,
            Some(Integer::Negative) => 1,
            Some(Integer::NonNegative(n)) => n.max(1),
        };
        let count = match parse_integer("count", count)? {
            None => default_count,
            Some(Integer::Negative) => 0,
            Some(Integer::NonNegative(n)) => n,
        }
        .min(max_count);
        Ok(Page { start_index, count })
    }

    /// The 0-based offset: `start_index - 1`.
    pub fn offset(&self) -> usize {
        self.start_index.saturating_sub(1)
    }
}

enum Integer {
    Negative,
    NonNegative(usize),
}

fn parse_integer(name: &str, raw: Option<&str>) -> Result<Option<Integer>, ScimError> {
    let Some(raw) = raw.map(str::trim).filter(|raw| !raw.is_empty()) else {
        return Ok(None);
    };
    let (negative, digits) = match raw.as_bytes().first() {
        Some(b'-') => (true, &raw[1..]),
        Some(b'+') => (false, &raw[1..]),
        _ => (false, raw),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScimError::invalid_value(format!(
            "{name} must be an integer, not {raw:?}"
        )));
    }
    if negative && digits.bytes().any(|b| b != b'0') {
        return Ok(Some(Integer::Negative));
    }
    Ok(Some(Integer::NonNegative(
        digits.parse::<usize>().unwrap_or(usize::MAX),
    )))
}

/// `{"schemas":[LIST_RESPONSE],"totalResults":total,"startIndex":start,
/// "itemsPerPage":resources.len(),"Resources":[...]}`.
pub fn list_response(total_results: usize, start_index: usize, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [schemas::LIST_RESPONSE],
        "totalResults": total_results,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(start: Option<&str>, count: Option<&str>) -> Result<Page, ScimError> {
        Page::from_query(start, count, 100, 200)
    }

    #[test]
    fn defaults() {
        let p = page(None, None).unwrap();
        assert_eq!(
            p,
            Page {
                start_index: 1,
                count: 100
            }
        );
        assert_eq!(p.offset(), 0);
        assert_eq!(Page::from_query(None, None, 500, 200).unwrap().count, 200);
    }

    #[test]
    fn start_index_below_one_is_one() {
        assert_eq!(page(Some("0"), None).unwrap().start_index, 1);
        assert_eq!(page(Some("-5"), None).unwrap().start_index, 1);
        assert_eq!(page(Some("-0"), None).unwrap().start_index, 1);
        let p = page(Some("51"), Some("10")).unwrap();
        assert_eq!((p.start_index, p.count, p.offset()), (51, 10, 50));
    }

    #[test]
    fn count_negative_is_zero_and_large_is_clamped() {
        assert_eq!(page(None, Some("-1")).unwrap().count, 0);
        assert_eq!(page(None, Some("0")).unwrap().count, 0);
        assert_eq!(page(None, Some("1000")).unwrap().count, 200);
        assert_eq!(
            page(None, Some("99999999999999999999999")).unwrap().count,
            200
        );
        assert_eq!(page(None, Some(" 7 ")).unwrap().count, 7);
        assert_eq!(page(Some("+3"), None).unwrap().start_index, 3);
    }

    #[test]
    fn empty_is_absent() {
        assert_eq!(page(Some(""), Some("")).unwrap(), page(None, None).unwrap());
    }

    #[test]
    fn non_numeric_is_invalid_value() {
        for bad in ["abc", "1.5", "1e3", "-", "10x", "0x10"] {
            let error = page(Some(bad), None).unwrap_err();
            assert_eq!(error.scim_type, Some("invalidValue"), "{bad}");
            assert!(error.detail.contains("startIndex"));
            let error = page(None, Some(bad)).unwrap_err();
            assert!(error.detail.contains("count"));
        }
    }

    #[test]
    fn list_response_shape() {
        let body = list_response(3, 2, vec![json!({"id": "a"})]);
        assert_eq!(
            body,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": 3,
                "startIndex": 2,
                "itemsPerPage": 1,
                "Resources": [{"id": "a"}],
            })
        );
        assert_eq!(list_response(0, 1, vec![])["Resources"], json!([]));
    }
}
