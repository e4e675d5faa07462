//! The shipped configuration on the real Kamailio: credentials from db_text tables, from
//! a SQLite database and from PostgreSQL (when `SWITCHBOARD_TEST_POSTGRES` names a
//! cluster), and the control endpoint that removes one device's contacts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use support::http;
use support::schema::{with_database, Portal};
use support::sip::{Device, DOMAIN};
use switchboard_kamailio::{
    free_port, Account, ControlEndpoint, Credentials, Database, Kamailio, RegistrarConfig,
};

const TOKEN: &str = "test-control-token";
const AOR: &str = "sip:201@sip.acme.example";

fn start(dir: &Path, credentials: Credentials) -> Kamailio {
    let port = free_port("127.0.0.1").expect("a free port");
    let mut config = RegistrarConfig::new(dir.join("kamailio"), port, Vec::new());
    config.credentials = credentials;
    config.control = Some(ControlEndpoint {
        port: free_port("127.0.0.1").expect("a free control port"),
        token: TOKEN.into(),
    });
    match Kamailio::start(config) {
        Ok(kamailio) => kamailio,
        // Not installed is a failure with its remedy, never a skip.
        Err(error) => panic!("the registrar did not start: {error}"),
    }
}

fn control_port(kamailio: &Kamailio) -> u16 {
    kamailio
        .config()
        .control
        .as_ref()
        .map(|control| control.port)
        .expect("a control endpoint")
}

fn unregister(kamailio: &Kamailio, token: Option<&str>, auth_user: &str) -> http::Response {
    let bearer = token.map(|token| format!("Bearer {token}"));
    let mut headers = vec![
        ("X-Switchboard-AOR", AOR),
        ("X-Switchboard-Auth-User", auth_user),
    ];
    if let Some(bearer) = &bearer {
        headers.push(("Authorization", bearer));
    }
    http::request(
        control_port(kamailio),
        "POST",
        "/switchboard/unregister",
        &headers,
        "",
    )
}

fn contacts(kamailio: &Kamailio) -> Vec<String> {
    kamailio
        .contacts(&format!("201@{DOMAIN}"))
        .expect("ul.lookup")
}

#[test]
fn db_text_accounts_register_their_own_line_only() {
    let dir = tempfile::tempdir().unwrap();
    let account = |username: &str, password: &str, extension: &str| Account {
        username: username.into(),
        domain: DOMAIN.into(),
        password: password.into(),
        extension: extension.into(),
    };
    let kamailio = start(
        dir.path(),
        Credentials::Accounts(vec![
            account("201-auth", "secret-201", "201"),
            account("202-auth", "secret-202", "202"),
        ]),
    );
    assert!(!kamailio.log().contains("secret-201"));
    let mut alice = Device::new(kamailio.config().port, "201-auth", "secret-201", "201");
    assert_eq!(alice.register(), 200, "{}", kamailio.log());
    assert_eq!(contacts(&kamailio), vec![alice.contact()]);
    assert_eq!(alice.register_as("202", 600), 403, "another line's AOR");
    let mut wrong = Device::new(kamailio.config().port, "201-auth", "wrong", "201");
    assert_eq!(
        wrong.register(),
        401,
        "a wrong password is challenged again"
    );
    assert_eq!(alice.call("202"), 480, "a known line nobody registered");
    assert_eq!(alice.call("299"), 404, "an unknown line");
}

/// Two devices of line 201 register through the database; the control endpoint removes
/// one's contacts only; a credential deleted from the database is refused at once.
fn two_devices_on_one_line(kamailio: &Kamailio, portal: &mut Portal) {
    let port = kamailio.config().port;
    let mut first = Device::new(port, "dev-1", "password-1", "201");
    let mut second = Device::new(port, "dev-2", "password-2", "201");
    assert_eq!(first.register(), 200, "{}", kamailio.log());
    assert_eq!(second.register(), 200, "{}", kamailio.log());
    let mut both = vec![first.contact(), second.contact()];
    both.sort();
    let sorted = |mut contacts: Vec<String>| {
        contacts.sort();
        contacts
    };
    assert_eq!(sorted(contacts(kamailio)), both);
    assert_eq!(first.register_as("202", 600), 403, "another line's AOR");
    assert_eq!(first.call("202"), 480, "a known line nobody registered");
    assert_eq!(first.call("299"), 404, "an unknown line");
    // Refreshing keeps one contact per device.
    assert_eq!(first.register(), 200);
    assert_eq!(sorted(contacts(kamailio)), both);

    let wrong = unregister(kamailio, Some("not-the-token"), "dev-1");
    assert_eq!(wrong.status, 401);
    let missing = unregister(kamailio, None, "dev-1");
    assert_eq!(missing.status, 401);
    assert_eq!(
        sorted(contacts(kamailio)),
        both,
        "nothing removed without the token"
    );
    let elsewhere = http::request(
        control_port(kamailio),
        "GET",
        "/switchboard/elsewhere",
        &[("Authorization", &format!("Bearer {TOKEN}"))],
        "",
    );
    assert_eq!(elsewhere.status, 404);
    let without_aor = http::request(
        control_port(kamailio),
        "POST",
        "/switchboard/unregister",
        &[
            ("Authorization", &format!("Bearer {TOKEN}")),
            ("X-Switchboard-Auth-User", "dev-1"),
        ],
        "",
    );
    assert_eq!(without_aor.status, 400);
    let on_the_sip_port = http::request(
        port,
        "POST",
        "/switchboard/unregister",
        &[
            ("Authorization", &format!("Bearer {TOKEN}")),
            ("X-Switchboard-AOR", AOR),
            ("X-Switchboard-Auth-User", "dev-1"),
        ],
        "",
    );
    assert_eq!(on_the_sip_port.status, 403, "HTTP on the SIP port");
    assert_eq!(sorted(contacts(kamailio)), both);

    let removed = unregister(kamailio, Some(TOKEN), "dev-1");
    assert_eq!((removed.status, removed.body.as_str()), (200, "removed 1"));
    assert_eq!(contacts(kamailio), vec![second.contact()]);
    let again = unregister(kamailio, Some(TOKEN), "dev-1");
    assert_eq!((again.status, again.body.as_str()), (200, "removed 0"));
    assert_eq!(contacts(kamailio), vec![second.contact()]);

    let rpc = http::request(
        control_port(kamailio),
        "POST",
        "/RPC",
        &[
            ("Authorization", &format!("Bearer {TOKEN}")),
            ("Content-Type", "application/json"),
        ],
        r#"{"jsonrpc":"2.0","method":"ul.lookup","params":["location","201@sip.acme.example"],"id":1}"#,
    );
    assert_eq!(rpc.status, 200, "{}", rpc.body);
    assert!(rpc.body.contains(&second.contact()), "{}", rpc.body);
    let rpc_without_token = http::request(control_port(kamailio), "POST", "/RPC", &[], "{}");
    assert_eq!(rpc_without_token.status, 401);

    // The session of device 2 ends: its credential is gone, its next REGISTER refused.
    portal.remove_device("dev-2");
    assert_eq!(
        second.register(),
        401,
        "a deleted credential is refused at once"
    );
    assert_eq!(first.register(), 200, "the other device is unaffected");
}

fn portal_with_two_devices(portal: &mut Portal) {
    portal.add_line("account-201", "201");
    portal.add_line("account-202", "202");
    portal.add_device("account-201", "201", "dev-1", "password-1");
    portal.add_device("account-201", "201", "dev-2", "password-2");
}

#[test]
fn sqlite_credentials_and_the_control_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portal.db");
    let mut portal = Portal::sqlite(&file);
    portal_with_two_devices(&mut portal);
    let kamailio = start(dir.path(), Credentials::Database(Database::sqlite(&file)));
    two_devices_on_one_line(&kamailio, &mut portal);
}

#[test]
fn postgres_credentials_and_the_control_endpoint() {
    let Ok(admin_url) = std::env::var("SWITCHBOARD_TEST_POSTGRES") else {
        eprintln!("SWITCHBOARD_TEST_POSTGRES is not set: the PostgreSQL registrar test does not run (cargo xtask test sets it on its PostgreSQL pass)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut portal, url) = Portal::postgres(&admin_url);
    portal_with_two_devices(&mut portal);
    // The registrar's own role, as docs/registrar.md sets it up: SELECT on the views only.
    let role = format!("registrar_{}", support::sip::unique());
    let database = url.rsplit('/').next().unwrap_or_default().to_string();
    portal.execute(&format!(
        "CREATE ROLE {role} LOGIN PASSWORD 'registrar-password';
         GRANT CONNECT ON DATABASE {database} TO {role};
         GRANT USAGE ON SCHEMA public TO {role};
         GRANT SELECT ON registrar_credentials_md5, registrar_credentials_sha256,
             registrar_lines TO {role};"
    ));
    let host = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(authority, _)| {
            authority
                .rsplit('@')
                .next()
                .unwrap_or(authority)
                .to_string()
        })
        .expect("a host in the PostgreSQL URL");
    let registrar_url = with_database(
        &format!("postgres://{role}:registrar-password@{host}/postgres"),
        &database,
    );
    let kamailio = start(
        dir.path(),
        Credentials::Database(Database { url: registrar_url }),
    );
    two_devices_on_one_line(&kamailio, &mut portal);
    drop(kamailio);
    portal.execute(&format!("DROP OWNED BY {role}; "));
}
