//! The account's list of sessions tells them apart: the device, the program (as its
//! User-Agent says, kept as untrusted text), the address it signed in from and was last
//! used from, when it signed in and was last used, and which one is asking. Over real
//! HTTP, behind a trusted proxy so each request can come from its own address.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::{signed_in, ClientKey, World};
use reqwest::header::{HeaderValue, USER_AGENT};
use reqwest::StatusCode;
use serde_json::json;
use switchboard_api::{SecurityOverview, SessionClient, SessionInfo, SessionTokens};
use switchboard_portal::clock::Clock;

async fn behind_proxy() -> World {
    World::start_with(ClientKey::Es256, |setup| {
        setup.config.server.client_address_header = Some("X-Forwarded-For".into());
    })
    .await
}

/// A program speaking from an address.
struct Client<'a> {
    world: &'a World,
    user_agent: Option<HeaderValue>,
    address: &'a str,
}

impl Client<'_> {
    fn request(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = request.header("X-Forwarded-For", self.address);
        match &self.user_agent {
            Some(user_agent) => request.header(USER_AGENT, user_agent.clone()),
            None => request,
        }
    }

    async fn sign_in(&self, username: &str, password: &str, device: &str) -> SessionTokens {
        let world = self.world;
        let response = self
            .request(
                world
                    .browser
                    .post(world.portal.endpoint("/v1/login/password")),
            )
            .json(&json!({ "username": username, "password": password, "device_name": device }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        signed_in(response.json().await.unwrap())
    }

    async fn refresh(&self, refresh_token: &str) -> SessionTokens {
        let world = self.world;
        let response = self
            .request(world.browser.post(world.portal.endpoint("/v1/token")))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn security(&self, access_token: &str) -> SecurityOverview {
        let world = self.world;
        let response = self
            .request(
                world
                    .browser
                    .get(world.portal.endpoint("/v1/account/security")),
            )
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }
}

fn client<'a>(world: &'a World, user_agent: Option<&[u8]>, address: &'a str) -> Client<'a> {
    Client {
        world,
        user_agent: user_agent.map(|bytes| HeaderValue::from_bytes(bytes).unwrap()),
        address,
    }
}

fn on<'a>(overview: &'a SecurityOverview, device: &str) -> &'a SessionInfo {
    overview
        .sessions
        .iter()
        .find(|session| session.device_name == device)
        .unwrap_or_else(|| panic!("no session on {device}: {:?}", overview.sessions))
}

#[tokio::test]
async fn each_session_says_its_device_program_addresses_and_times_and_which_is_asking() {
    let world = behind_proxy().await;
    let signed_in_at = world.clock.now();
    let app = client(&world, Some(b"Switchboard-App/0.1.0"), "198.51.100.10");
    let laptop = app
        .sign_in("alice", "alice-demo-pass", "alice-laptop")
        .await;
    world.clock.advance(60);
    let cli = client(&world, Some(b"Switchboard-CLI/0.1.0"), "198.51.100.20");
    let vm = cli.sign_in("alice", "alice-demo-pass", "vm").await;
    // A program that does not say what it is.
    let unnamed = client(&world, None, "198.51.100.30");
    unnamed.sign_in("alice", "alice-demo-pass", "script").await;
    // Somebody else's session never appears in Alice's list.
    client(&world, Some(b"Switchboard-App/0.1.0"), "203.0.113.99")
        .sign_in("maria", "maria-demo-pass", "marias-laptop")
        .await;

    // The command line is used later, from another address.
    world.clock.advance(300);
    let moved = client(&world, Some(b"Switchboard-CLI/0.1.0"), "203.0.113.5");
    let vm = moved.refresh(&vm.refresh_token).await;

    let overview = app.security(&laptop.access_token).await;
    assert_eq!(overview.sessions.len(), 3, "{:?}", overview.sessions);
    assert!(overview
        .sessions
        .iter()
        .all(|session| session.device_name != "marias-laptop"));

    let this = on(&overview, "alice-laptop");
    assert!(this.current);
    assert_eq!(this.client, SessionClient::App);
    assert_eq!(this.user_agent.as_deref(), Some("Switchboard-App/0.1.0"));
    assert_eq!(this.signed_in_from.as_deref(), Some("198.51.100.10"));
    assert_eq!(this.last_used_from.as_deref(), Some("198.51.100.10"));
    assert_eq!(this.created_at, signed_in_at);
    assert_eq!(this.auth_method, "password");

    let command_line = on(&overview, "vm");
    assert!(!command_line.current);
    assert_eq!(command_line.client, SessionClient::CommandLine);
    assert_eq!(
        command_line.signed_in_from.as_deref(),
        Some("198.51.100.20")
    );
    assert_eq!(command_line.last_used_from.as_deref(), Some("203.0.113.5"));
    assert_eq!(command_line.created_at, signed_in_at + 60);
    assert_eq!(command_line.last_used_at, signed_in_at + 360);

    let script = on(&overview, "script");
    assert!(!script.current);
    assert_eq!(script.client, SessionClient::Other);
    assert_eq!(script.user_agent, None);
    assert_eq!(script.signed_in_from.as_deref(), Some("198.51.100.30"));
    assert_eq!(
        overview.sessions.iter().filter(|s| s.current).count(),
        1,
        "one session is the one asking"
    );

    // Asked from the command line's session, that one is the current one.
    let overview = moved.security(&vm.access_token).await;
    assert!(on(&overview, "vm").current);
    assert!(!on(&overview, "alice-laptop").current);

    // Maria's list holds only her session.
    let maria = client(&world, None, "203.0.113.99")
        .sign_in("maria", "maria-demo-pass", "marias-phone")
        .await;
    let overview = client(&world, None, "203.0.113.99")
        .security(&maria.access_token)
        .await;
    let mut devices: Vec<&str> = overview
        .sessions
        .iter()
        .map(|s| s.device_name.as_str())
        .collect();
    devices.sort_unstable();
    assert_eq!(devices, ["marias-laptop", "marias-phone"]);
}

#[tokio::test]
async fn what_a_program_says_of_itself_is_kept_printable_and_short() {
    let world = behind_proxy().await;
    let mut hostile = b"Evil\tApp/1.0 ".to_vec();
    hostile.extend_from_slice("\u{202E}gnp.exe".as_bytes());
    hostile.extend_from_slice(&[b'x'; 300]);
    let program = client(&world, Some(&hostile), "192.0.2.1");
    let session = program
        .sign_in("alice", "alice-demo-pass", "some\u{202E}where\u{7}")
        .await;
    let overview = program.security(&session.access_token).await;
    let this = &overview.sessions[0];
    assert_eq!(this.client, SessionClient::Other);
    let said = this.user_agent.as_deref().unwrap();
    assert!(said.starts_with("EvilApp/1.0 gnp.exe"), "{said}");
    assert_eq!(
        said.chars().count(),
        switchboard_portal::signin::sessions::MAX_USER_AGENT_CHARS
    );
    assert_eq!(this.device_name, "somewhere");

    // Claiming to be the app is only a name: it is shown as claimed, nothing more.
    let claimed = client(&world, Some(b"switchboard-app/9"), "192.0.2.2");
    let session = claimed
        .sign_in("alice", "alice-demo-pass", "elsewhere")
        .await;
    let overview = claimed.security(&session.access_token).await;
    assert_eq!(on(&overview, "elsewhere").client, SessionClient::App);
}

#[tokio::test]
async fn a_provider_sign_in_keeps_the_program_and_address_of_the_app_not_the_browser() {
    let world = behind_proxy().await;
    // `World::sign_in` goes through the provider in the test's browser and redeems the code
    // with the same client: the session records the request that redeemed it.
    let step = world.sign_in("google", "alice@acme.example").await;
    let session = signed_in(step);
    let overview = client(&world, None, "192.0.2.9")
        .security(&session.access_token)
        .await;
    let this = overview.sessions.iter().find(|s| s.current).unwrap();
    assert_eq!(this.auth_method, "sso:google");
    assert_eq!(this.device_name, "Test laptop");
    assert_eq!(this.client, SessionClient::Other);
    // No forwarded address on the redeem: the connection's own.
    assert_eq!(this.signed_in_from.as_deref(), Some("127.0.0.1"));
}
