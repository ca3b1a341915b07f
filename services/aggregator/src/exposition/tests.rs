use healthmon_proto::Judgement;
use healthmon_proto::StatusEvent;
use healthmon_proto::query::StatusRow;
use healthmon_proto::{ConnectionStatus, HealthReport, Node};
use proptest::prelude::*;

use super::*;
use crate::state::SiteTable;

use healthmon_test_support::fixtures;
use healthmon_test_support::promtext as prom_text;
use healthmon_test_support::series::assert_full_site;

/// The assessor says `site` is `c` and `h` (a site known from it only).
fn set_status(table: &Mutex<SiteTable>, site: &str, c: Connectivity, h: Health) {
    lock(table).apply_status(StatusEvent {
        v: 1,
        site_id: site.into(),
        at_ms: 5,
        connectivity: c,
        previous_connectivity: Connectivity::Unknown,
        health: h,
        previous_health: Health::Unknown,
        reasons: vec![],
        last_report_ms: None,
        judgement: Default::default(),
    });
}

fn render(table: &SiteTable) -> String {
    let mut exposition = Exposition::new();
    for (id, entry) in table.iter() {
        exposition.add_site(id, entry);
    }
    let mut out = String::new();
    exposition.finish(&mut out);
    out
}

#[test]
fn renders_every_series_of_a_reporting_site() {
    let mut table = SiteTable::new();
    table
        .apply_report(&fixtures::full("s1").view(), 1_700_000_000_123)
        .unwrap();
    let text = render(&table);
    let scrape = prom_text::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_full_site(&scrape, "s1");
    // Not judged yet; received at the time given above.
    scrape.assert_site(
        "s1",
        &[
            ("up", &[], 0.0),
            ("judged", &[], 0.0),
            ("connectivity", &[("state", "unknown")], 1.0),
            ("connectivity", &[("state", "online")], 0.0),
            ("health", &[("state", "unknown")], 1.0),
            ("last_report_timestamp_seconds", &[], 1_700_000_000.123),
        ],
    );
    // Gauges are not named _total; the one counter is.
    for (name, _) in FAMILIES {
        let kind = if name.ends_with("_total") {
            "counter"
        } else {
            "gauge"
        };
        assert_eq!(
            scrape.types.get(name).map(String::as_str),
            Some(kind),
            "{name}"
        );
    }
    assert_eq!(
        FAMILIES
            .iter()
            .filter(|(n, _)| n.ends_with("_total"))
            .count(),
        1,
        "only healthmon_site_transitions_total counts"
    );
}

/// Zeros are series too (an empty buffer, a counter at 0), a gauge may be
/// negative, and a label value with a quote and a backslash is written
/// escaped, as the text format wants it.
#[test]
fn zeros_negatives_and_escaped_label_values_are_written_as_they_are() {
    let mut report = fixtures::minimal("s1");
    report.connections = vec![fixtures::connection("plc \"main\"\\1", true)];
    report.custom.insert("response_ms".into(), -3.5);
    let mut table = SiteTable::new();
    table.apply_report(&report.view(), 1).unwrap();
    let text = render(&table);
    assert!(text.contains(r#"connection="plc \"main\"\\1""#), "{text}");
    let scrape = prom_text::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    scrape.assert_site(
        "s1",
        &[
            ("connection_up", &[("connection", "plc \"main\"\\1")], 1.0),
            ("custom", &[("name", "response_ms")], -3.5),
            ("sf_buffer_depth", &[("category", "external")], 0.0),
            ("alarm_errors", &[], 0.0),
            ("script_errors_per_minute", &[], 0.0),
        ],
    );
}

#[test]
fn a_late_or_offline_site_exports_its_status_but_not_its_stale_inside() {
    for (connectivity, inside) in [
        (Connectivity::Online, true),
        (Connectivity::Late, false),
        (Connectivity::Offline, false),
    ] {
        let mut table = SiteTable::new();
        table
            .apply_report(&fixtures::full("s1").view(), 1_000)
            .unwrap();
        table.apply_status(StatusEvent {
            connectivity,
            ..healthmon_proto::fixtures::offline_event("s1", 2_000)
        });
        let scrape = prom_text::parse(&render(&table)).unwrap();
        let has = |name: &str| scrape.samples.iter().any(|s| s.name == name);
        for name in [
            "healthmon_site_connection_up",
            "healthmon_site_node_active",
            "healthmon_site_script_errors_per_minute",
            "healthmon_site_sf_buffer_depth",
            "healthmon_site_cpu_percent",
            "healthmon_site_custom",
        ] {
            assert_eq!(has(name), inside, "{connectivity:?}: {name}");
        }
        // What the centre says of the site stays, with its last report's time.
        for name in [
            "healthmon_site_up",
            "healthmon_site_connectivity",
            "healthmon_site_health",
            "healthmon_site_last_report_timestamp_seconds",
            "healthmon_site_report_interval_seconds",
            "healthmon_site_info",
        ] {
            assert!(has(name), "{connectivity:?}: {name}");
        }
    }
}

#[test]
fn a_site_known_only_from_the_assessor_has_status_series_only() {
    let mut table = SiteTable::new();
    table.apply_bootstrap(StatusRow {
        site_id: "quiet".into(),
        connectivity: Connectivity::Online,
        health: Health::Degraded,
        reasons: vec![],
        last_report_ms: None,
        since_ms: 2_000,
        judgement: Default::default(),
    });
    let scrape = prom_text::parse(&render(&table)).unwrap();
    let site = [("site", "quiet")];
    assert_eq!(scrape.value("healthmon_site_up", &site), Some(1.0));
    assert_eq!(
        scrape.value(
            "healthmon_site_health",
            &[("site", "quiet"), ("state", "degraded")]
        ),
        Some(1.0)
    );
    assert_eq!(
        scrape.value("healthmon_site_status_since_timestamp_seconds", &site),
        Some(2.0)
    );
    assert_eq!(
        scrape.value("healthmon_site_last_report_timestamp_seconds", &site),
        None
    );
    assert_eq!(scrape.value("healthmon_site_cpu_percent", &site), None);
}

#[test]
fn render_table_matches_unchunked_rendering_in_site_order() {
    let table = SiteTable::shared();
    for i in 0..(SITES_PER_LOCK * 2 + 3) {
        let site = format!("s{i:04}");
        lock(&table)
            .apply_report(&HealthReport::new(site, "i", 1).view(), 1)
            .unwrap();
    }
    let mut out = String::new();
    render_table(&table, SiteSeries::All, usize::MAX, &mut out);
    let scrape = prom_text::parse(&out).unwrap();
    let up: Vec<_> = scrape
        .samples
        .iter()
        .filter(|s| s.name == "healthmon_site_up")
        .map(|s| s.label("site").unwrap().to_owned())
        .collect();
    assert_eq!(up.len(), SITES_PER_LOCK * 2 + 3);
    assert!(up.windows(2).all(|w| w[0] < w[1]), "sorted by site");
}

#[test]
fn site_series_switch_bounds_the_per_site_series_and_fleet_counts_stay() {
    let table = SiteTable::shared();
    for site in ["fine", "down"] {
        lock(&table)
            .apply_report(&HealthReport::new(site, "i", 1).view(), 1)
            .unwrap();
    }
    for (site, c) in [
        ("fine", Connectivity::Online),
        ("down", Connectivity::Offline),
    ] {
        set_status(&table, site, c, Health::Healthy);
    }
    let sites_with_up = |series| {
        let mut out = String::new();
        render_table(&table, series, usize::MAX, &mut out);
        let scrape = prom_text::parse(&out).unwrap();
        let fleet = |c: &str| {
            scrape
                .samples
                .iter()
                .find(|s| {
                    s.name == "healthmon_fleet_sites"
                        && s.label("connectivity") == Some(c)
                        && s.label("health") == Some("healthy")
                        && s.label("maintenance") == Some("false")
                })
                .map(|s| s.value)
        };
        assert_eq!((fleet("online"), fleet("offline")), (Some(1.0), Some(1.0)));
        scrape
            .samples
            .iter()
            .filter(|s| s.name == "healthmon_site_up")
            .map(|s| s.label("site").unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(sites_with_up(SiteSeries::All), ["down", "fine"]);
    assert_eq!(
        sites_with_up(SiteSeries::Auto),
        ["down", "fine"],
        "few sites: all"
    );
    assert_eq!(sites_with_up(SiteSeries::Unhealthy), ["down"]);
    assert!(sites_with_up(SiteSeries::None).is_empty());
}

#[test]
fn non_finite_values_use_the_text_format_spelling() {
    let mut e = Exposition::new();
    e.put(CPU, "site=\"s\"", &[], Num::Float(f64::NAN));
    e.put(LOAD1, "site=\"s\"", &[], Num::Float(f64::INFINITY));
    let mut out = String::new();
    e.finish(&mut out);
    assert!(out.contains("healthmon_site_cpu_percent{site=\"s\"} NaN\n"));
    assert!(out.contains("healthmon_site_load1{site=\"s\"} +Inf\n"));
    prom_text::parse(&out).unwrap();
}

proptest! {
    #[test]
    fn any_names_render_to_valid_text_that_reads_back(
        connection in "\\PC{1,40}",
        custom in "[ -~]{1,20}",
        newline_name in "[a-z]{0,3}\n[a-z\\\\\"]{0,3}",
    ) {
        let mut r = HealthReport::new("s", "i", 1);
        r.connections = vec![ConnectionStatus { name: connection.clone(), connected: true }];
        r.nodes = vec![Node { name: newline_name.clone(), role: NodeRole::Active }];
        r.custom.insert(custom.clone(), 1.0);
        let mut table = SiteTable::new();
        table.apply_report(&r.view(), 5).unwrap();
        let text = render(&table);
        let scrape = prom_text::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(scrape.value("healthmon_site_connection_up", &[("connection", connection.as_str())]), Some(1.0));
        prop_assert_eq!(scrape.value("healthmon_site_custom", &[("name", custom.as_str())]), Some(1.0));
        prop_assert_eq!(scrape.value("healthmon_site_node_active", &[("node", newline_name.as_str())]), Some(1.0));
    }

    #[test]
    fn exactly_one_state_is_set(c in 0usize..4, h in 0usize..4) {
        let mut table = SiteTable::new();
        table.apply_bootstrap(StatusRow {
            site_id: "s".into(),
            connectivity: Connectivity::ALL[c],
            health: Health::ALL[h],
            reasons: vec![],
            last_report_ms: Some(1),
            since_ms: 1,
            judgement: Default::default(),
        });
        let scrape = prom_text::parse(&render(&table)).unwrap();
        for family in ["healthmon_site_connectivity", "healthmon_site_health"] {
            let states: Vec<_> = scrape.samples.iter().filter(|s| s.name == family).collect();
            prop_assert_eq!(states.len(), 4);
            prop_assert_eq!(states.iter().filter(|s| s.value == 1.0).count(), 1);
        }
        let up = scrape.value("healthmon_site_up", &[("site", "s")]).unwrap();
        prop_assert_eq!(up == 1.0, Connectivity::ALL[c] == Connectivity::Online);
    }
}

#[test]
fn maintenance_is_exported_so_alert_rules_can_skip_the_site() {
    let mut table = SiteTable::new();
    table.apply_report(&fixtures::full("s1").view(), 5).unwrap();
    let flag = |table: &SiteTable| {
        let text = render(table);
        let scrape = prom_text::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        scrape.value("healthmon_site_maintenance", &[("site", "s1")])
    };
    assert_eq!(flag(&table), Some(0.0));
    crate::state::tests::maintain(&mut table, "s1", true);
    assert_eq!(flag(&table), Some(1.0));
    // Its time in maintenance is not judged: availability leaves it out.
    let scrape = prom_text::parse(&render(&table)).unwrap();
    assert_eq!(
        scrape.value("healthmon_site_judged", &[("site", "s1")]),
        Some(0.0)
    );
}

/// A status event for `site` from `from` to `to` carrying `judgement`.
fn judged(
    site: &str,
    from: Connectivity,
    to: Connectivity,
    at_ms: u64,
    judgement: Judgement,
) -> StatusEvent {
    StatusEvent {
        v: 1,
        site_id: site.into(),
        at_ms,
        connectivity: to,
        previous_connectivity: from,
        health: Health::Healthy,
        previous_health: Health::Healthy,
        reasons: vec![],
        last_report_ms: None,
        judgement,
    }
}

#[test]
fn score_flapping_recovering_and_transitions_are_exported_and_the_fleet_scored() {
    use healthmon_proto::judgement::{Flapping, Recovering};
    let table = SiteTable::shared();
    let flapping = Judgement {
        flapping: Some(Flapping {
            changes: 7,
            window_s: 600,
        }),
        score: Some(80),
        ..Judgement::default()
    };
    let recovering = Judgement {
        recovering: Some(Recovering {
            depth: 500,
            drain_per_min: None,
            empty_in_s: None,
        }),
        score: Some(90),
        ..Judgement::default()
    };
    {
        let mut t = lock(&table);
        t.apply_status(judged(
            "a",
            Connectivity::Unknown,
            Connectivity::Online,
            1,
            Judgement::default(),
        ));
        t.apply_status(judged(
            "a",
            Connectivity::Online,
            Connectivity::Late,
            2,
            Judgement::default(),
        ));
        t.apply_status(judged(
            "a",
            Connectivity::Late,
            Connectivity::Online,
            3,
            flapping,
        ));
        // A change of reasons alone is no transition.
        let same = judged(
            "a",
            Connectivity::Online,
            Connectivity::Online,
            4,
            t.get("a").unwrap().judgement().clone(),
        );
        t.apply_status(same);
        t.apply_status(judged(
            "b",
            Connectivity::Offline,
            Connectivity::Online,
            5,
            recovering,
        ));
    }
    let mut out = String::new();
    render_table(&table, SiteSeries::All, usize::MAX, &mut out);
    let scrape = prom_text::parse(&out).unwrap();
    let a = [("site", "a")];
    let b = [("site", "b")];
    assert_eq!(scrape.value("healthmon_site_judged", &a), Some(1.0));
    assert_eq!(scrape.value("healthmon_site_health_score", &a), Some(80.0));
    assert_eq!(scrape.value("healthmon_site_flapping", &a), Some(1.0));
    assert_eq!(scrape.value("healthmon_site_recovering", &a), Some(0.0));
    assert_eq!(
        scrape.value("healthmon_site_transitions_total", &a),
        Some(3.0)
    );
    assert_eq!(scrape.value("healthmon_site_recovering", &b), Some(1.0));
    assert_eq!(
        scrape.value("healthmon_site_transitions_total", &b),
        Some(1.0)
    );
    assert!(out.contains("# TYPE healthmon_site_transitions_total counter"));
    assert_eq!(
        scrape.value("healthmon_fleet_health_score", &[]),
        Some(85.0)
    );

    // A site in maintenance leaves the fleet's score; a forgotten one too.
    crate::state::tests::maintain(&mut lock(&table), "a", true);
    let fleet = |table: &Shared| lock(table).fleet_score();
    assert_eq!(fleet(&table), Some(90.0));
    lock(&table).forget("b");
    assert_eq!(fleet(&table), None);
    crate::state::tests::maintain(&mut lock(&table), "a", false);
    assert_eq!(fleet(&table), Some(80.0));
}

#[test]
fn auto_exports_every_site_below_ten_thousand_and_the_unhealthy_from_there() {
    assert_eq!(SiteSeries::Auto.resolve(0), SiteSeries::All);
    assert_eq!(
        SiteSeries::Auto.resolve(AUTO_ALL_BELOW - 1),
        SiteSeries::All
    );
    assert_eq!(
        SiteSeries::Auto.resolve(AUTO_ALL_BELOW),
        SiteSeries::Unhealthy
    );
    assert_eq!(SiteSeries::Auto.resolve(1_000_000), SiteSeries::Unhealthy);
    for fixed in [SiteSeries::All, SiteSeries::Unhealthy, SiteSeries::None] {
        assert_eq!(fixed.resolve(1_000_000), fixed);
        assert_eq!(fixed.resolve(1), fixed);
    }
}

#[test]
fn unhealthy_mode_keeps_the_worst_sites_up_to_its_limit_and_counts_the_rest() {
    let table = SiteTable::shared();
    for (site, c, h) in [
        ("a-late", Connectivity::Late, Health::Healthy),
        ("b-degraded", Connectivity::Online, Health::Degraded),
        ("c-fine", Connectivity::Online, Health::Healthy),
        ("d-offline", Connectivity::Offline, Health::Healthy),
    ] {
        set_status(&table, site, c, h);
    }
    let scrape = |limit| {
        let mut out = String::new();
        render_table(&table, SiteSeries::Unhealthy, limit, &mut out);
        let scrape = prom_text::parse(&out).unwrap();
        let mut up: Vec<String> = scrape
            .samples
            .iter()
            .filter(|s| s.name == "healthmon_site_up")
            .filter_map(|s| s.label("site").map(str::to_owned))
            .collect();
        up.sort();
        let omitted = scrape
            .samples
            .iter()
            .find(|s| s.name == "healthmon_site_series_omitted")
            .map(|s| s.value);
        (up, omitted)
    };
    assert_eq!(
        scrape(usize::MAX),
        (
            vec!["a-late".into(), "b-degraded".into(), "d-offline".into()],
            Some(0.0)
        )
    );
    assert_eq!(scrape(1), (vec!["d-offline".into()], Some(2.0)));
    assert_eq!(
        scrape(2),
        (vec!["a-late".into(), "d-offline".into()], Some(1.0))
    );
    assert_eq!(scrape(0), (vec![], Some(3.0)));
}
