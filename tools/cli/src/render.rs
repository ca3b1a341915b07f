//! How `sites`, `site` and `summary` print the aggregator's answers for
//! people (`--json` prints the answers as they are instead). Pure: the
//! current time is a parameter, so every output is unit-tested.
//!
//! Like the web page, it says how long: a `SINCE` column (time in the
//! current state), reasons whose "no report for …" runs up to now rather
//! than to the moment the assessor wrote it, and the health of a late or
//! offline site marked as last known (it cannot have been judged since).

use std::time::{Duration, UNIX_EPOCH};

use healthmon_proto::fleet::unheard::NEVER_REPORTED;
use healthmon_proto::fleet::{Maintenance, SiteRecord, Source};
use healthmon_proto::labels::Labels;
use healthmon_proto::query::{FleetSummary, SiteDetail, SitePage, Summary, SummaryGroup};
use healthmon_proto::reason::reason_at;
use healthmon_proto::{Connectivity, Health, HealthReport, NodeRole};

use crate::table::{Table, key_values};

/// `12s ago`, `3m05s ago`, `2h03m ago`, `4d02h ago`; `never` without a time.
/// A time in the future (another clock) reads as `0s ago`.
pub fn age(now_ms: u64, then_ms: Option<u64>) -> String {
    match then_ms {
        None => "never".to_owned(),
        Some(then) => format!("{} ago", span(now_ms.saturating_sub(then) / 1000)),
    }
}

/// A duration in whole seconds, in its two largest units.
pub fn span(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds / 3_600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    if d > 0 {
        format!("{d}d{h:02}h")
    } else if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// How long a state has lasted: `5m03s`; `-` without a start.
fn lasted(now_ms: u64, since_ms: Option<u64>) -> String {
    match since_ms {
        None => "-".to_owned(),
        Some(since) => span(now_ms.saturating_sub(since) / 1000),
    }
}

/// A silence in a reason: as the assessor writes short ones (`0.6s`, so
/// test-sized intervals stay readable), in two units from 10 s (`1m32s`).
fn elapsed(ms: u64) -> String {
    if ms >= 10_000 {
        span(ms / 1000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

/// A reason as it reads now (see [`reason_at`]).
fn reason_now(reason: &str, last_report_ms: Option<u64>, now_ms: u64) -> String {
    reason_at(reason, last_report_ms, now_ms, elapsed).into_owned()
}

/// Whether the health shown is only the last known: a late or offline site
/// has sent nothing to judge since.
fn health_is_last_known(connectivity: Connectivity, health: Health) -> bool {
    matches!(connectivity, Connectivity::Late | Connectivity::Offline) && health != Health::Unknown
}

/// A report interval: `500ms`, `30s`, `5m00s`.
fn interval(ms: u64) -> String {
    if ms < 60_000 && !ms.is_multiple_of(1000) {
        format!("{ms}ms")
    } else {
        span(ms / 1000)
    }
}

/// The last instant RFC 3339 can write (9999-12-31T23:59:59.999Z).
const LAST_RFC_3339_MS: u64 = 253_402_300_799_999;

/// `2023-11-14T22:13:20Z`; beyond the year 9999, `unix ms N`.
pub fn timestamp(ms: u64) -> String {
    if ms > LAST_RFC_3339_MS {
        return format!("unix ms {ms}");
    }
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

/// When a site last reported: `never` only for one that never did; one the
/// centre has not heard since it started (it reported before, its reason
/// says so) shows `-`.
pub fn last_report(now_ms: u64, last_report_ms: Option<u64>, reasons: &[String]) -> String {
    let never = reasons.iter().any(|r| r == NEVER_REPORTED);
    match last_report_ms {
        None if !never => "-".to_owned(),
        last => age(now_ms, last),
    }
}

fn age_and_time(now_ms: u64, then_ms: Option<u64>) -> String {
    match then_ms {
        None => "never".to_owned(),
        Some(t) => format!("{} ({})", age(now_ms, Some(t)), timestamp(t)),
    }
}

/// The first reason, and how many more there are.
fn first_reason(reasons: &[String], last_report_ms: Option<u64>, now_ms: u64) -> String {
    match reasons {
        [] => String::new(),
        [one] => reason_now(one, last_report_ms, now_ms),
        [first, rest @ ..] => format!(
            "{} (+{} more)",
            reason_now(first, last_report_ms, now_ms),
            rest.len()
        ),
    }
}

/// A site under maintenance says so first: its state is shown but not
/// failing; an acknowledged problem too: someone is on it (the detail says
/// who).
fn reason_cell(maintenance: bool, acknowledged: bool, first_reason: String) -> String {
    let marks = [(maintenance, "[maintenance]"), (acknowledged, "[ack]")];
    let mut parts: Vec<&str> = marks
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, m)| *m)
        .collect();
    if !first_reason.is_empty() {
        parts.push(&first_reason);
    }
    parts.join(" ")
}

/// One row per site, then a line saying which part of the list this is
/// when the page does not hold every matching site.
pub fn sites(page: &SitePage, now_ms: u64) -> String {
    if page.sites.is_empty() {
        return if page.total == 0 {
            "no sites match\n".to_owned()
        } else {
            format!(
                "no sites on this page ({} match; offset {})\n",
                page.total, page.offset
            )
        };
    }
    let mut table = Table::new(&[
        "SITE",
        "CONNECTIVITY",
        "HEALTH",
        "SINCE",
        "LAST REPORT",
        "REASON",
    ]);
    for site in &page.sites {
        let health = if health_is_last_known(site.connectivity, site.health) {
            format!("{} (last known)", site.health)
        } else {
            site.health.to_string()
        };
        table.row(vec![
            site.site_id.clone(),
            site.connectivity.to_string(),
            health,
            lasted(now_ms, site.status_since_ms),
            last_report(now_ms, site.last_report_ms, &site.reasons),
            reason_cell(
                site.maintenance,
                site.acknowledged,
                first_reason(&site.reasons, site.last_report_ms, now_ms),
            ),
        ]);
    }
    let mut out = table.render();
    if page.sites.len() < page.total {
        let first = page.offset + 1;
        let last = page.offset + page.sites.len();
        out.push_str(&format!(
            "sites {first}-{last} of {}; --offset {last} for more\n",
            page.total
        ));
    }
    out
}

/// The counts of a summary, in the order of [`COUNT_COLUMNS`].
fn counts(s: &Summary) -> [usize; 9] {
    [
        s.total,
        s.online,
        s.late,
        s.offline,
        s.unknown,
        s.healthy,
        s.degraded,
        s.critical,
        s.maintenance,
    ]
}

/// The counts' names, as rows of `summary` and columns of `summary --by`.
const COUNT_COLUMNS: [&str; 9] = [
    "total",
    "online",
    "late",
    "offline",
    "unknown",
    "healthy",
    "degraded",
    "critical",
    "maintenance",
];

pub fn summary(s: &Summary) -> String {
    let mut table = Table::new(&["", "SITES"]);
    for (name, count) in COUNT_COLUMNS.iter().zip(counts(s)) {
        table.row(vec![(*name).to_owned(), count.to_string()]);
    }
    table.render()
}

/// What a group without the label is called: `(no region)`.
pub fn no_value(by: &str) -> String {
    format!("(no {by})")
}

/// `summary --by KEY`: a row per value of the label, worst first (most
/// offline, then critical, late, degraded), sites without the label as
/// `(no KEY)`, then the fleet's totals as the last row, `(all)`.
pub fn summary_groups(by: &str, s: &FleetSummary) -> String {
    let mut header = vec![by.to_uppercase()];
    header.extend(COUNT_COLUMNS.iter().map(|c| c.to_uppercase()));
    header[1] = "SITES".to_owned();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = Table::new(&header);
    let mut groups: Vec<&SummaryGroup> = s.groups.iter().collect();
    groups.sort_by(|a, b| SummaryGroup::compare(a, b));
    let row = |name: String, counts: [usize; 9]| {
        let mut cells = vec![name];
        cells.extend(counts.iter().map(usize::to_string));
        cells
    };
    for group in groups {
        let name = group.value.clone().unwrap_or_else(|| no_value(by));
        table.row(row(name, counts(&group.counts)));
    }
    table.row(row("(all)".to_owned(), counts(&s.totals)));
    table.render()
}

/// The open incidents under a summary: one line each, newest first, after
/// a blank line; nothing when there are none.
pub fn incidents(incidents: &[healthmon_proto::Incident], now_ms: u64) -> String {
    if incidents.is_empty() {
        return String::new();
    }
    let mut table = Table::new(&["INCIDENT", "OPENED", "SILENT", "REASON"]);
    for i in incidents {
        table.row(vec![
            i.id.clone(),
            age(now_ms, Some(i.at_ms)),
            format!("{}/{}", i.silent, i.sites),
            i.reason.clone(),
        ]);
    }
    format!("\n{}", table.render())
}

/// Key/value lines about the site and its latest report, then its connections.
pub fn site(d: &SiteDetail, now_ms: u64) -> String {
    let labels = pairs(&d.labels);
    let mut pairs: Vec<(&str, String)> = vec![
        ("site", d.site_id.clone()),
        ("connectivity", d.connectivity.to_string()),
        ("health", detail_health(d, now_ms)),
        (
            "reasons",
            if d.reasons.is_empty() {
                "-".to_owned()
            } else {
                d.reasons
                    .iter()
                    .map(|r| reason_now(r, d.last_report_ms, now_ms))
                    .collect::<Vec<_>>()
                    .join("\n")
            },
        ),
        ("last report", age_and_time(now_ms, d.last_report_ms)),
        ("status since", age_and_time(now_ms, d.status_since_ms)),
    ];
    judgement::pairs(d, now_ms, &mut pairs);
    pairs.extend([
        ("lost reports", d.lost_reports.to_string()),
        ("maintenance", maintenance(d, now_ms)),
        ("labels", labels),
    ]);
    if let Some(ack) = &d.ack {
        let note = if ack.note.is_empty() {
            String::new()
        } else {
            format!(": {}", ack.note)
        };
        pairs.push((
            "acknowledged",
            format!("by {} {}{note}", ack.by, age(now_ms, Some(ack.at_ms))),
        ));
    }
    pairs.push(("registry", registry(d.registry.as_ref(), now_ms)));
    let Some(r) = &d.report else {
        pairs.push(("report", "none received yet".to_owned()));
        return key_values(&pairs);
    };
    report_pairs(r, &mut pairs);
    let mut out = key_values(&pairs);
    if !r.connections.is_empty() {
        let mut table = Table::new(&["CONNECTION", "STATE"]);
        for c in &r.connections {
            let state = if c.connected { "up" } else { "DOWN" };
            table.row(vec![c.name.clone(), state.to_owned()]);
        }
        out.push('\n');
        out.push_str(&table.render());
    }
    out
}

/// `no`; `yes, until 2026-03-01T18:00:00Z (in 2h00m), by ops: firmware`.
fn maintenance(d: &SiteDetail, now_ms: u64) -> String {
    match (&d.maintenance_window, d.maintenance) {
        (Some(w), _) => format!("yes, {}", window(w, now_ms)),
        (None, true) => "yes".to_owned(),
        (None, false) => "no".to_owned(),
    }
}

/// What the fleet registry holds of a site: `registered 3d02h ago (roster),
/// interval 5m00s`; `not listed` for a site it does not hold.
fn registry(record: Option<&SiteRecord>, now_ms: u64) -> String {
    let Some(r) = record else {
        return "not listed".to_owned();
    };
    let source = match r.source {
        Source::Roster => "roster",
        Source::Report => "first report",
        Source::Api => "API",
    };
    let mut text = format!(
        "registered {} ({source})",
        age(now_ms, Some(r.registered_ms))
    );
    if let Some(ms) = r.interval_ms {
        text.push_str(&format!(", interval {}", interval(ms)));
    }
    if !r.expected {
        text.push_str(", not expected to report");
    }
    if r.first_report_ms.is_none() {
        text.push_str(", never reported");
    }
    text
}

/// `healthy`, or for a silent site `healthy (last known, as of 1m32s ago)`.
fn detail_health(d: &SiteDetail, now_ms: u64) -> String {
    if !health_is_last_known(d.connectivity, d.health) {
        return d.health.to_string();
    }
    match d.last_report_ms {
        Some(_) => format!(
            "{} (last known, as of {})",
            d.health,
            age(now_ms, d.last_report_ms)
        ),
        None => format!("{} (last known)", d.health),
    }
}

fn report_pairs(r: &HealthReport, pairs: &mut Vec<(&str, String)>) {
    pairs.push(("collector", format!("{} seq {}", r.instance, r.seq)));
    pairs.push(("interval", interval(r.interval_ms)));
    pairs.push(("site clock", timestamp(r.sent_at_ms)));
    let nodes = if r.nodes.is_empty() {
        "none reported".to_owned()
    } else {
        r.nodes
            .iter()
            .map(|n| match n.role {
                NodeRole::Unknown => format!("{} (role unknown)", n.name),
                role => format!("{} ({})", n.name, role.as_str()),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    pairs.push(("nodes", nodes));
    pairs.push((
        "connections",
        format!("{} of {} up", r.connections_up(), r.connections.len()),
    ));
    pairs.push((
        "script errors",
        format!(
            "{}/min (total {})",
            rate(r.script_errors.per_min),
            r.script_errors.total
        ),
    ));
    pairs.push((
        "alarm errors",
        format!(
            "{}/min (total {})",
            rate(r.alarm_errors.per_min),
            r.alarm_errors.total
        ),
    ));
    pairs.push((
        "s&f buffer",
        format!(
            "external {}, notification {}, db_write {}",
            r.sf_buffer.external, r.sf_buffer.notification, r.sf_buffer.db_write
        ),
    ));
    if let Some(res) = &r.resources {
        pairs.push((
            "resources",
            format!(
                "cpu {:.1}%, memory {} of {}, disk {:.1}%, load {:.2}",
                res.cpu_pct,
                bytes(res.mem_used_bytes),
                bytes(res.mem_total_bytes),
                res.disk_used_pct,
                res.load1
            ),
        ));
    }
    if !r.custom.is_empty() {
        let custom = r
            .custom
            .iter()
            .map(|(k, v)| format!("{k}={}", rate(*v)))
            .collect::<Vec<_>>()
            .join(", ");
        pairs.push(("custom", custom));
    }
}

/// Up to two decimals, without trailing zeros: `0.5`, `12`, `0.33`.
fn rate(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `512 B`, `1.5 KiB`, `7.8 GiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `region=eu-west, tier=gold`; `none` when empty.
pub fn pairs(labels: &Labels) -> String {
    if labels.is_empty() {
        return "none".into();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `until 2026-03-01T18:00:00Z (in 2h00m), by ops: firmware`.
pub fn window(w: &Maintenance, now_ms: u64) -> String {
    let mut text = match w.until_ms {
        Some(until) => format!(
            "until {} (in {})",
            timestamp(until),
            span(until.saturating_sub(now_ms).div_ceil(1000))
        ),
        None => "with no end set".to_owned(),
    };
    text.push_str(&format!(", by {}", w.by));
    if let Some(reason) = &w.reason {
        text.push_str(&format!(": {reason}"));
    }
    text
}

mod judgement;

#[cfg(test)]
mod tests;
