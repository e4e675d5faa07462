//! What the engine tells: registrations and calls, from baresip's JSON events.

use serde::Deserialize;

/// Which way a call goes, seen from this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Incoming,
    Outgoing,
}

/// A call as an event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    /// The engine's id of the call (the handle for answer, hang up, hold…).
    pub id: String,
    /// The line's address of record (`sip:201@sip.acme.example`).
    pub line: String,
    pub direction: Direction,
    /// The other side's address (`sip:210@sip.acme.example`).
    pub peer_uri: String,
    /// The other side's display name, when its request carried one.
    pub peer_name: Option<String>,
}

impl CallInfo {
    /// The other side's number: the user part of its address (`210`), else the address.
    pub fn peer_number(&self) -> &str {
        let address = self
            .peer_uri
            .strip_prefix("sips:")
            .or_else(|| self.peer_uri.strip_prefix("sip:"))
            .or_else(|| self.peer_uri.strip_prefix("tel:"))
            .unwrap_or(&self.peer_uri);
        address.split(['@', ';']).next().unwrap_or(address)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEvent {
    /// A REGISTER of the line is on its way.
    Registering { line: String },
    /// The registrar holds the line's contact.
    Registered { line: String },
    /// The registrar refused the line, or did not answer: `status` when it answered.
    RegisterFailed {
        line: String,
        status: Option<u16>,
        reason: String,
    },
    /// The line's contact is being removed (`Expires: 0`).
    Unregistering { line: String },
    /// A call rings here.
    Incoming(CallInfo),
    /// The far end rings (180).
    Ringing(CallInfo),
    /// Early media from the far end (183).
    Progress(CallInfo),
    /// The call is up: both sides talk.
    Established(CallInfo),
    /// The call ended; `status` when a SIP answer ended it (486 Busy Here, 480…).
    Closed {
        call: CallInfo,
        status: Option<u16>,
        reason: String,
    },
    /// The far end pressed a key (RFC 4733).
    Dtmf { call: CallInfo, key: char },
    /// Any other event, by its type (`CALL_RTCP`, `VU_RX`…).
    Other { kind: String },
}

/// One message of the control interface: an event, or the answer to a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Message {
    Event(EngineEvent),
    Response {
        token: Option<String>,
        ok: bool,
        data: String,
    },
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    event: Option<serde_json::Value>,
    #[serde(default)]
    response: Option<bool>,
    #[serde(default)]
    ok: Option<bool>,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    param: Option<String>,
    #[serde(default)]
    accountaor: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    peeruri: Option<String>,
    #[serde(default)]
    peerdisplayname: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

pub(crate) fn parse(json: &[u8]) -> Result<Message, serde_json::Error> {
    let raw: Raw = serde_json::from_slice(json)?;
    if raw.response == Some(true) {
        return Ok(Message::Response {
            token: raw.token,
            ok: raw.ok.unwrap_or(false),
            data: raw.data.unwrap_or_default(),
        });
    }
    let _ = raw.event;
    Ok(Message::Event(event(raw)))
}

fn event(raw: Raw) -> EngineEvent {
    let kind = raw.kind.clone().unwrap_or_default();
    let line = raw.accountaor.clone().unwrap_or_default();
    let param = raw.param.clone().unwrap_or_default();
    let call = || {
        Some(CallInfo {
            id: raw.id.clone()?,
            line: line.clone(),
            direction: match raw.direction.as_deref() {
                Some("outgoing") => Direction::Outgoing,
                _ => Direction::Incoming,
            },
            peer_uri: raw.peeruri.clone().unwrap_or_default(),
            peer_name: raw.peerdisplayname.clone().filter(|name| !name.is_empty()),
        })
    };
    let with_call = |make: fn(CallInfo) -> EngineEvent| match call() {
        Some(call) => make(call),
        None => EngineEvent::Other { kind: kind.clone() },
    };
    match kind.as_str() {
        "REGISTERING" => EngineEvent::Registering { line },
        "REGISTER_OK" => EngineEvent::Registered { line },
        "REGISTER_FAIL" => EngineEvent::RegisterFailed {
            line,
            status: leading_status(&param),
            reason: param,
        },
        "UNREGISTERING" => EngineEvent::Unregistering { line },
        "CALL_INCOMING" => with_call(EngineEvent::Incoming),
        "CALL_RINGING" => with_call(EngineEvent::Ringing),
        "CALL_PROGRESS" => with_call(EngineEvent::Progress),
        "CALL_ESTABLISHED" => with_call(EngineEvent::Established),
        "CALL_CLOSED" => match call() {
            Some(call) => EngineEvent::Closed {
                call,
                status: leading_status(&param),
                reason: param,
            },
            None => EngineEvent::Other { kind },
        },
        "CALL_DTMF_START" => match (call(), param.chars().next()) {
            (Some(call), Some(key)) => EngineEvent::Dtmf { call, key },
            _ => EngineEvent::Other { kind },
        },
        _ => EngineEvent::Other { kind },
    }
}

/// `486` of `486 Busy Here`.
fn leading_status(param: &str) -> Option<u16> {
    let code = param.split_whitespace().next()?;
    (code.len() == 3)
        .then(|| code.parse().ok())
        .flatten()
        .filter(|code| (100..700).contains(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incoming_call_carries_the_caller() {
        let json = br#"{"event":true,"class":"call","type":"CALL_INCOMING","param":"sip:201@sip.acme.example","accountaor":"sip:210@sip.acme.example","direction":"incoming","peeruri":"sip:201@sip.acme.example","peerdisplayname":"Alice Admin","id":"1a2b"}"#;
        let Message::Event(EngineEvent::Incoming(call)) = parse(json).unwrap() else {
            panic!("not an incoming call");
        };
        assert_eq!(call.line, "sip:210@sip.acme.example");
        assert_eq!(call.peer_number(), "201");
        assert_eq!(call.peer_name.as_deref(), Some("Alice Admin"));
        assert_eq!(call.direction, Direction::Incoming);
    }

    #[test]
    fn a_closed_call_reads_its_status() {
        let json = br#"{"event":true,"type":"CALL_CLOSED","param":"486 Busy Here","accountaor":"sip:201@d","direction":"outgoing","peeruri":"sip:210@d","id":"x"}"#;
        let Message::Event(EngineEvent::Closed { status, reason, .. }) = parse(json).unwrap()
        else {
            panic!("not closed");
        };
        assert_eq!(status, Some(486));
        assert_eq!(reason, "486 Busy Here");
        let json = br#"{"event":true,"type":"CALL_CLOSED","param":"Connection reset by peer","accountaor":"a","peeruri":"b","id":"x"}"#;
        let Message::Event(EngineEvent::Closed { status, .. }) = parse(json).unwrap() else {
            panic!("not closed");
        };
        assert_eq!(status, None);
    }

    #[test]
    fn responses_and_unknown_events_are_told_apart() {
        let json = br#"{"response":true,"ok":false,"data":"no such ua","token":"7"}"#;
        assert_eq!(
            parse(json).unwrap(),
            Message::Response {
                token: Some("7".into()),
                ok: false,
                data: "no such ua".into()
            }
        );
        let json = br#"{"event":true,"type":"VU_RX","param":"-30"}"#;
        assert_eq!(
            parse(json).unwrap(),
            Message::Event(EngineEvent::Other {
                kind: "VU_RX".into()
            })
        );
        let json = br#"{"event":true,"type":"REGISTER_FAIL","param":"401 Unauthorized","accountaor":"sip:201@d"}"#;
        assert!(matches!(
            parse(json).unwrap(),
            Message::Event(EngineEvent::RegisterFailed {
                status: Some(401),
                ..
            })
        ));
    }
}
