//! TCP reachability probes: a data connection whose endpoint accepts a TCP
//! connection within the timeout counts as connected.
//!
//! This sees what the site's data connection layer would see from this
//! machine even when that layer exposes no metrics of its own. The socket
//! is closed at once; nothing is sent.

use std::time::Duration;

use tokio::net::TcpStream;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    #[error("no TCP connection within {0:?}")]
    TimedOut(Duration),
    #[error("{0}")]
    Failed(String),
}

/// Connects to `address` (`host:port`, resolved now) within `timeout`.
pub async fn probe(address: &str, timeout: Duration) -> Result<(), ProbeError> {
    match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
        Ok(Ok(_stream)) => Ok(()),
        Ok(Err(e)) => Err(ProbeError::Failed(e.to_string())),
        Err(_) => Err(ProbeError::TimedOut(timeout)),
    }
}

#[cfg(test)]
mod tests {
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
}
