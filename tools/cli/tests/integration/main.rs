//! Integration tests of the `healthmon` command-line tool: the built binary
//! run as a user would, against a real nats-server and the real central
//! services in-process (the `healthmon-e2e` harness); one binary, a module
//! per concern, sharing [`support`].

mod admin;
mod asyncapi;
mod fleet;
mod labels;
mod queries;
mod support;
mod watch;
