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
mod tests;
