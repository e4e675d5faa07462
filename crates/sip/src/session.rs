//! One SIP endpoint (its own UDP socket, TCP/TLS connections) and the REGISTER dialog of a
//! line on it. Made anew after a failure or a network change; the Call-ID and CSeq carry
//! over so the registrar sees the same registration.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::registration::Registration;
use rsipstack::platform::CancellationToken;
use rsipstack::sip::headers::CallId;
use rsipstack::sip::Transport;
use rsipstack::transaction::endpoint::EndpointOption;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{SipAddr, TlsConfig, TransportLayer};
use rsipstack::EndpointBuilder;
use switchboard_api::SipTransport;
use tracing::instrument::WithSubscriber;
use tracing::Dispatch;

use crate::algorithm_names::AlgorithmNames;
use crate::error::SipError;
use crate::target::Target;

/// What a session needs from the line's configuration.
pub(crate) struct SessionSettings<'a> {
    pub target: &'a Target,
    pub credential: &'a Credential,
    pub trusted_roots_pem: &'a [u8],
    pub transaction_timeout: Duration,
    pub user_agent: &'a str,
    pub dispatch: &'a Dispatch,
}

pub(crate) struct Session {
    pub registration: Registration,
    token: CancellationToken,
}

impl Session {
    pub async fn open(
        settings: SessionSettings<'_>,
        carried: Option<(CallId, u32)>,
    ) -> Result<Self, SipError> {
        // rustls needs a process-wide provider; the application may have installed one.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let hop = &settings.target.next_hop;
        let destination = resolve(&hop.host, hop.port).await?;
        let local_ip = local_ip_towards(destination)?;

        let token = CancellationToken::new();
        let layer = TransportLayer::new(token.clone());
        let udp = UdpConnection::create_connection(
            SocketAddr::new(local_ip, 0),
            None,
            Some(token.child_token()),
        )
        .await?;
        layer.add_transport(udp.into());
        if settings.target.transport == SipTransport::Tls {
            layer.set_tls_config(TlsConfig {
                ca_certs: Some(settings.trusted_roots_pem.to_vec()),
                sni_hostname: Some(hop.host.clone()),
                ..TlsConfig::default()
            });
        }
        let option = EndpointOption {
            t1x64: settings.transaction_timeout,
            ..EndpointOption::default()
        };
        let endpoint = EndpointBuilder::new()
            .with_cancel_token(token.clone())
            .with_transport_layer(layer)
            .with_option(option)
            .with_user_agent(settings.user_agent)
            .with_inspector(Box::new(AlgorithmNames))
            .build();
        // TCP and TLS connect now, so a refused connection or certificate is the reason
        // given (the stack would only report the REGISTER's timeout).
        if let Some(transport) = match settings.target.transport {
            SipTransport::Udp => None,
            SipTransport::Tcp => Some(Transport::Tcp),
            SipTransport::Tls => Some(Transport::Tls),
        } {
            let mut address = SipAddr::from(destination);
            address.r#type = Some(transport);
            let connect = endpoint.inner.transport_layer.lookup(&address, None);
            match tokio::time::timeout(settings.transaction_timeout, connect).await {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => {
                    token.cancel();
                    return Err(SipError::Connect {
                        destination,
                        reason: error.to_string(),
                    });
                }
                Err(_) => {
                    token.cancel();
                    return Err(SipError::Timeout {
                        seconds: settings.transaction_timeout.as_secs(),
                    });
                }
            }
        }
        let inner = Arc::clone(&endpoint.inner);
        tokio::spawn(
            async move {
                if let Err(error) = inner.serve().await {
                    tracing::warn!(%error, "the SIP endpoint stopped");
                }
            }
            .with_subscriber(settings.dispatch.clone()),
        );

        let mut registration = Registration::new(endpoint.inner, Some(settings.credential.clone()));
        registration.outbound_proxy = Some(destination);
        if let Some((call_id, last_seq)) = carried {
            registration.call_id = call_id;
            registration.last_seq = last_seq;
        }
        Ok(Self {
            registration,
            token,
        })
    }

    /// What the next session keeps of this one.
    pub fn carried(&self) -> (CallId, u32) {
        (
            self.registration.call_id.clone(),
            self.registration.last_seq,
        )
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

async fn resolve(host: &str, port: u16) -> Result<SocketAddr, SipError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let mut addresses = tokio::net::lookup_host((host, port))
        .await
        .map_err(|error| SipError::Resolve {
            host: host.to_string(),
            reason: error.to_string(),
        })?;
    addresses.next().ok_or_else(|| SipError::Resolve {
        host: host.to_string(),
        reason: "no addresses".into(),
    })
}

/// The local address the system would send from to reach `destination` (no packet is
/// sent: connecting a UDP socket only picks the route).
fn local_ip_towards(destination: SocketAddr) -> Result<IpAddr, SipError> {
    let unspecified: SocketAddr = if destination.is_ipv6() {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    };
    let no_route = |source| SipError::NoRoute {
        destination,
        source,
    };
    let socket = UdpSocket::bind(unspecified).map_err(no_route)?;
    socket.connect(destination).map_err(no_route)?;
    Ok(socket.local_addr().map_err(no_route)?.ip())
}
