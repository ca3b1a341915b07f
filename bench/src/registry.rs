//! Section 8, the fleet registry (issue 12's figures), on a nats-server
//! with JetStream, as in production. Two parts, one module each:
//!
//! - [`load`]: the bucket filled with N roster records ([`roster`]), then
//!   each service started on it: how long until it holds them all, and
//!   its RSS per registered site.
//! - [`propagation`]: two aggregators, an assessor and two dashboard APIs;
//!   maintenance set and cleared through one API replica, each action
//!   timed until every replica shows it.
//!
//! [`start`] starts a service and waits until it reports its registry load;
//! [`replica`] asks a replica what it shows.

pub mod load;
pub mod propagation;
pub mod replica;
pub mod roster;
pub mod start;

use anyhow::Result;
use serde::Serialize;

use crate::Ctx;

pub use load::ServiceLoad;
pub use propagation::{Propagation, ReplicaLatency};
pub use roster::Fill;

#[derive(Debug, Clone, Serialize)]
pub struct RegistryResult {
    /// Registered sites of the load and memory measurements.
    pub sites: usize,
    /// JSON bytes of a typical record.
    pub record_bytes: usize,
    pub fill: Fill,
    /// Aggregator, assessor, dashboard API, in start order.
    pub services: Vec<ServiceLoad>,
    pub propagation: Propagation,
}

pub async fn run(ctx: &Ctx) -> Result<RegistryResult> {
    let load = load::run(ctx).await?;
    let propagation = propagation::run(ctx).await?;
    Ok(RegistryResult {
        sites: load.sites,
        record_bytes: roster::record_bytes(),
        fill: load.fill,
        services: load.services,
        propagation,
    })
}
