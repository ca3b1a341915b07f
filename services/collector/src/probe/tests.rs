use super::*;

#[tokio::test]
async fn open_port_is_reachable_and_closed_port_is_not() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let open = listener.local_addr().unwrap().to_string();
    assert_eq!(probe(&open, Duration::from_secs(1)).await, Ok(()));
    drop(listener);
    assert!(probe(&open, Duration::from_secs(1)).await.is_err());
    assert!(
        probe("no-such-host.invalid:1", Duration::from_secs(1))
            .await
            .is_err()
    );
}
