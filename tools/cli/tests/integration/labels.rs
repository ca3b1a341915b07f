//! `healthmon sites --label` and `summary --by` against the real centre:
//! labels declared in a roster (`fleet apply`) and labels a collector sends
//! from its config, as the aggregator combines them (declared win).

use healthmon_common::nats::NatsConfig;
use healthmon_e2e::services::{collector_config, start_collector};
use healthmon_e2e::{Central, INTERVAL};
use healthmon_test_support::{TempDir, eventually};
use serde_json::Value;

use crate::support::{PATIENCE, healthmon, words};

/// Declared: the simulated sites and a site that never reports; sim-00004
/// is left to the labels it sends (none) and `lonely` to its own.
const ROSTER: &str = r#"
[[site]]
id = "sim-00001"
labels = { region = "eu-west", tier = "gold" }

[[site]]
id = "sim-00002"
labels = { region = "eu-west" }

[[site]]
id = "sim-00003"
labels = { region = "us-east" }

[[site]]
id = "ghost"
labels = { region = "us-east" }
interval = "200ms"

[[site]]
id = "lonely"
labels = { tier = "silver" }
"#;

fn ids(page: &Value) -> Vec<String> {
    let mut ids: Vec<String> = page["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn sites_filter_and_summary_groups_by_label() {
    let central = Central::start().await;
    let url = central.nats.url();
    let dir = TempDir::new("cli-labels").unwrap();
    let roster = dir.path.join("fleet.toml");
    std::fs::write(&roster, ROSTER).unwrap();
    healthmon(&url, &["fleet", "apply", roster.to_str().unwrap()])
        .await
        .ok();
    let _sim = central.simulator(4, INTERVAL).await;
    let mut lonely = collector_config(NatsConfig::local(url.clone()), "lonely", INTERVAL);
    lonely.sources.labels.extend([
        ("region".to_owned(), "ap-south".to_owned()),
        ("tier".to_owned(), "bronze".to_owned()),
    ]);
    let _lonely = start_collector(lonely).await;

    // The ghost never reports: offline after its 200 ms interval's window.
    eventually("the fleet as declared", PATIENCE, || async {
        let s = healthmon(&url, &["summary", "--json"]).await.json();
        (s["total"] == 6 && s["online"] == 5 && s["offline"] == 1).then_some(())
    })
    .await;

    let page = healthmon(&url, &["sites", "--label", "region=eu-west", "--json"])
        .await
        .json();
    assert_eq!(ids(&page), ["sim-00001", "sim-00002"], "{page}");
    // Repeated, all must match; a comma list is the same.
    for line in [
        "sites --label region=eu-west --label tier=gold --json",
        "sites --label tier=gold,region=eu-west --json",
    ] {
        let page = healthmon(&url, &words(line)).await.json();
        assert_eq!(ids(&page), ["sim-00001"], "{line}: {page}");
    }
    // Declared labels win over those the site sends, key by key.
    let page = healthmon(&url, &["sites", "--label", "tier=silver", "--json"])
        .await
        .json();
    assert_eq!(ids(&page), ["lonely"], "{page}");
    assert_eq!(page["sites"][0]["labels"]["region"], "ap-south", "{page}");
    let table = healthmon(&url, &["sites", "--label", "region=nowhere"])
        .await
        .ok();
    assert_eq!(table, "no sites match\n");

    let json = healthmon(&url, &["summary", "--by", "region", "--json"])
        .await
        .json();
    assert_eq!(json["by"], "region");
    assert_eq!(json["total"], 6, "{json}");
    let groups = json["groups"].as_array().unwrap();
    let values: Vec<&Value> = groups.iter().map(|g| &g["value"]).collect();
    // Worst first: us-east has the offline ghost.
    assert_eq!(values[0], "us-east", "{json}");
    assert_eq!(
        (groups[0]["total"].as_u64(), groups[0]["offline"].as_u64()),
        (Some(2), Some(1))
    );

    let table = healthmon(&url, &["summary", "--by", "region"]).await.ok();
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines[0],
        [
            "REGION",
            "SITES",
            "ONLINE",
            "LATE",
            "OFFLINE",
            "UNKNOWN",
            "HEALTHY",
            "DEGRADED",
            "CRITICAL",
            "MAINTENANCE"
        ],
        "{table}"
    );
    assert_eq!(&lines[1][..5], ["us-east", "2", "1", "0", "1"], "{table}");
    let rest: Vec<&str> = lines[2..lines.len() - 1].iter().map(|l| l[0]).collect();
    assert_eq!(rest.len(), 3, "{table}");
    for want in ["eu-west", "ap-south", "(no"] {
        assert!(rest.contains(&want), "{want} in\n{table}");
    }
    assert_eq!(
        &lines.last().unwrap()[..5],
        ["(all)", "6", "5", "0", "1"],
        "{table}"
    );

    // By one label, among the sites of another.
    let json = healthmon(
        &url,
        &words("summary --by tier --label region=eu-west --json"),
    )
    .await
    .json();
    assert_eq!(json["total"], 2, "{json}");
    let groups: Vec<(Value, Value)> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["value"].clone(), g["total"].clone()))
        .collect();
    assert_eq!(groups.len(), 2, "{json}");
    assert!(
        groups.contains(&(Value::from("gold"), Value::from(1))),
        "{json}"
    );
    assert!(groups.contains(&(Value::Null, Value::from(1))), "{json}");
}
