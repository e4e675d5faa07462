//! `switchboard-dev-idp`: runs the development OpenID provider.
//!
//! Prints exactly one line on stdout once listening, `dev-idp=<base url>`, for scripts;
//! logs go to stderr. Stops cleanly on Ctrl-C or SIGTERM.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use switchboard_dev_idp::{bind, DevIdpConfig, DEFAULT_CLIENT_SECRET};
use tracing_subscriber::EnvFilter;
use url::Url;

/// Development OpenID Connect provider behaving like Google, Microsoft Entra and Apple.
/// For the demo and tests only.
#[derive(Debug, Parser)]
#[command(name = "switchboard-dev-idp", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "DEV_IDP_LISTEN", default_value = "127.0.0.1:8781")]
    listen: SocketAddr,

    /// URL clients reach this server at, when not http://<listen>/ (issuers derive from it).
    #[arg(long, env = "DEV_IDP_PUBLIC_URL")]
    public_url: Option<Url>,

    /// Folder for the signing keys (dev-idp-keys.json); created when missing.
    #[arg(long, env = "DEV_IDP_DATA_DIR", default_value = "./.demo-data/dev-idp")]
    data_dir: PathBuf,

    /// Secret of the client `switchboard-portal` at every issuer but Apple's.
    #[arg(
        long,
        env = "DEV_IDP_CLIENT_SECRET",
        default_value = DEFAULT_CLIENT_SECRET,
        hide_default_value = true,
        hide_env_values = true
    )]
    client_secret: String,

    /// P-256 public key (SPKI PEM file) Apple client secret JWTs must be signed with;
    /// without it only their form and claims are checked.
    #[arg(long, env = "DEV_IDP_APPLE_CLIENT_PUBLIC_KEY")]
    apple_client_public_key: Option<PathBuf>,

    /// Public key (SPKI PEM file, RSA or P-256) the portal's `private_key_jwt` client
    /// assertions at the strict issuer must be signed with.
    #[arg(long, env = "DEV_IDP_CLIENT_PUBLIC_KEY")]
    client_public_key: Option<PathBuf>,
}

/// Reads an optional PEM file named on the command line.
fn read_pem(path: Option<&PathBuf>, what: &str) -> Result<Option<String>, ExitCode> {
    match path {
        None => Ok(None),
        Some(path) => std::fs::read_to_string(path).map(Some).map_err(|error| {
            tracing::error!("could not read the {what} {}: {error}", path.display());
            ExitCode::FAILURE
        }),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let apple_client_public_key_pem = match &args.apple_client_public_key {
        None => None,
        Some(path) => match std::fs::read_to_string(path) {
            Ok(pem) => Some(pem),
            Err(error) => {
                tracing::error!(
                    "could not read the Apple client public key {}: {error}",
                    path.display()
                );
                return ExitCode::FAILURE;
            }
        },
    };

    let client_public_key_pem = match read_pem(args.client_public_key.as_ref(), "client public key")
    {
        Ok(pem) => pem,
        Err(code) => return code,
    };

    let idp = match bind(DevIdpConfig {
        listen: args.listen,
        public_url: args.public_url,
        data_dir: args.data_dir,
        client_secret: args.client_secret,
        apple_client_public_key_pem,
        client_public_key_pem,
        ..DevIdpConfig::default()
    })
    .await
    {
        Ok(idp) => idp,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::FAILURE;
        }
    };

    // Before the URL line: a script may signal us as soon as it has read it.
    let shutdown = shutdown_signal();

    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "dev-idp={}", idp.url()).and_then(|()| stdout.flush()) {
        tracing::error!("could not write the URL to stdout: {error}");
        return ExitCode::FAILURE;
    }
    drop(stdout);

    match idp.serve(shutdown).await {
        Ok(()) => {
            tracing::info!("dev-idp stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// Registers for Ctrl-C and (on Unix) SIGTERM right away, so a signal that arrives as soon
/// as the URL line is printed is not lost, and returns a future that completes on either.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            let interrupt = async {
                match interrupt {
                    Ok(mut s) => s.recv().await,
                    Err(error) => {
                        tracing::warn!("cannot listen for Ctrl-C: {error}");
                        std::future::pending().await
                    }
                }
            };
            let terminate = async {
                match terminate {
                    Ok(mut s) => s.recv().await,
                    Err(error) => {
                        tracing::warn!("cannot listen for SIGTERM: {error}");
                        std::future::pending().await
                    }
                }
            };
            tokio::select! {
                _ = interrupt => tracing::info!("Ctrl-C received, stopping"),
                _ = terminate => tracing::info!("SIGTERM received, stopping"),
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            match tokio::signal::ctrl_c().await {
                Ok(()) => tracing::info!("Ctrl-C received, stopping"),
                Err(error) => {
                    tracing::warn!("cannot listen for Ctrl-C: {error}");
                    std::future::pending::<()>().await;
                }
            }
        }
    }
}
