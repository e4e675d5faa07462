//! The control endpoint's HTTP, by hand: one request on its own connection.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A response's status code and body.
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// Sends `method path` with these headers (and body) to 127.0.0.1:port.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the control listener");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a read timeout");
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(text.as_bytes()).expect("sent");
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let length = match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(length) => length,
        };
        received.extend_from_slice(&buffer[..length]);
        if let Some(response) = complete(&received) {
            return response;
        }
    }
    complete(&received).unwrap_or_else(|| {
        panic!(
            "an incomplete HTTP response: {}",
            String::from_utf8_lossy(&received)
        )
    })
}

/// The response, once its head and its Content-Length of body arrived.
fn complete(received: &[u8]) -> Option<Response> {
    let text = String::from_utf8_lossy(received);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    if body.len() < length {
        return None;
    }
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some(Response {
        status,
        body: body[..length].to_string(),
    })
}
