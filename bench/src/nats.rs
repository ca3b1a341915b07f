//! The nats-server each bench section runs against (with monitoring, its
//! log beside the section's), and what its `/varz` says about slow consumers.

use std::path::Path;

use anyhow::{Context, Result};
use healthmon_test_support::NatsServer;

/// A nats-server of its own for one section, logging to `<log_dir>/<label>-nats.log`.
pub fn start(log_dir: &Path, label: &str) -> Result<NatsServer> {
    NatsServer::builder()
        .monitor()
        .log_to(log_dir, &format!("{label}-nats"))
        .start()
}

/// [`start`] with JetStream (its store in the server's own directory), which
/// the fleet registry needs.
pub fn start_jetstream(log_dir: &Path, label: &str) -> Result<NatsServer> {
    NatsServer::builder()
        .monitor()
        .jetstream()
        .log_to(log_dir, &format!("{label}-nats"))
        .start()
}

/// Messages the server dropped because a subscriber fell behind (`/varz` `slow_consumers`).
pub async fn slow_consumers(nats: &NatsServer, http: &reqwest::Client) -> Result<u64> {
    let port = nats.monitor_port().context("the bench's servers monitor")?;
    let url = format!("http://127.0.0.1:{port}/varz");
    let body = crate::services::get_text(http, &url).await?;
    let varz: serde_json::Value = serde_json::from_str(&body).context("parse /varz")?;
    varz["slow_consumers"]
        .as_u64()
        .context("no slow_consumers in /varz")
}
