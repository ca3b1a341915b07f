//! What every handler may use: the aggregator's client, the fleet
//! registry, the NATS link, the live event hub, the guard and the auditor.
//! A leaf module, so handlers and the router both depend on it and never
//! on each other.

use healthmon_client::AggregatorClient;
use healthmon_common::CancellationToken;
use healthmon_common::nats::LinkState;
use tokio::sync::watch;

use crate::audit::Auditor;
use crate::fleet::Fleet;
use crate::guard::Guard;
use crate::prometheus::Prometheus;
use crate::relay::EventHub;

/// What every handler may use. Cheap to clone: all handles.
#[derive(Clone)]
pub struct AppState {
    pub aggregator: AggregatorClient,
    /// Where admin actions are written, and this replica's copy of it.
    pub fleet: Fleet,
    pub link: watch::Receiver<LinkState>,
    pub events: EventHub,
    /// Authentication and roles, applied to every request by [`guard::require`].
    pub guard: std::sync::Arc<Guard>,
    /// Where admin handlers record what they did.
    pub audit: Auditor,
    /// Cancelled at shutdown; ends the SSE streams.
    pub shutdown: CancellationToken,
    /// Where a site's last 24 h come from (`--prometheus-url`), if anywhere.
    pub prometheus: Option<Prometheus>,
}
