//! `cargo xtask demo`: dev-idp, the portal with demo data, the SIP registrar (Kamailio) its
//! demo SIP profiles register with, and the app pointed at them. Closing the app leaves the
//! services running (`cargo xtask demo --app-only` opens it again); a service that stops is
//! named with why, and the rest keep running; Ctrl-C stops everything.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::demo_session;
use crate::kamailio;
use crate::postgres::{self, TempCluster};
use crate::setup;
use crate::shell::{cargo, cmd, describe, on_path, run as run_command};
use crate::{target_dir, workspace_root};

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Start only dev-idp and the portal; print their URLs and keep them running.
    #[arg(long)]
    pub no_app: bool,
    /// Start only the app, pointed at the demo already running (started by `cargo xtask
    /// demo` or `--no-app` in another terminal): reopens the app after closing it.
    #[arg(long, conflicts_with_all = ["no_app", "postgres"])]
    pub app_only: bool,
    /// Where the demo keeps its database, keys and configuration.
    #[arg(long, default_value = ".demo-data")]
    pub data_dir: PathBuf,
    #[arg(long, default_value_t = 8780)]
    pub portal_port: u16,
    #[arg(long, default_value_t = 8781)]
    pub idp_port: u16,
    /// Run the portal on PostgreSQL instead of SQLite: a cluster kept with the demo's data
    /// (`<data-dir>/postgres`), started on a free port for each run and stopped with it.
    #[arg(long)]
    pub postgres: bool,
}

/// The portal's database in the demo's PostgreSQL cluster.
const DEMO_DATABASE: &str = "switchboard";

/// The providers of the demo portal: one per dev-idp profile.
const DEMO_PROVIDERS: &[(&str, &str, &str, &str)] = &[
    // (id, kind, display name, issuer path under dev-idp)
    ("google", "google", "Google", "google"),
    (
        "microsoft",
        "microsoft",
        "Microsoft",
        "entra/4f1d6a2e-7b1c-4d3e-9a55-0c1e2f3a4b5c/v2.0",
    ),
    ("apple", "apple", "Apple", "apple"),
    ("acme-sso", "oidc", "Acme SSO", "acme-sso"),
];

/// What the running demo writes into its data folder for `--app-only`: the portal's URL
/// and the session bus it started (when it did). Deleted when the demo stops.
const RUNNING_FILE: &str = "running.txt";

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub fn run(args: DemoArgs) -> Result<()> {
    let mut packages = setup::APP_PACKAGES.to_vec();
    if !args.no_app
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        bail!("there is no display to show the app on. Run it from a desktop session, under `xvfb-run cargo xtask demo`, or start only the services with `cargo xtask demo --no-app`");
    }
    if args.no_app {
        packages.retain(|p| matches!(*p, "build-essential" | "pkg-config"));
    } else if !demo_session::has_session_bus(env_var) {
        packages.extend_from_slice(demo_session::PACKAGES);
    }
    if args.app_only {
        setup::ensure_system_packages(&packages)?;
        return run_app_only(&args);
    }
    if args.postgres {
        packages.push(postgres::PACKAGE);
    }
    packages.extend_from_slice(kamailio::PACKAGES);
    setup::ensure_system_packages(&packages)?;

    let root = workspace_root();
    if !args.no_app {
        setup::ensure_ui_packages()?;
        setup::build_ui()?;
    }
    run_command(cargo().args(build_args(!args.no_app)).current_dir(&root))?;

    let data_dir = if args.data_dir.is_absolute() {
        args.data_dir.clone()
    } else {
        root.join(&args.data_dir)
    };
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the demo data folder {}", data_dir.display()))?;

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .context("cannot catch Ctrl-C")?;
    }
    let (cluster, database_url) = if args.postgres {
        let cluster = start_demo_postgres(&data_dir)?;
        cluster.ensure_database(DEMO_DATABASE)?;
        let url = cluster.database_url(DEMO_DATABASE);
        eprintln!("xtask: the portal's database is {url}");
        (Some(cluster), url)
    } else {
        let db = data_dir.join("portal").join("portal.db");
        (None, format!("sqlite://{}?mode=rwc", db.display()))
    };
    let bin = target_dir().join("debug");
    let mut services = Services::default();
    // Started once the portal has made (and seeded) the database the registrar reads.
    let mut registrar = None;
    let result = start_own_session_bus(&args, &data_dir, &mut services).and_then(|bus| {
        start_and_wait(
            &args,
            &data_dir,
            &bin,
            &database_url,
            bus.as_deref(),
            &stop,
            &mut services,
            &mut registrar,
        )
    });
    let _ = std::fs::remove_file(data_dir.join(RUNNING_FILE));
    services.stop_all();
    drop(registrar);
    // The database goes last, once the portal has stopped.
    drop(cluster);
    result
}

/// The demo's PostgreSQL cluster, kept in `<data-dir>/postgres`. As root its server runs as
/// the `postgres` user, which cannot enter a data folder under /root (where checkouts often
/// are); the cluster then lives in /var/tmp, in a folder named after the data folder, and
/// is made anew when the data folder was (so deleting it still starts the demo over).
fn start_demo_postgres(data_dir: &Path) -> Result<TempCluster> {
    if postgres::server_can_reach(data_dir) {
        return TempCluster::start_in(data_dir.join("postgres"), true);
    }
    let outside = Path::new("/var/tmp").join(format!(
        "switchboard-demo-postgres-{:016x}",
        fnv1a(data_dir.to_string_lossy().as_bytes())
    ));
    eprintln!(
        "xtask: the `postgres` user cannot enter {}, so the demo's PostgreSQL cluster lives in {}",
        data_dir.display(),
        outside.display()
    );
    let id_file = data_dir.join("postgres-cluster-id");
    let id = match std::fs::read_to_string(&id_file) {
        Ok(id) => id,
        Err(_) => {
            let id = format!("{:016x}\n", rand::random::<u64>());
            std::fs::write(&id_file, &id)
                .with_context(|| format!("cannot write {}", id_file.display()))?;
            id
        }
    };
    let owner_file = outside.join("data-dir-id");
    let owner = std::fs::read_to_string(&owner_file).ok();
    if outside.exists() && owner.as_deref() != Some(id.as_str()) {
        eprintln!("xtask: deleting the cluster of an earlier demo data folder");
        std::fs::remove_dir_all(&outside)
            .with_context(|| format!("cannot delete {}", outside.display()))?;
    }
    std::fs::create_dir_all(&outside)
        .with_context(|| format!("cannot create {}", outside.display()))?;
    std::fs::write(&owner_file, &id)
        .with_context(|| format!("cannot write {}", owner_file.display()))?;
    TempCluster::start_in(outside, true)
}

/// A hash that stays the same from one build to the next (unlike std's), for folder names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Without a session bus (no desktop session), the app's keychain would be missing: the
/// demo starts its own bus and unlocked keyring (`demo_session`), which it stops last.
/// Returns the bus's address when it did.
fn start_own_session_bus(
    args: &DemoArgs,
    data_dir: &Path,
    services: &mut Services,
) -> Result<Option<String>> {
    if args.no_app || demo_session::has_session_bus(env_var) {
        return Ok(None);
    }
    let (bus, address) = demo_session::start(data_dir)?;
    eprintln!(
        "xtask: no desktop session here (DBUS_SESSION_BUS_ADDRESS is unset), so the demo started its own D-Bus session with an unlocked gnome-keyring for the app's keychain, kept in {}",
        data_dir.join("keyring").display()
    );
    services.children.push(("the session bus", bus));
    Ok(Some(address))
}

/// The app pointed at the portal, on the demo's session bus when it started one.
fn app_command(bin: &Path, portal_url: &str, session_bus: Option<&str>) -> Command {
    let mut app = cmd(bin.join("switchboard"));
    app.env("SWITCHBOARD_PORTAL_URL", portal_url);
    // The demo's registrar is on 127.0.0.1: the call engine listens there too, so calls
    // stay on loopback whatever the machine's own addresses are.
    if std::env::var_os("SWITCHBOARD_SIP_ADDRESS").is_none() {
        app.env("SWITCHBOARD_SIP_ADDRESS", "127.0.0.1");
    }
    if let Some(address) = session_bus {
        app.env("DBUS_SESSION_BUS_ADDRESS", address);
    }
    app
}

/// The demo's build: the portal and dev-idp, and the app with its window's files built in.
/// `--app-only` runs the same one, so it finds the demo's build up to date.
fn build_args(with_app: bool) -> Vec<&'static str> {
    let mut args = vec![
        "build",
        "-p",
        "switchboard-portal",
        "-p",
        "switchboard-dev-idp",
    ];
    if with_app {
        args.extend([
            "-p",
            "switchboard-app",
            "--features",
            "switchboard-app/custom-protocol",
        ]);
    }
    args
}

/// What `--app-only` reads: the running demo's portal URL and session bus.
fn write_running_file(data_dir: &Path, portal_url: &str, session_bus: Option<&str>) -> Result<()> {
    let mut text = format!("portal={portal_url}\n");
    if let Some(address) = session_bus {
        text.push_str(&format!("session_bus={address}\n"));
    }
    let path = data_dir.join(RUNNING_FILE);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The running demo's portal URL and session bus, as `write_running_file` wrote them.
fn parse_running_file(text: &str) -> (Option<String>, Option<String>) {
    let value = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    (value("portal"), value("session_bus"))
}

/// `--app-only`: the app alone, pointed at the demo running in another terminal.
fn run_app_only(args: &DemoArgs) -> Result<()> {
    let root = workspace_root();
    let data_dir = if args.data_dir.is_absolute() {
        args.data_dir.clone()
    } else {
        root.join(&args.data_dir)
    };
    let running = std::fs::read_to_string(data_dir.join(RUNNING_FILE)).unwrap_or_default();
    let (portal_url, bus) = parse_running_file(&running);
    let portal_url = match portal_url {
        Some(url) => url,
        None => {
            let address = format!("127.0.0.1:{}", args.portal_port);
            if std::net::TcpStream::connect(&address).is_err() {
                bail!("no demo is running (nothing in {} and nothing listens on {address}): start it with `cargo xtask demo` or `cargo xtask demo --no-app`", data_dir.join(RUNNING_FILE).display());
            }
            format!("http://{address}/")
        }
    };
    setup::ensure_ui_packages()?;
    setup::build_ui()?;
    // The demo's own build: built alone, the app would unify other features of the crates
    // it shares with the portal and rebuild most of them.
    run_command(cargo().args(build_args(true)).current_dir(&root))?;
    let mut own_bus = None;
    let bus = match bus {
        _ if demo_session::has_session_bus(env_var) => None,
        Some(address) => Some(address),
        None => {
            let (child, address) = demo_session::start(&data_dir)?;
            eprintln!("xtask: started a D-Bus session with an unlocked gnome-keyring for the app (no desktop session here)");
            own_bus = Some(child);
            Some(address)
        }
    };
    eprintln!("xtask: starting the app against {portal_url}; the demo's services keep running when you close it");
    let status = app_command(&target_dir().join("debug"), &portal_url, bus.as_deref())
        .status()
        .context("cannot start the app");
    if let Some(mut child) = own_bus {
        let _ = child.kill();
        let _ = child.wait();
    }
    let status = status?;
    if !status.success() {
        bail!(
            "the app stopped ({}); see its messages above",
            describe_exit(&status)
        );
    }
    eprintln!("xtask: the app was closed; the demo's services are still running in their terminal");
    Ok(())
}

/// What the demo does when one of its processes ends.
#[derive(Debug, PartialEq, Eq)]
enum AfterExit {
    /// Say this and keep the others running.
    KeepRunning(String),
    /// Say this and stop: nothing is left running.
    Stop(String),
}

/// Why a process ended, in words.
fn describe_exit(status: &ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    match status.code() {
        Some(0) => "exited normally".to_owned(),
        Some(code) => format!("exit code {code}"),
        None => status.to_string(),
    }
}

/// `name` ended (`why`, `clean` when it exited normally); `still_running` are the others.
/// Closing the app leaves the services running, to reopen it; a service that stops is
/// named with why, and the rest keep running until Ctrl-C.
fn after_exit(name: &str, why: &str, clean: bool, still_running: &[&str]) -> AfterExit {
    let reopen = "Reopen it with `cargo xtask demo --app-only` in another terminal; Ctrl-C here stops the demo.";
    if still_running.is_empty() {
        return AfterExit::Stop(format!(
            "{name} stopped ({why}) and nothing else is running: the demo stops"
        ));
    }
    if name == "app" {
        return AfterExit::KeepRunning(if clean {
            format!("the app was closed; the services keep running. {reopen}")
        } else {
            format!("the app stopped ({why}); see its messages above. The services keep running. {reopen}")
        });
    }
    AfterExit::KeepRunning(format!(
        "{name} stopped ({why}); see its messages above. Still running: {}. The demo needs {name}: press Ctrl-C and run `cargo xtask demo` again.",
        still_running.join(", ")
    ))
}

#[allow(clippy::too_many_arguments)]
fn start_and_wait(
    args: &DemoArgs,
    data_dir: &Path,
    bin: &Path,
    database_url: &str,
    session_bus: Option<&str>,
    stop: &AtomicBool,
    services: &mut Services,
    registrar: &mut Option<switchboard_kamailio::Kamailio>,
) -> Result<()> {
    let apple_public_key = ensure_apple_team_key(data_dir)?;
    let mut idp = cmd(bin.join("switchboard-dev-idp"));
    idp.arg("--listen")
        .arg(format!("127.0.0.1:{}", args.idp_port))
        .arg("--data-dir")
        .arg(data_dir.join("dev-idp"))
        .arg("--apple-client-public-key")
        .arg(apple_public_key);
    let idp_url = services.start("dev-idp", idp, "dev-idp=")?;

    let config = write_portal_config(data_dir, args.portal_port, &idp_url, database_url)?;
    let mut portal = cmd(bin.join("switchboard-portal"));
    portal
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .arg("--seed-demo");
    let portal_url = services.start("portal", portal, "portal=")?;
    let control_token =
        std::fs::read_to_string(data_dir.join("portal").join(kamailio::CONTROL_TOKEN_FILE))
            .context("cannot read the registrar's control token")?;
    *registrar = Some(kamailio::start_demo(
        data_dir,
        database_url,
        control_token.trim(),
    )?);

    configure_directory_provisioning(bin, &config)?;

    println!("portal={portal_url}");
    println!("dev-idp={idp_url}");
    write_running_file(data_dir, &portal_url, session_bus)?;

    if !args.no_app {
        let mut app = app_command(bin, &portal_url, session_bus);
        eprintln!("xtask: starting the app. Closing it leaves the services running (reopen it with `cargo xtask demo --app-only`); Ctrl-C stops everything");
        let child = app.spawn().context("cannot start the app")?;
        services.children.push(("app", child));
    } else {
        eprintln!("xtask: services are running; open the app with `cargo xtask demo --app-only`; press Ctrl-C to stop them");
    }

    while !stop.load(Ordering::SeqCst) {
        if let Some((name, status)) = services.take_exited() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let running = services.names();
            match after_exit(name, &describe_exit(&status), status.success(), &running) {
                AfterExit::KeepRunning(message) => eprintln!("xtask: {message}"),
                AfterExit::Stop(message) => {
                    eprintln!("xtask: {message}");
                    return Ok(());
                }
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("xtask: stopping");
    Ok(())
}

/// Sets up directory provisioning (SCIM) for the demo organization, so connecting a
/// directory takes one command: `admin scim token create acme NAME` (docs/demo.md).
fn configure_directory_provisioning(bin: &Path, config: &Path) -> Result<()> {
    let registrar = format!("sip:127.0.0.1:{};transport=tcp", kamailio::DEMO_SIP_PORT);
    let output = cmd(bin.join("switchboard-portal"))
        .arg("admin")
        .arg("--config")
        .arg(config)
        .args(["--actor", "demo", "scim", "configure", "acme"])
        .args(["--extensions", "300-399", "--transport", "tcp"])
        .args(["--sip-domain", "sip.acme.example"])
        .arg("--registrar")
        .arg(registrar)
        .output()
        .context("cannot run `switchboard-portal admin scim configure`")?;
    if !output.status.success() {
        bail!(
            "cannot set up directory provisioning for the demo: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

fn write_portal_config(
    data_dir: &Path,
    port: u16,
    idp_url: &str,
    database_url: &str,
) -> Result<PathBuf> {
    let portal_dir = data_dir.join("portal");
    std::fs::create_dir_all(&portal_dir)?;
    let key_file = portal_dir.join("encryption.key");
    if !key_file.exists() {
        let output = Command::new(target_dir().join("debug").join("switchboard-portal"))
            .arg("generate-key")
            .output()
            .context("cannot run switchboard-portal generate-key")?;
        if !output.status.success() {
            bail!("switchboard-portal generate-key failed");
        }
        write_private(&key_file, &output.stdout)?;
    }
    let control_token = portal_dir.join(kamailio::CONTROL_TOKEN_FILE);
    if !control_token.exists() {
        write_private(
            &control_token,
            format!("{:032x}", rand::random::<u128>()).as_bytes(),
        )?;
    }
    let client_secret = portal_dir.join("dev-idp-client-secret");
    if !client_secret.exists() {
        write_private(&client_secret, b"dev-idp-demo-secret")?;
    }
    let idp = idp_url.trim_end_matches('/');
    let mut text = format!(
        "# Written by `cargo xtask demo`; rewritten on every run.\n\
         name = \"Switchboard Demo\"\n\
         listen = \"127.0.0.1:{port}\"\n\
         database_url = \"{database_url}\"\n\
         encryption_key_file = \"encryption.key\"\n",
    );
    for (id, kind, display_name, issuer_path) in DEMO_PROVIDERS {
        // Apple's client secret is an ES256 JWT the portal signs with the team's key.
        let (secret, apple) = if *kind == "apple" {
            (
                portal_dir.join(APPLE_TEAM_KEY),
                "apple_team_id = \"DEMOTEAM01\"\napple_key_id = \"DEMOKEY001\"\n",
            )
        } else {
            (client_secret.clone(), "")
        };
        // The demo trusts the emails of Apple and Acme's own provider (off by default: they
        // do not prove who owns a domain).
        let matching = if matches!(*kind, "apple" | "oidc") {
            "match_by_email = true\n"
        } else {
            ""
        };
        text.push_str(&format!(
            "\n[[providers]]\nid = \"{id}\"\nkind = \"{kind}\"\ndisplay_name = \"{display_name}\"\n\
             issuer = \"{idp}/{issuer_path}\"\nclient_id = \"switchboard-portal\"\n\
             client_secret_file = \"{secret}\"\n{apple}{matching}",
            secret = secret.display()
        ));
    }
    // The development mail sender: the codes confirming notification emails are files in
    // `.demo-data/portal/mail/`, not sent anywhere.
    text.push_str("\n[mail]\noutbox = \"mail\"\n");
    // The registrar drops a signed-out device's contacts when the portal asks.
    text.push_str(&format!(
        "\n[registrar]\ncontrol_url = \"http://127.0.0.1:{}\"\ncontrol_token_file = \"{}\"\n",
        kamailio::DEMO_CONTROL_PORT,
        kamailio::CONTROL_TOKEN_FILE
    ));
    let path = portal_dir.join("portal.toml");
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

const APPLE_TEAM_KEY: &str = "apple-team-key.p8";

/// Like Apple's developer portal: a P-256 key whose private half (`.p8`) the portal signs
/// its client secrets with, and whose public half the (development) provider checks them
/// with. Returns the public key's file.
fn ensure_apple_team_key(data_dir: &Path) -> Result<PathBuf> {
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let portal_dir = data_dir.join("portal");
    std::fs::create_dir_all(&portal_dir)?;
    let private = portal_dir.join(APPLE_TEAM_KEY);
    let public = data_dir.join("apple-team-key.pub.pem");
    if private.exists() && public.exists() {
        return Ok(public);
    }
    let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let private_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .context("cannot encode the demo Apple key")?;
    let public_pem = p256::ecdsa::VerifyingKey::from(&key)
        .to_public_key_pem(LineEnding::LF)
        .context("cannot encode the demo Apple key")?;
    write_private(&private, private_pem.as_bytes())?;
    std::fs::write(&public, public_pem)
        .with_context(|| format!("cannot write {}", public.display()))?;
    Ok(public)
}

fn write_private(path: &Path, contents: &[u8]) -> Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[derive(Default)]
struct Services {
    children: Vec<(&'static str, Child)>,
}

impl Services {
    /// Starts a service and waits for the `<prefix><url>` line it prints once listening.
    fn start(&mut self, name: &'static str, mut command: Command, prefix: &str) -> Result<String> {
        eprintln!("$ {}", describe(&command));
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        let stdout = child.stdout.take().context("no stdout")?;
        self.children.push((name, child));
        let (sender, receiver) = mpsc::channel();
        let prefix = prefix.to_owned();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix(&prefix) {
                    let _ = sender.send(url.to_owned());
                } else {
                    println!("{line}");
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(url) = receiver.recv_timeout(Duration::from_millis(100)) {
                return Ok(url);
            }
            if self.exited() == Some(name) {
                bail!("{name} did not start; see its messages above (is its port already in use by another demo?)");
            }
            if Instant::now() > deadline {
                bail!("{name} did not report its address within a minute");
            }
        }
    }

    /// The first child that has exited, if any.
    fn exited(&mut self) -> Option<&'static str> {
        self.children
            .iter_mut()
            .find_map(|(name, child)| matches!(child.try_wait(), Ok(Some(_))).then_some(*name))
    }

    /// The first child that has exited, with how, no longer counted among the running.
    fn take_exited(&mut self) -> Option<(&'static str, ExitStatus)> {
        let (index, status) =
            self.children
                .iter_mut()
                .enumerate()
                .find_map(|(index, (_, child))| match child.try_wait() {
                    Ok(Some(status)) => Some((index, status)),
                    _ => None,
                })?;
        let (name, _) = self.children.remove(index);
        Some((name, status))
    }

    /// What is still running.
    fn names(&self) -> Vec<&'static str> {
        self.children.iter().map(|(name, _)| *name).collect()
    }

    /// SIGTERM to every child (they shut down cleanly), then wait; SIGKILL after 10 s.
    fn stop_all(&mut self) {
        for (_, child) in self.children.iter().rev() {
            if on_path("kill") {
                let _ = cmd("kill")
                    .arg("-TERM")
                    .arg(child.id().to_string())
                    .status();
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for (name, child) in self.children.iter_mut().rev() {
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if matches!(child.try_wait(), Ok(None)) {
                eprintln!("xtask: {name} did not stop; killing it");
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_the_app_keeps_the_services_and_says_how_to_reopen_it() {
        let AfterExit::KeepRunning(message) =
            after_exit("app", "exited normally", true, &["dev-idp", "portal"])
        else {
            panic!("closing the app stopped the demo");
        };
        assert!(message.contains("the services keep running"), "{message}");
        assert!(message.contains("cargo xtask demo --app-only"), "{message}");
        assert!(message.contains("Ctrl-C"), "{message}");
    }

    #[test]
    fn an_app_that_crashed_is_said_so_and_the_services_keep_running() {
        let AfterExit::KeepRunning(message) =
            after_exit("app", "killed by signal 11", false, &["portal"])
        else {
            panic!("a crashed app stopped the demo");
        };
        assert!(
            message.contains("the app stopped (killed by signal 11)"),
            "{message}"
        );
        assert!(message.contains("--app-only"), "{message}");
    }

    #[test]
    fn a_service_that_stops_is_named_with_why_and_the_rest_keep_running() {
        let AfterExit::KeepRunning(message) =
            after_exit("portal", "exit code 1", false, &["dev-idp", "app"])
        else {
            panic!("one service stopping stopped the demo");
        };
        assert!(
            message.starts_with("portal stopped (exit code 1)"),
            "{message}"
        );
        assert!(message.contains("Still running: dev-idp, app"), "{message}");
    }

    #[test]
    fn the_demo_stops_once_nothing_is_left_running() {
        assert!(matches!(
            after_exit("portal", "exit code 1", false, &[]),
            AfterExit::Stop(_)
        ));
    }

    #[test]
    fn the_app_alone_is_built_with_the_portal_so_the_demos_build_is_reused() {
        // Built alone, the app unifies other features of the crates it shares with the
        // portal (tokio, reqwest, sqlx's dependencies) and rebuilds them: 185 crates here.
        let app = build_args(true);
        for package in [
            "switchboard-portal",
            "switchboard-dev-idp",
            "switchboard-app",
        ] {
            assert!(app.contains(&package), "{package} in {app:?}");
        }
        assert!(app.contains(&"switchboard-app/custom-protocol"));
        let services = build_args(false);
        assert!(!services.contains(&"switchboard-app"));
        assert_eq!(services, app[..services.len()]);
    }

    #[test]
    fn app_only_reads_the_portal_and_bus_the_running_demo_wrote() {
        let dir = std::env::temp_dir().join(format!("xtask-running-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write_running_file(
            &dir,
            "http://127.0.0.1:8780/",
            Some("unix:abstract=/tmp/dbus-x"),
        )
        .unwrap();
        let text = std::fs::read_to_string(dir.join(RUNNING_FILE)).unwrap();
        assert_eq!(
            parse_running_file(&text),
            (
                Some("http://127.0.0.1:8780/".to_owned()),
                Some("unix:abstract=/tmp/dbus-x".to_owned())
            )
        );
        write_running_file(&dir, "http://127.0.0.1:9000/", None).unwrap();
        let text = std::fs::read_to_string(dir.join(RUNNING_FILE)).unwrap();
        assert_eq!(
            parse_running_file(&text),
            (Some("http://127.0.0.1:9000/".to_owned()), None)
        );
        assert_eq!(parse_running_file(""), (None, None));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn why_a_process_ended_in_words() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(describe_exit(&ExitStatus::from_raw(0)), "exited normally");
        assert_eq!(describe_exit(&ExitStatus::from_raw(1 << 8)), "exit code 1");
        assert_eq!(
            describe_exit(&ExitStatus::from_raw(9)),
            "killed by signal 9"
        );
    }
}
