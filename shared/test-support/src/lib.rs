//! The test harness of healthmon: what every test suite, the benchmark and
//! the soak tool share, in the style of nats.rs' own harness and
//! zero-to-production's `spawn_app()`. No mocks of the broker anywhere:
//!
//! - [`NatsServer`]: a real `nats-server` on a free loopback port, killed on
//!   drop; [`topology`] builds hubs, leaf nodes, JetStream and clusters of them;
//! - [`Proc`]: one child-process type for services run as binaries, with
//!   their logs, liveness and what `/proc` says about their memory and CPU;
//! - [`Running`]: a service started in-process through its `start`, and the
//!   token that stops it (cancelled on drop, so a failing test leaves
//!   nothing running);
//! - [`fixtures`]: the reports every test starts from (minimal, healthy,
//!   full, faulty);
//! - [`wire`]: MessagePack surgery on reports, for hostile-input tests;
//! - [`promtext`]: a strict reader of the Prometheus text format, and sums
//!   over it;
//! - [`series`]: the per-site series the aggregator exposes for
//!   [`fixtures::full`];
//! - [`eventually`], [`free_port`], [`any_port`], [`TempDir`]: the small
//!   things every test needs.
//!
//! nats-server comes from `NATS_SERVER_BIN`, else `PATH`; `scripts/test.sh`
//! installs a current one.
#![forbid(unsafe_code)]

mod nats;
mod net;
mod process;
pub mod promtext;
mod running;
pub mod series;
mod temp;
pub mod topology;
mod wait;
pub mod wire;

pub use healthmon_proto::fixtures;
pub use nats::{NatsServer, nats_server_bin};
pub use net::{any_port, free_port, wait_for_port};
pub use process::{Proc, Usage, find_on_path, own_cpu_seconds, wait_listening};
pub use running::Running;
pub use temp::TempDir;
pub use topology::{Cluster, start_hub, start_jetstream, start_leaf, wait_for_leaf_link};
pub use wait::eventually;
