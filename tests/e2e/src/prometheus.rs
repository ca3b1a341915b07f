//! A real Prometheus server (Debian's `prometheus` package, installed by
//! `scripts/install-deps.sh --deploy-tools`) running the deployment's own
//! `deploy/prometheus/prometheus.yml` and rules against the services under
//! test, and the queries a user would type.
//!
//! The config's compose service names are swapped for the test's addresses
//! and every interval for 1 s; alert `for:` durations can be shortened too,
//! so a rule's behaviour is seen in seconds. `PROMETHEUS_BIN` and
//! `PROMTOOL_BIN` override the binaries.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use healthmon_test_support::{TempDir, free_port};
use serde_json::Value;

/// How long a query may take to show what is expected.
pub const PATIENCE: Duration = Duration::from_secs(30);

const INSTALL_HINT: &str =
    "install Debian's prometheus package: scripts/install-deps.sh --deploy-tools";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A tool of the Prometheus package, or a panic naming how to install it.
pub fn tool(name: &str, env: &str) -> PathBuf {
    let bin = std::env::var_os(env).map_or_else(|| PathBuf::from(name), PathBuf::from);
    match Command::new(&bin).arg("--version").output() {
        Ok(out) if out.status.success() => bin,
        Ok(out) => panic!(
            "{} --version failed ({}): {INSTALL_HINT}",
            bin.display(),
            out.status
        ),
        Err(e) => panic!("{} not runnable ({e}): {INSTALL_HINT}", bin.display()),
    }
}

/// Where each scrape job of the deploy config finds its service.
#[derive(Debug, Clone, Copy)]
pub struct Targets {
    pub aggregator: SocketAddr,
    pub assessor: SocketAddr,
    pub collector: SocketAddr,
    pub dashboard: SocketAddr,
}

/// `text` with `from` replaced by `to`; panics if `from` is not there, so a
/// changed deploy file fails loudly instead of being silently not adapted.
fn swap(text: String, from: &str, to: &str, file: &str) -> String {
    assert!(
        text.contains(from),
        "{file} no longer contains {from:?}; update tests/e2e/src/prometheus.rs"
    );
    text.replace(from, to)
}

/// A real Prometheus server, killed on drop.
pub struct Prometheus {
    child: Child,
    pub url: String,
    log: PathBuf,
    _dir: TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// The deploy config and rules against `targets`, every interval 1 s.
    pub fn start(targets: Targets) -> Self {
        Self::start_with_rules(targets, |rules| rules)
    }

    /// The same, with each rules file passed through `adapt` (e.g. to
    /// shorten an alert's `for:`).
    pub fn start_with_rules(targets: Targets, adapt: impl Fn(String) -> String) -> Self {
        let bin = tool("prometheus", "PROMETHEUS_BIN");
        let dir = TempDir::new("prometheus").expect("scratch dir");
        let port = free_port().expect("a free port");
        let deploy = repo_root().join("deploy/prometheus");
        let name = "deploy/prometheus/prometheus.yml";
        let mut config =
            std::fs::read_to_string(deploy.join("prometheus.yml")).expect("read prometheus.yml");
        config = swap(config, "scrape_interval: 15s", "scrape_interval: 1s", name);
        config = swap(
            config,
            "evaluation_interval: 15s",
            "evaluation_interval: 1s",
            name,
        );
        config = swap(config, "localhost:9090", &format!("127.0.0.1:{port}"), name);
        config = swap(
            config,
            "aggregator:9101",
            &targets.aggregator.to_string(),
            name,
        );
        config = swap(config, "assessor:9102", &targets.assessor.to_string(), name);
        config = swap(
            config,
            "dashboard-api:8080",
            &targets.dashboard.to_string(),
            name,
        );
        config = swap(
            config,
            "collector:9103",
            &targets.collector.to_string(),
            name,
        );
        config = swap(
            config,
            "site-leaf:9103",
            &targets.collector.to_string(),
            name,
        );
        std::fs::write(dir.path.join("prometheus.yml"), config).expect("write config");

        let rules = dir.path.join("rules");
        std::fs::create_dir_all(&rules).expect("rules dir");
        for entry in std::fs::read_dir(deploy.join("rules")).expect("read rules dir") {
            let path = entry.expect("dir entry").path();
            let text = std::fs::read_to_string(&path).expect("read rules");
            // Recording rules run every 30 s (availability every 5 min) in
            // the deploy file; every second here.
            let text = text
                .replace("interval: 30s", "interval: 1s")
                .replace("interval: 5m", "interval: 1s");
            let text = adapt(text);
            std::fs::write(rules.join(path.file_name().expect("name")), text).expect("write rules");
        }

        let log = dir.path.join("prometheus.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(&bin)
            .arg(format!(
                "--config.file={}",
                dir.path.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e} ({INSTALL_HINT})", bin.display()));
        Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// `/api/v1/query`: `Ok(result vector)` or `Err(the API's error)`;
    /// `None` while the server does not answer yet.
    pub async fn query(&self, promql: &str) -> Option<Result<Vec<Value>, String>> {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/query", self.url))
            .query(&[("query", promql)])
            .send()
            .await
            .ok()?;
        let body: Value = response.json().await.ok()?;
        Some(if body["status"] == "success" {
            Ok(body["data"]["result"]
                .as_array()
                .cloned()
                .unwrap_or_default())
        } else {
            Err(format!("{}: {}", body["errorType"], body["error"]))
        })
    }

    /// The samples of `promql` now, as (labels, value); empty while the
    /// server does not answer.
    pub async fn samples(&self, promql: &str) -> Vec<(Value, f64)> {
        match self.query(promql).await {
            Some(Ok(samples)) => samples
                .into_iter()
                .filter_map(|s| {
                    let value = s["value"][1].as_str()?.parse().ok()?;
                    Some((s["metric"].clone(), value))
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// (rules loaded, [(rule, health, last error)] of those not "ok").
    pub async fn rule_health(&self) -> (usize, Vec<(String, String, String)>) {
        let body: Value = match reqwest::get(format!("{}/api/v1/rules", self.url)).await {
            Ok(response) => response.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        let rules: Vec<Value> = body["data"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .collect();
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let bad = rules
            .iter()
            .filter(|r| r["health"] != "ok")
            .map(|r| (text(&r["name"]), text(&r["health"]), text(&r["lastError"])))
            .collect();
        (rules.len(), bad)
    }

    /// Waits until `promql` returns a sample whose value passes `want`.
    pub async fn wait_value(&self, promql: &str, want: impl Fn(f64) -> bool) -> f64 {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut last = None;
        loop {
            if let Some(answer) = self.query(promql).await {
                let value = answer
                    .as_ref()
                    .ok()
                    .and_then(|samples| samples.first()?["value"][1].as_str()?.parse::<f64>().ok());
                if let Some(value) = value.filter(|v| want(*v)) {
                    return value;
                }
                last = Some(answer);
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "Prometheus never answered {promql} as expected (last answer: {last:?}); its log:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
