//! The real registrar for the tests: Kamailio in a temporary folder, on free ports, with a
//! test certificate authority made here and trusted only by the lines of the test.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
use switchboard_api::{SipProfile, SipTransport};
use switchboard_kamailio::{
    free_port, Account, Challenge, DigestAlgorithm, Kamailio, RegistrarConfig, TlsFiles,
};
use switchboard_sip::{Backoff, Clock, Line, LineConfig, LineState};

pub const DOMAIN: &str = "sip.acme.example";

/// The accounts every test registrar knows: (sip user, auth user, password).
pub const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("201", "201-auth", "s3cret-201-0n-the-wire"),
    ("210", "210-auth", "s3cret-210-0n-the-wire"),
];

/// A certificate authority made for one test.
pub struct TestCa {
    pub pem: String,
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let cert = params.self_signed(&key).expect("CA certificate");
        Self {
            pem: cert.pem(),
            cert,
            key,
        }
    }

    /// A server certificate for 127.0.0.1, written as PEM files in `dir`.
    fn issue_for_loopback(&self, dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let key = KeyPair::generate().expect("server key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("server params");
        params.subject_alt_names = vec![SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST))];
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "test registrar");
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("server certificate");
        let cert_path = dir.join("registrar.crt");
        let key_path = dir.join("registrar.key");
        std::fs::write(&cert_path, cert.pem()).expect("write certificate");
        std::fs::write(&key_path, key.serialize_pem()).expect("write key");
        (cert_path, key_path)
    }
}

/// How to set up the registrar of one test.
pub struct Options {
    pub tls_ca: Option<TestCa>,
    pub min_expires: u32,
    pub challenge: Challenge,
    pub algorithm: DigestAlgorithm,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            tls_ca: None,
            min_expires: 0,
            challenge: Challenge::Www,
            algorithm: DigestAlgorithm::Md5,
        }
    }
}

pub struct Registrar {
    pub kamailio: Kamailio,
    pub port: u16,
    pub tls_port: Option<u16>,
    pub ca: Option<TestCa>,
    _dir: tempfile::TempDir,
}

impl Registrar {
    pub fn start(options: Options) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let port = free_port("127.0.0.1").expect("free port");
        let accounts = ACCOUNTS
            .iter()
            .map(|(user, auth_user, password)| Account {
                username: (*auth_user).into(),
                domain: DOMAIN.into(),
                password: (*password).into(),
                extension: (*user).into(),
            })
            .collect();
        let mut config = RegistrarConfig::new(dir.path().join("kamailio"), port, accounts);
        config.min_expires = options.min_expires;
        config.challenge = options.challenge;
        config.algorithm = options.algorithm;
        let mut tls_port = None;
        if let Some(ca) = &options.tls_ca {
            let (certificate, private_key) = ca.issue_for_loopback(dir.path());
            let port = free_port("127.0.0.1").expect("free TLS port");
            tls_port = Some(port);
            config.tls = Some(TlsFiles {
                port,
                certificate,
                private_key,
            });
        }
        let kamailio = match Kamailio::start(config) {
            Ok(kamailio) => kamailio,
            // Not installed is a failure with its remedy, never a skip.
            Err(error) => panic!("the test registrar did not start: {error}"),
        };
        Self {
            kamailio,
            port,
            tls_port,
            ca: options.tls_ca,
            _dir: dir,
        }
    }

    /// The profile the portal would provision for account `index` of [`ACCOUNTS`].
    pub fn profile(&self, index: usize, transport: SipTransport) -> SipProfile {
        let (user, auth_user, password) = ACCOUNTS[index];
        let (port, name) = match transport {
            SipTransport::Udp => (self.port, "udp"),
            SipTransport::Tcp => (self.port, "tcp"),
            SipTransport::Tls => (self.tls_port.expect("a TLS registrar"), "tls"),
        };
        SipProfile {
            extension: user.into(),
            display_name: format!("Test {user}"),
            sip_user: user.into(),
            auth_user: auth_user.into(),
            password: password.into(),
            domain: DOMAIN.into(),
            registrar: format!("sip:127.0.0.1:{port};transport={name}"),
            outbound_proxy: None,
            transport,
            stun_server: None,
            turn_server: None,
            voicemail_number: None,
            version: 1,
        }
    }

    /// The contacts the location table holds for account `index`.
    pub fn contacts(&self, index: usize) -> Vec<String> {
        let aor = format!("{}@{DOMAIN}", ACCOUNTS[index].0);
        self.kamailio.contacts(&aor).expect("kamcmd ul.lookup")
    }

    pub fn ca_pem(&self) -> Vec<u8> {
        self.ca
            .as_ref()
            .map(|ca| ca.pem.clone().into_bytes())
            .unwrap_or_default()
    }
}

/// Short waits, so failures and retries happen within a test.
pub fn test_config(trusted_roots_pem: Vec<u8>) -> LineConfig {
    LineConfig {
        expires: Duration::from_secs(600),
        backoff: Backoff {
            first: Duration::from_millis(200),
            max: Duration::from_secs(1),
        },
        transaction_timeout: Duration::from_secs(2),
        trusted_roots_pem,
        user_agent: "Switchboard-test".into(),
    }
}

/// A clock that always says the same time.
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

pub fn fixed_clock() -> (Arc<dyn Clock>, SystemTime) {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    (Arc::new(FixedClock(at)), at)
}

/// Waits (at most `within`) for the line's state to satisfy `done`.
pub async fn wait_for(
    line: &Line,
    within: Duration,
    done: impl FnMut(&LineState) -> bool,
) -> LineState {
    match tokio::time::timeout(within, line.wait_for(done)).await {
        Ok(Ok(state)) => state,
        Ok(Err(error)) => panic!("the line stopped: {error}"),
        Err(_) => panic!(
            "the line did not reach the state within {within:?}; it is {:?}",
            *line.state().borrow()
        ),
    }
}

/// Waits for `Registered` (failing at once on another settled state).
pub async fn registered(line: &Line) -> SystemTime {
    let state = wait_for(line, Duration::from_secs(10), |state| {
        !matches!(state, LineState::Unregistered | LineState::Registering)
    })
    .await;
    match state {
        LineState::Registered { until } => until,
        other => panic!("expected Registered, got {other:?}"),
    }
}

/// Polls the registrar until `check` holds for the contacts of account `index`.
pub async fn contacts_become(
    registrar: &Registrar,
    index: usize,
    check: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    for _ in 0..50 {
        let contacts = registrar.contacts(index);
        if check(&contacts) {
            return contacts;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    registrar.contacts(index)
}
