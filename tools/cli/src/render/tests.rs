use super::*;
use healthmon_proto::query::SiteSummary;
use healthmon_proto::{Connectivity, Health, Resources};
use healthmon_test_support::fixtures::{connection, node};

const NOW: u64 = 1_700_000_100_000;

fn row(id: &str, c: Connectivity, h: Health, reasons: &[&str]) -> SiteSummary {
    SiteSummary {
        reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
        last_report_ms: Some(NOW - 92_000),
        status_since_ms: Some(NOW - 2_000),
        interval_ms: Some(30_000),
        active_node: Some("a".into()),
        connections_up: 1,
        connections_total: 2,
        ..SiteSummary::new(id, c, h)
    }
}

/// A detail with only its identity and status set, the rest empty.
fn detail(id: &str, connectivity: Connectivity, health: Health) -> SiteDetail {
    SiteDetail {
        site_id: id.into(),
        connectivity,
        health,
        reasons: vec![],
        last_report_ms: None,
        received_at_us: None,
        status_since_ms: None,
        lost_reports: 0,
        report: None,
        maintenance: false,
        labels: Default::default(),
        maintenance_window: None,
        ack: None,
        registry: None,
        judgement: Default::default(),
    }
}

/// Fails, showing `text`, unless each of `lines` is one of its lines.
fn assert_has_lines(text: &str, lines: &[&str]) {
    for line in lines {
        assert!(
            text.lines().any(|l| l == *line),
            "missing {line:?} in\n{text}"
        );
    }
}

/// A page that holds all of `sites`, at the default limit.
fn first_page(sites: Vec<SiteSummary>) -> SitePage {
    SitePage {
        total: sites.len(),
        offset: 0,
        limit: 100,
        sites,
    }
}

/// The table of a page that holds all of `rows`, at [`NOW`].
fn listing(rows: Vec<SiteSummary>) -> String {
    sites(&first_page(rows), NOW)
}

/// [`assert_has_lines`] for the detail of `d` as rendered at [`NOW`].
fn assert_detail_has_lines(d: &SiteDetail, lines: &[&str]) {
    assert_has_lines(&site(d, NOW), lines);
}

#[test]
fn ages_use_the_two_largest_units() {
    assert_eq!(age(NOW, None), "never");
    assert_eq!(age(NOW, Some(NOW - 999)), "0s ago");
    assert_eq!(age(NOW, Some(NOW - 12_000)), "12s ago");
    assert_eq!(age(NOW, Some(NOW - 185_000)), "3m05s ago");
    assert_eq!(age(NOW, Some(NOW - 7_380_000)), "2h03m ago");
    assert_eq!(age(NOW, Some(NOW - 352_800_000)), "4d02h ago");
    assert_eq!(age(NOW, Some(NOW + 5_000)), "0s ago");
}

#[test]
fn any_time_has_a_timestamp() {
    assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
    assert_eq!(timestamp(253_402_300_799_999), "9999-12-31T23:59:59Z");
    assert_eq!(timestamp(u64::MAX), format!("unix ms {}", u64::MAX));
}

#[test]
fn sites_table_shows_one_row_per_site_worst_first_as_given() {
    let page = first_page(vec![
        row(
            "plant-7",
            Connectivity::Offline,
            Health::Healthy,
            &["no report for 92s (timeout 90s)"],
        ),
        row(
            "b",
            Connectivity::Online,
            Health::Degraded,
            &["connection plc-2 disconnected", "script errors 12/min"],
        ),
    ]);
    assert_eq!(
        sites(&page, NOW),
        "SITE     CONNECTIVITY  HEALTH                SINCE  LAST REPORT  REASON\n\
         plant-7  offline       healthy (last known)  2s     1m32s ago    no report for 1m32s (timeout 90s)\n\
         b        online        degraded              2s     1m32s ago    connection plc-2 disconnected (+1 more)\n"
    );
}

/// The issue's frozen "no report for 15s (timeout 15s)" beside "last
/// report 1m 38s": the reason now runs up to the time of the listing, as
/// the SINCE and LAST REPORT columns do.
#[test]
fn a_silence_reads_as_long_as_it_has_lasted() {
    let mut offline = row(
        "quiet",
        Connectivity::Offline,
        Health::Critical,
        &["no report for 15s (timeout 15s)", "node a down"],
    );
    offline.last_report_ms = Some(NOW - 98_000);
    offline.status_since_ms = Some(NOW - 83_000);
    let page = first_page(vec![offline]);
    let text = sites(&page, NOW);
    let line = text.lines().nth(1).unwrap();
    let cells: Vec<&str> = line
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        [
            "quiet",
            "offline",
            "critical (last known)",
            "1m23s",
            "1m38s ago",
            "no report for 1m38s (timeout 15s) (+1 more)"
        ],
        "{text}"
    );
    // A minute later, the same row has aged.
    let later = sites(&page, NOW + 60_000);
    assert!(
        later.contains("2m23s") && later.contains("no report for 2m38s (timeout 15s)"),
        "{later}"
    );
    assert!(!later.contains("no report for 15s"), "{later}");
}

#[test]
fn short_silences_read_as_the_assessor_writes_them() {
    assert_eq!(elapsed(600), "0.6s");
    assert_eq!(elapsed(2_000), "2s");
    assert_eq!(elapsed(9_950), "9.9s");
    assert_eq!(elapsed(98_000), "1m38s");
    assert_eq!(lasted(NOW, None), "-");
    assert_eq!(lasted(NOW, Some(NOW - 3_725_000)), "1h02m");
}

#[test]
fn sites_under_maintenance_say_so() {
    let mut rows = vec![
        row("quiet", Connectivity::Offline, Health::Healthy, &[]),
        row(
            "noisy",
            Connectivity::Offline,
            Health::Healthy,
            &["no report"],
        ),
    ];
    for r in &mut rows {
        r.maintenance = true;
    }
    let text = listing(rows);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].ends_with("  [maintenance]"), "{text}");
    assert!(lines[2].ends_with("  [maintenance] no report"), "{text}");
}

#[test]
fn acknowledged_problems_say_so() {
    let mut acked = row(
        "acked",
        Connectivity::Offline,
        Health::Healthy,
        &["no report"],
    );
    acked.acknowledged = true;
    let mut both = row("both", Connectivity::Online, Health::Degraded, &[]);
    (both.acknowledged, both.maintenance) = (true, true);
    let text = listing(vec![acked, both]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].ends_with("  [ack] no report"), "{text}");
    assert!(lines[2].ends_with("  [maintenance] [ack]"), "{text}");
}

#[test]
fn a_partial_page_says_how_to_get_more() {
    let page = SitePage {
        total: 57,
        offset: 20,
        limit: 1,
        sites: vec![row("x", Connectivity::Online, Health::Healthy, &[])],
    };
    let text = sites(&page, NOW);
    assert!(
        text.ends_with("sites 21-21 of 57; --offset 21 for more\n"),
        "{text}"
    );
}

#[test]
fn empty_answers_are_explained() {
    let mut page = first_page(vec![]);
    assert_eq!(sites(&page, NOW), "no sites match\n");
    page.total = 3;
    page.offset = 10;
    assert_eq!(
        sites(&page, NOW),
        "no sites on this page (3 match; offset 10)\n"
    );
}

#[test]
fn summary_lists_every_count() {
    let s = Summary {
        total: 50,
        online: 47,
        late: 1,
        offline: 2,
        unknown: 0,
        healthy: 45,
        degraded: 3,
        critical: 2,
        maintenance: 0,
    };
    let text = summary(&s);
    assert!(
        text.starts_with("             SITES\ntotal        50\nonline       47\n"),
        "{text}"
    );
    assert!(text.contains("\ncritical     2\n"), "{text}");
    assert!(text.ends_with("maintenance  0\n"), "{text}");
    assert_eq!(text.lines().count(), 10);
}

#[test]
fn site_detail_shows_state_report_and_connections() {
    let mut report = HealthReport::new("plant-7", "c0ffee", 17);
    report.sent_at_ms = 1_700_000_000_000;
    report.nodes = vec![node("a", NodeRole::Active), node("b", NodeRole::Standby)];
    report.connections = vec![connection("plc-1", true), connection("plc-2", false)];
    report.script_errors.per_min = 0.5;
    report.script_errors.total = 12;
    report.resources = Some(Resources {
        cpu_pct: 12.5,
        mem_used_bytes: 3 * 1024 * 1024 * 1024,
        mem_total_bytes: 8 * 1024 * 1024 * 1024,
        disk_used_pct: 40.0,
        load1: 0.52,
    });
    report.custom.insert("response_ms".into(), 42.0);
    let detail = SiteDetail {
        reasons: vec!["connection plc-2 disconnected".into(), "second".into()],
        last_report_ms: Some(NOW - 3_000),
        lost_reports: 2,
        report: Some(report),
        ..detail("plant-7", Connectivity::Online, Health::Degraded)
    };
    assert_detail_has_lines(
        &detail,
        &[
            "site           plant-7",
            "health         degraded",
            "reasons        connection plc-2 disconnected",
            "               second",
            "last report    3s ago (2023-11-14T22:14:57Z)",
            "status since   never",
            "lost reports   2",
            "maintenance    no",
            "collector      c0ffee seq 17",
            "interval       30s",
            "nodes          a (active), b (standby)",
            "connections    1 of 2 up",
            "script errors  0.5/min (total 12)",
            "resources      cpu 12.5%, memory 3.0 GiB of 8.0 GiB, disk 40.0%, load 0.52",
            "custom         response_ms=42",
            "CONNECTION  STATE",
            "plc-1       up",
            "plc-2       DOWN",
        ],
    );
}

#[test]
fn a_silent_sites_detail_ages_its_reason_and_marks_its_health_last_known() {
    let detail = SiteDetail {
        reasons: vec!["no report for 47s (late after 45s)".into()],
        last_report_ms: Some(NOW - 50_000),
        status_since_ms: Some(NOW - 3_000),
        ..detail("quiet", Connectivity::Late, Health::Healthy)
    };
    assert_detail_has_lines(
        &detail,
        &[
            "health        healthy (last known, as of 50s ago)",
            "reasons       no report for 50s (late after 45s)",
            "status since  3s ago (2023-11-14T22:14:57Z)",
        ],
    );
}

#[test]
fn a_site_without_a_report_says_so() {
    let detail = SiteDetail {
        ..detail("x", Connectivity::Unknown, Health::Unknown)
    };
    let text = site(&detail, NOW);
    assert!(text.contains("reasons       -\n"), "{text}");
    assert!(
        text.ends_with("report        none received yet\n"),
        "{text}"
    );
}

#[test]
fn numbers_read_naturally() {
    assert_eq!(rate(0.5), "0.5");
    assert_eq!(rate(12.0), "12");
    assert_eq!(rate(1.0 / 3.0), "0.33");
    assert_eq!(bytes(512), "512 B");
    assert_eq!(bytes(1536), "1.5 KiB");
    assert_eq!(interval(300), "300ms");
    assert_eq!(interval(30_000), "30s");
    assert_eq!(interval(300_000), "5m00s");
}

fn counts(total: usize, offline: usize, critical: usize) -> Summary {
    Summary {
        total,
        online: total - offline,
        offline,
        healthy: total - critical,
        critical,
        ..Summary::default()
    }
}

#[test]
fn summary_by_a_label_is_a_row_per_value_worst_first_then_the_totals() {
    let s = FleetSummary {
        totals: counts(9, 3, 1),
        by: Some("region".into()),
        // Deliberately not in order: the table orders them.
        groups: vec![
            SummaryGroup {
                value: Some("eu-west".into()),
                counts: counts(4, 0, 0),
            },
            SummaryGroup {
                value: None,
                counts: counts(1, 1, 0),
            },
            SummaryGroup {
                value: Some("us-east".into()),
                counts: counts(4, 2, 1),
            },
        ],
        incidents: Vec::new(),
    };
    let text = summary_groups("region", &s);
    assert_eq!(
        text,
        "REGION       SITES  ONLINE  LATE  OFFLINE  UNKNOWN  HEALTHY  DEGRADED  CRITICAL  MAINTENANCE\n\
         us-east      4      2       0     2        0        3        0         1         0\n\
         (no region)  1      0       0     1        0        1        0         0         0\n\
         eu-west      4      4       0     0        0        4        0         0         0\n\
         (all)        9      6       0     3        0        8        0         1         0\n"
    );
}

#[test]
fn site_detail_shows_labels_window_acknowledgement_and_registry() {
    let mut record =
        healthmon_proto::fleet::SiteRecord::declared(NOW - 3 * 86_400_000, Source::Roster);
    record.interval_ms = Some(300_000);
    let detail = SiteDetail {
        reasons: vec!["never reported".into()],
        maintenance: true,
        labels: [("region".to_owned(), "eu-west".to_owned())].into(),
        maintenance_window: Some(healthmon_proto::fleet::Maintenance {
            since_ms: NOW - 1000,
            until_ms: Some(NOW + 3_600_000),
            reason: Some("swap".into()),
            by: "ops".into(),
        }),
        ack: Some(healthmon_proto::fleet::Ack {
            at_ms: NOW - 60_000,
            by: "alice".into(),
            note: "on it".into(),
            connectivity: Connectivity::Offline,
            health: Health::Unknown,
            since_ms: NOW - 120_000,
        }),
        registry: Some(record),
        ..detail("x", Connectivity::Offline, Health::Unknown)
    };
    assert_detail_has_lines(
        &detail,
        &[
            "maintenance   yes, until 2023-11-14T23:15:00Z (in 1h00m), by ops: swap",
            "labels        region=eu-west",
            "acknowledged  by alice 1m00s ago: on it",
            "registry      registered 3d00h ago (roster), interval 5m00s, never reported",
        ],
    );
    let plain = SiteDetail {
        maintenance_window: None,
        ack: None,
        registry: None,
        labels: Default::default(),
        ..detail
    };
    let text = site(&plain, NOW);
    assert!(text.contains("\nlabels        none\n"), "{text}");
    assert!(text.contains("\nregistry      not listed\n"), "{text}");
    assert!(!text.contains("acknowledged"), "{text}");
}

mod groups {
    use super::*;
    use proptest::prelude::*;

    fn arb_summary() -> impl Strategy<Value = Summary> {
        (0usize..50, 0usize..50, 0usize..50, 0usize..50).prop_map(|(on, off, crit, deg)| Summary {
            total: on + off,
            online: on,
            offline: off,
            critical: crit.min(on + off),
            degraded: deg.min(on + off - crit.min(on + off)),
            ..Summary::default()
        })
    }

    proptest! {
        /// Any groups: a header, one row per group in worst-first order,
        /// the totals last; every row as many cells as the header; values
        /// shown as they are (a control character as `?`).
        #[test]
        fn every_group_is_one_row_worst_first_then_the_totals(
            groups in proptest::collection::btree_map(
                proptest::option::of("[a-z\u{7}][a-z -]{0,10}[a-z]"),
                arb_summary(),
                0..8,
            ),
        ) {
            let totals = groups.values().fold(Summary::default(), |mut t, g| { t.add(g); t });
            let s = FleetSummary::grouped(totals, Some("tier".into()), groups.clone());
            let text = summary_groups("tier", &s);
            let lines: Vec<&str> = text.lines().collect();
            prop_assert_eq!(lines.len(), groups.len() + 2, "{}", text);
            prop_assert!(lines[0].starts_with("TIER"));
            prop_assert!(lines.last().unwrap().starts_with("(all)"));
            // Columns line up: every count column starts where its heading does.
            let sites_at = lines[0].find("SITES").unwrap();
            let offline_at = lines[0].find("OFFLINE").unwrap();
            for (line, group) in lines[1..lines.len() - 1].iter().zip(&s.groups) {
                let name = group.value.clone().unwrap_or_else(|| no_value("tier"));
                prop_assert!(line.starts_with(&crate::table::clean(&name)), "{}", text);
                prop_assert!(!line.contains('\u{7}'), "a bell in {:?}", line);
                let cell = |at: usize| line[at..].split_whitespace().next().unwrap().to_owned();
                prop_assert_eq!(cell(sites_at), group.counts.total.to_string());
                prop_assert_eq!(cell(offline_at), group.counts.offline.to_string());
            }
            for pair in s.groups.windows(2) {
                prop_assert!(SummaryGroup::compare(&pair[0], &pair[1]).is_le());
            }
        }
    }
}

#[test]
fn last_report_says_never_only_for_a_site_that_never_reported() {
    let reasons = |r: &str| vec![r.to_owned()];
    assert_eq!(last_report(NOW, None, &reasons("never reported")), "never");
    assert_eq!(
        last_report(NOW, None, &reasons("no report since the centre started")),
        "-"
    );
    assert_eq!(
        last_report(NOW, Some(NOW - 12_000), &reasons("anything")),
        "12s ago"
    );
}

#[test]
fn the_detail_shows_stale_findings_flapping_recovering_score_and_availability() {
    use healthmon_proto::judgement::{Availability, Deduction, Flapping, Judgement, Recovering};
    let mut d = detail("plant-7", Connectivity::Offline, Health::Degraded);
    d.last_report_ms = Some(NOW - 92_000);
    d.judgement = Judgement {
        stale_reasons: vec!["connection plc-2 disconnected".into()],
        flapping: Some(Flapping {
            changes: 7,
            window_s: 600,
        }),
        recovering: Some(Recovering {
            depth: 10_000,
            drain_per_min: Some(4_000.0),
            empty_in_s: Some(150),
        }),
        score: Some(32),
        score_off: vec![Deduction {
            points: 60,
            reason: "offline: no report for 92s (timeout 90s)".into(),
        }],
        // 90 of 100 s online as of 10 s ago; offline since: 90 of 110.
        availability: Some(Availability {
            online_ms: 90_000,
            judged_ms: 100_000,
            since_ms: NOW - 200_000,
            as_of_ms: NOW - 10_000,
        }),
    };
    let text = site(&d, NOW);
    assert_has_lines(
        &text,
        &[
            "stale findings  as of 1m32s ago",
            "                connection plc-2 disconnected",
            "flapping        7 changes in 10 min",
            "recovering      10000 pending, draining 4000/min, empty in ~2m30s",
            "score           32/100",
            "                -60 offline: no report for 92s (timeout 90s)",
            "availability    81.8% of 1m50s judged since the assessor started",
        ],
    );
}

#[test]
fn open_incidents_follow_the_summary_one_line_each() {
    assert_eq!(incidents(&[], 0), "");
    let incident = healthmon_proto::Incident {
        v: 1,
        id: "leaf=eu-1".into(),
        kind: "link".into(),
        state: healthmon_proto::IncidentState::Open,
        label: "leaf".into(),
        value: "eu-1".into(),
        at_ms: 1_000,
        closed_ms: None,
        sites: 38,
        silent: 36,
        silenced: 38,
        reason: "link leaf eu-1 lost at 00:00:01 UTC, 38 sites behind it".into(),
    };
    assert_eq!(
        incidents(&[incident], 93_000),
        "\nINCIDENT   OPENED     SILENT  REASON\n\
         leaf=eu-1  1m32s ago  36/38   link leaf eu-1 lost at 00:00:01 UTC, 38 sites behind it\n"
    );
}
