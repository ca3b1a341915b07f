//! The deployment files against the running system, with the real tools:
//! `promtool check metrics` on every service's live `/metrics`, a real
//! Prometheus server running `deploy/prometheus/prometheus.yml` and its rules
//! against the services, every Grafana dashboard query answered by it, the
//! Dockerfile's HEALTHCHECK against the live endpoints, and the config files
//! shipped in `k8s/` loaded by the services' own parsers.
//!
//! Needs Debian's `prometheus` package (`promtool`, `prometheus`):
//! `scripts/install-deps.sh --deploy-tools` installs it (scripts/test.sh does).
//! `PROMTOOL_BIN` / `PROMETHEUS_BIN` override the binaries.

use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use healthmon_e2e::api::Api;
use healthmon_e2e::prometheus::{PATIENCE, Prometheus, Targets, repo_root, tool};
use healthmon_e2e::services::{dashboard_config, start_dashboard};
use healthmon_e2e::{Central, INTERVAL};
use healthmon_test_support::eventually;
use serde_json::Value;

const SITE: &str = "sim-00001";

/// Every service of the central side plus a 3-site simulator, all online.
struct System {
    central: Central,
    _simulator: healthmon_e2e::services::Collector,
    collector_metrics: SocketAddr,
}

impl System {
    async fn start() -> Self {
        let central = Central::start().await;
        let simulator = central.simulator(3, INTERVAL).await;
        let collector_metrics = simulator.service().metrics_addr;
        central.site_becomes(SITE, "online", PATIENCE).await;
        System {
            central,
            _simulator: simulator,
            collector_metrics,
        }
    }

    /// (service, address of its /metrics) for every service.
    fn metrics_endpoints(&self) -> [(&'static str, SocketAddr); 4] {
        let t = self.targets();
        [
            ("aggregator", t.aggregator),
            ("assessor", t.assessor),
            ("collector", t.collector),
            ("dashboard-api", t.dashboard),
        ]
    }

    /// A real Prometheus on the deploy config, once it sees [`SITE`] up.
    async fn prometheus_seeing_the_site(&self) -> Prometheus {
        let prometheus = Prometheus::start(self.targets());
        prometheus
            .wait_value(&format!("healthmon_site_up{{site=\"{SITE}\"}}"), |v| {
                v == 1.0
            })
            .await;
        prometheus
    }

    fn targets(&self) -> Targets {
        Targets {
            aggregator: self.central.aggregator.service().metrics_addr,
            assessor: self.central.assessor.service().metrics_addr,
            collector: self.collector_metrics,
            dashboard: self.central.dashboard.service().metrics_addr,
        }
    }
}

async fn get_text(url: &str) -> String {
    reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .text()
        .await
        .expect("body")
}

fn run_with_stdin(mut cmd: Command, input: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[tokio::test]
async fn every_service_metrics_pass_promtool_check_metrics() {
    let promtool = tool("promtool", "PROMTOOL_BIN");
    let system = System::start().await;

    for (service, addr) in system.metrics_endpoints() {
        let body = get_text(&format!("http://{addr}/metrics")).await;
        let mut cmd = Command::new(&promtool);
        cmd.args(["check", "metrics"]);
        let out = run_with_stdin(cmd, body.as_bytes());
        let complaints = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && complaints.trim().is_empty(),
            "promtool check metrics finds problems in the {service}'s /metrics ({}):\n{complaints}",
            out.status
        );
    }
    // The per-site series were part of what was checked.
    let aggregator = system.central.aggregator_metrics().await;
    assert!(
        aggregator.contains(&format!("healthmon_site_up{{site=\"{SITE}\"}} 1")),
        "aggregator /metrics lacks {SITE}'s up series:\n{aggregator}"
    );
}

#[tokio::test]
async fn prometheus_scrapes_every_service_and_serves_the_per_site_series() {
    let system = System::start().await;
    let prometheus = Prometheus::start(system.targets());

    // What a user checks first: the simulated site is up, as Prometheus sees it.
    let up = prometheus
        .wait_value(&format!("healthmon_site_up{{site=\"{SITE}\"}}"), |v| {
            v == 1.0
        })
        .await;
    assert_eq!(up, 1.0);

    // Labels given in the registry join onto every per-site series.
    let labels = serde_json::json!({"labels": {"region": "north"}});
    let path = format!("/api/v1/sites/{SITE}/labels");
    system.central.api.put_ok(&path, Some(labels)).await;
    let join = "healthmon_site_up * on(site) group_left(region) healthmon_site_info";
    let joined = eventually("the join with healthmon_site_info", PATIENCE, || async {
        prometheus
            .samples(join)
            .await
            .into_iter()
            .find(|(labels, _)| labels["site"] == SITE && labels["region"] == "north")
    })
    .await;
    assert_eq!(joined.1, 1.0);
    prometheus
        .wait_value(
            r#"region:healthmon_sites_offline:sum{region="north"}"#,
            |v| v == 0.0,
        )
        .await;

    // Every job of the deploy config is scraped successfully.
    for job in [
        "healthmon-aggregator",
        "healthmon-assessor",
        "healthmon-collector",
        "healthmon-dashboard-api",
        "prometheus",
    ] {
        prometheus
            .wait_value(&format!("min(up{{job=\"{job}\"}})"), |v| v == 1.0)
            .await;
    }

    // The recording rules produce the fleet counts.
    prometheus
        .wait_value("healthmon:sites:count", |v| v == 3.0)
        .await;
    prometheus
        .wait_value("healthmon:sites_online:sum", |v| v == 3.0)
        .await;

    // Every rule (recording and alerting) evaluates without error against
    // the live series, over several evaluations (1 s apart).
    let mut healthy_in_a_row = 0;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let rules = loop {
        let (total, bad) = prometheus.rule_health().await;
        if bad.iter().any(|(_, health, _)| health == "err") {
            panic!("rules failing to evaluate: {bad:?}");
        }
        healthy_in_a_row = if bad.is_empty() && total > 0 {
            healthy_in_a_row + 1
        } else {
            0
        };
        if healthy_in_a_row == 4 {
            break total;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "rules never all healthy: {bad:?}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    assert!(rules >= 10, "only {rules} rules loaded");
}

#[tokio::test]
async fn every_grafana_dashboard_query_is_answered_by_prometheus() {
    let system = System::start().await;
    let prometheus = system.prometheus_seeing_the_site().await;
    // rate() needs two scrapes in its window.
    prometheus
        .wait_value(
            "count_over_time(up{job=\"healthmon-aggregator\"}[1m])",
            |v| v >= 3.0,
        )
        .await;

    let path = repo_root().join("deploy/grafana/healthmon-fleet.json");
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read dashboard"))
            .expect("dashboard JSON");
    // Panels that are rightly empty for a healthy simulated fleet.
    let may_be_empty = [
        "Sites needing attention (now)",
        "Reports rejected per second",
        "Custom gauges",
    ];
    let mut checked = 0;
    for panel in dashboard["panels"].as_array().expect("panels") {
        let title = panel["title"].as_str().unwrap_or_default();
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().expect("expr");
            let promql = expr
                .replace("$site", SITE)
                .replace("$__rate_interval", "1m");
            let result = eventually(&format!("panel {title:?}: {promql}"), PATIENCE, || async {
                match prometheus.query(&promql).await? {
                    Ok(samples) if samples.is_empty() && !may_be_empty.contains(&title) => None,
                    answer => Some(answer),
                }
            })
            .await;
            if let Err(e) = result {
                panic!("panel {title:?}: Prometheus rejects {promql}: {e}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} dashboard queries found");
}

/// The HEALTHCHECK command and each target's HEALTHCHECK_PORT/PATH, from the Dockerfile.
fn dockerfile_healthchecks() -> (Vec<String>, Vec<(String, u16, String)>) {
    let dockerfile =
        std::fs::read_to_string(repo_root().join("Dockerfile")).expect("read Dockerfile");
    let start = dockerfile.find("HEALTHCHECK ").expect("a HEALTHCHECK");
    let cmd_at = start
        + dockerfile[start..]
            .find("CMD [")
            .expect("HEALTHCHECK CMD [...]")
        + 4;
    let line_end = cmd_at + dockerfile[cmd_at..].find('\n').expect("line end");
    let command: Vec<String> = serde_json::from_str(&dockerfile[cmd_at..line_end])
        .expect("HEALTHCHECK CMD is a JSON array");

    let mut targets = Vec::new();
    for stage in dockerfile.split("\nFROM ").skip(1) {
        let name = stage.lines().next().unwrap_or_default();
        let Some(target) = name.strip_prefix("runtime AS ") else {
            continue;
        };
        if stage.contains("\nHEALTHCHECK NONE") {
            continue; // a one-shot tool (the CLI image), not a service
        }
        let env = |key: &str| {
            stage
                .split_whitespace()
                .find_map(|word| word.strip_prefix(&format!("{key}=")))
                .map(str::to_owned)
        };
        let port: u16 = env("HEALTHCHECK_PORT")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("stage {target}: no HEALTHCHECK_PORT"));
        let path = env("HEALTHCHECK_PATH")
            .unwrap_or_else(|| panic!("stage {target}: no HEALTHCHECK_PATH"));
        // The health check must look where the service listens by default.
        let listen = env("METRICS_ADDR")
            .or_else(|| env("HTTP_ADDR"))
            .expect("listen address");
        assert!(
            listen.ends_with(&format!(":{port}")),
            "stage {target}: HEALTHCHECK_PORT {port} but the service listens on {listen}"
        );
        targets.push((target.trim().to_owned(), port, path));
    }
    (command, targets)
}

fn healthcheck(command: &[String], port: u16, path: &str) -> bool {
    Command::new(&command[0])
        .args(&command[1..])
        .env("HEALTHCHECK_PORT", port.to_string())
        .env("HEALTHCHECK_PATH", path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run the HEALTHCHECK command")
        .success()
}

#[tokio::test]
async fn the_dockerfile_healthcheck_passes_against_the_live_services() {
    let (command, targets) = dockerfile_healthchecks();
    let system = System::start().await;
    let live: std::collections::HashMap<&str, SocketAddr> =
        system.metrics_endpoints().into_iter().collect();

    for service in ["aggregator", "assessor", "collector", "dashboard-api"] {
        let (_, _, path) = targets
            .iter()
            .find(|(t, _, _)| t == service)
            .unwrap_or_else(|| panic!("Dockerfile has no target {service}"));
        let port = live[service].port();
        let command = command.clone();
        let path = path.clone();
        let healthy = tokio::task::spawn_blocking(move || healthcheck(&command, port, &path))
            .await
            .expect("join");
        assert!(
            healthy,
            "HEALTHCHECK fails for the live {service} on :{port}"
        );
    }
    // And it can fail: nothing listens on a fresh port.
    let closed = healthmon_test_support::free_port().expect("a free port");
    let healthy = tokio::task::spawn_blocking(move || healthcheck(&command, closed, "/metrics"))
        .await
        .expect("join");
    assert!(!healthy, "HEALTHCHECK passes with nothing listening");
}

#[test]
fn the_config_files_shipped_in_k8s_load_with_the_services_parsers() {
    let root = repo_root();
    let rules = root.join("k8s/assessor/rules.toml");
    if let Err(e) = healthmon_assessor::Rules::load(&rules) {
        panic!("{}: {e}", rules.display());
    }
    let collector = root.join("k8s/examples/site-daemonset/collector.toml");
    if let Err(e) = healthmon_collector::config_file::load(&collector) {
        panic!("{}: {e}", collector.display());
    }
}

/// Issue 15: the page's 24 h sparkline comes from Prometheus through the
/// dashboard API (`--prometheus-url`): the uptime route answers the share
/// of each 10 minutes the site was online as Prometheus has it, for a site
/// the caller may see; without Prometheus it is a 404 saying so. And the
/// availability recording rules and `healthmon_site_judged` /
/// `healthmon_assessor_judging` are live.
#[tokio::test]
async fn the_uptime_route_serves_a_sites_last_24_h_from_prometheus() {
    let system = System::start().await;
    let prometheus = system.prometheus_seeing_the_site().await;

    // The central dashboard API was started without Prometheus.
    let (status, body) = system
        .central
        .api
        .get(&format!("/api/v1/sites/{SITE}/uptime"))
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(body.to_string().contains("--prometheus-url"), "{body}");

    let mut config = dashboard_config(system.central.nats_config());
    config.prometheus_url = Some(prometheus.url.clone());
    let dashboard = start_dashboard(config).await;
    let api = Api::new(format!("http://{}", dashboard.service().http_addr));
    let uptime = eventually("a point from Prometheus", PATIENCE, || async {
        let (status, body) = api.get(&format!("/api/v1/sites/{SITE}/uptime")).await;
        assert_eq!(status, 200, "{body}");
        let points = body["points"].as_array()?.clone();
        (!points.is_empty()).then_some(body)
    })
    .await;
    assert_eq!(uptime["site_id"], SITE);
    assert_eq!(uptime["step_s"], 600);
    let last = uptime["points"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["up"], 1.0, "online all along: {uptime}");
    let (status, _) = api.get("/api/v1/sites/no-such-site/uptime").await;
    assert_eq!(status, 404);

    // What availability is computed from is there, and judged.
    prometheus
        .wait_value(
            &format!("site:healthmon_judged:bool{{site=\"{SITE}\"}}"),
            |v| v == 1.0,
        )
        .await;
    prometheus
        .wait_value(
            &format!("site:healthmon_up_judged:bool{{site=\"{SITE}\"}}"),
            |v| v == 1.0,
        )
        .await;
}
