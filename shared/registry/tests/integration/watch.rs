//! Every replica's copy: loaded at start, live after, through outages.

use std::sync::Arc;
use std::time::Duration;

use healthmon_common::CancellationToken;
use healthmon_proto::Partition;
use healthmon_registry::{Change, Registry, RegistryConfig, SiteRecord, Source};
use healthmon_test_support::fixtures::maintenance;
use healthmon_test_support::{NatsServer, eventually, start_jetstream};
use tokio::sync::mpsc;

const PATIENCE: Duration = Duration::from_secs(10);

async fn registry(server: &NatsServer) -> Arc<Registry> {
    Arc::new(Registry::new(
        server.client().await,
        RegistryConfig::default(),
    ))
}

async fn next(changes: &mut mpsc::Receiver<Change>) -> Change {
    tokio::time::timeout(PATIENCE, changes.recv())
        .await
        .expect("a change in time")
        .expect("the watch runs")
}

#[tokio::test]
async fn a_watch_delivers_everything_present_then_loaded_then_each_write() {
    let server = start_jetstream();
    let reg = registry(&server).await;
    for id in ["a", "b", "c"] {
        reg.put_site(id, &SiteRecord::declared(1, Source::Roster))
            .await
            .unwrap();
    }
    reg.set_maintenance("b", &maintenance("alice"))
        .await
        .unwrap();
    // Garbage put by hand is skipped, not fatal.
    reg.store()
        .await
        .unwrap()
        .put("site.d", "not json".into())
        .await
        .unwrap();

    let stop = CancellationToken::new();
    let (mut changes, availability, _task) =
        healthmon_registry::watch::spawn(reg.clone(), None, stop.clone());
    let mut first = Vec::new();
    loop {
        match next(&mut changes).await {
            Change::Loaded => break,
            change => first.push(change),
        }
    }
    assert_eq!(first.len(), 4, "{first:?}");
    assert!(availability.borrow().available && availability.borrow().loaded);

    reg.clear_maintenance("b").await.unwrap();
    assert_eq!(
        next(&mut changes).await,
        Change::Maintenance("b".into(), None)
    );
    stop.cancel();
}

#[tokio::test]
async fn an_empty_bucket_is_loaded_at_once() {
    let server = start_jetstream();
    let reg = registry(&server).await;
    let (mut changes, _, _task) =
        healthmon_registry::watch::spawn(reg.clone(), None, CancellationToken::new());
    assert_eq!(next(&mut changes).await, Change::Loaded);
    reg.put_site("a", &SiteRecord::declared(1, Source::Api))
        .await
        .unwrap();
    assert!(matches!(next(&mut changes).await, Change::Site(id, Some(_)) if id == "a"));
}

#[tokio::test]
async fn a_partition_hears_only_its_own_sites() {
    let server = start_jetstream();
    let reg = registry(&server).await;
    let ids: Vec<String> = (0..20).map(|i| format!("site-{i}")).collect();
    for id in &ids {
        reg.put_site(id, &SiteRecord::declared(1, Source::Roster))
            .await
            .unwrap();
    }
    let p = Partition::new(1, 3).unwrap();
    let (mut changes, _, _task) =
        healthmon_registry::watch::spawn(reg.clone(), Some(p), CancellationToken::new());
    let mut heard = Vec::new();
    loop {
        match next(&mut changes).await {
            Change::Loaded => break,
            Change::Site(id, _) => heard.push(id),
            other => panic!("{other:?}"),
        }
    }
    let want: Vec<String> = ids.into_iter().filter(|id| p.holds(id)).collect();
    assert!(!want.is_empty());
    assert_eq!(heard, want);
}

#[tokio::test]
async fn the_watch_says_when_the_registry_is_gone_and_catches_up_when_it_is_back() {
    let mut server = start_jetstream();
    let reg = registry(&server).await;
    reg.put_site("a", &SiteRecord::declared(1, Source::Roster))
        .await
        .unwrap();
    let (mut changes, availability, _task) =
        healthmon_registry::watch::spawn(reg.clone(), None, CancellationToken::new());
    assert!(matches!(next(&mut changes).await, Change::Site(..)));
    assert_eq!(next(&mut changes).await, Change::Loaded);

    server.kill();
    eventually("the registry reported unavailable", PATIENCE, || async {
        (!availability.borrow().available).then_some(())
    })
    .await;
    assert!(availability.borrow().error.is_some());

    // Back, with its store: writes made by another replica reach this one.
    server.restart();
    let other = registry(&server).await;
    eventually("a write after the restart", PATIENCE, || async {
        other.set_maintenance("a", &maintenance("carol")).await.ok()
    })
    .await;
    loop {
        match next(&mut changes).await {
            Change::Maintenance(id, Some(m)) if id == "a" => {
                assert_eq!(m.by, "carol");
                break;
            }
            _ => continue,
        }
    }
    assert!(availability.borrow().available);
}
