//! Partitioning (docs/SCALING.md): the NATS server splits reports into N
//! partitions with a subject mapping, each partition runs its own aggregator
//! and assessor (`--partition i/N`), and the dashboard API
//! (`--partitions N`) shows them as one fleet.
//!
//! Everything is real and deployed as documented: the hub runs
//! `nats/hub.conf` with its `partitions` block (the mapping) and its
//! `leader-election` block (JetStream) switched on, every service logs in as
//! its own hub user (so the file's permissions for the partitioned subjects
//! and the KV lease are exercised, and any violation fails the test), sites
//! report through a leaf node running `nats/leaf.conf` or, for the
//! simulated fleet, straight to the hub as the demo user `sim`.

use std::collections::BTreeSet;
use std::time::Duration;

use async_nats::jetstream;
use futures::StreamExt;
use healthmon_assessor::leader::{self, BUCKET, DEFAULT_LEASE};
use healthmon_common::nats::NatsConfig;
use healthmon_e2e::recorder::Recorder;
use healthmon_e2e::secure::{Hub, SiteLogin, expect_refused_publish, start_leaf};
use healthmon_e2e::services::{
    Aggregator, Assessor, Collector, Dashboard, aggregator_config, assessor_config, base_url,
    collector_at, dashboard_config, simulator_config, start_aggregator, start_assessor,
    start_collector, start_dashboard,
};
use healthmon_proto::query::{SiteSummary, SortOrder, StatusPage, Summary};
use healthmon_proto::{Connectivity, HealthReport, Partition, StatusEvent, encode};
use healthmon_test_support::NatsServer;
use healthmon_test_support::eventually;
use serde_json::Value;

/// For things that normally take well under a second.
const PATIENCE: Duration = Duration::from_secs(15);
/// Report interval of every site: late after 450 ms, offline after 900 ms.
const INTERVAL: Duration = Duration::from_millis(300);
/// How long to keep watching for a duplicate event after the first one: a
/// second publisher's judgement of the same silence lands within
/// milliseconds.
const SETTLE: Duration = Duration::from_millis(1500);
/// A stopped leader hands its lease over at once (it deletes it); up to two
/// seconds on a loaded machine, including the stop itself.
const CLEAN_TAKEOVER: Duration = Duration::from_secs(2);
const PARTITIONS: u16 = 2;
/// Simulated sites (straight to the hub) plus two real sites behind leaf nodes.
const SIMULATED: usize = 28;
const SITES: usize = SIMULATED + 2;

fn partition(index: u16) -> Partition {
    Partition::new(u32::from(index), u32::from(PARTITIONS)).expect("a partition")
}

/// `user`'s settings for the services of partition `p`.
fn partition_config(hub: &Hub, user: &str, p: Partition) -> NatsConfig {
    let mut config = hub.nats_config(user, None);
    config.subjects = config.subjects.partitioned(p);
    config
}

async fn aggregator(hub: &Hub, p: Partition) -> Aggregator {
    start_aggregator(aggregator_config(partition_config(hub, "aggregator", p))).await
}

/// An assessor replica of partition `p`, electing a leader among the
/// replicas of its partition.
async fn assessor(hub: &Hub, p: Partition) -> Assessor {
    let mut config = assessor_config(partition_config(hub, "assessor", p));
    config.leader_lease = Some(DEFAULT_LEASE);
    start_assessor(config).await
}

async fn dashboard(hub: &Hub) -> (Dashboard, String) {
    let mut config = dashboard_config(hub.nats_config("dashboard", None));
    config.partitions = PARTITIONS;
    let dashboard = start_dashboard(config).await;
    let api = base_url(&dashboard);
    (dashboard, api)
}

/// A real collector for `site` behind its own leaf node (`nats/leaf.conf`,
/// logged in to the hub as the site's user).
async fn site_behind_leaf(hub: &Hub, site: &str) -> (NatsServer, Collector) {
    let leaf = start_leaf(hub, site, None);
    let collector = collector_at(&leaf.url(), site, INTERVAL).await;
    (leaf, collector)
}

/// The simulated fleet, publishing straight to the hub as the demo user.
async fn simulator(hub: &Hub) -> Collector {
    start_collector(simulator_config(
        hub.nats_config("sim", None),
        SIMULATED,
        INTERVAL,
    ))
    .await
}

/// The first of `candidates` that the server's mapping puts in `p`.
fn site_in(p: Partition, candidates: &[&'static str]) -> &'static str {
    candidates
        .iter()
        .copied()
        .find(|site| p.holds(site))
        .expect("a candidate site in the partition")
}

async fn get(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http.get(url).send().await.expect("the API answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A NATS micro request as user ops (what `nats req` does), decoded.
async fn ask<T: serde::de::DeserializeOwned>(
    ops: &async_nats::Client,
    subject: &str,
    body: &str,
) -> T {
    let reply = tokio::time::timeout(
        PATIENCE,
        ops.request(subject.to_owned(), body.to_owned().into()),
    )
    .await
    .unwrap_or_else(|_| panic!("{subject} answers in time"))
    .unwrap_or_else(|e| panic!("{subject} answers: {e}"));
    serde_json::from_slice(&reply.payload)
        .unwrap_or_else(|e| panic!("{subject}: {e}: {:?}", reply.payload))
}

fn ids(rows: &[SiteSummary]) -> Vec<String> {
    rows.iter().map(|r| r.site_id.clone()).collect()
}

/// The rows of one API page.
async fn page(http: &reqwest::Client, api: &str, query: &str) -> (u64, Vec<SiteSummary>) {
    let (status, body) = get(http, &format!("{api}/api/v1/sites?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    let rows: Vec<SiteSummary> =
        serde_json::from_value(body["sites"].clone()).expect("rows of the contract");
    (body["total"].as_u64().expect("total"), rows)
}

/// The whole list through the API in pages of `size`, concatenated.
async fn paged(http: &reqwest::Client, api: &str, sort: &str, size: usize) -> Vec<String> {
    let mut all = Vec::new();
    for offset in (0..SITES + size).step_by(size) {
        let (total, rows) = page(
            http,
            api,
            &format!("sort={sort}&limit={size}&offset={offset}"),
        )
        .await;
        assert_eq!(total, SITES as u64);
        assert!(rows.len() <= size);
        all.extend(ids(&rows));
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_partitions_are_one_fleet_through_the_dashboard_api() {
    let [p0, p1] = [partition(0), partition(1)];
    // Two real sites, one per partition, each behind its own leaf node.
    let quiet = site_in(p0, &["plant-a", "plant-b", "plant-c", "plant-d", "plant-e"]);
    let steady = site_in(p1, &["plant-a", "plant-b", "plant-c", "plant-d", "plant-e"]);
    let hub = Hub::start_partitioned(
        &[(quiet, SiteLogin::Password), (steady, SiteLogin::Password)],
        PARTITIONS,
    );
    let (ops, _) = hub.login("ops").await;
    let log = Recorder::<StatusEvent>::on(ops.clone(), "health.status.*").await;

    let _aggregator0 = aggregator(&hub, p0).await;
    let mut aggregator1 = aggregator(&hub, p1).await;
    // Two replicas in partition 0, electing one publisher between them: the
    // first leads before the second starts.
    let (as_assessor, _) = hub.login("assessor").await;
    let js = jetstream::new(as_assessor);
    let mut first0 = assessor(&hub, p0).await;
    let store = eventually("the lease bucket", PATIENCE, || async {
        js.get_key_value(BUCKET).await.ok()
    })
    .await;
    let lease = |p: Partition| {
        let store = store.clone();
        async move { store.get(leader::key(Some(p))).await.ok().flatten() }
    };
    let first_id = eventually("the first replica of p0 to lead", PATIENCE, || lease(p0)).await;
    let _second0 = assessor(&hub, p0).await;
    let _assessor1 = assessor(&hub, p1).await;
    let (_dashboard, api) = dashboard(&hub).await;
    let _sim = simulator(&hub).await;
    let (_leaf_q, mut quiet_collector) = site_behind_leaf(&hub, quiet).await;
    let (_leaf_s, _steady_collector) = site_behind_leaf(&hub, steady).await;
    let mut expected: BTreeSet<String> = (1..=SIMULATED).map(|i| format!("sim-{i:05}")).collect();
    expected.extend([quiet.to_owned(), steady.to_owned()]);

    let http = reqwest::Client::new();
    eventually("every site online through the API", PATIENCE, || async {
        let (status, s) = get(&http, &format!("{api}/api/v1/summary")).await;
        (status == 200 && s["total"] == SITES && s["online"] == SITES).then_some(())
    })
    .await;

    // Each partition's aggregator holds a disjoint, non-empty part, exactly
    // the sites the server's mapping puts there, and the parts add up.
    let mut parts: Vec<BTreeSet<String>> = Vec::new();
    let mut summaries: Vec<Summary> = Vec::new();
    for p in [p0, p1] {
        let summary: Summary = ask(&ops, &format!("health.agg.{}.summary", p.index()), "").await;
        let page: healthmon_proto::query::SitePage = ask(
            &ops,
            &format!("health.agg.{}.list", p.index()),
            r#"{"sort": "site_id", "limit": 1000}"#,
        )
        .await;
        let held: BTreeSet<String> = ids(&page.sites).into_iter().collect();
        assert_eq!(summary.total, held.len());
        assert!(!held.is_empty(), "partition {p} holds no site");
        for site in &held {
            assert!(
                p.holds(site),
                "{site} is in partition {p}, the mapping's hash says {}",
                Partition::of_site(site, PARTITIONS)
            );
        }
        parts.push(held);
        summaries.push(summary);
    }
    assert!(parts[0].is_disjoint(&parts[1]), "partitions overlap");
    let union: BTreeSet<String> = parts[0].union(&parts[1]).cloned().collect();
    assert_eq!(union, expected);
    assert!(parts[0].contains(quiet) && parts[1].contains(steady));

    // The API's summary is the sum; every site is listed once and answers GET.
    let (_, summary) = get(&http, &format!("{api}/api/v1/summary")).await;
    let summary: Summary = serde_json::from_value(summary).expect("a summary");
    let sum = summaries.iter().fold(Summary::default(), |mut sum, part| {
        sum.add(part);
        sum
    });
    assert_eq!(summary, sum);
    let (total, rows) = page(&http, &api, "limit=1000").await;
    assert_eq!(total, SITES as u64);
    let listed = ids(&rows);
    assert_eq!(listed.len(), SITES, "every site exactly once: {listed:?}");
    assert_eq!(listed.iter().cloned().collect::<BTreeSet<_>>(), expected);
    for site in &expected {
        let (status, body) = get(&http, &format!("{api}/api/v1/sites/{site}")).await;
        assert_eq!(
            (status, body["site_id"].as_str()),
            (200, Some(site.as_str()))
        );
    }
    let (status, _) = get(&http, &format!("{api}/api/v1/sites/nowhere")).await;
    assert_eq!(status, 404, "a site no partition holds");

    // Each partition's replicas hold their own lease: both partitions lead
    // at once, and partition 0's leader is still the first replica.
    let leader1 = eventually("a leader of partition 1", PATIENCE, || lease(p1)).await;
    assert_ne!(leader1, first_id);
    assert_eq!(lease(p0).await, Some(first_id.clone()));

    // The leader of partition 0 stops: its other replica takes over at once
    // (through the KV watch, with hub.conf's permissions).
    let stopping = std::time::Instant::now();
    first0.stop().await;
    let second_id = eventually("the second replica of p0 to lead", PATIENCE, || async {
        lease(p0).await.filter(|id| *id != first_id)
    })
    .await;
    let takeover = stopping.elapsed();
    assert!(
        takeover <= CLEAN_TAKEOVER,
        "{second_id:?} took over {takeover:?} after the leader stopped"
    );

    // `nats micro info`: every instance says which partition it serves.
    let mut served = BTreeSet::new();
    for service in ["healthmon-aggregator", "healthmon-assessor"] {
        let inbox = ops.new_inbox();
        let mut replies = ops.subscribe(inbox.clone()).await.expect("inbox");
        ops.publish_with_reply(format!("$SRV.INFO.{service}"), inbox, "".into())
            .await
            .expect("info request");
        while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(1), replies.next()).await
        {
            let info: Value = serde_json::from_slice(&msg.payload).expect("info JSON");
            served.insert(format!("{service} {}", info["metadata"]["partition"]));
        }
    }
    assert_eq!(
        served.into_iter().collect::<Vec<_>>(),
        [
            r#"healthmon-aggregator "0/2""#,
            r#"healthmon-aggregator "1/2""#,
            r#"healthmon-assessor "0/2""#,
            r#"healthmon-assessor "1/2""#,
        ]
    );

    // Some variety for the order: sites under maintenance in both partitions.
    let in_maintenance: Vec<String> = vec![
        parts[0]
            .iter()
            .find(|s| s.starts_with("sim"))
            .cloned()
            .expect("a sim site in p0"),
        parts[1]
            .iter()
            .find(|s| s.starts_with("sim"))
            .cloned()
            .expect("a sim site in p1"),
        parts[1]
            .iter()
            .rev()
            .find(|s| s.starts_with("sim"))
            .cloned()
            .expect("another in p1"),
    ];
    for site in &in_maintenance {
        let response = http
            .put(format!("{api}/api/v1/sites/{site}/maintenance"))
            .send()
            .await
            .expect("maintenance answered");
        assert_eq!(response.status().as_u16(), 200, "maintenance of {site}");
    }

    // A silenced site goes offline with exactly one event of each kind,
    // from its own partition's (elected) assessor.
    quiet_collector.stop().await;
    eventually(&format!("{quiet} offline in the API"), PATIENCE, || async {
        let (_, site) = get(&http, &format!("{api}/api/v1/sites/{quiet}")).await;
        (site["connectivity"] == "offline").then_some(())
    })
    .await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(log.count(quiet, Connectivity::Late), 1, "one late event");
    assert_eq!(
        log.count(quiet, Connectivity::Offline),
        1,
        "one offline event"
    );
    for p in [p0, p1] {
        let statuses: StatusPage =
            ask(&ops, &format!("health.assessor.{}.statuses", p.index()), "").await;
        let judged = statuses.items.iter().any(|row| row.site_id == quiet);
        assert_eq!(
            judged,
            p == p0,
            "only partition {p0}'s assessor judges {quiet}"
        );
    }

    // Sorting and paging across partitions match one ordering: the merged
    // list is in the aggregator's order (offline first, maintenance last),
    // and pages of 7 put together are that list.
    let (_, rows) = page(&http, &api, "limit=1000").await;
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| SortOrder::Severity.compare(a, b));
    assert_eq!(
        ids(&rows),
        ids(&sorted),
        "the merged list is in severity order"
    );
    assert_eq!(rows[0].site_id, quiet, "the offline site first");
    let mut last: Vec<String> = ids(&rows[SITES - 3..]);
    last.sort();
    let mut expected_last = in_maintenance.clone();
    expected_last.sort();
    assert_eq!(last, expected_last, "sites under maintenance last");
    assert_eq!(paged(&http, &api, "severity", 7).await, ids(&rows));
    let by_id = paged(&http, &api, "site_id", 7).await;
    assert_eq!(by_id, expected.iter().cloned().collect::<Vec<_>>());
    let (total, offline) = page(&http, &api, "connectivity=offline").await;
    assert_eq!((total, ids(&offline)), (1, vec![quiet.to_owned()]));

    // One partition's aggregator gone: the API refuses rather than show half
    // a fleet, and says which partition is missing.
    aggregator1.stop().await;
    for path in ["/api/v1/summary", "/api/v1/sites"] {
        let (status, body) = get(&http, &format!("{api}{path}")).await;
        assert_eq!(status, 503, "{path}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("partition 1/2"), "{path}: {message}");
    }
    let (status, _) = get(&http, &format!("{api}/api/v1/sites/{steady}")).await;
    assert_eq!(status, 503, "a site of the missing partition");
    let (status, _) = get(&http, &format!("{api}/api/v1/sites/{quiet}")).await;
    assert_eq!(status, 200, "a site of the partition still there");

    let log_text = hub.server.log_text();
    assert!(
        !log_text.contains("Violation"),
        "the hub refused something a service needed:\n{log_text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_through_a_leaf_node_is_mapped_into_its_partition_at_the_hub() {
    const N: u16 = 3;
    let hub = Hub::start_partitioned(
        &[
            ("plant-l", SiteLogin::Password),
            ("plant-d", SiteLogin::Password),
        ],
        N,
    );
    let (ops, _) = hub.login("ops").await;
    let mut reports = ops.subscribe("health.report.>").await.expect("subscribe");
    ops.flush().await.expect("flush");
    let home = Partition::new(u32::from(Partition::of_site("plant-l", N)), u32::from(N))
        .expect("a partition");
    let mut aggregators = Vec::new();
    for p in Partition::all(u32::from(N)).expect("partitions") {
        aggregators.push(aggregator(&hub, p).await);
    }

    // The site's leaf node (nats/leaf.conf) logs in as the site's user,
    // allowed only `health.report.plant-l`: the hub maps what arrives
    // through it, and checks the permission on the subject as published.
    let leaf = start_leaf(&hub, "plant-l", None);
    let local = async_nats::connect(format!("nats://127.0.0.1:{}", leaf.port()))
        .await
        .expect("a local client of the leaf node");
    // Until the leaf link is up (and the hub's interest has reached the
    // leaf), a report published there goes nowhere: send until one arrives.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut seq = 0;
    let arrived = loop {
        seq += 1;
        let mut report = HealthReport::new("plant-l", "leaf-test", seq);
        report.sent_at_ms = healthmon_common::clock::now_ms();
        report.interval_ms = 60_000;
        local
            .publish("health.report.plant-l", encode(&report).into())
            .await
            .expect("publish on the leaf node");
        local.flush().await.expect("flush");
        if let Ok(Some(msg)) =
            tokio::time::timeout(Duration::from_millis(200), reports.next()).await
        {
            break msg.subject.to_string();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no report through the leaf node reached the hub within {PATIENCE:?}"
        );
    };
    assert_eq!(arrived, format!("health.report.{}.plant-l", home.index()));
    for p in Partition::all(u32::from(N)).expect("partitions") {
        let subject = format!("health.agg.{}.get", p.index());
        let holds = eventually(&format!("{subject} to settle"), PATIENCE, || async {
            let reply = ops
                .request(subject.clone(), r#"{"site_id": "plant-l"}"#.into())
                .await
                .ok()?;
            let not_found = reply
                .headers
                .as_ref()
                .and_then(|h| h.get("Nats-Service-Error-Code"))
                .is_some_and(|code| code.as_str() == "404");
            // The home partition must come to hold it; the others never do.
            (p != home || !not_found).then_some(!not_found)
        })
        .await;
        assert_eq!(holds, p == home, "{subject}");
    }

    // Straight to the hub, nats-server 2.15 checks the *mapped* subject:
    // a site user allowed `health.report.plant-d` is refused, which is why
    // hub.conf documents `health.report.<i>.<site>` for such sites.
    let (direct, mut errors) = hub.login("site-plant-d").await;
    direct
        .publish("health.report.plant-d", "x".into())
        .await
        .expect("publish");
    let mapped = format!("health.report.{}.plant-d", Partition::of_site("plant-d", N));
    expect_refused_publish(&mut errors, &mapped).await;
}
