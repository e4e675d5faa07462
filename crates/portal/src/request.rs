//! The request a step serves: the client's address and program, found once per request by
//! the router (`ClientAddressSource`) and passed to the domain as a parameter, as `now` is.
//!
//! The client address is the connection's, unless the operator names the header a trusted
//! reverse proxy writes it to (`[server] client_address_header`): only then is a header
//! believed, and only its last entry (the one the proxy itself added).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};

use crate::config::{ConfigError, ServerSettings};

/// The request an event happened in, a session started in, a count is kept for.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The client's address (see [`ClientAddressSource`]).
    pub ip: Option<IpAddr>,
    /// The client's User-Agent, made printable and cut short (`user_agent_label`): what a
    /// session started in this request records as its program.
    pub user_agent: Option<String>,
}

impl RequestContext {
    /// The key this client is counted under (see [`client_key`]).
    pub fn client_key(&self) -> String {
        client_key(self.ip)
    }

    /// The client's address as the database keeps it.
    pub fn ip_text(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }
}

/// Handlers take the context the router's middleware found; a request that has none (a
/// router built without it) is one from nowhere.
impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .unwrap_or_default())
    }
}

/// Where the client's address comes from.
#[derive(Debug, Clone, Default)]
pub struct ClientAddressSource {
    /// The trusted proxy's header, when the operator named one.
    pub header: Option<HeaderName>,
}

impl ClientAddressSource {
    /// The client's address: the trusted header's last entry when there is one and it
    /// holds an address, else the connection's.
    pub fn client_address(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        let from_header = self.header.as_ref().and_then(|name| {
            // Several headers of the name count as one list, in order.
            let last = headers.get_all(name).iter().next_back()?;
            let entry = last.to_str().ok()?.rsplit(',').next()?.trim();
            parse_address(entry)
        });
        from_header.or_else(|| peer.map(|peer| peer.ip()))
    }
}

/// `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:443` or `203.0.113.7:443`.
fn parse_address(text: &str) -> Option<IpAddr> {
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some(address);
    }
    text.parse::<SocketAddr>().ok().map(|socket| socket.ip())
}

/// The key an address is counted under: an IPv6 client controls its whole /64, so that is
/// one client.
pub fn client_key(address: Option<IpAddr>) -> String {
    match address {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let segments = v6.segments();
                format!(
                    "{:x}:{:x}:{:x}:{:x}::/64",
                    segments[0], segments[1], segments[2], segments[3]
                )
            }
        },
        None => "unknown".to_owned(),
    }
}

impl ClientAddressSource {
    /// Where the client's address comes from: `[server] client_address_header`, else the
    /// connection.
    pub fn from_settings(settings: &ServerSettings) -> Result<Self, ConfigError> {
        let header = match &settings.client_address_header {
            None => None,
            Some(name) => Some(
                HeaderName::from_bytes(name.trim().as_bytes())
                    .map_err(|_| ConfigError::BadClientAddressHeader(name.clone()))?,
            ),
        };
        Ok(Self { header })
    }
}

/// The connection's address, when the server passed it on.
pub fn peer(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn a_header_counts_only_when_the_operator_trusts_it() {
        let peer: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let forged = headers(&[("x-forwarded-for", "198.51.100.1")]);
        let direct = ClientAddressSource::default();
        assert_eq!(
            direct.client_address(&forged, Some(peer)),
            Some("10.0.0.5".parse().unwrap())
        );
        let behind_proxy = ClientAddressSource {
            header: Some(HeaderName::from_static("x-forwarded-for")),
        };
        // The client's own entries come first; the proxy's, last, is the one believed.
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.1")]);
        assert_eq!(
            behind_proxy.client_address(&chain, Some(peer)),
            Some("198.51.100.1".parse().unwrap())
        );
        let two = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "[2001:db8::7]:443"),
        ]);
        assert_eq!(
            behind_proxy.client_address(&two, Some(peer)),
            Some("2001:db8::7".parse().unwrap())
        );
        let garbage = headers(&[("x-forwarded-for", "not an address")]);
        assert_eq!(
            behind_proxy.client_address(&garbage, Some(peer)),
            Some("10.0.0.5".parse().unwrap())
        );
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        assert_eq!(
            client_key(Some("2001:db8:1:2:aaaa::1".parse().unwrap())),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            client_key(Some("2001:db8:1:2:bbbb::9".parse().unwrap())),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            client_key(Some("::ffff:192.0.2.1".parse().unwrap())),
            "192.0.2.1"
        );
        assert_eq!(client_key(None), "unknown");
    }
}
