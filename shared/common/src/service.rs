//! What every service's `start` hands back: a task running the service, and
//! the one way to wait for it to end.
//!
//! Each service crate has a `Service` (its bound addresses plus a
//! [`ServiceTask`]) implementing [`ServiceHandle`], so callers — `main`,
//! tests, the e2e harness — stop and await any service alike; a service
//! whose only listener is `/metrics` hands back a [`MetricsService`]. A task
//! that panicked is reported as what it is, [`ServiceError::Crashed`], not
//! as a configuration error.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;

use tokio::task::JoinHandle;

use crate::ServiceError;

/// The running service's own task.
#[derive(Debug)]
pub struct ServiceTask {
    name: &'static str,
    handle: JoinHandle<Result<(), ServiceError>>,
}

impl ServiceTask {
    /// Runs `service` (named for errors, e.g. `"aggregator"`) on its own task.
    pub fn spawn(
        name: &'static str,
        service: impl Future<Output = Result<(), ServiceError>> + Send + 'static,
    ) -> Self {
        ServiceTask {
            name,
            handle: tokio::spawn(service),
        }
    }

    /// Waits until the service stops: `Ok` after a clean shutdown.
    pub async fn wait(self) -> Result<(), ServiceError> {
        match self.handle.await {
            Ok(result) => result,
            Err(e) => Err(ServiceError::Crashed {
                service: self.name,
                reason: e.to_string(),
            }),
        }
    }
}

/// A started service that can be awaited until it stops (after its
/// shutdown token is cancelled, or on a fatal error).
pub trait ServiceHandle: Send + 'static {
    fn wait(self) -> impl Future<Output = Result<(), ServiceError>> + Send;
}

/// A running service whose only listener is `/metrics` (the aggregator,
/// the assessor, the collector).
pub struct MetricsService {
    /// Where `/metrics` is served (the bound port when 0 was asked for).
    pub metrics_addr: SocketAddr,
    task: ServiceTask,
}

impl MetricsService {
    pub fn new(metrics_addr: SocketAddr, task: ServiceTask) -> Self {
        MetricsService { metrics_addr, task }
    }
}

impl fmt::Debug for MetricsService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("metrics_addr", &self.metrics_addr)
            .finish_non_exhaustive()
    }
}

impl ServiceHandle for MetricsService {
    /// Waits until the service stops (after shutdown, or on a fatal
    /// error); `Ok` after a clean shutdown.
    async fn wait(self) -> Result<(), ServiceError> {
        self.task.wait().await
    }
}
