//! The fleet registry: what the centre expects of its fleet, shared by
//! every replica through a JetStream KV bucket and surviving restarts.
//!
//! It holds, per site, only what an operator declared or decided and what
//! the centre must remember across restarts — expected or not, labels, an
//! expected interval, a maintenance window, an acknowledgement, when it was
//! registered and what it last declared about itself — never a report value
//! or a health state (healthmon keeps no history).
//!
//! - [`labels`], [`selector`]: label rules and `key=value,...` selectors;
//! - [`entry`]: the bucket's keys and values;
//! - [`roster`]: the declarative roster file and its difference from the registry;
//! - [`store`]: opening the bucket and writing to it;
//! - [`watch`]: every replica's live copy, change by change.
//!
//! The pure parts are unit- and property-tested; the I/O is tested against
//! a real nats-server with JetStream.
#![forbid(unsafe_code)]

pub mod entry;
pub mod labels;
pub mod metric_names;
pub mod roster;
pub mod selector;
pub mod store;
pub mod watch;

pub use entry::{Ack, Kind, Maintenance, SiteRecord, Source};
pub use labels::Labels;
pub use selector::Selector;
pub use store::{Registry, RegistryConfig, RegistryError};
pub use watch::{Availability, Change};
