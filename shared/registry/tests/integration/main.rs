//! The registry against a real nats-server with JetStream: the bucket, the
//! writes, and the watch every replica keeps — through a restart of the
//! server, and for one partition.

mod watch;
mod writes;
