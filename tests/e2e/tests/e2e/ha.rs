//! High availability (docs/SCALING.md): aggregator replicas answering as one
//! NATS micro queue group, assessor replicas electing one publisher through
//! a JetStream KV lease, and a three-server NATS cluster with sites behind a
//! leaf node losing one server at a time. Every part is real: nats-server
//! processes (with JetStream where the lease needs it), the services
//! in-process, the dashboard API over HTTP.
//!
//! Tolerances are named constants with the reason for their size: these
//! tests must hold on a loaded 2-core machine.

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, kv};

use healthmon_assessor::leader::{BUCKET, DEFAULT_LEASE, KEY};
use healthmon_e2e::ha::{QueryLoad, micro_requests, status_log};
use healthmon_e2e::proxy::Proxy;
use healthmon_e2e::recorder::Recorder;
use healthmon_e2e::services::{
    Assessor, Collector, aggregator_at, assessor_at, collector_at, dashboard_at, simulator_at,
};
use healthmon_proto::Connectivity::{Late, Offline, Online};
use healthmon_proto::StatusEvent;
use healthmon_test_support::{
    Cluster, NatsServer, eventually, start_jetstream, wait_for_leaf_link,
};

/// For things that normally take well under a second.
const PATIENCE: Duration = Duration::from_secs(10);
/// Collector interval in the single-server tests: offline after 900 ms.
const INTERVAL: Duration = Duration::from_millis(300);
/// How long to keep watching for a duplicate event after the first one: a
/// follower's judgement of the same silence lands within milliseconds.
const SETTLE: Duration = Duration::from_millis(1500);
/// A stopped leader hands over at once (it deletes its lease); a dead one
/// after the lease expires and a follower's next try (a third of the lease).
/// Up to two seconds for a clean handover on a loaded machine (it includes
/// the stop itself); one on top of the lease for a dead leader.
const CLEAN_TAKEOVER: Duration = Duration::from_secs(2);
const SLACK: Duration = Duration::from_secs(1);
const SITES: u64 = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregator_replicas_answer_as_one_queue_group_and_losing_one_loses_no_query() {
    let nats = NatsServer::start();
    let url = nats.url();
    // One replica reaches NATS through a relay: cutting it is a hard kill
    // (the process vanishes, its sockets close), not a clean stop.
    let relay = Proxy::start(nats.port()).await;
    let _killed = aggregator_at(&relay.url()).await;
    let mut stopped = aggregator_at(&url).await;
    let _survivor = aggregator_at(&url).await;
    let _sim = simulator_at(&url, SITES as usize, INTERVAL).await;
    let (_dashboard, api) = dashboard_at(&url).await;

    // Every replica subscribes to every report: wait until a run of
    // answers (spread over the replicas) all show the whole fleet.
    let http = reqwest::Client::new();
    eventually("every replica to hold every site", PATIENCE, || async {
        for _ in 0..30 {
            let body = summary(&http, &api).await?;
            (body["total"] == SITES).then_some(())?;
        }
        Some(())
    })
    .await;

    let load = QueryLoad::start(&api, SITES, Duration::from_millis(5));
    let client = nats.client().await;
    // `nats micro stats healthmon-aggregator`: three instances, all serving.
    let served = eventually("all three replicas to serve queries", PATIENCE, || async {
        let counts = micro_requests(&client, "healthmon-aggregator", 3).await;
        (counts.len() == 3 && counts.iter().all(|n| *n > 0)).then_some(counts)
    })
    .await;

    let wait_more = |n: u64| {
        let target = load.ok() + n;
        let ok = load.ok.clone();
        eventually("more answered queries", PATIENCE, move || {
            let ok = ok.clone();
            async move { (ok.load(std::sync::atomic::Ordering::Relaxed) >= target).then_some(()) }
        })
    };
    stopped.stop().await;
    wait_more(100).await;
    relay.cut();
    wait_more(100).await;
    let instances = micro_requests(&client, "healthmon-aggregator", 3).await;
    let (answered, failures) = load.finish().await;

    assert!(
        failures.is_empty(),
        "{} of {} queries failed while replicas went away: {:?}",
        failures.len(),
        answered + failures.len() as u64,
        failures.iter().map(|(_, e)| e).take(5).collect::<Vec<_>>()
    );
    assert_eq!(instances.len(), 1, "one replica left, answering alone");
    eprintln!("requests per replica before the loss: {served:?}; {answered} queries, none failed");
}

/// The lease as `nats kv get healthmon_assessor_leader leader` shows it.
async fn lease_holder(store: &kv::Store) -> Option<String> {
    let value = store.get(KEY).await.ok()??;
    Some(String::from_utf8_lossy(&value).into_owned())
}

async fn lease_store(nats: &NatsServer) -> kv::Store {
    let js = jetstream::new(nats.client().await);
    eventually("the lease bucket", PATIENCE, || async {
        js.get_key_value(BUCKET).await.ok()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assessor_replicas_announce_each_change_once_and_a_stopped_leader_hands_over() {
    let nats = start_jetstream();
    let url = nats.url();
    let log = status_log(&url).await;
    let _aggregator = aggregator_at(&url).await;
    let mut first = assessor_at(&url, Some(DEFAULT_LEASE)).await;
    let mut f = Follower::join(&nats, &log).await;

    f.a.stop().await;
    announced_once(&log, "site-a", "one event each from two replicas").await;

    let stopping = Instant::now();
    first.stop().await;
    let second_id = new_leader(&f.store, &f.first_id).await;
    let takeover = stopping.elapsed();
    assert!(
        takeover <= CLEAN_TAKEOVER,
        "{second_id} took over {takeover:?} after the leader stopped"
    );

    f.b.stop().await;
    announced_once(&log, "site-b", "the new leader announces once").await;
    // Nothing already announced was announced again at the takeover.
    assert_eq!(log.count("site-a", Offline), 1);
    assert_eq!(log.count("site-a", Online), 1);
    assert_eq!(log.count("site-b", Online), 1);
    eprintln!("clean takeover after {takeover:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assessor_leader_cut_off_steps_down_and_the_follower_takes_over_within_the_lease() {
    let nats = start_jetstream();
    let url = nats.url();
    let relay = Proxy::start(nats.port()).await;
    let log = status_log(&url).await;
    let _aggregator = aggregator_at(&url).await;
    let _first = assessor_at(&relay.url(), Some(DEFAULT_LEASE)).await;
    let mut f = Follower::join(&nats, &log).await;

    // The leader's link is cut: it can neither renew nor publish. Its lease
    // must expire and the follower take over, within lease + a third + slack.
    let cut = Instant::now();
    relay.cut();
    let second_id = new_leader(&f.store, &f.first_id).await;
    let takeover = cut.elapsed();
    assert!(
        takeover <= DEFAULT_LEASE + DEFAULT_LEASE / 3 + SLACK,
        "{second_id} took over {takeover:?} after the leader was cut off"
    );
    f.b.stop().await;
    announced_offline(&log, "site-b").await;

    // The old leader comes back and must follow, not publish too.
    relay.restore();
    tokio::time::sleep(DEFAULT_LEASE).await;
    assert_eq!(
        lease_holder(&f.store).await.as_deref(),
        Some(second_id.as_str())
    );
    f.a.stop().await;
    announced_once(&log, "site-a", "one publisher after the link healed").await;
    assert_eq!(log.count("site-b", Offline), 1);
    eprintln!("takeover {takeover:?} after the leader's link was cut");
}

/// The fleet summary, if the dashboard API answers with one.
async fn summary(http: &reqwest::Client, api: &str) -> Option<serde_json::Value> {
    http.get(format!("{api}/api/v1/summary"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()
}

/// Waits until each of `sites` has been announced online once.
async fn announced_online(log: &Recorder<StatusEvent>, sites: &[&str]) {
    eventually("every site online", PATIENCE, || async {
        sites
            .iter()
            .all(|site| log.count(site, Online) == 1)
            .then_some(())
    })
    .await;
}

/// Waits until `site` has been announced offline (by any replica).
async fn announced_offline(log: &Recorder<StatusEvent>, site: &str) {
    eventually(&format!("{site} offline"), PATIENCE, || async {
        (log.count(site, Offline) >= 1).then_some(())
    })
    .await;
}

/// What the assessor HA tests add once the first replica runs: the lease
/// bucket and who holds it, a second replica (the follower), and sites a
/// and b reporting, both announced online.
struct Follower {
    store: kv::Store,
    first_id: String,
    /// Kept running: the replica that takes over.
    _second: Assessor,
    a: Collector,
    b: Collector,
}

impl Follower {
    async fn join(nats: &NatsServer, log: &Recorder<StatusEvent>) -> Self {
        let url = nats.url();
        let store = lease_store(nats).await;
        let first_id = leader(&store).await;
        let _second = assessor_at(&url, Some(DEFAULT_LEASE)).await;
        let a = collector_at(&url, "site-a", INTERVAL).await;
        let b = collector_at(&url, "site-b", INTERVAL).await;
        announced_online(log, &["site-a", "site-b"]).await;
        Follower {
            store,
            first_id,
            _second,
            a,
            b,
        }
    }
}

/// Waits for `site` to go offline, then as long again as a duplicate
/// event would take: one late and one offline event, however many replicas.
async fn announced_once(log: &Recorder<StatusEvent>, site: &str, why: &str) {
    announced_offline(log, site).await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(log.count(site, Offline), 1, "offline: {why}");
    assert_eq!(log.count(site, Late), 1, "late: {why}");
}

/// The replica holding the lease, once one does.
async fn leader(store: &kv::Store) -> String {
    eventually("the first replica to lead", PATIENCE, || {
        lease_holder(store)
    })
    .await
}

/// The replica that took the lease over from `before`.
async fn new_leader(store: &kv::Store, before: &str) -> String {
    eventually("the follower to take the lease", PATIENCE, || async {
        lease_holder(store).await.filter(|id| id != before)
    })
    .await
}

/// Interval of the cluster test's sites: late after 3 s, offline after 6 s,
/// far longer than a leaf node's redial (1 s) plus a client's reconnect.
const CLUSTER_INTERVAL: Duration = Duration::from_secs(2);
/// How long each server stays down while sites and queries are watched:
/// past the late threshold of a site whose report was lost at the kill.
const DOWN_FOR: Duration = Duration::from_millis(4000);
/// Queries may fail while the dashboard API's own connection moves to
/// another server (it redials at once; a second on a loaded machine).
const RECONNECT_GRACE: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_server_cluster_loses_each_server_in_turn_and_no_site_goes_offline() {
    let mut cluster = Cluster::start();
    cluster.wait_formed(PATIENCE).await;
    let leaf = cluster.start_leaf();
    for server in &cluster.servers {
        wait_for_leaf_link(&leaf, server, PATIENCE).await;
    }
    let urls = cluster.urls();
    let log = status_log(&urls).await;
    let _aggregators = (aggregator_at(&urls).await, aggregator_at(&urls).await);
    let _assessor = assessor_at(&urls, None).await;
    let (_dashboard, api) = dashboard_at(&urls).await;
    // The sites talk to their local leaf node only.
    let _sim = simulator_at(&leaf.url(), SITES as usize, CLUSTER_INTERVAL).await;
    eventually("every site online", PATIENCE, || async {
        (log.count_any(&[Online]) == SITES as usize).then_some(())
    })
    .await;

    let load = QueryLoad::start(&api, SITES, Duration::from_millis(20));
    let mut kills = Vec::new();
    for i in 0..cluster.servers.len() {
        let answered = load.ok();
        kills.push(Instant::now());
        cluster.servers[i].kill();
        tokio::time::sleep(DOWN_FOR).await;
        assert!(
            load.ok() > answered,
            "queries answered while server {i} was down"
        );
        cluster.servers[i].restart();
        cluster.wait_formed(PATIENCE).await;
        for server in &cluster.servers {
            wait_for_leaf_link(&leaf, server, PATIENCE).await;
        }
    }
    let (answered, failures) = load.finish().await;

    let start = kills[0];
    let bad: Vec<String> = log
        .all()
        .into_iter()
        .filter(|(_, e)| e.connectivity == Offline)
        .map(|(at, e)| {
            format!(
                "{} {} at +{:?}",
                e.site_id,
                e.connectivity,
                at.saturating_duration_since(start)
            )
        })
        .collect();
    let kill_times: Vec<_> = kills.iter().map(|k| k.duration_since(start)).collect();
    assert!(
        bad.is_empty(),
        "sites went offline (servers killed at {kill_times:?}): {bad:?}"
    );
    // A report sent while the leaf node redials is lost, so a site may be
    // late for one interval; it must be online again by the end.
    let late = log.count_any(&[Late]);
    let http = reqwest::Client::new();
    eventually("every site online again", PATIENCE, || async {
        let body = summary(&http, &api).await?;
        (body["online"] == SITES).then_some(())
    })
    .await;
    let outside_grace: Vec<_> = failures
        .iter()
        .filter(|(at, _)| {
            !kills
                .iter()
                .any(|k| *at >= *k && at.duration_since(*k) <= RECONNECT_GRACE)
        })
        .collect();
    assert!(
        outside_grace.is_empty(),
        "queries failed outside the reconnect window: {outside_grace:?}"
    );
    eprintln!(
        "{late} late events; {answered} queries answered, {} failed during reconnects: {:?}",
        failures.len(),
        failures.iter().map(|(_, e)| e).take(3).collect::<Vec<_>>()
    );
}
