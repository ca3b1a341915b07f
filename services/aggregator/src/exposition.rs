//! Per-site Prometheus series, written from current state at scrape time.
//!
//! healthmon keeps no history by design; a Prometheus server scraping these
//! series keeps it instead. Everything here is a gauge of the site's latest
//! known value, labelled `site` (plus `state`, `connection`, `node`,
//! `category` or `name`). Label values are escaped per the text format, since
//! connection, node and custom names come from the sites.
//!
//! The text format wants each family's samples contiguous under one
//! `# HELP`/`# TYPE` pair, so sites are added one at a time into a buffer per
//! family ([`Exposition::add_site`]) and the buffers are joined at the end
//! ([`Exposition::finish`]). That lets the caller feed sites in chunks, taking
//! the table lock once per chunk rather than for the whole scrape.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use compact_str::CompactString;

use healthmon_common::metrics_http::ExtraRenderer;
use healthmon_proto::{Connectivity, Health, NodeRole};

use crate::state::{Shared, SiteEntry, SiteTable, lock};

/// Metric families in output order: `(name, help)`.
const FAMILIES: [(&str, &str); 29] = [
    (
        "healthmon_site_up",
        "1 if the assessor considers the site online, else 0.",
    ),
    (
        "healthmon_site_judged",
        "1 while the assessor's judgement of the site counts (its state is known and it is not in maintenance), else 0; with healthmon_assessor_judging (the centre could judge) it is the denominator of availability.",
    ),
    (
        "healthmon_site_connectivity",
        "Connectivity of the site as judged by the assessor: 1 for the current state, 0 for the others.",
    ),
    (
        "healthmon_site_health",
        "Health of the site as judged by the assessor's rules: 1 for the current state, 0 for the others.",
    ),
    (
        "healthmon_site_status_since_timestamp_seconds",
        "When the site's connectivity or health last changed, unix seconds (central clock).",
    ),
    (
        "healthmon_site_last_report_timestamp_seconds",
        "Central receive time of the site's latest report, unix seconds.",
    ),
    (
        "healthmon_site_report_interval_seconds",
        "Report interval announced by the site's collector.",
    ),
    (
        "healthmon_site_lost_reports",
        "Reports missing from sequence gaps since the aggregator first saw the site.",
    ),
    (
        "healthmon_site_connection_up",
        "1 if the site's data connection is connected, else 0.",
    ),
    (
        "healthmon_site_node_active",
        "1 if the cluster node is the site's active node, else 0.",
    ),
    (
        "healthmon_site_script_errors_per_minute",
        "Script error rate reported by the site.",
    ),
    (
        "healthmon_site_alarm_errors_per_minute",
        "Alarm evaluation error rate reported by the site.",
    ),
    (
        "healthmon_site_script_errors",
        "Script errors the site counted since its collector started.",
    ),
    (
        "healthmon_site_alarm_errors",
        "Alarm evaluation errors the site counted since its collector started.",
    ),
    (
        "healthmon_site_sf_buffer_depth",
        "Store-and-forward messages pending at the site, by category.",
    ),
    (
        "healthmon_site_cpu_percent",
        "CPU use reported by the site, percent.",
    ),
    (
        "healthmon_site_memory_used_bytes",
        "Memory in use reported by the site.",
    ),
    (
        "healthmon_site_memory_total_bytes",
        "Total memory reported by the site.",
    ),
    (
        "healthmon_site_disk_used_percent",
        "Disk use reported by the site, percent.",
    ),
    (
        "healthmon_site_load1",
        "One-minute load average reported by the site.",
    ),
    (
        "healthmon_site_custom",
        "Custom gauge reported by the site, by name.",
    ),
    (
        "healthmon_site_connections",
        "Data connections the site reports.",
    ),
    ("healthmon_site_nodes", "Cluster nodes the site reports."),
    (
        "healthmon_site_maintenance",
        "1 while an admin has the site in maintenance (alerts should skip it), else 0.",
    ),
    (
        "healthmon_site_health_score",
        "The assessor's health score of the site, 0-100 (100: nothing wrong); it orders sites within a health level. Absent while never judged.",
    ),
    (
        "healthmon_site_flapping",
        "1 while the assessor flags the site as flapping (its state changed too often within the rules file's window), else 0.",
    ),
    (
        "healthmon_site_recovering",
        "1 while the site, back from offline, drains a store-and-forward backlog above the rules file's threshold, else 0.",
    ),
    (
        "healthmon_site_transitions_total",
        "Changes of the site's connectivity or health this aggregator applied (a counter: `changes`/`increase` over it damp flapping alerts).",
    ),
    (
        "healthmon_site_info",
        "1 for every site, labelled with its labels (declared in the fleet registry, else sent by the site): join with `* on(site) group_left(region) max by (site, region) (healthmon_site_info)` (max: one series per site across aggregator replicas).",
    ),
];

const UP: usize = 0;
const JUDGED: usize = 1;
const CONNECTIVITY: usize = 2;
const HEALTH: usize = 3;
const STATUS_SINCE: usize = 4;
const LAST_REPORT: usize = 5;
const INTERVAL: usize = 6;
const LOST: usize = 7;
const CONNECTION_UP: usize = 8;
const NODE_ACTIVE: usize = 9;
const SCRIPT_RATE: usize = 10;
const ALARM_RATE: usize = 11;
const SCRIPT_TOTAL: usize = 12;
const ALARM_TOTAL: usize = 13;
const SF_BUFFER: usize = 14;
const CPU: usize = 15;
const MEM_USED: usize = 16;
const MEM_TOTAL: usize = 17;
const DISK: usize = 18;
const LOAD1: usize = 19;
const CUSTOM: usize = 20;
const CONNECTIONS: usize = 21;
const NODES: usize = 22;
const MAINTENANCE: usize = 23;
const SCORE: usize = 24;
const FLAPPING: usize = 25;
const RECOVERING: usize = 26;
const TRANSITIONS: usize = 27;
const INFO: usize = 28;

/// A value as the text format writes it; integers stay exact.
#[derive(Clone, Copy)]
enum Num {
    Int(u64),
    Float(f64),
    /// Unix milliseconds written as exact seconds with three decimals.
    Millis(u64),
}

impl From<bool> for Num {
    fn from(b: bool) -> Self {
        Num::Int(u64::from(b))
    }
}

/// Per-site series being collected, one buffer per family.
pub struct Exposition {
    bodies: Vec<String>,
}

impl Default for Exposition {
    fn default() -> Self {
        Self::new()
    }
}

impl Exposition {
    pub fn new() -> Self {
        Exposition {
            bodies: vec![String::new(); FAMILIES.len()],
        }
    }

    /// Room for about `sites` sites' series from the start: a family's
    /// body of tens of MiB grows once rather than by repeated doubling
    /// (copying it each time).
    pub fn for_sites(sites: usize) -> Self {
        Exposition {
            bodies: FAMILIES
                .iter()
                .map(|(name, _)| String::with_capacity(sites * (name.len() + 32)))
                .collect(),
        }
    }

    pub fn add_site(&mut self, site: &str, entry: &SiteEntry) {
        // The site label, escaped once: every series of the site starts with it.
        let mut s = String::with_capacity(site.len() + 8);
        s.push_str("site=\"");
        escape_label_value(site, &mut s);
        s.push('"');
        let s = s.as_str();
        self.put(
            UP,
            s,
            &[],
            (entry.connectivity == Connectivity::Online).into(),
        );
        let judged = entry.connectivity != Connectivity::Unknown && !entry.maintenance;
        self.put(JUDGED, s, &[], judged.into());
        for state in Connectivity::ALL {
            let labels = [("state", state.as_str())];
            self.put(
                CONNECTIVITY,
                s,
                &labels,
                (entry.connectivity == state).into(),
            );
        }
        for state in Health::ALL {
            let labels = [("state", state.as_str())];
            self.put(HEALTH, s, &labels, (entry.health == state).into());
        }
        if let Some(ms) = entry.status_since_ms {
            self.put(STATUS_SINCE, s, &[], Num::Millis(ms));
        }
        if let Some(ms) = entry.last_report_ms {
            self.put(LAST_REPORT, s, &[], Num::Millis(ms));
        }
        self.put(LOST, s, &[], Num::Int(entry.lost_reports));
        self.put(MAINTENANCE, s, &[], entry.maintenance.into());
        let judgement = entry.judgement();
        if let Some(score) = judgement.score {
            self.put(SCORE, s, &[], Num::Int(score.into()));
        }
        self.put(FLAPPING, s, &[], judgement.flapping.is_some().into());
        self.put(RECOVERING, s, &[], judgement.recovering.is_some().into());
        self.put(TRANSITIONS, s, &[], Num::Int(entry.transitions));
        let labels = entry.labels();
        let info: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.put(INFO, s, &info, Num::Int(1));
        let Some(r) = entry.report() else { return };
        self.put(INTERVAL, s, &[], Num::Float(r.interval_ms as f64 / 1000.0));
        // What the site says of its inside (connections, nodes, rates,
        // buffers, resources) is current only while it reports: a late or
        // offline site's last values would keep alerts such as
        // HealthmonConnectionDown firing on data nobody has seen for
        // minutes. Not exported then, Prometheus marks them stale;
        // `last_over_time(...[1h])` still graphs the last values. (A site
        // not judged yet, `unknown` with a fresh report, keeps them.)
        if matches!(
            entry.connectivity,
            Connectivity::Late | Connectivity::Offline
        ) {
            return;
        }
        self.put(CONNECTIONS, s, &[], Num::Int(r.connections.len() as u64));
        for c in &r.connections {
            let labels = [("connection", c.name)];
            self.put(CONNECTION_UP, s, &labels, c.connected.into());
        }
        self.put(NODES, s, &[], Num::Int(r.nodes.len() as u64));
        for n in &r.nodes {
            let labels = [("node", n.name)];
            self.put(NODE_ACTIVE, s, &labels, (n.role == NodeRole::Active).into());
        }
        self.put(SCRIPT_RATE, s, &[], Num::Float(r.script_errors.per_min));
        self.put(ALARM_RATE, s, &[], Num::Float(r.alarm_errors.per_min));
        self.put(SCRIPT_TOTAL, s, &[], Num::Int(r.script_errors.total));
        self.put(ALARM_TOTAL, s, &[], Num::Int(r.alarm_errors.total));
        for (category, depth) in [
            ("external", r.sf_buffer.external),
            ("notification", r.sf_buffer.notification),
            ("db_write", r.sf_buffer.db_write),
        ] {
            let labels = [("category", category)];
            self.put(SF_BUFFER, s, &labels, Num::Int(depth));
        }
        if let Some(res) = &r.resources {
            self.put(CPU, s, &[], Num::Float(res.cpu_pct));
            self.put(MEM_USED, s, &[], Num::Int(res.mem_used_bytes));
            self.put(MEM_TOTAL, s, &[], Num::Int(res.mem_total_bytes));
            self.put(DISK, s, &[], Num::Float(res.disk_used_pct));
            self.put(LOAD1, s, &[], Num::Float(res.load1));
        }
        for (name, value) in &r.custom {
            let labels = [("name", *name)];
            self.put(CUSTOM, s, &labels, Num::Float(*value));
        }
    }

    /// Appends every family with `# HELP`/`# TYPE`, including empty ones, so
    /// the set of families a scraper sees does not depend on the fleet.
    pub fn finish(self, out: &mut String) {
        // Hundreds of MiB at 100,000 sites: grown once, not by doubling.
        let headers: usize = FAMILIES
            .iter()
            .map(|(n, h)| 2 * n.len() + h.len() + 32)
            .sum();
        out.reserve(self.bodies.iter().map(String::len).sum::<usize>() + headers);
        for ((name, help), body) in FAMILIES.iter().zip(self.bodies) {
            let kind = if name.ends_with("_total") {
                "counter"
            } else {
                "gauge"
            };
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            out.push_str(&body);
        }
    }

    /// One sample line: `site_label` is the site's `site="…"`, already
    /// escaped; `labels` the others, escaped here.
    fn put(&mut self, family: usize, site_label: &str, labels: &[(&str, &str)], value: Num) {
        let out = &mut self.bodies[family];
        out.push_str(FAMILIES[family].0);
        out.push('{');
        out.push_str(site_label);
        for (key, val) in labels {
            out.push(',');
            out.push_str(key);
            out.push_str("=\"");
            escape_label_value(val, out);
            out.push('"');
        }
        out.push_str("} ");
        match value {
            // Most series are 0/1 flags.
            Num::Int(0) => out.push('0'),
            Num::Int(1) => out.push('1'),
            Num::Int(n) => out.push_str(itoa::Buffer::new().format(n)),
            Num::Millis(ms) => {
                let _ = write!(out, "{}.{:03}", ms / 1000, ms % 1000);
            }
            Num::Float(f) if f.is_nan() => out.push_str("NaN"),
            Num::Float(f) if f.is_infinite() => out.push_str(if f > 0.0 { "+Inf" } else { "-Inf" }),
            Num::Float(f) => {
                let _ = write!(out, "{f}");
            }
        }
        out.push('\n');
    }
}

/// Escapes `\`, `"` and newline, the three characters the text format reserves in label values.
pub fn escape_label_value(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Sites rendered per lock acquisition: keeps each hold short at 100k+ sites.
const SITES_PER_LOCK: usize = 512;

/// Which sites get per-site series (`--site-series`). Per-site series are
/// about 40 per site: at 100,000 sites a scrape is ~240 MB, more than most
/// Prometheus servers should ingest every 15 s, and at 1,000,000 it took
/// the aggregator a full core for 25 s and cost 31 % of the reports (see
/// docs/PERFORMANCE.md). `unhealthy` keeps the series of sites that are not
/// online and healthy (what alerts and drill-downs need; a site that
/// recovers drops out and its series go stale); `none` keeps only the fleet
/// counts, which are always there. `auto`, the default, is `all` while the
/// aggregator holds fewer than [`AUTO_ALL_BELOW`] sites and `unhealthy`
/// from there on, so a fleet that grows never makes the scrape its outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SiteSeries {
    #[default]
    Auto,
    All,
    Unhealthy,
    None,
}

/// `auto` exports every site's series below this many sites (~25 MB a scrape).
pub const AUTO_ALL_BELOW: usize = 10_000;

/// At most this many sites' series in `unhealthy` mode (`--site-series-limit`):
/// when a whole 1,000,000-site fleet went late at once (the soak's publisher
/// stopped) one unbounded scrape was 1.15 GB, exactly when the centre is in
/// trouble. The worst are kept (the index's order: offline before late
/// before degraded, then by how long); the fleet counts still count every
/// site, and `healthmon_site_series_omitted` says how many were left out.
pub const DEFAULT_UNHEALTHY_LIMIT: usize = 10_000;

impl SiteSeries {
    /// The mode in force for a table of `sites`: `auto` resolved.
    pub fn resolve(self, sites: usize) -> SiteSeries {
        match self {
            SiteSeries::Auto if sites < AUTO_ALL_BELOW => SiteSeries::All,
            SiteSeries::Auto => SiteSeries::Unhealthy,
            other => other,
        }
    }

    fn includes(self, connectivity: Connectivity, health: Health) -> bool {
        match self {
            SiteSeries::All | SiteSeries::Auto => true,
            SiteSeries::Unhealthy => {
                connectivity != Connectivity::Online || health != Health::Healthy
            }
            SiteSeries::None => false,
        }
    }
}

/// The scrape-time renderer handed to `healthmon_common::metrics_http::serve`.
pub fn renderer(table: Shared, series: SiteSeries, limit: usize) -> ExtraRenderer {
    Arc::new(move |out: &mut String| render_table(&table, series, limit, out))
}

/// Renders the fleet counts, then every included site sorted by id (in
/// `unhealthy` mode the worst `limit`), taking the lock once per chunk of sites.
pub fn render_table(table: &Mutex<SiteTable>, series: SiteSeries, limit: usize, out: &mut String) {
    let mut ids: Vec<CompactString> = {
        let table = lock(table);
        render_fleet(&table, out);
        let series = series.resolve(table.len());
        let keep = |&(_, c, h): &(&str, Connectivity, Health)| series.includes(c, h);
        let id = |(id, _, _): (&str, Connectivity, Health)| CompactString::from(id);
        if series == SiteSeries::Unhealthy {
            // The worst problems only, sorted by id outside the lock below.
            let ids: Vec<CompactString> = table
                .order()
                .outside_healthy()
                .filter(keep)
                .take(limit)
                .map(id)
                .collect();
            render_omitted(problems(&table).saturating_sub(ids.len()), out);
            ids
        } else {
            render_omitted(0, out);
            table.order().by_id().filter(keep).map(id).collect()
        }
    };
    // Linear on the already sorted `by_id` walk.
    ids.sort_unstable();
    let mut exposition = Exposition::for_sites(ids.len());
    for chunk in ids.chunks(SITES_PER_LOCK) {
        let table = lock(table);
        for id in chunk {
            if let Some(entry) = table.get(id) {
                exposition.add_site(id, entry);
            }
        }
    }
    exposition.finish(out);
}

/// Sites `unhealthy` mode would include, from the index's tallies.
fn problems(table: &SiteTable) -> usize {
    let order = table.order();
    let mut n = 0;
    for c in Connectivity::ALL {
        for h in Health::ALL {
            if SiteSeries::Unhealthy.includes(c, h) {
                n += order.count(c, h, false) + order.count(c, h, true);
            }
        }
    }
    n
}

fn render_omitted(omitted: usize, out: &mut String) {
    out.push_str("# HELP healthmon_site_series_omitted Sites whose per-site series this scrape left out (--site-series-limit; the worst are kept).\n");
    out.push_str("# TYPE healthmon_site_series_omitted gauge\n");
    let _ = writeln!(out, "healthmon_site_series_omitted {omitted}");
}

/// `healthmon_fleet_sites`: sites per status, from the index's tallies — 32
/// series whatever the fleet size, so dashboards and alerts on fleet counts
/// work with any `--site-series`.
fn render_fleet(table: &SiteTable, out: &mut String) {
    out.push_str("# HELP healthmon_fleet_sites Sites held by the aggregator, by connectivity, health and maintenance.\n");
    out.push_str("# TYPE healthmon_fleet_sites gauge\n");
    let order = table.order();
    for c in Connectivity::ALL {
        for h in Health::ALL {
            for m in [false, true] {
                let _ = writeln!(
                    out,
                    "healthmon_fleet_sites{{connectivity=\"{c}\",health=\"{h}\",maintenance=\"{m}\"}} {}",
                    order.count(c, h, m)
                );
            }
        }
    }
    out.push_str("# HELP healthmon_fleet_health_score Mean health score of the sites not in maintenance (per label group: see the example recording rules).\n");
    out.push_str("# TYPE healthmon_fleet_health_score gauge\n");
    if let Some(score) = table.fleet_score() {
        let _ = writeln!(out, "healthmon_fleet_health_score {score:.2}");
    }
}

#[cfg(test)]
mod tests;
