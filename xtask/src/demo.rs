//! `cargo xtask demo`: dev-idp, the portal with demo data, the SIP registrar (Kamailio) its
//! demo SIP profiles register with, and the app pointed at them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

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
    }
    if args.postgres {
        packages.push(postgres::PACKAGE);
    }
    packages.extend_from_slice(kamailio::PACKAGES);
    setup::ensure_system_packages(&packages)?;

    let root = workspace_root();
    let mut build = cargo();
    build
        .args([
            "build",
            "-p",
            "switchboard-portal",
            "-p",
            "switchboard-dev-idp",
        ])
        .current_dir(&root);
    if !args.no_app {
        setup::ensure_ui_packages()?;
        setup::build_ui()?;
        build.args([
            "-p",
            "switchboard-app",
            "--features",
            "switchboard-app/custom-protocol",
        ]);
    }
    run_command(&mut build)?;

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
    let registrar = kamailio::start_demo(&data_dir)?;
    let bin = target_dir().join("debug");
    let mut services = Services::default();
    let result = start_and_wait(&args, &data_dir, &bin, &database_url, &stop, &mut services);
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

fn start_and_wait(
    args: &DemoArgs,
    data_dir: &Path,
    bin: &Path,
    database_url: &str,
    stop: &AtomicBool,
    services: &mut Services,
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

    println!("portal={portal_url}");
    println!("dev-idp={idp_url}");

    if !args.no_app {
        let mut app = cmd(bin.join("switchboard"));
        app.env("SWITCHBOARD_PORTAL_URL", &portal_url);
        eprintln!("xtask: starting the app; close its window or press Ctrl-C to stop the demo");
        let child = app.spawn().context("cannot start the app")?;
        services.children.push(("app", child));
    } else {
        eprintln!("xtask: services are running; press Ctrl-C to stop them");
    }

    while !stop.load(Ordering::SeqCst) {
        if let Some(name) = services.exited() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            if name == "app" {
                eprintln!("xtask: the app was closed; stopping the services");
                return Ok(());
            }
            bail!("{name} stopped unexpectedly; see its messages above");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("xtask: stopping");
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
