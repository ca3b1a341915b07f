//! `healthmon summary`, `sites` and `site` against the real aggregator and
//! assessor, fed by real collectors over a real nats-server: what an operator
//! types, and what they read back.

use crate::support::{PATIENCE, healthmon, words};
use healthmon_e2e::{Central, INTERVAL};
use healthmon_test_support::NatsServer;
use healthmon_test_support::eventually;

#[tokio::test]
async fn summary_sites_and_site_show_a_fleet_with_an_offline_site() {
    let central = Central::start().await;
    let _sim = central.simulator(4, INTERVAL).await;
    let lonely = central.collector("lonely", INTERVAL).await;
    eventually("5 online sites", PATIENCE, || async {
        let s = healthmon(&central.nats.url(), &["summary", "--json"])
            .await
            .json();
        (s["online"] == 5).then_some(())
    })
    .await;

    drop(lonely);
    let summary = eventually("lonely offline", PATIENCE, || async {
        let s = healthmon(&central.nats.url(), &["summary", "--json"])
            .await
            .json();
        (s["offline"] == 1).then_some(s)
    })
    .await;
    assert_eq!(
        (summary["total"].as_u64(), summary["online"].as_u64()),
        (Some(5), Some(4)),
        "{summary}"
    );

    // The table an operator reads: a header and exactly the offline site.
    let table = healthmon(&central.nats.url(), &["sites", "--connectivity", "offline"])
        .await
        .ok();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    /// The cells of a line: columns are two or more spaces apart.
    fn cells(line: &str) -> Vec<&str> {
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect()
    }
    assert_eq!(
        cells(lines[0]),
        [
            "SITE",
            "CONNECTIVITY",
            "HEALTH",
            "SINCE",
            "LAST REPORT",
            "REASON"
        ]
    );
    let row = cells(lines[1]);
    assert_eq!(
        &row[..3],
        ["lonely", "offline", "healthy (last known)"],
        "{table}"
    );
    assert!(row[3].ends_with('s'), "time offline: {table}");
    assert!(row[4].ends_with("s ago"), "{table}");
    assert!(row[5].starts_with("no report for"), "{table}");
    // Columns line up under their headings.
    assert_eq!(
        lines[0].find("REASON"),
        lines[1].find("no report for"),
        "{table}"
    );

    let page = healthmon(
        &central.nats.url(),
        &["sites", "--connectivity", "offline,late", "--json"],
    )
    .await
    .json();
    assert_eq!(page["total"], 1);
    assert_eq!(page["sites"][0]["site_id"], "lonely");

    let partial = healthmon(
        &central.nats.url(),
        &["sites", "--sort", "site_id", "--limit", "2"],
    )
    .await
    .ok();
    let lines: Vec<&str> = partial.lines().collect();
    assert_eq!(lines.len(), 4, "{partial}");
    assert!(lines[1].starts_with("lonely "), "{partial}");
    assert!(lines[2].starts_with("sim-00001 "), "{partial}");
    assert_eq!(lines[3], "sites 1-2 of 5; --offset 2 for more");

    let line = "sites --health healthy --search SIM-0000 --json";
    let healthy = healthmon(&central.nats.url(), &words(line)).await.json();
    assert_eq!(healthy["total"], 4, "{healthy}");

    let detail = healthmon(&central.nats.url(), &["site", "lonely"])
        .await
        .ok();
    for want in [["site", "lonely"], ["connectivity", "offline"]] {
        assert!(
            detail
                .lines()
                .any(|l| l.split_whitespace().eq(want.iter().copied())),
            "{want:?} in\n{detail}"
        );
    }
    assert!(detail.contains("no report for"), "{detail}");
    let detail = healthmon(&central.nats.url(), &["site", "lonely", "--json"])
        .await
        .json();
    assert_eq!(detail["report"]["site_id"], "lonely");

    let human = healthmon(&central.nats.url(), &["summary"]).await.ok();
    for want in [["total", "5"], ["online", "4"], ["offline", "1"]] {
        assert!(
            human
                .lines()
                .any(|l| l.split_whitespace().eq(want.iter().copied())),
            "{want:?} in\n{human}"
        );
    }
}

#[tokio::test]
async fn an_unknown_site_is_one_error_line_and_exit_1() {
    let central = Central::start().await;
    let run = healthmon(&central.nats.url(), &["site", "nowhere"]).await;
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr, "error: unknown site \"nowhere\"\n");
    assert!(run.stdout.is_empty());
}

#[tokio::test]
async fn without_an_aggregator_each_command_fails_with_one_line() {
    let nats = NatsServer::start();
    for (args, subject) in [
        (&["summary"][..], "health.agg.summary"),
        (&["sites", "--json"], "health.agg.list"),
        (&["site", "x"], "health.agg.get"),
    ] {
        let error = healthmon(&nats.url(), args).await.failed(1);
        assert!(
            error.starts_with(&format!("no aggregator answers on {subject} ")),
            "{args:?}: {error}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_nats_server_is_one_error_line_and_exit_1() {
    let mut nats = NatsServer::start();
    let url = nats.url();
    nats.kill();
    let run = crate::support::Run::of(
        crate::support::command(&url, &["--nats-connect-timeout", "500ms", "summary"])
            .output()
            .await
            .unwrap(),
    );
    let error = run.failed(1);
    assert!(
        error.starts_with(&format!("cannot reach NATS at {url}")),
        "{error}"
    );
}

#[tokio::test]
async fn usage_errors_exit_2_without_touching_nats() {
    // Nothing listens on this URL: a usage error must be found first.
    for args in [
        &["sites", "--bogus"][..],
        &["sites", "--connectivity", "sideways"],
        &["site", "not/a/site"],
        &["--subject-prefix", "a.*", "summary"],
        &["frobnicate"],
    ] {
        let run = crate::support::Run::of(
            crate::support::command("nats://127.0.0.1:9", args)
                .output()
                .await
                .unwrap(),
        );
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        assert!(run.stderr.starts_with("error: "), "{args:?}: {run:?}");
    }
    let help = crate::support::Run::of(
        crate::support::command("x", &["--help"])
            .output()
            .await
            .unwrap(),
    )
    .ok();
    assert!(help.contains("watch") && help.contains("summary"), "{help}");
}
