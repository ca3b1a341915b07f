//! End-to-end tests: every healthmon service running in-process against
//! real nats-servers (and, where a test says so, real leaf nodes, clusters,
//! Prometheus and Chromium), checked the way an operator would; and the
//! README's demo, `scripts/up.sh`. One binary, a module per concern; the
//! harness is the `healthmon-e2e` library.

mod api_contract;
mod browser;
mod demo;
mod discovery;
mod faults;
mod ha;
mod hostile;
mod links;
mod partition;
mod pipeline;
mod prometheus;
mod registry;
mod registry_outage;
mod security_api;
mod security_nats;
mod shutdown;
