//! Where a profile's REGISTER goes: the Request-URI (the SIP domain, with the transport)
//! and the host it is sent to (the outbound proxy when there is one, else the registrar).

use rsipstack::sip::{Host, Uri};
use switchboard_api::SipTransport;

use crate::error::SipError;

/// A host and port to send to, as written in the profile (resolved when sending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHop {
    pub host: String,
    pub port: u16,
    /// The host is a name (not an IP address): it is the TLS server name.
    pub is_name: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `sip:<domain>` with `;transport=tcp|tls` when not UDP.
    pub request_uri: String,
    pub next_hop: NextHop,
    pub transport: SipTransport,
}

impl Target {
    /// The profile's transport decides; the registrar's and proxy's URIs give host and port
    /// (5060 for UDP and TCP, 5061 for TLS when they name none).
    pub fn new(
        domain: &str,
        registrar: &str,
        outbound_proxy: Option<&str>,
        transport: SipTransport,
    ) -> Result<Self, SipError> {
        let (field, hop) = match outbound_proxy.filter(|proxy| !proxy.trim().is_empty()) {
            Some(proxy) => ("outbound proxy", proxy),
            None => ("registrar", registrar),
        };
        let next_hop = next_hop(field, hop, transport)?;
        let domain = domain.trim();
        // The stack's parser checks the domain too.
        let request_uri = format!("sip:{domain}{}", transport_param(transport));
        parse(field_for_domain(), &request_uri)?;
        if domain.is_empty() {
            return Err(SipError::InvalidUri {
                field: field_for_domain(),
                value: request_uri,
                reason: "the domain is empty".into(),
            });
        }
        Ok(Self {
            request_uri,
            next_hop,
            transport,
        })
    }
}

fn field_for_domain() -> &'static str {
    "domain"
}

fn transport_param(transport: SipTransport) -> &'static str {
    match transport {
        SipTransport::Udp => "",
        SipTransport::Tcp => ";transport=tcp",
        SipTransport::Tls => ";transport=tls",
    }
}

fn default_port(transport: SipTransport) -> u16 {
    match transport {
        SipTransport::Udp | SipTransport::Tcp => 5060,
        SipTransport::Tls => 5061,
    }
}

fn parse(field: &'static str, value: &str) -> Result<Uri, SipError> {
    Uri::try_from(value.trim()).map_err(|error| SipError::InvalidUri {
        field,
        value: value.to_string(),
        reason: error.to_string(),
    })
}

fn next_hop(
    field: &'static str,
    value: &str,
    transport: SipTransport,
) -> Result<NextHop, SipError> {
    let uri = parse(field, value)?;
    let port = uri
        .host_with_port
        .port
        .map(|port| port.value())
        .unwrap_or_else(|| default_port(transport));
    let (host, is_name) = match uri.host_with_port.host {
        Host::Domain(domain) => (domain.to_string(), true),
        Host::IpAddr(ip) => (ip.to_string(), false),
    };
    if host.is_empty() {
        return Err(SipError::InvalidUri {
            field,
            value: value.to_string(),
            reason: "no host".into(),
        });
    }
    Ok(NextHop {
        host,
        port,
        is_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registrar_is_the_next_hop_and_the_domain_the_request_uri() {
        let target = Target::new(
            "sip.acme.example",
            "sip:127.0.0.1:5080;transport=tcp",
            None,
            SipTransport::Tcp,
        )
        .unwrap();
        assert_eq!(target.request_uri, "sip:sip.acme.example;transport=tcp");
        assert_eq!(
            target.next_hop,
            NextHop {
                host: "127.0.0.1".into(),
                port: 5080,
                is_name: false
            }
        );
    }

    #[test]
    fn the_outbound_proxy_wins_and_tls_defaults_to_5061() {
        let target = Target::new(
            "sip.acme.example",
            "sip:sip.acme.example:5061;transport=tls",
            Some("sip:edge.acme.example"),
            SipTransport::Tls,
        )
        .unwrap();
        assert_eq!(target.request_uri, "sip:sip.acme.example;transport=tls");
        assert_eq!(
            target.next_hop,
            NextHop {
                host: "edge.acme.example".into(),
                port: 5061,
                is_name: true
            }
        );
    }

    #[test]
    fn udp_has_no_transport_parameter_and_defaults_to_5060() {
        let target = Target::new(
            "example.org",
            "sip:registrar.example.org",
            Some(""),
            SipTransport::Udp,
        )
        .unwrap();
        assert_eq!(target.request_uri, "sip:example.org");
        assert_eq!(target.next_hop.port, 5060);
    }

    #[test]
    fn a_registrar_that_is_not_a_uri_is_refused() {
        let error = Target::new("example.org", "", None, SipTransport::Udp).unwrap_err();
        assert!(matches!(
            error,
            SipError::InvalidUri {
                field: "registrar",
                ..
            }
        ));
        let error = Target::new("", "sip:example.org", None, SipTransport::Udp).unwrap_err();
        assert!(matches!(
            error,
            SipError::InvalidUri {
                field: "domain",
                ..
            }
        ));
    }
}
