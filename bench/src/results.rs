//! What a run writes: the machine, the scale, every section's numbers (or
//! why the section failed) and the issue's targets, met or missed.

use healthmon_soak::record::{self, Kind, Record};
use healthmon_soak::settings::Restart;
use serde::Serialize;

use crate::api::{ApiResult, ScrapeResult};
use crate::footprint::FootprintResult;
use crate::ingest::IngestResult;
use crate::memory::MemoryResult;
use crate::registry::RegistryResult;
use crate::scale::Scale;
use crate::steady::{DetectionResult, LatencyResult};

/// A section's numbers, or why there are none.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Outcome<T> {
    Done(T),
    Failed { error: String },
    Skipped { skipped: bool },
}

impl<T> Outcome<T> {
    pub fn done(&self) -> Option<&T> {
        match self {
            Outcome::Done(t) => Some(t),
            _ => None,
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self, Outcome::Failed { .. })
    }
}

impl<T> Default for Outcome<T> {
    fn default() -> Self {
        Outcome::Skipped { skipped: true }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Sections {
    pub ingest: Outcome<IngestResult>,
    pub latency: Outcome<LatencyResult>,
    pub detection: Outcome<DetectionResult>,
    pub memory: Outcome<MemoryResult>,
    pub collector: Outcome<FootprintResult>,
    pub dashboard_api: Outcome<ApiResult>,
    pub prometheus: Outcome<ScrapeResult>,
    pub registry: Outcome<RegistryResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub nproc: usize,
    pub cpu_model: String,
    pub mem_total_bytes: u64,
    pub kernel: String,
    /// `/proc/loadavg` 1-minute load before and after the run: above zero
    /// means other work shared the machine.
    pub load1_before: f64,
    pub load1_after: f64,
}

impl Machine {
    pub fn probe() -> Self {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or("unknown".into(), |(_, v)| v.trim().to_owned());
        let mem_total_bytes = read("/proc/meminfo")
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024);
        Machine {
            nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            mem_total_bytes,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            load1_before: load1(),
            load1_after: 0.0,
        }
    }
}

pub fn load1() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// One target of the issue: `value` against `goal`; `met` is `None` when
/// the section that measures it did not run.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub name: &'static str,
    pub goal: &'static str,
    pub value: Option<f64>,
    pub met: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub command: String,
    pub started_unix_ms: u64,
    pub elapsed_s: f64,
    pub machine: Machine,
    pub scale: Scale,
    pub sections: Sections,
    /// The soak runs the soak rows of `targets` come from.
    pub soak: SoakRecords,
    pub targets: Vec<Target>,
}

/// The latest soak runs `scripts/soak.sh` recorded (`target/soak`): a
/// million sites for minutes is beyond a bench run, so the bench reads them
/// and lists their targets beside its own (each row says "soak").
#[derive(Debug, Clone, Default, Serialize)]
pub struct SoakRecords {
    pub steady: Option<Record>,
    pub steady_unscraped: Option<Record>,
    pub restart_aggregator: Option<Record>,
    pub restart_centre: Option<Record>,
}

impl SoakRecords {
    pub fn read(dir: &std::path::Path) -> SoakRecords {
        SoakRecords {
            steady: record::read(dir, Kind::Steady),
            steady_unscraped: record::read(dir, Kind::SteadyUnscraped),
            restart_aggregator: record::read(dir, Kind::Restart(Restart::Aggregator)),
            restart_centre: record::read(dir, Kind::Restart(Restart::Centre)),
        }
    }
}

/// A record counts for the issue only at its scale: 1,000,000 sites every
/// 30 s (the steady one scraped every 15 s).
fn at_issue_scale(r: &Record, scraped: bool) -> bool {
    let run = &r.run;
    run.sites == 1_000_000
        && run.interval_s == 30.0
        && (!scraped || run.scrape_every_s == Some(15.0))
}

type Add<'a> = dyn FnMut(&'static str, &'static str, Option<(f64, bool)>) + 'a;

fn soak_targets(soak: &SoakRecords, add: &mut Add<'_>) {
    let steady = soak.steady.as_ref().filter(|r| at_issue_scale(r, true));
    add(
        "soak 1M, scrape 15 s: lost+slow+false",
        "= 0",
        steady.map(|r| (r.troubles.total() as f64, r.clean())),
    );
    add(
        "soak 1M, scrape 15 s: get slowest ms",
        "≤ 50",
        steady
            .and_then(|r| r.get_ms)
            .map(|g| (g.max, g.max <= 50.0)),
    );
    add(
        "soak 1M, scrape 15 s: minutes, all passed",
        "≥ 10, pass",
        steady.map(|r| {
            let minutes = r.run.duration_s / 60.0;
            (minutes, minutes >= 10.0 && r.failures.is_empty())
        }),
    );
    let unscraped = soak
        .steady_unscraped
        .as_ref()
        .filter(|r| at_issue_scale(r, false));
    add(
        "soak 1M: aggregator RSS scraped ÷ unscraped",
        "≤ 1.5",
        steady
            .zip(unscraped)
            .and_then(|(scraped, baseline)| {
                Some((scraped.rss_peak_mib?[0], baseline.rss_peak_mib?[0]))
            })
            .map(|(scraped, baseline)| {
                let ratio = scraped / baseline.max(1.0);
                (ratio, ratio <= 1.5)
            }),
    );
    for (names, record) in [
        (
            [
                "restart storm, aggregator: lost+slow+false",
                "restart storm, aggregator: current after s",
            ],
            &soak.restart_aggregator,
        ),
        (
            [
                "restart storm, centre: lost+slow+false",
                "restart storm, centre: current after s",
            ],
            &soak.restart_centre,
        ),
    ] {
        let record = record.as_ref().filter(|r| at_issue_scale(r, false));
        add(
            names[0],
            "= 0",
            record.map(|r| (r.troubles.total() as f64, r.clean())),
        );
        // The issue asks how long it took: printed, met once measured.
        add(
            names[1],
            "printed",
            record.and_then(|r| r.current_s).map(|s| (s, true)),
        );
    }
}

/// The issue's targets, judged from whatever sections ran and the soak's records.
pub fn targets(s: &Sections, soak: &SoakRecords) -> Vec<Target> {
    let mut t = Vec::new();
    let mut add = |name: &'static str, goal: &'static str, judged: Option<(f64, bool)>| {
        t.push(Target {
            name,
            goal,
            value: judged.map(|(v, _)| v),
            met: judged.map(|(_, met)| met),
        })
    };
    let ingest = s.ingest.done();
    add(
        "ingest aggregator b/a",
        "≥ 0.9",
        ingest.map(|i| (i.aggregator_ratio, i.aggregator_ratio >= 0.9)),
    );
    add(
        "ingest assessor c/a",
        "≥ 0.9",
        ingest.map(|i| (i.assessor_ratio, i.assessor_ratio >= 0.9)),
    );
    add(
        "ingest messages lost (b + c)",
        "= 0",
        ingest.map(|i| {
            let lost = i.aggregator.lost + i.assessor.lost;
            (lost as f64, lost == 0)
        }),
    );
    add(
        "ingest lost, as the services count it",
        "≥ lost (b + c)",
        ingest.map(|i| {
            let counted: u64 = [&i.aggregator, &i.assessor]
                .iter()
                .filter_map(|c| c.counted_lost)
                .sum();
            let lost = i.aggregator.lost + i.assessor.lost;
            (counted as f64, counted >= lost)
        }),
    );
    for (name, service) in [
        (
            "aggregator CPU µs/report (issue 16)",
            ingest.map(|i| &i.aggregator),
        ),
        (
            "assessor CPU µs/report (issue 16)",
            ingest.map(|i| &i.assessor),
        ),
    ] {
        add(
            name,
            "≤ 2",
            service.map(|c| (c.cpu_us_per_msg, c.cpu_us_per_msg <= 2.0)),
        );
    }
    let scrape = s.prometheus.done();
    add(
        "/metrics all series at bench scale, s",
        "≤ 1 (100,000 sites)",
        scrape.map(|p| (p.scrape_seconds, p.scrape_seconds <= 1.0)),
    );
    add(
        "/metrics unhealthy (1 % degraded), s",
        "≤ 0.2",
        scrape.map(|p| {
            let t = p.unhealthy_only.scrape_seconds;
            (t, t <= 0.2)
        }),
    );
    soak_targets(soak, &mut add);
    let largest = s.memory.done().and_then(|m| m.points.last());
    add(
        "aggregator bytes/site (largest fleet)",
        "≤ 800",
        largest.map(|p| {
            (
                p.aggregator_bytes_per_site,
                p.aggregator_bytes_per_site <= 800.0,
            )
        }),
    );
    add(
        "assessor bytes/site (largest fleet)",
        "≤ 150",
        largest.map(|p| {
            (
                p.assessor_bytes_per_site,
                p.assessor_bytes_per_site <= 150.0,
            )
        }),
    );
    add(
        "report → ingested p99 ms (no round trip)",
        "≤ 1",
        s.latency.done().map(|l| {
            (
                l.ingested.p99_ms,
                l.ingested.samples > 0 && l.ingested.p99_ms <= 1.0,
            )
        }),
    );
    add(
        "report → visible p99 ms (get round trip)",
        "≤ 1",
        s.latency.done().map(|l| {
            (
                l.visible.p99_ms,
                l.visible.p99_ms <= 1.0 && l.visible_timeouts == 0,
            )
        }),
    );
    let detection = s.detection.done();
    add(
        "detection precision p99 ms",
        "≤ 100, none missed",
        detection.map(|d| {
            (
                d.precision.p99_ms,
                d.precision.p99_ms <= 100.0 && d.missed == 0,
            )
        }),
    );
    add(
        "false late/offline",
        "= 0",
        detection.map(|d| {
            let n = d.false_late + d.false_offline;
            (n as f64, n == 0)
        }),
    );
    let footprint = s.collector.done();
    add(
        "collector RSS ÷ node-exporter",
        "≤ 0.5",
        footprint.map(|f| (f.rss_ratio, f.rss_ratio <= 0.5)),
    );
    add(
        "collector CPU/cycle ÷ node-exporter/scrape",
        "≤ 1",
        footprint.map(|f| (f.cpu_ratio, f.cpu_ratio <= 1.0)),
    );
    let registry = s.registry.done();
    add(
        "registry loaded after start, slowest s",
        "≤ 5",
        registry.map(|r| {
            let slowest = r
                .services
                .iter()
                .map(|s| s.loaded_after_start_s)
                .fold(0.0, f64::max);
            (slowest, slowest <= 5.0)
        }),
    );
    add(
        "admin action → every replica p99 ms",
        "≤ 100, none missed",
        registry.map(|r| {
            let p = &r.propagation;
            (
                p.visible.p99_ms,
                p.visible.p99_ms <= 100.0 && p.timeouts == 0,
            )
        }),
    );
    t
}
