//! Section 5, collector footprint: a real `healthmon-collector` doing what it
//! does at a site — host resources (sysinfo), one Prometheus scrape of a
//! site subsystem, four TCP probes, a report over NATS — every cycle, next
//! to Debian's `prometheus-node-exporter` answering one scrape per cycle on
//! the same machine. CPU per cycle comes from `/proc/<pid>/stat` (user +
//! system, every thread) over many cycles; RSS from `/proc/<pid>/status`
//! at the end.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use healthmon_proto::HealthReport;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::Ctx;
use crate::stats::round3;
use healthmon_test_support::{Proc, free_port, wait_listening};

const SITE: &str = "bench-collector";
const WARMUP_CYCLES: u32 = 3;

#[derive(Debug, Clone, Serialize)]
pub struct FootprintResult {
    pub interval_ms: u64,
    pub cycles: u32,
    pub collector: Footprint,
    pub node_exporter: Footprint,
    /// collector ÷ node-exporter (targets: RSS ≤ 0.5, CPU ≤ 1).
    pub rss_ratio: f64,
    pub cpu_ratio: f64,
    /// Series in the collector's scrape target; bytes of node-exporter's answer.
    pub site_endpoint_series: usize,
    pub node_exporter_body_bytes: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Footprint {
    pub rss_bytes: u64,
    pub peak_rss_bytes: u64,
    pub cpu_ms_per_cycle: f64,
}

pub async fn run(ctx: &Ctx) -> Result<FootprintResult> {
    let scale = &ctx.scale;
    let interval = Duration::from_millis(scale.footprint_interval_ms);
    let body = site_metrics();
    let series = body.lines().filter(|l| !l.starts_with('#')).count();
    let endpoint = serve_http(body).await?;
    let mut probes = Vec::new();
    for _ in 0..4 {
        probes.push(accept_and_drop().await?);
    }
    let collector = collector(ctx, interval, endpoint, &probes).await?;
    if !ctx.node_exporter.is_file() {
        bail!(
            "{} not found: run scripts/install-deps.sh --bench-tools",
            ctx.node_exporter.display()
        );
    }
    let (node_exporter, body_bytes) = node_exporter(ctx, interval).await?;
    Ok(FootprintResult {
        interval_ms: scale.footprint_interval_ms,
        cycles: scale.footprint_cycles,
        rss_ratio: round3(collector.rss_bytes as f64 / node_exporter.rss_bytes.max(1) as f64),
        cpu_ratio: round3(collector.cpu_ms_per_cycle / node_exporter.cpu_ms_per_cycle.max(1e-6)),
        collector,
        node_exporter,
        site_endpoint_series: series,
        node_exporter_body_bytes: body_bytes,
    })
}

async fn collector(
    ctx: &Ctx,
    interval: Duration,
    endpoint: u16,
    probes: &[u16],
) -> Result<Footprint> {
    let nats = crate::nats::start(&ctx.log_dir, "footprint")?;
    let client = async_nats::connect(nats.url()).await?;
    let mut reports = client.subscribe(ctx.subjects.report(SITE)).await?;
    healthmon_common::nats::round_trip(&client).await?;
    let timeout = interval.mul_f64(0.8).as_millis();
    let mut config = format!(
        "site_id = \"{SITE}\"\ninterval = \"{}ms\"\n\n[host]\nenabled = true\n\n\
         [[scrape]]\nname = \"runtime\"\nurl = \"http://127.0.0.1:{endpoint}/metrics\"\ntimeout = \"{timeout}ms\"\n\n\
         [custom]\napi_latency_ms = {{ metric = \"app_request_latency_ms\", labels = {{ endpoint = \"/api\" }} }}\n",
        interval.as_millis()
    );
    for (name, port) in ["plc-5", "plc-6", "historian", "erp"].iter().zip(probes) {
        config.push_str(&format!(
            "\n[[probe]]\nname = \"{name}\"\naddress = \"127.0.0.1:{port}\"\ntimeout = \"{timeout}ms\"\n"
        ));
    }
    std::fs::create_dir_all(&ctx.log_dir)?;
    let path = ctx.log_dir.join("footprint-collector.toml");
    std::fs::write(&path, config)?;
    let args: Vec<String> = [
        "--config",
        &path.display().to_string(),
        "--nats-url",
        &nats.url(),
        "--metrics-addr",
        &format!("127.0.0.1:{}", free_port()?),
        "--log-level",
        "warn",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let program = ctx.bin_dir.join("healthmon-collector");
    let proc = Proc::spawn(
        "footprint-healthmon-collector",
        &program,
        &args,
        &ctx.log_dir,
    )?;

    let wait = interval * 3 + Duration::from_secs(10);
    let mut next = async || -> Result<HealthReport> {
        let msg = tokio::time::timeout(wait, reports.next())
            .await
            .context("the collector stopped reporting")?
            .context("subscription closed")?;
        let report: HealthReport = healthmon_proto::decode(&msg.payload)?;
        Ok(report)
    };
    for _ in 0..WARMUP_CYCLES {
        check(&next().await?)?;
    }
    let cpu = proc.cpu_seconds()?;
    for _ in 0..ctx.scale.footprint_cycles {
        next().await?;
    }
    let cpu = proc.cpu_seconds()? - cpu;
    Ok(Footprint {
        rss_bytes: proc.rss_bytes()?,
        peak_rss_bytes: proc.peak_rss_bytes()?,
        cpu_ms_per_cycle: round3(cpu * 1e3 / f64::from(ctx.scale.footprint_cycles)),
    })
}

/// The report must show that every source was really read.
fn check(r: &HealthReport) -> Result<()> {
    let ok = r.connections.len() == 8
        && r.connections_up() == 8
        && r.nodes.len() == 2
        && r.resources.is_some()
        && r.custom.contains_key("api_latency_ms");
    if !ok {
        bail!("the collector's report misses sources: {r:?}");
    }
    Ok(())
}

/// node-exporter with its default collectors, scraped once per cycle.
async fn node_exporter(ctx: &Ctx, interval: Duration) -> Result<(Footprint, usize)> {
    let port = free_port()?;
    let args = vec![
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--log.level=warn".to_owned(),
    ];
    let mut proc = Proc::spawn(
        "footprint-node-exporter",
        &ctx.node_exporter,
        &args,
        &ctx.log_dir,
    )?;
    wait_listening(&mut proc, port, Duration::from_secs(10))?;
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let mut body_bytes = 0;
    let mut next = Instant::now();
    let mut scrape = async |n: u32| -> Result<()> {
        for _ in 0..n {
            next = (next + interval).max(Instant::now());
            tokio::time::sleep_until(next.into()).await;
            let body = http
                .get(&url)
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            body_bytes = body.len();
        }
        Ok(())
    };
    scrape(WARMUP_CYCLES).await?;
    let cpu = proc.cpu_seconds()?;
    scrape(ctx.scale.footprint_cycles).await?;
    let cpu = proc.cpu_seconds()? - cpu;
    let footprint = Footprint {
        rss_bytes: proc.rss_bytes()?,
        peak_rss_bytes: proc.peak_rss_bytes()?,
        cpu_ms_per_cycle: round3(cpu * 1e3 / f64::from(ctx.scale.footprint_cycles)),
    };
    Ok((footprint, body_bytes))
}

/// What a site subsystem exposes: the metrics the collector maps by default,
/// plus a hundred unrelated series it has to parse past, as a real runtime has.
fn site_metrics() -> String {
    let mut s = String::from("# TYPE site_connection_up gauge\n");
    for c in ["plc-1", "plc-2", "plc-3", "plc-4"] {
        s.push_str(&format!("site_connection_up{{connection=\"{c}\"}} 1\n"));
    }
    s.push_str(
        "# TYPE site_script_errors_total counter\n\
         site_script_errors_total{script=\"batch\"} 12\n\
         site_script_errors_total{script=\"report\"} 3\n\
         # TYPE site_alarm_errors_total counter\nsite_alarm_errors_total 5\n\
         # TYPE site_sf_buffer_depth gauge\n\
         site_sf_buffer_depth{category=\"external\"} 3\n\
         site_sf_buffer_depth{category=\"notification\"} 0\n\
         site_sf_buffer_depth{category=\"db_write\"} 12\n\
         # TYPE site_node_role gauge\n\
         site_node_role{node=\"node-a\",role=\"active\"} 1\n\
         site_node_role{node=\"node-b\",role=\"standby\"} 1\n\
         # TYPE app_request_latency_ms gauge\n\
         app_request_latency_ms{endpoint=\"/api\"} 12.5\n\
         app_request_latency_ms{endpoint=\"/ui\"} 30\n\
         # TYPE runtime_tag_updates_total counter\n",
    );
    for i in 0..100 {
        s.push_str(&format!(
            "runtime_tag_updates_total{{group=\"g{i}\"}} {}\n",
            i * 37
        ));
    }
    s
}

/// A minimal HTTP/1.1 server answering every request with `body`; returns its port.
async fn serve_http(body: String) -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut read = 0;
                while read < buf.len() {
                    match stream.read(&mut buf[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                    if buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok(port)
}

/// A TCP port that accepts connections (what a probe checks) and closes them.
async fn accept_and_drop() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move { while listener.accept().await.is_ok() {} });
    Ok(port)
}
