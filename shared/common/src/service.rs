//! What every service's `start` hands back: a task running the service, and
//! the one way to wait for it to end.
//!
//! Each service crate has its own `Service` struct (its bound addresses plus
//! a [`ServiceTask`]) and implements [`ServiceHandle`] for it, so callers —
//! `main`, tests, the e2e harness — stop and await any service alike. A task
//! that panicked is reported as what it is, [`ServiceError::Crashed`], not
//! as a configuration error.

use std::future::Future;

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
