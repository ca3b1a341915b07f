//! Section 1, ingest: the same pre-encoded reports published flat out to
//! (a) a bare subscriber that only counts, (b) the real aggregator, (c) the
//! real assessor — each alone, on a fresh nats-server.
//!
//! The clock runs from the first publish to the moment the consumer has
//! processed the last message: (a) stamps its last message itself; (b) is
//! polled with `agg.get` for the last report (it consumes in order, so seeing
//! the last means all before it were handled); (c) is polled on its small
//! `/metrics` until `reports_total` counts them all. Loss is sent minus
//! processed; the slow-consumer counts of client and server say where.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use async_nats::Client;
use healthmon_client::request_json;
use healthmon_proto::query::{GetQuery, SiteDetail};
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::Ctx;
use crate::counter::{CountResult, unix_ns};
use crate::fleet::{Batch, ReportMaker, publish_all};
use crate::services::{self, Svc};
use crate::stats::round3;
use healthmon_test_support::promtext;
use healthmon_test_support::{NatsServer, Proc};

/// Pause before a second look at a service's counters, when the first
/// counted fewer reports than were sent.
const COUNTERS_SETTLE: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Serialize)]
pub struct IngestResult {
    pub reports: u64,
    pub sites: usize,
    pub payload_bytes: usize,
    pub bare: Consumer,
    pub aggregator: Consumer,
    pub assessor: Consumer,
    /// aggregator msgs/s ÷ bare msgs/s (target ≥ 0.9).
    pub aggregator_ratio: f64,
    pub assessor_ratio: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Consumer {
    /// Processed messages per second, first publish → last processed.
    pub msgs_per_s: f64,
    pub seconds: f64,
    /// The publisher's own pace in this run (all published and flushed).
    pub publish_msgs_per_s: f64,
    pub processed: u64,
    pub rejected: u64,
    /// Sent but never processed.
    pub lost: u64,
    /// What the service's own metrics say it lost (`seq` gaps, counted at
    /// a site's next report: reports dropped at the very end of the burst
    /// have none); `None` for the bare subscriber.
    pub counted_lost: Option<u64>,
    pub client_slow_consumer_events: u64,
    pub server_slow_consumers: u64,
    /// CPU time of the consumer process per message it processed, µs: what
    /// it costs, whatever else the machine is doing.
    pub cpu_us_per_msg: f64,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Bare,
    Aggregator,
    Assessor,
}

pub async fn run(ctx: &Ctx) -> Result<IngestResult> {
    let scale = &ctx.scale;
    let mut maker = ReportMaker::new(&ctx.instance, Duration::from_secs(30));
    let batch = tokio::task::block_in_place(|| {
        Batch::rounds(
            &ctx.subjects,
            "ingest",
            scale.sites,
            scale.reports,
            &mut maker,
        )
    });
    let bare = run_one(ctx, &batch, Kind::Bare)
        .await
        .context("bare subscriber")?;
    let aggregator = run_one(ctx, &batch, Kind::Aggregator)
        .await
        .context("aggregator")?;
    let assessor = run_one(ctx, &batch, Kind::Assessor)
        .await
        .context("assessor")?;
    let ratio = |c: &Consumer| round3(c.msgs_per_s / bare.msgs_per_s.max(1.0));
    Ok(IngestResult {
        reports: batch.len() as u64,
        sites: scale.sites,
        payload_bytes: batch.average_payload(),
        aggregator_ratio: ratio(&aggregator),
        assessor_ratio: ratio(&assessor),
        bare,
        aggregator,
        assessor,
    })
}

async fn run_one(ctx: &Ctx, batch: &Batch, kind: Kind) -> Result<Consumer> {
    let label = format!("ingest-{kind:?}").to_lowercase();
    let nats = crate::nats::start(&ctx.log_dir, &label)?;
    let http = reqwest::Client::new();
    let query = async_nats::connect(nats.url()).await?;
    let publisher = async_nats::connect(nats.url()).await?;
    let sent = batch.len() as u64;

    let mut target = match kind {
        Kind::Bare => Target::Bare(start_counter(ctx, &nats, &label, sent).await?),
        Kind::Aggregator => {
            Target::Service(services::aggregator(ctx, &nats, &query, &label).await?)
        }
        Kind::Assessor => Target::Service(services::assessor(ctx, &nats, &query, &label).await?),
    };

    let cpu_before = match &target {
        Target::Service(svc) => svc.proc.cpu_seconds()?,
        Target::Bare(_) => 0.0,
    };
    let (started, started_ns) = (Instant::now(), unix_ns());
    publish_all(&publisher, batch.iter()).await?;
    let published = started.elapsed();

    let patience = ctx.scale.patience();
    let (seconds, processed, rejected, client_slow, cpu_seconds, counted_lost) = match &mut target {
        Target::Bare((proc, lines)) => {
            let line = tokio::time::timeout(patience, lines.next_line())
                .await
                .context("bare subscriber did not finish")??
                .context("bare subscriber ended without a result")?;
            proc.wait_exit(Duration::from_secs(5)).await?;
            let r: CountResult = serde_json::from_str(&line).context("bare subscriber result")?;
            let secs = r.last_unix_ns.saturating_sub(started_ns) as f64 / 1e9;
            (
                secs,
                r.received,
                0,
                r.slow_consumer_events,
                r.cpu_seconds,
                None,
            )
        }
        Target::Service(svc) => {
            let done = match kind {
                Kind::Aggregator => {
                    let (site, seq) = batch.last().context("empty batch")?;
                    aggregator_done(ctx, &query, svc, site, seq).await?
                }
                _ => assessor_done(svc, &http, sent, patience).await?,
            };
            let seconds = done.duration_since(started).as_secs_f64();
            // Before the scrape: rendering per-site series is not ingest work.
            let cpu_seconds = svc.proc.cpu_seconds()? - cpu_before;
            // The aggregator counts a report just after it becomes visible:
            // a scrape right after the last one showed can miss the count of
            // a report or two still on their way, so one more after a pause.
            let mut text = svc.scrape(&http).await?;
            if counts(kind, &text).0 < sent {
                tokio::time::sleep(COUNTERS_SETTLE).await;
                text = svc.scrape(&http).await?;
            }
            let (processed, rejected) = counts(kind, &text);
            let slow = [("event", "slow_consumer")];
            let slow =
                promtext::sum(&text, "healthmon_nats_events_total", &slow).unwrap_or(0.0) as u64;
            let counted_lost = match kind {
                Kind::Aggregator => "healthmon_aggregator_lost_reports_total",
                _ => "healthmon_assessor_lost_reports_total",
            };
            let counted_lost = promtext::sum(&text, counted_lost, &[]).unwrap_or(0.0) as u64;
            (
                seconds,
                processed,
                rejected,
                slow,
                cpu_seconds,
                Some(counted_lost),
            )
        }
    };
    let server_slow = crate::nats::slow_consumers(&nats, &http).await?;
    Ok(Consumer {
        msgs_per_s: (processed as f64 / seconds.max(1e-9)).round(),
        seconds: round3(seconds),
        publish_msgs_per_s: (sent as f64 / published.as_secs_f64().max(1e-9)).round(),
        processed,
        rejected,
        lost: sent.saturating_sub(processed),
        counted_lost,
        client_slow_consumer_events: client_slow,
        server_slow_consumers: server_slow,
        cpu_us_per_msg: round3(cpu_seconds * 1e6 / processed.max(1) as f64),
    })
}

enum Target {
    Bare(
        (
            Proc,
            tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
        ),
    ),
    Service(Svc),
}

/// Starts `healthmon-bench count` and waits for its `ready`.
async fn start_counter(
    ctx: &Ctx,
    nats: &NatsServer,
    label: &str,
    expect: u64,
) -> Result<(
    Proc,
    tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
)> {
    let args: Vec<String> = vec![
        "count".into(),
        "--nats-url".into(),
        nats.url(),
        "--subject".into(),
        ctx.subjects.reports(),
        "--expect".into(),
        expect.to_string(),
    ];
    let mut proc = Proc::spawn_piped(
        &format!("{label}-counter"),
        &ctx.self_exe,
        &args,
        &ctx.log_dir,
    )?;
    let stdout = proc.take_stdout().context("counter stdout")?;
    let stdout = tokio::process::ChildStdout::from_std(stdout)?;
    let mut lines = BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .context("bare subscriber not ready")??;
    if ready.as_deref() != Some("ready") {
        proc.alive()?;
        bail!("bare subscriber said {ready:?} instead of ready");
    }
    Ok((proc, lines))
}

/// Reports a service counted as processed (accepted + rejected), and the
/// rejected among them, from its `/metrics`.
fn counts(kind: Kind, metrics: &str) -> (u64, u64) {
    let (accepted, rejected) = match kind {
        Kind::Aggregator => (
            "healthmon_aggregator_reports_accepted_total",
            "healthmon_aggregator_reports_rejected_total",
        ),
        _ => (
            "healthmon_assessor_reports_total",
            "healthmon_assessor_reports_rejected_total",
        ),
    };
    let count = |name| promtext::sum(metrics, name, &[]).unwrap_or(0.0) as u64;
    let rejected = count(rejected);
    (count(accepted) + rejected, rejected)
}

/// When the aggregator shows the last report. Progress is read from the last
/// site's `seq` (one step per round), never from `/metrics`, whose per-site
/// series would cost the aggregator more than what is measured. If the last
/// report never shows (it was lost), the end is when that `seq` last moved.
async fn aggregator_done(
    ctx: &Ctx,
    query: &Client,
    svc: &mut Svc,
    site: &str,
    seq: u64,
) -> Result<Instant> {
    let subject = ctx.subjects.aggregator("get");
    let get = GetQuery {
        site_id: site.to_owned(),
    };
    let stall = if ctx.scale.quick {
        Duration::from_secs(3)
    } else {
        Duration::from_secs(10)
    };
    let mut last = (0, Instant::now());
    let deadline = Instant::now() + ctx.scale.patience();
    while Instant::now() < deadline {
        let detail: Option<SiteDetail> =
            request_json(query, &subject, &get, Duration::from_secs(5))
                .await
                .ok();
        let now = Instant::now();
        let seen = detail.and_then(|d| d.report).map_or(0, |r| r.seq);
        if seen >= seq {
            return Ok(now);
        }
        if seen != last.0 {
            last = (seen, now);
        } else if now.duration_since(last.1) > stall {
            svc.proc.alive()?;
            return Ok(last.1);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bail!(
        "the aggregator did not finish within {:?}",
        ctx.scale.patience()
    )
}

/// When the assessor's `reports_total` (+ rejected) reaches `sent`, or stops moving.
async fn assessor_done(
    svc: &mut Svc,
    http: &reqwest::Client,
    sent: u64,
    patience: Duration,
) -> Result<Instant> {
    let deadline = Instant::now() + patience;
    let mut last = (0, Instant::now());
    while Instant::now() < deadline {
        let (accepted, rejected) = services::assessor_counts(svc, http).await?;
        let seen = accepted + rejected;
        let now = Instant::now();
        if seen >= sent {
            return Ok(now);
        }
        if seen != last.0 {
            last = (seen, now);
        } else if now.duration_since(last.1) > Duration::from_secs(3) {
            svc.proc.alive()?;
            return Ok(last.1);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bail!("the assessor did not finish within {patience:?}")
}
