//! A service a test started and the token that stops it: `stop()` as
//! SIGTERM would (cancel, then wait for a clean exit, bounded), and on drop
//! just the cancel, so a failing test leaves nothing running.
#![allow(dead_code)]

use std::time::Duration;

use healthmon_common::CancellationToken;

/// Longest a clean stop may take before the test fails.
const STOP_WITHIN: Duration = Duration::from_secs(10);

pub struct Running<S> {
    pub token: CancellationToken,
    pub service: Option<S>,
}

impl<S> Running<S> {
    pub fn new(token: CancellationToken, service: S) -> Self {
        Running {
            token,
            service: Some(service),
        }
    }

    /// The running service (for its bound addresses), until stopped.
    pub fn service(&self) -> Option<&S> {
        self.service.as_ref()
    }
}

impl<S> Drop for Running<S> {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

macro_rules! stop_impl {
    ($svc:path) => {
        impl Running<$svc> {
            pub async fn stop(&mut self) {
                self.token.cancel();
                if let Some(service) = self.service.take() {
                    tokio::time::timeout(STOP_WITHIN, service.wait())
                        .await
                        .expect("service stops within 10 s")
                        .expect("clean shutdown");
                }
            }
        }
    };
}
stop_impl!(healthmon_aggregator::Service);
stop_impl!(healthmon_assessor::Service);
stop_impl!(healthmon_dashboard_api::Service);
stop_impl!(healthmon_collector::Service);
