//! Connecting to NATS the same way in every service.
//!
//! - The first connection is retried with a log line per attempt until
//!   `connect_timeout` (0 = forever), then fails with one clear error.
//! - After that the client reconnects forever; every connection event is
//!   logged, counted in `healthmon_nats_events_total{event}`, and published
//!   on a `watch` channel ([`LinkState`]) for services that must react
//!   (the collector sends a fresh report on reconnect; the assessor stops
//!   judging sites while it is blind).
//! - Slow-consumer events (the client dropped messages because a
//!   subscription's buffer was full) are counted and logged at error level
//!   (at most one line a second, with the number suppressed): healthmon
//!   never drops silently. The client raises one event per dropped message
//!   through a bounded channel of 128, so under a flood the counter is a
//!   lower bound; the aggregator's per-site `seq` gaps count every loss.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event};
use healthmon_proto::Subjects;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::ServiceError;
use crate::log_limit::LogLimiter;
use crate::metric_names::nats as metric_names;

/// Messages a subscription may buffer before the client drops (and reports a
/// slow consumer). Sized for the worst burst: a fleet-wide resend answered by
/// 100k sites within about a second fits even while the consumer stalls, at
/// a worst-case cost of 256k × ~0.6 KiB (a typical report is ~500 B of
/// MessagePack, plus the client's per-message overhead) ≈ 150 MiB, paid only
/// while the buffer is full.
pub const DEFAULT_SUBSCRIPTION_CAPACITY: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub enum NatsAuth {
    None,
    Creds(PathBuf),
    NKeyFile(PathBuf),
    UserPassword { user: String, password: String },
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub ca: Option<PathBuf>,
    pub client: Option<(PathBuf, PathBuf)>,
}

/// Validated NATS settings (see [`crate::cli::NatsArgs`]).
#[derive(Debug, Clone)]
pub struct NatsConfig {
    /// One or more comma-separated server URLs.
    pub url: String,
    pub subjects: Subjects,
    pub auth: NatsAuth,
    pub tls: Option<TlsFiles>,
    pub connect_timeout: Duration,
    pub subscription_capacity: usize,
}

impl NatsConfig {
    /// Plain local connection with the default prefix: what tests use.
    pub fn local(url: impl Into<String>) -> Self {
        NatsConfig {
            url: url.into(),
            subjects: Subjects::default(),
            auth: NatsAuth::None,
            tls: None,
            connect_timeout: Duration::from_secs(10),
            subscription_capacity: DEFAULT_SUBSCRIPTION_CAPACITY,
        }
    }
}

/// The connection as services see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkState {
    pub connected: bool,
    /// Since when `connected` has had its current value.
    pub since: Instant,
    /// Incremented on every (re)connection.
    pub generation: u64,
}

pub struct Connection {
    pub client: Client,
    pub link: watch::Receiver<LinkState>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("link", &*self.link.borrow())
            .finish()
    }
}

/// Connects as `name` (shown by `nats server report connections`).
pub async fn connect(cfg: &NatsConfig, name: &str) -> Result<Connection, ServiceError> {
    // Counters touched before the recorder exists would go nowhere; every
    // service connects first, so install it here.
    crate::telemetry::metrics_handle();
    crate::metric_names::nats::describe_all();
    let started = Instant::now();
    let (tx, link) = watch::channel(LinkState {
        connected: false,
        since: started,
        generation: 0,
    });
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let options = options(cfg, name, tx.clone())?;
        // async-nats parses a single URL from a string; a list must be split.
        let servers = cfg
            .url
            .split(',')
            .map(|u| u.trim().parse::<async_nats::ServerAddr>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ServiceError::Config(format!("invalid NATS URL {}: {e}", cfg.url)))?;
        match options.connect(servers).await {
            Ok(client) => {
                tx.send_modify(|s| {
                    if !s.connected {
                        *s = LinkState {
                            connected: true,
                            since: Instant::now(),
                            generation: s.generation + 1,
                        };
                    }
                });
                tracing::info!(url = %cfg.url, name, "connected to NATS");
                return Ok(Connection { client, link });
            }
            Err(e) => {
                let waited = started.elapsed();
                if !cfg.connect_timeout.is_zero() && waited >= cfg.connect_timeout {
                    return Err(ServiceError::NatsUnreachable {
                        url: cfg.url.clone(),
                        waited_s: waited.as_secs(),
                        reason: e.to_string(),
                    });
                }
                tracing::warn!(url = %cfg.url, attempt, error = %e, "NATS not reachable yet; retrying");
                tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt.min(8)))).await;
            }
        }
    }
}

/// The contents of the file a flag names, or why it cannot be read.
fn read_secret(flag: &str, path: &std::path::Path) -> Result<String, ServiceError> {
    std::fs::read_to_string(path).map_err(|e| {
        ServiceError::NatsOptions(format!("cannot read {flag} {}: {e}", path.display()))
    })
}

fn options(
    cfg: &NatsConfig,
    name: &str,
    link: watch::Sender<LinkState>,
) -> Result<ConnectOptions, ServiceError> {
    let mut opts = match &cfg.auth {
        NatsAuth::None => ConnectOptions::new(),
        NatsAuth::Creds(path) => {
            let creds = read_secret("--nats-creds", path)?;
            ConnectOptions::with_credentials(&creds)
                .map_err(|e| ServiceError::NatsOptions(format!("bad --nats-creds file: {e}")))?
        }
        NatsAuth::NKeyFile(path) => {
            let seed = read_secret("--nats-nkey", path)?;
            ConnectOptions::with_nkey(seed.trim().to_owned())
        }
        NatsAuth::UserPassword { user, password } => {
            ConnectOptions::with_user_and_password(user.clone(), password.clone())
        }
    };
    if let Some(tls) = &cfg.tls {
        opts = opts.require_tls(true);
        if let Some(ca) = &tls.ca {
            opts = opts.add_root_certificates(ca.clone());
        }
        if let Some((cert, key)) = &tls.client {
            opts = opts.add_client_certificate(cert.clone(), key.clone());
        }
    }
    let service = name.to_owned();
    let limiter = Arc::new(Mutex::new(LogLimiter::default()));
    Ok(opts
        .name(name)
        .max_reconnects(None)
        .subscription_capacity(cfg.subscription_capacity)
        .connection_timeout(Duration::from_secs(5))
        .reconnect_delay_callback(|attempts| {
            Duration::from_millis((attempts as u64).saturating_mul(250).clamp(100, 2_000))
        })
        .event_callback(move |event| {
            let link = link.clone();
            let service = service.clone();
            let limiter = limiter.clone();
            async move { on_event(&service, &event, &link, &limiter) }
        }))
}

fn on_event(
    service: &str,
    event: &Event,
    link: &watch::Sender<LinkState>,
    limiter: &Mutex<LogLimiter>,
) {
    let label = match event {
        Event::Connected => "connected",
        Event::Disconnected => "disconnected",
        Event::LameDuckMode => "lame_duck",
        Event::Draining => "draining",
        Event::Closed => "closed",
        Event::SlowConsumer(_) => "slow_consumer",
        Event::ServerError(_) => "server_error",
        Event::ClientError(_) => "client_error",
    };
    metrics::counter!(metric_names::EVENTS, "event" => label).increment(1);
    match event {
        Event::Connected => {
            link.send_modify(|s| {
                *s = LinkState {
                    connected: true,
                    since: Instant::now(),
                    generation: s.generation + 1,
                }
            });
            metrics::gauge!(metric_names::CONNECTED).set(1.0);
            tracing::info!(service, "NATS connection (re)established");
        }
        Event::Disconnected | Event::Closed => {
            link.send_modify(|s| {
                if s.connected {
                    *s = LinkState {
                        connected: false,
                        since: Instant::now(),
                        generation: s.generation,
                    }
                }
            });
            metrics::gauge!(metric_names::CONNECTED).set(0.0);
            if matches!(event, Event::Closed) {
                // Only after our own drain/close at shutdown: nothing to reconnect.
                tracing::info!(service, "NATS connection closed");
            } else {
                tracing::warn!(service, "NATS connection lost; reconnecting");
            }
        }
        Event::SlowConsumer(sid) => {
            let permit = limiter
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .allow();
            if let Some(suppressed) = permit {
                tracing::error!(
                    service,
                    sid,
                    suppressed,
                    "slow consumer: the NATS client dropped messages for a subscription that could not keep up (counted in healthmon_nats_events_total{{event=\"slow_consumer\"}})"
                );
            }
        }
        _ => tracing::warn!(service, %event, "NATS event"),
    }
}

/// Returns once the server has processed everything this client sent before,
/// subscriptions included: a request to a subject nobody serves is answered
/// "no responders" only after the server has handled our earlier commands.
/// (`Client::flush` only empties the socket.) Services call it at the end of
/// `start`, so a caller may publish as soon as `start` returns.
pub async fn round_trip(client: &Client) -> Result<(), ServiceError> {
    let subject = format!("{}.sync", client.new_inbox());
    match client.request(subject, bytes::Bytes::new()).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == async_nats::client::RequestErrorKind::NoResponders => Ok(()),
        Err(e) => Err(ServiceError::nats("round trip to the server", e)),
    }
}

/// How long shutdown waits for pending publishes to reach the server. With no
/// server reachable a flush would wait for a reconnect that may never come.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);

/// Flushes pending publishes, then drains subscriptions, so nothing accepted
/// is lost at exit; gives up after [`DRAIN_TIMEOUT`] when the server is gone.
pub async fn drain(client: &Client) {
    if client.connection_state() != async_nats::connection::State::Connected {
        tracing::warn!("NATS not connected at shutdown; unsent publishes are dropped");
        return;
    }
    match tokio::time::timeout(DRAIN_TIMEOUT, client.flush()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "flush before exit failed"),
        Err(_) => tracing::warn!("flush before exit timed out after {DRAIN_TIMEOUT:?}"),
    }
    match tokio::time::timeout(DRAIN_TIMEOUT, client.drain()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "drain before exit failed"),
        Err(_) => tracing::warn!("drain before exit timed out after {DRAIN_TIMEOUT:?}"),
    }
}
