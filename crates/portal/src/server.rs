//! Accepting connections with limits, so that holding sockets open cannot stop the portal
//! answering: at most `max_connections` at once (one more is answered 503 with Retry-After
//! and closed at once, instead of waiting in silence), a request's head must arrive within
//! `header_timeout` (an idle keep-alive connection is closed after as long), and its body
//! within `body_timeout`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// How many connections and how long for each part of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            // Well under the usual open-files limit (1,024), leaving room for the database
            // pool, provider requests and log files.
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
        }
    }
}

impl ServerLimits {
    /// The `[server]` table's limits; what it leaves out is the default.
    pub fn from_settings(settings: &crate::config::ServerSettings) -> Self {
        let defaults = Self::default();
        Self {
            max_connections: settings
                .max_connections
                .unwrap_or(defaults.max_connections)
                .max(1),
            header_timeout: settings
                .header_timeout_seconds
                .map_or(defaults.header_timeout, |seconds| {
                    Duration::from_secs(seconds.max(1))
                }),
            body_timeout: settings
                .body_timeout_seconds
                .map_or(defaults.body_timeout, |seconds| {
                    Duration::from_secs(seconds.max(1))
                }),
        }
    }
}

/// File descriptors kept free for everything but client connections: the database pool,
/// provider requests, log and key files, and the busy answers themselves.
pub const RESERVED_FILES: u64 = 64;

impl ServerLimits {
    /// These limits with `max_connections` lowered, if needed, to fit under the process's
    /// open-files limit with `RESERVED_FILES` to spare: held connections then meet the busy
    /// answer, never a full file table (where nobody is answered at all).
    pub fn fitted_to_open_files(self) -> Self {
        let Ok((soft, _)) = rlimit::Resource::NOFILE.get() else {
            return self;
        };
        let room =
            usize::try_from(soft.saturating_sub(RESERVED_FILES).max(1)).unwrap_or(usize::MAX);
        if room >= self.max_connections {
            return self;
        }
        tracing::warn!(
            configured = self.max_connections,
            open_files_limit = soft,
            serving = room,
            "the open-files limit is too low for max_connections: serving fewer connections at once (raise the limit, e.g. LimitNOFILE in the systemd unit)"
        );
        Self {
            max_connections: room,
            ..self
        }
    }
}

/// Seconds a client told "busy" should wait.
const BUSY_RETRY_AFTER_SECONDS: u64 = 5;
/// Time open connections get to finish when the portal stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        limits.body_timeout,
    ));
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Closed when the portal stops: every connection then finishes its request and closes.
    let (stopping, stop_signal) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors, most likely: wait a little instead of spinning.
                    tracing::warn!(%error, "cannot accept a connection; trying again shortly");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tokio::spawn(answer_busy(stream));
            continue;
        };
        let activity = Arc::new(Activity::new());
        let service = {
            let activity = Arc::clone(&activity);
            router
                .clone()
                .map_request(move |request: Request<Incoming>| {
                    let mut request = request.map(Body::new);
                    request.extensions_mut().insert(ConnectInfo(remote));
                    request
                })
                .map_future(move |response| {
                    let guard = activity.start();
                    async move {
                        // The request counts as answered when its body is sent: a
                        // stream (the apps' events) keeps its connection busy.
                        let response: Result<axum::response::Response, _> = response.await;
                        response.map(|response| {
                            response.map(|body| {
                                Body::new(AnsweringBody {
                                    body,
                                    _guard: guard,
                                })
                            })
                        })
                    }
                })
        };
        let mut stop_signal = stop_signal.clone();
        tokio::spawn(async move {
            // HTTP/1.1 only: sniffing for HTTP/2 would wait on a silent connection with no
            // time limit (a load balancer in front speaks HTTP/1.1 to the portal anyway).
            let mut builder = Builder::new(TokioExecutor::new()).http1_only();
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let connection = builder.serve_connection_with_upgrades(
                TokioIo::new(stream),
                TowerToHyperService::new(service),
            );
            tokio::pin!(connection);
            let mut check = tokio::time::interval(limits.header_timeout / 4);
            loop {
                tokio::select! {
                    _ = connection.as_mut() => break,
                    _ = stop_signal.changed() => {
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.as_mut().await;
                        break;
                    }
                    _ = check.tick() => {
                        // No request being answered for the whole time limit: a silent
                        // client, a head that never finishes, or an idle keep-alive.
                        if activity.idle_for() >= limits.header_timeout {
                            connection.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(limits.header_timeout, connection.as_mut()).await;
                            break;
                        }
                    }
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(());
    // Wait until every connection has given its permit back, or the grace period ends.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, permits.acquire_many(all)).await;
    Ok(())
}

/// Whether a connection is answering a request, and since when it has not been.
struct Activity {
    in_flight: std::sync::atomic::AtomicUsize,
    idle_since: std::sync::Mutex<std::time::Instant>,
}

impl Activity {
    fn new() -> Self {
        Self {
            in_flight: std::sync::atomic::AtomicUsize::new(0),
            idle_since: std::sync::Mutex::new(std::time::Instant::now()),
        }
    }

    fn start(self: &Arc<Self>) -> InFlightOwned {
        self.in_flight
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InFlightOwned(Arc::clone(self))
    }

    /// How long no request has been answered (zero while one is).
    fn idle_for(&self) -> Duration {
        if self.in_flight.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            return Duration::ZERO;
        }
        self.idle_since
            .lock()
            .map(|since| since.elapsed())
            .unwrap_or_default()
    }
}

/// A response's body, holding its request's place in [`Activity`] until it is sent.
struct AnsweringBody {
    body: Body,
    _guard: InFlightOwned,
}

impl axum::body::HttpBody for AnsweringBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// A request being answered; dropped when its answer is sent.
struct InFlightOwned(Arc<Activity>);

impl Drop for InFlightOwned {
    fn drop(&mut self) {
        let activity = &self.0;
        if let Ok(mut since) = activity.idle_since.lock() {
            *since = std::time::Instant::now();
        }
        activity
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// One connection over the cap: an answer the client understands, then closed.
async fn answer_busy(mut stream: TcpStream) {
    let body = serde_json::json!({
        "code": "temporarily_unavailable",
        "message": "The portal is busy. Try again in a few seconds.",
    })
    .to_string();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: {BUSY_RETRY_AFTER_SECONDS}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
