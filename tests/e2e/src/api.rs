//! The dashboard API as a test reads it: GETs answered as JSON, and waits
//! for what an operator would see.

use std::time::Duration;

use healthmon_test_support::eventually;
use serde_json::Value;

/// GET `url`: (status, JSON body, or Null if none).
pub async fn get_json(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = http.get(url).send().await.expect("dashboard API answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// One dashboard API (or a load balancer over several), by base URL.
#[derive(Debug, Clone)]
pub struct Api {
    pub base: String,
    /// Sent as `Authorization: Bearer` when set.
    token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: impl Into<String>) -> Self {
        Api {
            base: base.into(),
            token: None,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("http client"),
        }
    }

    /// The same API, asked with a bearer token.
    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET a path: (status, JSON body or Null).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let mut request = self.http.get(self.url(path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("dashboard API answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Any request, with an optional JSON body: (status, JSON body or Null).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("dashboard API answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `PUT path` with a JSON body (if any), which must succeed: the answer.
    pub async fn put_ok(&self, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.send(reqwest::Method::PUT, path, body).await;
        assert_eq!(status, 200, "PUT {path}: {answer}");
        answer
    }

    /// Puts `site` in maintenance (`body`: its window's `until_ms` and
    /// `reason`, if any), which must succeed: the answer.
    pub async fn set_maintenance(&self, site: &str, body: Option<Value>) -> Value {
        self.put_ok(&format!("/api/v1/sites/{site}/maintenance"), body)
            .await
    }

    /// The site as `GET /api/v1/sites/{id}` shows it, if known.
    pub async fn site(&self, id: &str) -> Option<Value> {
        let (status, body) = self.get(&format!("/api/v1/sites/{id}")).await;
        (status == 200).then_some(body)
    }

    /// Every site, by id (at most 1000).
    pub async fn sites(&self) -> Vec<Value> {
        let (status, body) = self.get("/api/v1/sites?sort=site_id&limit=1000").await;
        assert_eq!(status, 200, "{body}");
        body["sites"].as_array().cloned().unwrap_or_default()
    }

    pub async fn summary(&self) -> Value {
        let (status, body) = self.get("/api/v1/summary").await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Waits until the API shows the site with this connectivity.
    pub async fn wait_connectivity(&self, id: &str, want: &str, timeout: Duration) -> Value {
        self.wait_site(id, &format!("to be {want}"), timeout, |site| {
            site["connectivity"] == want
        })
        .await
    }

    /// Waits until the API shows the site with this health.
    pub async fn wait_health(&self, id: &str, want: &str, timeout: Duration) -> Value {
        self.wait_site(id, want, timeout, |site| site["health"] == want)
            .await
    }

    /// Waits until the API shows the site as `wanted` says (`what`, for the
    /// failure message).
    pub async fn wait_site(
        &self,
        id: &str,
        what: &str,
        timeout: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Value {
        let wanted = &wanted;
        eventually(&format!("{id} {what} in the API"), timeout, || async move {
            self.site(id).await.filter(wanted)
        })
        .await
    }

    /// Waits until the summary counts `n` sites `connectivity` (e.g. "online").
    pub async fn wait_summary(&self, connectivity: &str, n: u64, timeout: Duration) -> Value {
        eventually(
            &format!("{n} sites {connectivity} in the summary"),
            timeout,
            || async {
                let (status, s) = self.get("/api/v1/summary").await;
                (status == 200 && s[connectivity] == n).then_some(s)
            },
        )
        .await
    }
}

/// The base URL, so `format!("{api}/api/v1/summary")` reads as it looks.
impl std::fmt::Display for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base)
    }
}

/// The Prometheus text at `http://<addr>/metrics`.
pub async fn scrape(http: &reqwest::Client, addr: std::net::SocketAddr) -> Option<String> {
    let response = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .ok()?;
    response.text().await.ok()
}
