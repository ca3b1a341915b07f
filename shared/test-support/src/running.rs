//! A service a test started in-process, and the token that stops it.

use std::future::Future;
use std::time::Duration;

use healthmon_common::{CancellationToken, ServiceError, ServiceHandle};

/// Longest a clean stop may take before the test fails.
const STOP_WITHIN: Duration = Duration::from_secs(10);

/// `stop()` as SIGTERM would (cancel, then wait for a clean exit, bounded);
/// on drop just the cancel, so a failing test leaves nothing running.
pub struct Running<S: ServiceHandle> {
    pub token: CancellationToken,
    service: Option<S>,
}

impl<S: ServiceHandle> Running<S> {
    /// Starts a service through its `start(config, shutdown)`:
    /// `Running::start(|token| healthmon_aggregator::start(config, token))`.
    /// Panics if it does not start.
    pub async fn start<F, Fut>(start: F) -> Self
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = Result<S, ServiceError>>,
    {
        let token = CancellationToken::new();
        let service = start(token.clone())
            .await
            .unwrap_or_else(|e| panic!("service starts: {e}"));
        Running {
            token,
            service: Some(service),
        }
    }

    /// The running service (for its bound addresses), until stopped.
    pub fn service(&self) -> &S {
        self.service.as_ref().expect("the service was stopped")
    }

    /// Cancels and waits for a clean exit; panics if it takes over 10 s or fails.
    pub async fn stop(&mut self) {
        self.token.cancel();
        if let Some(service) = self.service.take() {
            tokio::time::timeout(STOP_WITHIN, service.wait())
                .await
                .expect("service stops within 10 s")
                .expect("clean shutdown");
        }
    }

    /// Cancels and returns how the service ended (for tests of failures).
    pub async fn stopped(mut self) -> Result<(), ServiceError> {
        self.token.cancel();
        let service = self.service.take().expect("the service was stopped");
        tokio::time::timeout(STOP_WITHIN, service.wait())
            .await
            .expect("service stops within 10 s")
    }
}

impl<S: ServiceHandle> Drop for Running<S> {
    fn drop(&mut self) {
        self.token.cancel();
    }
}
