//! Integration tests of the dashboard API: the real service started
//! in-process (or its binary, for the flags) against a real nats-server,
//! with a small but real aggregator peer answering its queries; one binary,
//! a module per concern, sharing [`support`].

mod admin;
mod api;
mod auth_cli;
mod events;
mod openapi;
mod scope;
mod support;
