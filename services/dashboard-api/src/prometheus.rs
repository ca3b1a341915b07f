//! The dashboard API's client of a Prometheus server (`--prometheus-url`):
//! one `query_range` of a site's `healthmon_site_up` over the last 24 h, so
//! the page can draw a sparkline without the browser needing a route to
//! Prometheus. healthmon keeps no history itself; Prometheus does.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Points of a sparkline: one every `STEP`, over `SPAN`.
pub const SPAN: Duration = Duration::from_secs(24 * 3600);
pub const STEP: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
pub struct Prometheus {
    http: reqwest::Client,
    /// `http://host:9090`, without a trailing slash.
    base: String,
}

#[derive(Debug, Error)]
pub enum PrometheusError {
    #[error("cannot reach Prometheus: {0}")]
    Unreachable(String),
    #[error("Prometheus answered {0}")]
    Refused(String),
}

/// What the share of a step the site was online, from `healthmon_site_up`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UptimePoint {
    /// The end of the step, unix ms.
    pub at_ms: u64,
    /// Share of the step the site was online, 0–1.
    pub up: f64,
}

#[derive(Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    data: Option<Matrix>,
}

#[derive(Deserialize)]
struct Matrix {
    result: Vec<Series>,
}

#[derive(Deserialize)]
struct Series {
    values: Vec<(f64, String)>,
}

impl Prometheus {
    /// A client of `url` (`http://…`), each query within `timeout`.
    pub fn new(url: &str, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .expect("a plain HTTP client builds");
        Prometheus {
            http,
            base: url.trim_end_matches('/').to_owned(),
        }
    }

    /// The share of each 10 minutes of the last 24 h that `site_id` was
    /// online (`site_id` is validated: it cannot leave the label matcher).
    pub async fn uptime(
        &self,
        site_id: &str,
        now_ms: u64,
    ) -> Result<Vec<UptimePoint>, PrometheusError> {
        let step = STEP.as_secs();
        // Steps end at now: the newest point covers the last 10 minutes.
        let end = now_ms / 1000;
        let start = end.saturating_sub(SPAN.as_secs());
        let query = format!("max(avg_over_time(healthmon_site_up{{site=\"{site_id}\"}}[{step}s]))");
        let response = self
            .http
            .get(format!("{}/api/v1/query_range", self.base))
            .query(&[
                ("query", query),
                ("start", start.to_string()),
                ("end", end.to_string()),
                ("step", step.to_string()),
            ])
            .send()
            .await
            .map_err(|e| PrometheusError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let answer: Answer = response
            .json()
            .await
            .map_err(|e| PrometheusError::Refused(format!("{status}: {}", e.without_url())))?;
        if answer.status != "success" {
            let why = answer.error.unwrap_or_else(|| status.to_string());
            return Err(PrometheusError::Refused(why));
        }
        let series = answer.data.map(|d| d.result).unwrap_or_default();
        Ok(series
            .into_iter()
            .next()
            .map(|s| s.values)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(at, value)| {
                let up: f64 = value.parse().ok().filter(|v: &f64| v.is_finite())?;
                Some(UptimePoint {
                    at_ms: (at * 1000.0) as u64,
                    up: up.clamp(0.0, 1.0),
                })
            })
            .collect())
    }
}
