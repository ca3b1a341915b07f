//! The writes each party makes, as JetStream sees them.

use std::sync::Arc;
use std::time::Duration;

use healthmon_registry::{
    Ack, Maintenance, Registry, RegistryConfig, RegistryError, SiteRecord, Source,
};
use healthmon_test_support::fixtures::maintenance;
use healthmon_test_support::{NatsServer, eventually, start_jetstream};

const PATIENCE: Duration = Duration::from_secs(10);

async fn registry(server: &NatsServer) -> Registry {
    Registry::new(server.client().await, RegistryConfig::default())
}

#[tokio::test]
async fn a_site_registers_once_and_updates_are_checked_against_concurrent_writers() {
    let server = start_jetstream();
    let reg = Arc::new(registry(&server).await);
    let record = SiteRecord::declared(10, Source::Report);
    assert!(reg.register("plant-1", &record).await.unwrap());
    assert!(
        !reg.register("plant-1", &record).await.unwrap(),
        "already there"
    );
    assert_eq!(reg.site("plant-1").await.unwrap(), Some(record));

    // Ten writers each add their own label: none is lost to a race.
    let writers: Vec<_> = (0..10)
        .map(|i| {
            let reg = reg.clone();
            tokio::spawn(async move {
                reg.update_site("plant-1", |r| {
                    let mut r = r?;
                    r.labels.insert(format!("w{i}"), "x".into());
                    Some(r)
                })
                .await
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap().unwrap();
    }
    let labels = reg.site("plant-1").await.unwrap().unwrap().labels;
    assert_eq!(labels.len(), 10, "{labels:?}");
}

#[tokio::test]
async fn bad_values_are_refused_before_anything_is_written() {
    let server = start_jetstream();
    let reg = registry(&server).await;
    let mut record = SiteRecord::declared(10, Source::Api);
    record.labels.insert("Bad Key".into(), "x".into());
    assert!(matches!(
        reg.put_site("plant-1", &record).await,
        Err(RegistryError::Invalid(_))
    ));
    assert_eq!(reg.site("plant-1").await.unwrap(), None);
}

#[tokio::test]
async fn forget_removes_the_site_and_everything_decided_about_it() {
    let server = start_jetstream();
    let reg = registry(&server).await;
    reg.put_site("plant-1", &SiteRecord::declared(1, Source::Roster))
        .await
        .unwrap();
    reg.set_maintenance(
        "plant-1",
        &Maintenance {
            reason: Some("swap".into()),
            ..maintenance("alice")
        },
    )
    .await
    .unwrap();
    reg.set_ack(
        "plant-1",
        &Ack {
            at_ms: 2,
            by: "bob".into(),
            note: String::new(),
            connectivity: healthmon_proto::Connectivity::Offline,
            health: healthmon_proto::Health::Healthy,
            since_ms: 1,
        },
    )
    .await
    .unwrap();
    reg.forget("plant-1").await.unwrap();
    assert_eq!(reg.site("plant-1").await.unwrap(), None);
    let store = reg.store().await.unwrap();
    for key in ["site.plant-1", "maintenance.plant-1", "ack.plant-1"] {
        assert_eq!(store.get(key).await.unwrap(), None, "{key}");
    }
}

#[tokio::test]
async fn without_jetstream_every_write_says_the_registry_is_unavailable() {
    let server = NatsServer::start();
    let reg = registry(&server).await;
    let err = reg
        .put_site("plant-1", &SiteRecord::declared(1, Source::Api))
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::Unavailable { .. }), "{err}");
    assert!(err.to_string().contains("healthmon_sites"), "{err}");
}

#[tokio::test]
async fn sites_reads_every_record_at_once_and_names_the_unreadable() {
    let server = start_jetstream();
    let reg = registry(&server).await;
    assert!(
        reg.sites().await.unwrap().records.is_empty(),
        "empty bucket"
    );
    // Only other kinds of keys: still no sites, and no waiting for one.
    reg.set_maintenance("plant-9", &maintenance("alice"))
        .await
        .unwrap();
    assert!(reg.sites().await.unwrap().records.is_empty());

    let mut record = SiteRecord::declared(1, Source::Roster);
    record.labels.insert("region".into(), "eu".into());
    for i in 0..300 {
        reg.put_site(&format!("plant-{i:03}"), &record)
            .await
            .unwrap();
    }
    reg.forget("plant-007").await.unwrap();
    // Rewritten: only its current value counts.
    record.labels.insert("region".into(), "us".into());
    reg.put_site("plant-001", &record).await.unwrap();
    let store = reg.store().await.unwrap();
    store.put("site.broken", "not json".into()).await.unwrap();
    store.put("other.key", "ignored".into()).await.unwrap();

    let sites = reg.sites().await.unwrap();
    assert_eq!(sites.records.len(), 299);
    assert!(!sites.records.contains_key("plant-007"));
    assert_eq!(sites.records["plant-001"].labels["region"], "us");
    assert_eq!(sites.records["plant-002"].labels["region"], "eu");
    assert_eq!(sites.unreadable.len(), 1);
    assert_eq!(sites.unreadable[0].0, "site.broken");
}

#[tokio::test]
async fn without_jetstream_reading_the_sites_names_the_bucket() {
    let server = NatsServer::start();
    let reg = registry(&server).await;
    let err = reg.sites().await.unwrap_err();
    assert!(matches!(err, RegistryError::Unavailable { .. }), "{err}");
    assert!(err.to_string().contains("healthmon_sites"), "{err}");
}

#[tokio::test]
async fn a_write_refused_while_nats_is_down_does_not_land_when_it_returns() {
    let mut server = start_jetstream();
    let client = server.client().await;
    let reg = Registry::new(client.clone(), RegistryConfig::default());
    reg.put_site("plant-1", &SiteRecord::declared(1, Source::Roster))
        .await
        .unwrap();
    let connected = |want: bool| {
        let client = client.clone();
        move || {
            let up = client.connection_state() == async_nats::connection::State::Connected;
            std::future::ready((up == want).then_some(()))
        }
    };

    server.kill();
    eventually("the client sees NATS gone", PATIENCE, connected(false)).await;
    let window = Maintenance {
        reason: Some("asked while NATS was down".into()),
        ..maintenance("alice")
    };
    let err = reg.set_maintenance("plant-1", &window).await.unwrap_err();
    assert!(matches!(err, RegistryError::Unavailable { .. }), "{err}");
    assert!(err.to_string().contains("not connected"), "{err}");

    // A disconnected client would have kept the publish and sent it now.
    server.restart();
    eventually("the client back", PATIENCE, connected(true)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let store = reg.store().await.unwrap();
    assert_eq!(store.get("maintenance.plant-1").await.unwrap(), None);
    // And a write now goes through.
    reg.set_maintenance("plant-1", &window).await.unwrap();
    assert!(store.get("maintenance.plant-1").await.unwrap().is_some());
}
