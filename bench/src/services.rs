//! The healthmon services as real processes (the binaries of `--bin-dir`),
//! each started against a section's nats-server and waited for until it
//! answers, so that a section never measures a start-up.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use async_nats::Client;
use bytes::Bytes;
use healthmon_client as query;
use healthmon_proto::query::{PageQuery, StatusPage, Summary};

use crate::Ctx;
use healthmon_test_support::{NatsServer, Proc, free_port, wait_listening};

const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running service and where its `/metrics` is.
#[derive(Debug)]
pub struct Svc {
    pub proc: Proc,
    pub metrics_url: String,
    /// The dashboard API's HTTP base URL (`http://127.0.0.1:PORT`).
    pub http_base: Option<String>,
}

impl Svc {
    pub async fn scrape(&self, http: &reqwest::Client) -> Result<String> {
        get_text(http, &self.metrics_url).await
    }
}

/// The body of a successful `GET url` (a `/metrics` page, `/varz`).
pub async fn get_text(http: &reqwest::Client, url: &str) -> Result<String> {
    let response = http.get(url).send().await?;
    Ok(response.error_for_status()?.text().await?)
}

fn common_args(nats: &NatsServer, metrics_flag: &str, port: u16) -> Vec<String> {
    vec![
        "--nats-url".into(),
        nats.url(),
        metrics_flag.into(),
        format!("127.0.0.1:{port}"),
        "--log-level".into(),
        "warn".into(),
    ]
}

fn spawn(ctx: &Ctx, label: &str, binary: &str, args: &[String]) -> Result<Proc> {
    let path = ctx.bin_dir.join(binary);
    if !path.is_file() {
        bail!(
            "{} is missing (scripts/bench.sh builds it: cargo build --release)",
            path.display()
        );
    }
    let name = format!("{label}-{binary}");
    match &ctx.profile_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            let profile = dir.join(format!("{name}.perf"));
            Proc::spawn_profiled(&name, &path, args, &ctx.log_dir, &profile)
        }
        None => Proc::spawn(&name, &path, args, &ctx.log_dir),
    }
}

/// Waits until `ready` answers `Ok(true)`, failing early if the process died.
async fn wait_ready<F, Fut>(proc: &mut Proc, what: &str, mut ready: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + READY_TIMEOUT;
    while Instant::now() < deadline {
        proc.alive()?;
        if ready().await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("{what} not ready after {READY_TIMEOUT:?}")
}

pub async fn aggregator(ctx: &Ctx, nats: &NatsServer, client: &Client, label: &str) -> Result<Svc> {
    aggregator_with(ctx, nats, client, label, &[]).await
}

/// [`aggregator`] with extra flags (e.g. `--site-series unhealthy`).
pub async fn aggregator_with(
    ctx: &Ctx,
    nats: &NatsServer,
    client: &Client,
    label: &str,
    extra: &[&str],
) -> Result<Svc> {
    let port = free_port()?;
    let mut args = common_args(nats, "--metrics-addr", port);
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let subject = ctx.subjects.aggregator("summary");
    let summary =
        || query::request::<Summary>(client, &subject, Bytes::new(), Duration::from_secs(1));
    spawn_answering(ctx, label, "aggregator", &args, port, summary).await
}

pub async fn assessor(ctx: &Ctx, nats: &NatsServer, client: &Client, label: &str) -> Result<Svc> {
    let port = free_port()?;
    let args = common_args(nats, "--metrics-addr", port);
    let subject = ctx.subjects.assessor("statuses");
    let page = PageQuery {
        offset: 0,
        limit: 1,
    };
    let statuses =
        || query::request_json::<_, StatusPage>(client, &subject, &page, Duration::from_secs(1));
    spawn_answering(ctx, label, "assessor", &args, port, statuses).await
}

/// Spawns `healthmon-<service>`, which is asked over NATS and serves only
/// its `/metrics` (on `port`), and waits until `query` has an answer.
async fn spawn_answering<F, Fut, T, E>(
    ctx: &Ctx,
    label: &str,
    service: &str,
    args: &[String],
    port: u16,
    mut query: F,
) -> Result<Svc>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = std::result::Result<T, E>>,
{
    let mut proc = spawn(ctx, label, &format!("healthmon-{service}"), args)?;
    wait_ready(&mut proc, service, || {
        let answer = query();
        async move { answer.await.is_ok() }
    })
    .await?;
    Ok(Svc {
        proc,
        metrics_url: format!("http://127.0.0.1:{port}/metrics"),
        http_base: None,
    })
}

/// The viewer token the dashboard API is started with (bearer-token mode, as
/// in production, so every measured request pays for its authentication).
pub fn api_token(ctx: &Ctx) -> String {
    format!("{}-{}", ctx.instance, "0123456789abcdef0123456789abcdef")
}

/// The admin token it is also started with (admin actions: the registry section).
pub fn api_admin_token(ctx: &Ctx) -> String {
    format!("{}-{}", ctx.instance, "fedcba9876543210fedcba9876543210")
}

pub async fn dashboard(
    ctx: &Ctx,
    nats: &NatsServer,
    http: &reqwest::Client,
    label: &str,
) -> Result<Svc> {
    let port = free_port()?;
    let mut args = common_args(nats, "--http-addr", port);
    std::fs::create_dir_all(&ctx.log_dir)?;
    let tokens = ctx.log_dir.join(format!("{label}-auth-tokens.txt"));
    let users = format!(
        "viewer bench {}\nadmin bench-admin {}\n",
        api_token(ctx),
        api_admin_token(ctx)
    );
    std::fs::write(&tokens, users)?;
    args.extend(["--auth-tokens".into(), tokens.display().to_string()]);
    let mut proc = spawn(ctx, label, "healthmon-dashboard-api", &args)?;
    wait_listening(&mut proc, port, READY_TIMEOUT)?;
    let base = format!("http://127.0.0.1:{port}");
    let readyz = format!("{base}/readyz");
    wait_ready(&mut proc, "dashboard API", || async {
        matches!(http.get(&readyz).send().await, Ok(r) if r.status().is_success())
    })
    .await?;
    Ok(Svc {
        proc,
        metrics_url: format!("{base}/metrics"),
        http_base: Some(base),
    })
}

/// The aggregator's summary (cheap next to a `/metrics` scrape, which carries
/// every site's series).
pub async fn summary(ctx: &Ctx, client: &Client) -> Result<Summary> {
    let subject = ctx.subjects.aggregator("summary");
    query::request::<Summary>(client, &subject, Bytes::new(), Duration::from_secs(10))
        .await
        .context("aggregator summary")
}

/// The assessor's `reports_total` and `reports_rejected_total` (its `/metrics` is small).
pub async fn assessor_counts(svc: &Svc, http: &reqwest::Client) -> Result<(u64, u64)> {
    let text = svc.scrape(http).await?;
    let accepted =
        healthmon_test_support::promtext::sum(&text, "healthmon_assessor_reports_total", &[])
            .unwrap_or(0.0);
    let rejected = healthmon_test_support::promtext::sum(
        &text,
        "healthmon_assessor_reports_rejected_total",
        &[],
    )
    .unwrap_or(0.0);
    Ok((accepted as u64, rejected as u64))
}
