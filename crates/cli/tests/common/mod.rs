//! What the CLI's tests share: the CLI pointed at a test world, run to the end, and a
//! sign-in without a browser answered as a person would.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use switchboard_e2e::browser::Browser;
use switchboard_e2e::world::World;

pub fn cli(world: &World, data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard-cli"));
    command
        .env("SWITCHBOARD_PORTAL_URL", world.portal.as_str())
        .env("SWITCHBOARD_DATA_DIR", data_dir)
        .env_remove("BROWSER");
    command
}

pub fn run(mut command: Command) -> (bool, String, String) {
    let output = command.output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `login --no-browser` as a person does it: open the printed link, paste where the browser
/// landed, then answer any further prompts with `answers`. Returns what the CLI printed.
pub async fn login_without_browser(
    world: &World,
    data_dir: &std::path::Path,
    login_hint: &str,
    args: &[&str],
    envs: &[(&str, &str)],
    answers: &[&str],
) -> String {
    let mut login = cli(world, data_dir);
    login
        .args(["login", "--provider", "google", "--no-browser"])
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = login.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut link = None;
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        if line.starts_with("http") {
            link = Some(line.trim().to_owned());
        }
        if line.starts_with("Then paste") {
            break;
        }
        line.clear();
    }
    let link: url::Url = link.expect("the CLI printed the link").parse().unwrap();
    let landed = Browser::new()
        .sign_in(&link, login_hint, &[])
        .await
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{landed}").unwrap();
    for answer in answers {
        writeln!(stdin, "{answer}").unwrap();
    }
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{rest}");
    rest
}
