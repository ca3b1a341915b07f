//! CI smoke test of the benchmark harness: `healthmon-bench --quick` against
//! the debug binaries of the services, a real nats-server, wrk and
//! node-exporter (scripts/install-deps.sh --bench-tools). It checks that
//! every section ran and wrote sane numbers — not that targets are met:
//! timings of a debug build on a shared CI machine mean nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const SERVICES: [&str; 4] = [
    "healthmon-aggregator",
    "healthmon-assessor",
    "healthmon-dashboard-api",
    "healthmon-collector",
];

/// The services' binaries next to this crate's (a workspace test build makes
/// them for their own integration tests); built here if missing.
fn service_bins() -> PathBuf {
    if let Some(dir) = std::env::var_os("HEALTHMON_BENCH_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let dir = Path::new(env!("CARGO_BIN_EXE_healthmon-bench"))
        .parent()
        .expect("binary directory")
        .to_owned();
    if SERVICES.iter().any(|s| !dir.join(s).is_file()) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--bins"]);
        for s in SERVICES {
            cmd.args(["-p", s]);
        }
        assert!(cmd.status().expect("run cargo build").success());
    }
    dir
}

fn number(v: &Value, path: &str) -> f64 {
    let mut at = v;
    for key in path.split('.') {
        at = match key.parse::<usize>() {
            Ok(i) => &at[i],
            Err(_) => &at[key],
        };
    }
    at.as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number in {v:#}"))
}

#[test]
fn quick_run_measures_every_section() {
    let dir = std::env::temp_dir().join(format!("healthmon-bench-smoke-{}", std::process::id()));
    let out = dir.join("results.json");
    // One soak record, of an aggregator restart at the scale: its
    // rows are judged from it, the other soak rows stay unmeasured.
    let soak_dir = dir.join("soak");
    use healthmon_soak::record::{Record, Run, Slowest, Troubles};
    let storm = Record {
        command: "scripts/soak.sh --sites 1000000 --restart aggregator".into(),
        finished_unix_ms: 1,
        run: Run {
            sites: 1_000_000,
            interval_s: 30.0,
            duration_s: 240.0,
            scrape_every_s: None,
            restart: Some("aggregator".into()),
        },
        failures: vec![],
        troubles: Troubles {
            lost: 0,
            seq_gaps: 0,
            slow_consumers: 0,
            false_late_offline: 0,
        },
        get_ms: Some(Slowest {
            p99: 3.8,
            max: 23.7,
        }),
        current_s: Some(22.5),
        rss_peak_mib: None,
    };
    let kind = healthmon_soak::record::Kind::Restart(healthmon_soak::settings::Restart::Aggregator);
    healthmon_soak::record::write(&soak_dir, kind, &storm).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_healthmon-bench"))
        .arg("--quick")
        .arg("--soak-dir")
        .arg(&soak_dir)
        .arg("--out")
        .arg(&out)
        .arg("--bin-dir")
        .arg(service_bins())
        .output()
        .expect("run healthmon-bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "healthmon-bench failed:\n{stdout}\n{stderr}"
    );
    // The table a user reads names every section and every target.
    for title in [
        "1 ingest",
        "2 latency",
        "3 detection",
        "4 memory",
        "8 fleet registry",
        "targets",
    ] {
        assert!(stdout.contains(title), "no {title:?} in:\n{stdout}");
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("results written"))
            .expect("results are JSON");
    let s = &report["sections"];
    for section in [
        "ingest",
        "latency",
        "detection",
        "memory",
        "collector",
        "dashboard_api",
        "prometheus",
        "registry",
    ] {
        assert!(
            s[section].is_object() && s[section].get("error").is_none(),
            "section {section}: {:#}",
            s[section]
        );
    }

    // 1: every consumer got the 20,000 reports (the quick scale is far below any limit).
    let reports = number(s, "ingest.reports");
    assert_eq!(reports, 20_000.0);
    for c in ["bare", "aggregator", "assessor"] {
        assert!(number(s, &format!("ingest.{c}.msgs_per_s")) > 0.0);
        assert_eq!(number(s, &format!("ingest.{c}.processed")), reports, "{c}");
    }
    assert!(number(s, "ingest.aggregator_ratio") > 0.0);
    // 2: latencies were sampled and are positive, ordered percentiles.
    for p in ["visible", "health_event", "query_rtt", "ingested"] {
        assert!(number(s, &format!("latency.{p}.samples")) > 10.0, "{p}");
        let p50 = number(s, &format!("latency.{p}.p50_ms"));
        let p99 = number(s, &format!("latency.{p}.p99_ms"));
        assert!(p50 > 0.0 && p50 <= p99, "{p}: p50 {p50}, p99 {p99}");
    }
    // The aggregator's own timestamp comes before the answer that showed it.
    assert_eq!(
        number(s, "latency.ingested.samples"),
        number(s, "latency.visible.samples")
    );
    assert!(number(s, "latency.ingested.p50_ms") <= number(s, "latency.visible.p50_ms"));
    // 3: every silenced site went offline, after its timeout.
    assert_eq!(number(s, "detection.silenced"), 20.0);
    assert_eq!(number(s, "detection.offline_events"), 20.0);
    assert!(number(s, "detection.precision.p50_ms") >= 0.0);
    // 4: holding more sites costs memory.
    let small = number(s, "memory.points.0.rss.aggregator_bytes");
    let large = number(s, "memory.points.1.rss.aggregator_bytes");
    assert!(large > small, "aggregator RSS {small} → {large}");
    assert!(number(s, "memory.points.1.assessor_bytes_per_site") > 0.0);
    // 5: both processes measured.
    for p in ["collector", "node_exporter"] {
        assert!(number(s, &format!("collector.{p}.rss_bytes")) > 1e6, "{p}");
        assert!(
            number(s, &format!("collector.{p}.cpu_ms_per_cycle")) > 0.0,
            "{p}"
        );
    }
    // 6: wrk got answers from both endpoints, without errors.
    for i in 0..2 {
        assert!(number(s, &format!("dashboard_api.endpoints.{i}.requests_per_s")) > 0.0);
        assert_eq!(
            number(s, &format!("dashboard_api.endpoints.{i}.errors")),
            0.0
        );
    }
    // 7: the scrape carried every site's series.
    assert_eq!(number(s, "prometheus.sites"), 2_000.0);
    assert!(number(s, "prometheus.series_per_site") >= 10.0);
    // 8: every service loaded the whole registry and grew for it; every
    // admin action reached every replica.
    assert_eq!(number(s, "registry.sites"), 2_000.0);
    for i in 0..3 {
        let service = &s["registry"]["services"][i];
        assert_eq!(number(service, "registry_sites"), 2_000.0, "{service:#}");
        assert!(number(service, "load_seconds") > 0.0, "{service:#}");
        let after = number(service, "loaded_after_start_s");
        assert!(after >= number(service, "load_seconds"), "{service:#}");
        assert!(number(service, "loaded_rss_bytes") > 1e6, "{service:#}");
    }
    assert_eq!(number(s, "registry.propagation.actions"), 20.0);
    assert_eq!(number(s, "registry.propagation.timeouts"), 0.0);
    assert_eq!(number(s, "registry.propagation.visible.samples"), 20.0);
    let p50 = number(s, "registry.propagation.visible.p50_ms");
    assert!(p50 > 0.0 && p50 <= number(s, "registry.propagation.visible.p99_ms"));
    for i in 0..4 {
        let replica = &s["registry"]["propagation"]["replicas"][i];
        assert_eq!(number(replica, "visible.samples"), 20.0, "{replica:#}");
    }
    // Every target the bench measures was judged, and the soak's from the
    // record there is; the rest are listed as not measured.
    let targets = report["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 26);
    let (judged, listed): (Vec<_>, Vec<_>) = targets.iter().partition(|t| t["met"].is_boolean());
    assert_eq!(judged.len(), 20, "{targets:#?}");
    let soak_row = |t: &&serde_json::Value| {
        t["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("soak ") || n.starts_with("restart storm, centre"))
    };
    assert!(
        listed.iter().all(|t| soak_row(t) && t["met"].is_null()),
        "{listed:#?}"
    );
    let storm_rows: Vec<_> = judged
        .iter()
        .filter(|t| {
            t["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("restart storm, aggregator"))
        })
        .map(|t| (t["value"].as_f64(), t["met"].as_bool()))
        .collect();
    assert_eq!(
        storm_rows,
        [(Some(0.0), Some(true)), (Some(22.5), Some(true))]
    );
    assert!(
        stdout.contains("soak restart aggregator: scripts/soak.sh --sites 1000000"),
        "{stdout}"
    );
    assert!(number(&report, "machine.nproc") >= 1.0);
    let _ = std::fs::remove_dir_all(&dir);
}
