//! `switchboard-cli phone answer|call` against the real portal, the real registrar
//! (Kamailio) and a far end (another call engine): answering a call and talking until the
//! far end hangs up; calling a far end that declines exits non-zero with "busy"; calling
//! one that answers hangs up after `--talk` seconds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{cli, login_without_browser};
use switchboard_e2e::phone::Device;
use switchboard_e2e::registrar::TestRegistrar;
use switchboard_e2e::world::World;

/// The CLI with its call engine on loopback, a tone for a microphone, no sound card.
fn phone_cli(world: &World, data_dir: &std::path::Path, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::from(cli(world, data_dir));
    command
        .args(args)
        .env("SWITCHBOARD_SIP_ADDRESS", "127.0.0.1")
        .env("SWITCHBOARD_AUDIO_SOURCE", "ausine,440")
        .env("SWITCHBOARD_AUDIO_PLAYER", "alsa,null")
        .kill_on_drop(true);
    command
}

async fn registered(registrar: &TestRegistrar, extension: &str) {
    for _ in 0..300 {
        if !registrar.contacts(extension).unwrap().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{extension} did not register");
}

#[tokio::test(flavor = "multi_thread")]
async fn answer_takes_the_call_and_ends_when_the_far_end_hangs_up() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    login_without_browser(&world, &data_dir, "alice@acme.example", &[], &[], &[]).await;

    let answering = phone_cli(&world, &data_dir, &["phone", "answer", "--timeout", "30"]).output();
    let far = async {
        registered(&registrar, "201").await;
        let mut maria = Device::with_line(1000, &registrar.line("maria").unwrap())
            .await
            .unwrap();
        let call = maria
            .engine
            .dial("sip:210@sip.acme.example", "201")
            .await
            .unwrap();
        maria.established(&call).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        maria.engine.hang_up(&call).await.unwrap();
        maria
    };
    let (output, _maria) = tokio::join!(answering, far);
    let output = output.unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{out}{err}");
    assert!(
        out.contains("Incoming call from Maria Manager (210): answering."),
        "{out}"
    );
    assert!(out.contains("Connected"), "{out}");
    assert!(out.contains("Call ended."), "{out}");
    assert!(
        !out.contains("demo-sip-") && !err.contains("demo-sip-"),
        "no SIP password: {out}{err}"
    );
    // On the way out the line unregistered.
    assert!(registrar.contacts("201").unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn call_says_busy_when_declined_and_hangs_up_after_talking() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    login_without_browser(&world, &data_dir, "alice@acme.example", &[], &[], &[]).await;
    let mut maria = Device::with_line(1000, &registrar.line("maria").unwrap())
        .await
        .unwrap();

    let calling = phone_cli(&world, &data_dir, &["phone", "call", "210"]).output();
    let declining = async {
        let incoming = maria.incoming().await.unwrap();
        assert_eq!(incoming.peer_number(), "201");
        maria.engine.hang_up(&incoming).await.unwrap();
    };
    let (output, ()) = tokio::join!(calling, declining);
    let output = output.unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{out}");
    assert!(err.contains("210 is busy."), "{out}{err}");

    let calling = phone_cli(&world, &data_dir, &["phone", "call", "210", "--talk", "1"]).output();
    let answering = async {
        let incoming = maria.incoming().await.unwrap();
        maria.engine.answer(&incoming).await.unwrap();
        maria.closed(&incoming).await.unwrap();
    };
    let (output, ()) = tokio::join!(calling, answering);
    let output = output.unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{out}{err}");
    assert!(out.contains("Calling 210 from 201 (alice)…"), "{out}");
    assert!(
        out.contains("Connected") && out.contains("Hanging up.") && out.contains("Call ended."),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_cli_leaves_no_engine_and_no_contact_behind() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let data_dir = world.scratch_dir("cli-data").unwrap();
    login_without_browser(&world, &data_dir, "alice@acme.example", &[], &[], &[]).await;

    let mut answering = phone_cli(&world, &data_dir, &["phone", "answer", "--timeout", "60"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    registered(&registrar, "201").await;
    let engine_dir = data_dir.join("engine");
    assert!(engines_in(&engine_dir) > 0, "the engine runs");

    // Killed, as by a crash: nothing of it runs on, and the line is taken back.
    answering.start_kill().unwrap();
    answering.wait().await.unwrap();
    let killed = std::time::Instant::now();
    while !registrar.contacts("201").unwrap().is_empty() || engines_in(&engine_dir) > 0 {
        assert!(
            killed.elapsed() < Duration::from_secs(5),
            "an engine or its contact outlived the CLI"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many baresip processes run with their folder in `dir`.
fn engines_in(dir: &std::path::Path) -> usize {
    let wanted = dir.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| {
            let cmdline = std::fs::read(entry.ok()?.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            (cmdline.starts_with("/usr/bin/baresip") && cmdline.contains(&wanted)).then_some(())
        })
        .count()
}
