//! The fleet registry: what the centre expects of its fleet, shared by
//! every replica through a JetStream KV bucket and surviving restarts.
//!
//! It holds, per site, only what an operator declared or decided and what
//! the centre must remember across restarts — expected or not, labels, an
//! expected interval, a maintenance window, an acknowledgement, when it was
//! registered and what it last declared about itself — never a report value
//! or a health state (healthmon keeps no history).
//!
//! - [`selector`]: `key=value,...` selectors over labels (whose rules are
//!   the contract's, `healthmon_proto::labels`);
//! - [`entry`]: the bucket's keys and values;
//! - [`roster`]: the declarative roster file and its difference from the registry;
//! - [`store`]: opening the bucket and writing to it;
//! - [`read`]: every site's record at once, for the fleet commands;
//! - [`watch`]: every replica's live copy, change by change;
//! - [`view`]: that copy in memory, for a service that only needs to look
//!   sites up (the dashboard API).
//!
//! The pure parts are unit- and property-tested; the I/O is tested against
//! a real nats-server with JetStream.
#![forbid(unsafe_code)]

pub mod entry;
pub mod flags;
pub mod metric_names;
pub mod read;
pub mod roster;
pub mod selector;
pub mod store;
pub mod view;
pub mod watch;

pub use entry::Kind;
pub use flags::{IntakeArgs, RegistryArgs};
pub use healthmon_proto::fleet::{Ack, FleetError, Maintenance, SiteRecord, Source};
pub use healthmon_proto::labels::{self, Labels};
pub use selector::Selector;
pub use store::{Registry, RegistryConfig, RegistryError};
pub use view::FleetView;
pub use watch::{Availability, Change};
