//! The healthmon wire contract, shared by every service and by third-party clients.
//!
//! Everything that crosses NATS is defined here and nowhere else:
//! - [`report`]: the `HealthReport` a site collector publishes on `<prefix>.report.<site_id>`;
//! - [`status`]: the `StatusEvent` the assessor publishes on `<prefix>.status.<site_id>`,
//!   and the connectivity/health vocabulary with its worst-first ordering;
//! - [`subjects`]: subject names under a configurable prefix, and site-id rules;
//! - [`codec`]: named MessagePack encoding (string keys, unknown keys ignored);
//! - [`labels`]: the rules of site labels (report `labels`, the fleet registry);
//! - [`fleet`]: the fleet registry's data (expected sites, maintenance, acknowledgements);
//! - [`validate`]: the checks a report must pass before central state accepts it;
//! - [`reader`]: the single-pass reader of the common wire form, in front of serde;
//! - [`view`]: a report borrowed from its payload, for the services' hot paths
//!   and the aggregator's compact in-memory form;
//! - [`judgement`]: stale findings, flapping, recovering and the health score;
//! - [`incident`]: sites that fell silent together (a lost leaf node, a label group);
//! - [`reason`]: reasons re-timed for display (a silence's length ticks on);
//! - [`query`]: the JSON request/reply protocol of the aggregator and assessor micro services;
//! - [`audit`]: the audit event the dashboard API publishes on `<prefix>.audit`;
//! - `fixtures` (feature `fixtures`): reports for tests, the bench and the soak.
//!
//! The crate does no I/O, so all of it is unit- and property-tested in isolation.
#![forbid(unsafe_code)]

pub mod audit;
pub mod codec;
mod compact;
mod cursor;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod fleet;
pub mod frame;
pub mod incident;
pub mod judgement;
pub mod labels;
mod names;
pub mod query;
pub mod reader;
pub mod reason;
pub mod report;
pub mod status;
pub mod subjects;
#[cfg(test)]
mod test_arb;
#[cfg(test)]
mod test_wire;
mod text;
pub mod validate;
pub mod view;

pub use codec::{DecodeError, decode, encode};
pub use incident::{Incident, IncidentState};
pub use judgement::Judgement;
pub use report::{
    ConnectionStatus, ErrorCounter, HealthReport, Node, NodeRole, Resources, SfBuffer, WIRE_VERSION,
};
pub use status::{Connectivity, Health, StatusEvent};
pub use subjects::{Partition, PartitionError, SiteIdError, Subjects, validate_site_id};
pub use validate::{Rejection, validate_report};
pub use view::ReportView;
