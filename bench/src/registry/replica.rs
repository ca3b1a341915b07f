//! A replica an admin action must reach, and how it is asked whether it
//! shows it (see [`super::propagation`]).

use anyhow::{Context, Result};
use healthmon_registry::metric_names::SITES as REGISTRY_SITES;
use healthmon_test_support::promtext;

use crate::services::Svc;

const FLEET_SITES: &str = "healthmon_fleet_sites";

pub enum Replica {
    /// Asked through its `/metrics`.
    Aggregator { name: String, metrics_url: String },
    /// Asked through `GET /api/v1/sites/{id}`.
    Api {
        name: String,
        metrics_url: String,
        base: String,
    },
}

impl Replica {
    pub fn aggregator(name: String, svc: &Svc) -> Self {
        Replica::Aggregator {
            name,
            metrics_url: svc.metrics_url.clone(),
        }
    }

    pub fn api(name: String, svc: &Svc) -> Result<Self> {
        Ok(Replica::Api {
            name,
            metrics_url: svc.metrics_url.clone(),
            base: svc
                .http_base
                .clone()
                .context("the dashboard API's base URL")?,
        })
    }

    pub fn name(&self) -> &str {
        match self {
            Replica::Aggregator { name, .. } | Replica::Api { name, .. } => name,
        }
    }

    async fn metrics(&self, http: &reqwest::Client) -> Result<String> {
        let url = match self {
            Replica::Aggregator { metrics_url, .. } | Replica::Api { metrics_url, .. } => {
                metrics_url
            }
        };
        crate::services::get_text(http, url).await
    }

    /// Registered sites it holds: an aggregator's table
    /// (`healthmon_fleet_sites` summed), an API's copy of the registry
    /// (`healthmon_registry_sites`).
    pub async fn sites(&self, http: &reqwest::Client) -> Result<u64> {
        let text = self.metrics(http).await?;
        let sites = match self {
            Replica::Aggregator { .. } => promtext::sum(&text, FLEET_SITES, &[]),
            Replica::Api { .. } => promtext::value(&text, REGISTRY_SITES),
        };
        Ok(sites.unwrap_or(0.0) as u64)
    }

    /// Whether it shows the state after an action: `site` in maintenance
    /// or not (`on`), and `in_maintenance` sites in maintenance in all.
    pub async fn shows(
        &self,
        http: &reqwest::Client,
        auth: &str,
        site: &str,
        on: bool,
        in_maintenance: u64,
    ) -> Result<bool> {
        match self {
            Replica::Aggregator { .. } => {
                let text = self.metrics(http).await?;
                let n = promtext::sum(&text, FLEET_SITES, &[("maintenance", "true")])
                    .context("no healthmon_fleet_sites on the aggregator's /metrics")?;
                Ok(n as u64 == in_maintenance)
            }
            Replica::Api { base, .. } => {
                let body = http
                    .get(format!("{base}/api/v1/sites/{site}"))
                    .header("Authorization", auth)
                    .send()
                    .await?
                    .error_for_status()?
                    .text()
                    .await?;
                let detail: serde_json::Value = serde_json::from_str(&body)?;
                Ok(detail["maintenance"].as_bool() == Some(on))
            }
        }
    }
}
