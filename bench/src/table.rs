//! The human-readable table printed at the end of a run.

use std::fmt::Write as _;

use crate::results::{Outcome, Report};

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let m = &r.machine;
    let _ = writeln!(
        out,
        "\nhealthmon bench ({}) on {} × {}, {:.1} GiB; load {:.2} before, {:.2} after; {:.0} s",
        if r.scale.quick { "quick" } else { "full" },
        m.nproc,
        m.cpu_model,
        m.mem_total_bytes as f64 / (1u64 << 30) as f64,
        m.load1_before,
        m.load1_after,
        r.elapsed_s
    );
    let s = &r.sections;
    section(&mut out, "1 ingest", &s.ingest, |o, i| {
        let _ = writeln!(
            o,
            "  {} reports over {} sites ({} B each)",
            n(i.reports),
            n(i.sites as u64),
            i.payload_bytes
        );
        for (name, c, ratio) in [
            ("bare subscriber (a)", &i.bare, None),
            (
                "aggregator (b)",
                &i.aggregator,
                Some(("b/a", i.aggregator_ratio)),
            ),
            ("assessor (c)", &i.assessor, Some(("c/a", i.assessor_ratio))),
        ] {
            let ratio = ratio.map_or(String::new(), |(k, v)| format!("  {k} {v:.2}"));
            let _ = writeln!(
                o,
                "    {name:<26}{:>10} msg/s  {:>5.2} µs CPU/msg  lost {}  (slow consumer: client {}, server {}){ratio}",
                n(c.msgs_per_s as u64),
                c.cpu_us_per_msg,
                n(c.lost),
                c.client_slow_consumer_events,
                c.server_slow_consumers
            );
        }
    });
    section(&mut out, "2 latency", &s.latency, |o, l| {
        let _ = writeln!(
            o,
            "  {} sites, {} reports/s asked, {} achieved",
            n(l.sites as u64),
            n(l.target_rate),
            n(l.achieved_rate as u64)
        );
        for (name, p, t) in [
            ("report → visible (get)", &l.visible, l.visible_timeouts),
            ("  agg.get round trip", &l.query_rtt, 0),
            ("report → ingested (own ts)", &l.ingested, 0),
            (
                "health change → event",
                &l.health_event,
                l.health_event_timeouts,
            ),
        ] {
            let _ = writeln!(
                o,
                "    {name:<26}p50 {:.3}  p99 {:.3}  p99.9 {:.3} ms  ({} samples, {t} timeouts)",
                p.p50_ms, p.p99_ms, p.p999_ms, p.samples
            );
        }
    });
    section(&mut out, "3 detection", &s.detection, |o, d| {
        let _ = writeln!(
            o,
            "  {} of {} sites silenced; interval {} s, offline after {} s",
            d.silenced, d.sites, d.interval_s, d.offline_timeout_s
        );
        let p = &d.precision;
        let _ = writeln!(
            o,
            "    {:<26}p50 {:.1}  p99 {:.1}  max {:.1} ms  ({} events, {} missed)",
            "offline − (last+timeout)", p.p50_ms, p.p99_ms, p.max_ms, d.offline_events, d.missed
        );
        let _ = writeln!(
            o,
            "    {:<26}{} / {}",
            "false late / offline", d.false_late, d.false_offline
        );
    });
    section(&mut out, "4 memory (RSS per site)", &s.memory, |o, m| {
        let _ = writeln!(
            o,
            "  baseline: aggregator {} MiB, assessor {} MiB",
            mib(m.baseline.aggregator_bytes),
            mib(m.baseline.assessor_bytes)
        );
        for p in &m.points {
            let _ = writeln!(
                o,
                "    {:<26}aggregator {} B  assessor {} B  (RSS {} / {} MiB)",
                format!("{} sites", n(p.sites as u64)),
                p.aggregator_bytes_per_site,
                p.assessor_bytes_per_site,
                mib(p.rss.aggregator_bytes),
                mib(p.rss.assessor_bytes)
            );
        }
    });
    section(
        &mut out,
        "5 collector vs node-exporter",
        &s.collector,
        |o, f| {
            let _ = writeln!(o, "  {} cycles of {} ms", f.cycles, f.interval_ms);
            for (name, x) in [
                ("collector", &f.collector),
                ("node-exporter", &f.node_exporter),
            ] {
                let _ = writeln!(
                    o,
                    "    {name:<26}RSS {} MiB  CPU {:.2} ms per cycle/scrape",
                    mib(x.rss_bytes),
                    x.cpu_ms_per_cycle
                );
            }
            let _ = writeln!(
                o,
                "    {:<26}RSS {:.2}  CPU {:.2}",
                "ratio", f.rss_ratio, f.cpu_ratio
            );
        },
    );
    section(&mut out, "6 dashboard API", &s.dashboard_api, |o, a| {
        let _ = writeln!(
            o,
            "  {} sites; wrk {} threads, {} connections, {} s",
            n(a.sites as u64),
            a.threads,
            a.connections,
            a.seconds
        );
        for e in &a.endpoints {
            let _ = writeln!(
                o,
                "    {:<26}{:>8} req/s  p50 {:.2}  p99 {:.2} ms  errors {}",
                e.path,
                n(e.requests_per_s as u64),
                e.p50_ms,
                e.p99_ms,
                e.errors
            );
        }
    });
    section(&mut out, "7 Prometheus /metrics", &s.prometheus, |o, p| {
        let _ = writeln!(
            o,
            "  {} sites: scrape {:.3} s (max {:.3}), {} MiB, {} per-site series ({:.1}/site, {} B/site)",
            n(p.sites as u64),
            p.scrape_seconds,
            p.scrape_seconds_max,
            mib(p.body_bytes as u64),
            n(p.site_series as u64),
            p.series_per_site,
            p.bytes_per_site
        );
        let b = &p.unhealthy_only;
        let _ = writeln!(
            o,
            "  --site-series unhealthy ({} degraded): scrape {:.3} s, {} KiB, {} per-site series",
            n(b.unhealthy_sites as u64),
            b.scrape_seconds,
            n((b.body_bytes / 1024) as u64),
            n(b.site_series as u64)
        );
    });
    section(&mut out, "8 fleet registry", &s.registry, |o, r| {
        let _ = writeln!(
            o,
            "  {} registered sites (3 labels + interval, {} B of JSON each); bucket filled in {:.1} s ({} puts/s, {} in flight)",
            n(r.sites as u64),
            r.record_bytes,
            r.fill.seconds,
            n(r.fill.records_per_s as u64),
            r.fill.in_flight
        );
        let _ = writeln!(
            o,
            "    {:<26}{:>9}{:>14}{:>8}{:>11}   {:<22}{:>9}",
            "load at start",
            "own gauge",
            "after spawn",
            "CPU",
            "sites",
            "RSS empty → loaded",
            "per site"
        );
        for s in &r.services {
            let _ = writeln!(
                o,
                "    {:<26}{:>7.3} s{:>12.3} s{:>6.2} s{:>11}   {:<22}{:>7} B",
                s.service,
                s.load_seconds,
                s.loaded_after_start_s,
                s.cpu_seconds,
                n(s.registry_sites),
                format!(
                    "{} → {} MiB",
                    mib(s.empty_rss_bytes),
                    mib(s.loaded_rss_bytes)
                ),
                s.bytes_per_site
            );
        }
        let p = &r.propagation;
        let _ = writeln!(
            o,
            "  admin action → every replica: 2 aggregators, 2 APIs, 1 assessor; {} sites; {} maintenance set/clear via API a; poll {} ms",
            n(p.sites as u64),
            p.actions,
            p.poll_ms
        );
        let mut line = |name: &str, q: &crate::stats::Percentiles, extra: String| {
            let _ = writeln!(
                o,
                "    {name:<26}p50 {:.1}  p99 {:.1}  max {:.1} ms  ({} samples{extra})",
                q.p50_ms, q.p99_ms, q.max_ms, q.samples
            );
        };
        line("write answered (API a)", &p.write, String::new());
        line(
            "visible on every replica",
            &p.visible,
            format!(", {} timeouts", p.timeouts),
        );
        for replica in &p.replicas {
            line(
                &format!("  {}", replica.replica),
                &replica.visible,
                String::new(),
            );
        }
    });
    let _ = writeln!(out, "targets");
    for t in &r.targets {
        let value = t.value.map_or("-".into(), |v| format!("{v:.3}"));
        let verdict = match t.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "not measured",
        };
        let _ = writeln!(
            out,
            "    {:<44}{:<20}{:>12}  {verdict}",
            t.name, t.goal, value
        );
    }
    let soaks = [
        ("steady", &r.soak.steady),
        ("steady unscraped", &r.soak.steady_unscraped),
        ("restart aggregator", &r.soak.restart_aggregator),
        ("restart centre", &r.soak.restart_centre),
    ];
    for (kind, record) in soaks {
        let Some(record) = record else {
            let _ = writeln!(
                out,
                "    soak {kind}: no record in target/soak (scripts/soak.sh writes one)"
            );
            continue;
        };
        let _ = writeln!(
            out,
            "    soak {kind}: {} (finished {} unix ms)",
            record.command, record.finished_unix_ms
        );
    }
    out
}

fn section<T>(
    out: &mut String,
    title: &str,
    outcome: &Outcome<T>,
    body: impl FnOnce(&mut String, &T),
) {
    match outcome {
        Outcome::Done(t) => {
            let _ = writeln!(out, "{title}");
            body(out, t);
        }
        Outcome::Failed { error } => {
            let _ = writeln!(out, "{title}: FAILED: {error}");
        }
        Outcome::Skipped { .. } => {
            let _ = writeln!(out, "{title}: skipped");
        }
    }
}

/// 1234567 → "1,234,567".
pub fn n(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1u64 << 20) as f64)
}

#[cfg(test)]
mod tests;
