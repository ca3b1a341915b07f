//! This replica's copy of the fleet registry: a task applies the registry
//! watch's changes to a [`FleetView`] that handlers read to resolve bulk
//! selectors and scoped tokens, and the watch's availability tells admin
//! writes to fail fast (503 `registry_unavailable`) while JetStream is away.
//!
//! Every dashboard replica keeps its own copy, so each answers from
//! memory, and a write through any replica reaches all of them.

use std::sync::{Arc, RwLock, RwLockReadGuard};

use healthmon_common::CancellationToken;
use healthmon_registry::{Availability, FleetView, Registry};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::ApiError;

/// The registry, this replica's copy of it, and whether it answers.
#[derive(Clone)]
pub struct Fleet {
    pub registry: Arc<Registry>,
    view: Arc<RwLock<FleetView>>,
    availability: watch::Receiver<Availability>,
}

impl Fleet {
    /// Starts watching the registry; the task ends with `shutdown`.
    pub fn start(registry: Arc<Registry>, shutdown: CancellationToken) -> (Fleet, JoinHandle<()>) {
        let (mut changes, availability, watch) =
            healthmon_registry::watch::spawn(registry.clone(), None, shutdown);
        let view = Arc::new(RwLock::new(FleetView::default()));
        let applied = view.clone();
        let task = tokio::spawn(async move {
            let mut batch = Vec::new();
            // Ends when the watch ends (at shutdown).
            while changes.recv_many(&mut batch, 1024).await > 0 {
                let mut view = applied.write().unwrap_or_else(|e| e.into_inner());
                for change in batch.drain(..) {
                    view.apply(change);
                }
            }
            let _ = watch.await;
        });
        let fleet = Fleet {
            registry,
            view,
            availability,
        };
        (fleet, task)
    }

    /// This replica's copy, to read (briefly: the watch waits meanwhile).
    pub fn view(&self) -> RwLockReadGuard<'_, FleetView> {
        self.view.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn availability(&self) -> Availability {
        self.availability.borrow().clone()
    }

    /// Fails at once, with the reason, while the registry cannot be
    /// written: better than every admin request waiting for a timeout.
    pub fn writable(&self) -> Result<(), ApiError> {
        let state = self.availability();
        if state.available {
            return Ok(());
        }
        let bucket = &self.registry.config().bucket;
        let why = state.error.as_deref().unwrap_or("not reached yet");
        Err(ApiError::RegistryUnavailable(format!(
            "the fleet registry (JetStream KV bucket {bucket}) is unavailable: {why}; admin changes are refused until it is back"
        )))
    }
}
