//! A tiny SIP user agent over UDP for these tests: REGISTER and INVITE as raw text, with
//! the MD5 digest answer to a 401/407 computed by hand (RFC 2617, qop=auth).

use std::net::UdpSocket;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use switchboard_kamailio::{ha1, DigestAlgorithm};

pub const DOMAIN: &str = "sip.acme.example";

/// One device: its own socket (so its own contact), authentication user and line.
pub struct Device {
    socket: UdpSocket,
    registrar: String,
    pub auth_user: String,
    password: String,
    /// The line (AOR user) it registers and calls from.
    pub line: String,
    call_id: String,
    cseq: u32,
}

impl Device {
    pub fn new(registrar_port: u16, auth_user: &str, password: &str, line: &str) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a read timeout");
        Self {
            socket,
            registrar: format!("127.0.0.1:{registrar_port}"),
            auth_user: auth_user.into(),
            password: password.into(),
            line: line.into(),
            call_id: format!("{}@127.0.0.1", unique()),
            cseq: 0,
        }
    }

    fn port(&self) -> u16 {
        self.socket.local_addr().expect("local address").port()
    }

    /// The contact this device registers, as the location table shows it.
    pub fn contact(&self) -> String {
        format!("sip:{}@127.0.0.1:{}", self.line, self.port())
    }

    /// REGISTERs its contact for `line` (its own, or another to be refused): the final
    /// status after answering one challenge.
    pub fn register_as(&mut self, line: &str, expires: u32) -> u16 {
        let to = format!("<sip:{line}@{DOMAIN}>");
        let extra = format!("Contact: <{}>\r\nExpires: {expires}\r\n", self.contact());
        self.request("REGISTER", &format!("sip:{DOMAIN}"), &to, &extra)
    }

    pub fn register(&mut self) -> u16 {
        let line = self.line.clone();
        self.register_as(&line, 600)
    }

    /// An INVITE from its line to `line`: the final status after one challenge.
    pub fn call(&mut self, line: &str) -> u16 {
        let uri = format!("sip:{line}@{DOMAIN}");
        let extra = format!("Contact: <{}>\r\n", self.contact());
        self.request("INVITE", &uri, &format!("<{uri}>"), &extra)
    }

    /// Sends the request; answers a 401/407 once with digest credentials; returns the
    /// final status code.
    fn request(&mut self, method: &str, uri: &str, to: &str, extra: &str) -> u16 {
        let tag = unique();
        let mut authorization = String::new();
        for attempt in 0..2 {
            self.cseq += 1;
            let branch = format!("z9hG4bK{}", unique());
            let message = format!(
                "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch={branch};rport\r\nMax-Forwards: 70\r\nFrom: <sip:{line}@{DOMAIN}>;tag={tag}\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n{extra}{authorization}Content-Length: 0\r\n\r\n",
                port = self.port(),
                line = self.line,
                call_id = self.call_id,
                cseq = self.cseq,
            );
            self.socket
                .send_to(message.as_bytes(), &self.registrar)
                .expect("sent");
            let response = self.final_response();
            let status = status_of(&response);
            let challenge = match status {
                401 => header(&response, "WWW-Authenticate").map(|c| ("Authorization", c)),
                407 => header(&response, "Proxy-Authenticate").map(|c| ("Proxy-Authorization", c)),
                _ => None,
            };
            let (Some((name, challenge)), 0) = (challenge, attempt) else {
                return status;
            };
            authorization = format!("{name}: {}\r\n", self.answer(method, uri, &challenge));
        }
        unreachable!("the loop returns")
    }

    /// The first non-1xx response (a response to anything else is skipped).
    fn final_response(&self) -> String {
        let mut buffer = [0u8; 65535];
        loop {
            let (length, _) = self.socket.recv_from(&mut buffer).expect("a SIP response");
            let text = String::from_utf8_lossy(&buffer[..length]).into_owned();
            if !text.starts_with("SIP/2.0 ") {
                continue;
            }
            if status_of(&text) >= 200 {
                return text;
            }
        }
    }

    fn answer(&self, method: &str, uri: &str, challenge: &str) -> String {
        let realm = param(challenge, "realm").expect("a realm");
        let nonce = param(challenge, "nonce").expect("a nonce");
        let ha1 = ha1(
            DigestAlgorithm::Md5,
            &self.auth_user,
            &realm,
            &self.password,
        );
        let ha2 = md5_hex(&format!("{method}:{uri}"));
        let cnonce = unique();
        let nc = "00000001";
        let (response, qop) = if param(challenge, "qop").is_some() {
            let r = md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
            (r, format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""))
        } else {
            (md5_hex(&format!("{ha1}:{nonce}:{ha2}")), String::new())
        };
        format!(
            "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5{qop}",
            self.auth_user
        )
    }
}

/// MD5 of the text, as hex.
fn md5_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

pub fn status_of(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

fn header(response: &str, name: &str) -> Option<String> {
    response.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

/// `name="value"` or `name=value` of a challenge.
fn param(challenge: &str, name: &str) -> Option<String> {
    challenge.split(',').find_map(|part| {
        let part = part.trim().trim_start_matches("Digest ").trim();
        let (key, value) = part.split_once('=')?;
        (key.trim() == name).then(|| value.trim().trim_matches('"').to_string())
    })
}

/// Text unlikely to repeat: for tags, branches, Call-IDs and cnonces.
pub fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{:x}{:x}{:x}",
        nanos,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
