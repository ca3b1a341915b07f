//! Fetching one subsystem's `/metrics` over plain HTTP.
//!
//! The endpoints are local, so there is no TLS and no proxy (an `HTTP_PROXY`
//! in the environment must not route a loopback scrape through a proxy).
//! Bodies are capped so a runaway exporter cannot make the collector grow.

use std::time::Duration;

use crate::exposition::{self, Parsed};

/// Largest body read from one target.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScrapeError {
    #[error("request failed: {0}")]
    Request(String),
    #[error("timed out after {0:?}")]
    TimedOut(Duration),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("body larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
}

/// The HTTP client every scrape shares (connection pooling to each target).
#[derive(Debug, Clone)]
pub struct Scraper {
    client: reqwest::Client,
}

impl Scraper {
    pub fn new() -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .user_agent(concat!("healthmon-collector/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Scraper { client })
    }

    /// Fetches and parses `url` within `timeout`.
    pub async fn scrape(&self, url: &str, timeout: Duration) -> Result<Parsed, ScrapeError> {
        tokio::time::timeout(timeout, self.fetch(url))
            .await
            .map_err(|_| ScrapeError::TimedOut(timeout))?
    }

    async fn fetch(&self, url: &str) -> Result<Parsed, ScrapeError> {
        let mut response = self
            .client
            .get(url)
            .header("Accept", "text/plain")
            .send()
            .await
            .map_err(|e| ScrapeError::Request(describe(e)))?;
        if !response.status().is_success() {
            return Err(ScrapeError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(ScrapeError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| ScrapeError::Request(describe(e)))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ScrapeError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(exposition::parse(&String::from_utf8_lossy(&body)))
    }
}

/// reqwest's message repeats the URL, which the log line already names.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg = format!("{msg}: {s}");
        source = s.source();
    }
    msg
}
