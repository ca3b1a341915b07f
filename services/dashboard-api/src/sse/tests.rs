use super::*;

fn relayed(site: &str, n: u32) -> Arc<Relayed> {
    Arc::new(Relayed {
        site_id: site.into(),
        json: format!("{{\"n\":{n}}}"),
    })
}

fn client(
    receiver: broadcast::Receiver<Arc<Relayed>>,
    site: Option<&str>,
) -> (SseClient, CancellationToken) {
    let shutdown = CancellationToken::new();
    let client = SseClient {
        receiver,
        site: site.map(str::to_owned),
        scope: None,
        shutdown: shutdown.clone(),
        _gauge: ClientGauge::new(),
    };
    (client, shutdown)
}

#[tokio::test]
async fn a_lagging_client_is_told_how_many_it_missed() {
    let (tx, rx) = broadcast::channel(2);
    let (mut c, _) = client(rx, None);
    for n in 0..5 {
        tx.send(relayed("s1", n)).unwrap();
    }
    assert_eq!(c.next_outgoing().await, Some(Outgoing::Lagged(3)));
    assert_eq!(
        c.next_outgoing().await,
        Some(Outgoing::Status(relayed("s1", 3)))
    );
    assert_eq!(
        c.next_outgoing().await,
        Some(Outgoing::Status(relayed("s1", 4)))
    );
}

#[tokio::test]
async fn follows_one_site_and_ends_at_shutdown() {
    let (tx, rx) = broadcast::channel(8);
    let (mut c, shutdown) = client(rx, Some("s2"));
    tx.send(relayed("s1", 1)).unwrap();
    tx.send(relayed("s2", 2)).unwrap();
    assert_eq!(
        c.next_outgoing().await,
        Some(Outgoing::Status(relayed("s2", 2)))
    );
    shutdown.cancel();
    tx.send(relayed("s2", 3)).unwrap();
    assert_eq!(c.next_outgoing().await, None);
}

#[tokio::test]
async fn ends_when_the_relay_is_gone() {
    let (tx, rx) = broadcast::channel(8);
    let (mut c, _) = client(rx, None);
    drop(tx);
    assert_eq!(c.next_outgoing().await, None);
}
