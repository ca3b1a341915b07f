//! Integration tests of the aggregator: the real service started in-process
//! against a real nats-server, a plain NATS client playing its peers
//! (collectors, the assessor, the dashboard API); one binary, a module per
//! concern, sharing [`support`].

mod ingest;
mod metrics;
mod queries;
mod registry;
mod startup;
mod support;
