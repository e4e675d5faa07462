//! rsipstack 0.7 reads and writes the SHA-256 digest algorithm as `SHA256`; RFC 7616 and
//! RFC 8760 (and Kamailio, Asterisk, FreeSWITCH) name it `SHA-256`. It computes the SHA-256
//! digest itself correctly, so this inspector only renames the `algorithm` parameter: in
//! challenges as they arrive (`SHA-256` to the stack's `SHA256`) and in answers as they
//! leave (back to `SHA-256`). No other part of a message is touched.

use rsipstack::sip::headers::untyped::{
    Authorization, ProxyAuthenticate, ProxyAuthorization, WwwAuthenticate,
};
use rsipstack::sip::message::HasHeaders;
use rsipstack::sip::{Header, SipMessage};
use rsipstack::transaction::endpoint::MessageInspector;
use rsipstack::transport::SipAddr;

/// (RFC name, the stack's name)
const NAMES: &[(&str, &str)] = &[("SHA-256", "SHA256"), ("SHA-256-sess", "SHA256-sess")];

pub(crate) struct AlgorithmNames;

impl MessageInspector for AlgorithmNames {
    fn before_send(&self, mut msg: SipMessage, _dest: Option<&SipAddr>) -> SipMessage {
        for header in headers_mut(&mut msg).iter_mut() {
            match header {
                Header::Authorization(value) => {
                    if let Some(renamed) = rename(value.value(), Direction::ToRfc) {
                        *value = Authorization::new(renamed);
                    }
                }
                Header::ProxyAuthorization(value) => {
                    if let Some(renamed) = rename(value.value(), Direction::ToRfc) {
                        *value = ProxyAuthorization::new(renamed);
                    }
                }
                _ => {}
            }
        }
        msg
    }

    fn after_received(&self, mut msg: SipMessage, _from: Option<&SipAddr>) -> SipMessage {
        for header in headers_mut(&mut msg).iter_mut() {
            match header {
                Header::WwwAuthenticate(value) => {
                    if let Some(renamed) = rename(value.value(), Direction::ToStack) {
                        *value = WwwAuthenticate::new(renamed);
                    }
                }
                Header::ProxyAuthenticate(value) => {
                    if let Some(renamed) = rename(value.value(), Direction::ToStack) {
                        *value = ProxyAuthenticate::new(renamed);
                    }
                }
                _ => {}
            }
        }
        msg
    }
}

fn headers_mut(msg: &mut SipMessage) -> &mut rsipstack::sip::Headers {
    match msg {
        SipMessage::Request(request) => request.headers_mut(),
        SipMessage::Response(response) => response.headers_mut(),
    }
}

#[derive(Clone, Copy)]
enum Direction {
    ToStack,
    ToRfc,
}

/// The header value with its `algorithm` parameter renamed, when it names one of [`NAMES`].
fn rename(value: &str, direction: Direction) -> Option<String> {
    let lower = value.to_ascii_lowercase();
    let key = "algorithm=";
    let mut search_from = 0;
    while let Some(found) = lower[search_from..].find(key) {
        let start = search_from + found;
        // A parameter name starts the value or follows a separator.
        let at_boundary = lower[..start]
            .chars()
            .next_back()
            .is_none_or(|c| c == ',' || c == ' ' || c == '\t');
        let token_start = start + key.len();
        if !at_boundary {
            search_from = token_start;
            continue;
        }
        let quoted = value[token_start..].starts_with('"');
        let name_start = token_start + usize::from(quoted);
        let name_end = value[name_start..]
            .find(|c: char| c == ',' || c == '"' || c.is_whitespace())
            .map_or(value.len(), |end| name_start + end);
        let name = &value[name_start..name_end];
        let replacement = NAMES.iter().find_map(|(rfc, stack)| match direction {
            Direction::ToStack if name.eq_ignore_ascii_case(rfc) => Some(*stack),
            Direction::ToRfc if name.eq_ignore_ascii_case(stack) => Some(*rfc),
            _ => None,
        })?;
        return Some(format!(
            "{}{replacement}{}",
            &value[..name_start],
            &value[name_end..]
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_naming_sha_256_is_renamed_for_the_stack() {
        let challenge =
            r#"Digest realm="sip.acme.example", nonce="abc", qop="auth", algorithm=SHA-256"#;
        assert_eq!(
            rename(challenge, Direction::ToStack).unwrap(),
            r#"Digest realm="sip.acme.example", nonce="abc", qop="auth", algorithm=SHA256"#
        );
        let quoted = r#"Digest algorithm="sha-256-sess", realm="r""#;
        assert_eq!(
            rename(quoted, Direction::ToStack).unwrap(),
            r#"Digest algorithm="SHA256-sess", realm="r""#
        );
    }

    #[test]
    fn an_answer_gets_the_rfc_name_back() {
        let answer = r#"Digest username="201-auth", realm="r", nonce="n", uri="sip:r", response="00", algorithm=SHA256, cnonce="c", qop=auth, nc=00000001"#;
        assert_eq!(
            rename(answer, Direction::ToRfc).unwrap(),
            r#"Digest username="201-auth", realm="r", nonce="n", uri="sip:r", response="00", algorithm=SHA-256, cnonce="c", qop=auth, nc=00000001"#
        );
    }

    #[test]
    fn md5_and_other_parameters_are_left_alone() {
        assert_eq!(
            rename(r#"Digest realm="r", algorithm=MD5"#, Direction::ToStack),
            None
        );
        assert_eq!(
            rename(r#"Digest realm="r", algorithm=MD5"#, Direction::ToRfc),
            None
        );
        // Only a parameter named `algorithm`, not one ending so.
        assert_eq!(
            rename(r#"Digest xalgorithm=SHA-256"#, Direction::ToStack),
            None
        );
        assert_eq!(rename(r#"Digest realm="r""#, Direction::ToStack), None);
    }
}
