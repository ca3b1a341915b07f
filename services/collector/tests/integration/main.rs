//! Integration tests of the collector: the real service started in-process
//! (or its binary, for the flags) against a real nats-server, with a plain
//! NATS client on the central side recording every report; one binary, a
//! module per concern, sharing [`support`].

mod cli;
mod probe;
mod reconnect;
mod reports;
mod resend;
mod scrape;
mod simulate;
mod support;
