//! The end-to-end harness of healthmon: every service running in-process
//! through its public `start`, against real `nats-server`s, driven and
//! watched the way an operator would. The tests in `tests/e2e/` use it.
//!
//! - [`central`]: [`Central`] (a nats-server and the three central
//!   services) and [`Centre`] (the services against any NATS), stoppable
//!   and restartable one by one, with [`Options`] for what a test changes;
//! - [`services`]: each service's test settings and a one-call start;
//! - [`api`]: the dashboard API as JSON, and waits for what it shows;
//! - fault kits: [`proxy`] (a TCP link that can be cut), [`flood`] (bursts
//!   for slow-consumer tests), [`recorder`] (everything published on a
//!   subject), [`sse`] (an EventSource-like client), [`ha`] (query load,
//!   micro stats, a status log across servers);
//! - [`secure`]: the real `nats/hub.conf` and `nats/leaf.conf` with their
//!   users, permissions, TLS and optional blocks, and certificates;
//! - [`browser`]: headless Chromium through chromedriver, and what the page shows;
//! - [`bins`]: the workspace's binaries (services, the `healthmon` CLI) to run as a user does;
//! - [`prometheus`]: a real Prometheus running the deployment's config and rules.
#![forbid(unsafe_code)]

pub mod api;
pub mod bins;
pub mod browser;
pub mod central;
pub mod flood;
pub mod ha;
pub mod prometheus;
pub mod proxy;
pub mod recorder;
pub mod secure;
pub mod services;
pub mod sse;

pub use api::{Api, get_json};
pub use central::{Central, Centre, Options};
pub use services::{INTERVAL, OFFLINE_AFTER};
