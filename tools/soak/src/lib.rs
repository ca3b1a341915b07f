//! `healthmon-soak`: the load test of the central side. A simulated fleet
//! (100,000 sites every 5 s by default) reports to a real nats-server,
//! `healthmon-aggregator` and `healthmon-assessor` running as release-built
//! processes; the soak counts false late/offline events and lost reports,
//! samples memory and CPU, prints a row every few seconds and the figures at
//! the end, and fails (exit 1) when a criterion is not met.
//!
//! - [`settings`]: what a run does, validated;
//! - [`central`]: nats-server, aggregator and assessor as processes;
//! - [`fleet`]: the reports and their schedule (pure);
//! - [`publisher`]: sends them on time over one NATS connection;
//! - [`watch`]: counts status events;
//! - [`probe`]: the counters of the processes under test (which are
//!   `healthmon-test-support` `Proc`s);
//! - [`figures`]: the table, the figures and the verdict (pure);
//! - [`restart`] and [`storm`]: the restart storm (`--restart`) and its
//!   figures (pure);
//! - [`run`]: one run, start to verdict;
//! - [`record`]: what a run leaves for the bench's table of targets.
#![forbid(unsafe_code)]

pub mod central;
pub mod figures;
pub mod fleet;
pub mod probe;
pub mod publisher;
pub mod record;
pub mod restart;
pub mod run;
pub mod settings;
pub mod storm;
pub mod watch;
