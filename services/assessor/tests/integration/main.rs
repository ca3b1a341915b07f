//! Integration tests of the assessor: the real service started in-process
//! (or its binary, for the flags) against a real nats-server, with a plain
//! NATS client playing the sites and, where needed, the aggregator; one
//! binary, a module per concern, sharing [`support`].

mod bootstrap;
mod cli;
mod connectivity;
mod health;
mod registry;
mod support;
