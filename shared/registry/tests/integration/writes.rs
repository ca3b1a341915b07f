//! The writes each party makes, as JetStream sees them.

use std::sync::Arc;

use healthmon_registry::{
    Ack, Maintenance, Registry, RegistryConfig, RegistryError, SiteRecord, Source,
};
use healthmon_test_support::{NatsServer, start_jetstream};

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
            since_ms: 1,
            until_ms: None,
            reason: Some("swap".into()),
            by: "alice".into(),
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
