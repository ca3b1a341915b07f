//! Subsystem metrics scraped over HTTP and mapped into the report.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::*;
use axum::{Router, extract::State, http::StatusCode, routing::get};
use healthmon_collector::config_file;
use healthmon_proto::{HealthReport, NodeRole};
use healthmon_test_support::fixtures::connection_states;

/// A subsystem's `/metrics`: serves whatever the test put in `body`, or 503 when `None`.
#[derive(Clone)]
struct Exporter {
    body: Arc<Mutex<Option<String>>>,
    url: String,
}

impl Exporter {
    async fn start(initial: &str) -> Exporter {
        let body = Arc::new(Mutex::new(Some(initial.to_owned())));
        let app = Router::new()
            .route(
                "/metrics",
                get(
                    |State(body): State<Arc<Mutex<Option<String>>>>| async move {
                        match body.lock().unwrap().clone() {
                            Some(text) => (StatusCode::OK, text),
                            None => (StatusCode::SERVICE_UNAVAILABLE, String::new()),
                        }
                    },
                ),
            )
            .with_state(body.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/metrics", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Exporter { body, url }
    }

    fn set(&self, text: Option<String>) {
        *self.body.lock().unwrap() = text;
    }
}

fn site_metrics(script_errors: u64) -> String {
    format!(
        r#"# HELP site_connection_up Data connection state.
# TYPE site_connection_up gauge
site_connection_up{{connection="plc-1"}} 1
site_connection_up{{connection="opc ua, line 2"}} 0
# TYPE site_script_errors_total counter
site_script_errors_total{{script="pump"}} {script_errors}
site_alarm_errors_total 3
site_sf_buffer_depth{{category="external"}} 12
site_sf_buffer_depth{{category="notification"}} 0
site_sf_buffer_depth{{category="db_write"}} 250
site_node_role{{node="node-a",role="active"}} 0
site_node_role{{node="node-a",role="standby"}} 1
site_node_role{{node="node-b",role="active"}} 1
site_node_role{{node="node-b",role="standby"}} 0
app_latency_ms{{endpoint="/api"}} 42.5
"#
    )
}

fn sources_toml(url: &str) -> String {
    format!(
        r#"
[[scrape]]
name = "runtime"
url = "{url}"
timeout = "500ms"

[custom]
api_latency_ms = {{ metric = "app_latency_ms", labels = {{ endpoint = "/api" }} }}
"#
    )
}

/// Has the subsystem report `total` script errors and waits for the first
/// report that carries the new total.
async fn report_with_total(exporter: &Exporter, inbox: &Inbox, total: u64) -> HealthReport {
    exporter.set(Some(site_metrics(total)));
    inbox
        .next_match(
            &format!("a report with {total} script errors"),
            Duration::from_secs(5),
            |r| r.report.script_errors.total == total,
        )
        .await
        .report
}

#[tokio::test]
async fn scraped_values_fill_the_report_and_rates_survive_a_counter_reset() {
    let (server, inbox) = server_with_inbox().await;
    let exporter = Exporter::start(&site_metrics(100)).await;
    let mut config = config(&server, "plant-1", Duration::from_millis(250));
    let file = config_file::parse(&sources_toml(&exporter.url)).unwrap();
    config.sources.scrape = file.scrape;
    config.sources.custom = file.custom;
    let collector = start(config).await;

    let r = inbox.first().await;
    assert_eq!(
        connection_states(&r),
        [("opc ua, line 2", false), ("plc-1", true)]
    );
    let nodes: Vec<_> = r.nodes.iter().map(|n| (n.name.as_str(), n.role)).collect();
    assert_eq!(
        nodes,
        [("node-a", NodeRole::Standby), ("node-b", NodeRole::Active)]
    );
    assert_eq!(r.active_node(), Some("node-b"));
    assert_eq!(r.script_errors.total, 100);
    assert_eq!(r.alarm_errors.total, 3);
    assert_eq!(
        (
            r.sf_buffer.external,
            r.sf_buffer.notification,
            r.sf_buffer.db_write
        ),
        (12, 0, 250)
    );
    assert_eq!(r.custom.get("api_latency_ms"), Some(&42.5));

    // A steady counter gives a zero rate.
    let steady = inbox
        .wait_match(
            "a report with a zero rate",
            1,
            Duration::from_secs(5),
            |r| r.report.seq >= 2 && r.report.script_errors.per_min == 0.0,
        )
        .await;

    // +10 errors within one 250 ms interval is about 2400 per minute.
    let rising = report_with_total(&exporter, &inbox, 110).await;
    let rate = rising.script_errors.per_min;
    assert!(
        (900.0..=4_000.0).contains(&rate),
        "per_min {rate} for +10 in ~250ms"
    );
    assert!(rising.seq > steady.report.seq);

    // The subsystem restarts: its counter starts again from 0 and is at 4.
    let rate = report_with_total(&exporter, &inbox, 4)
        .await
        .script_errors
        .per_min;
    assert!(
        (300.0..=1_700.0).contains(&rate),
        "per_min {rate} for 4 new errors after a reset"
    );

    collector.stop().await;
}

#[tokio::test]
async fn a_failing_target_is_counted_and_never_stops_the_reports() {
    let (server, inbox) = server_with_inbox().await;
    let exporter = Exporter::start(&site_metrics(50)).await;
    let mut config = config(&server, "plant-2", Duration::from_millis(150));
    config.sources.scrape = config_file::parse(&sources_toml(&exporter.url))
        .unwrap()
        .scrape;
    let collector = start(config).await;
    inbox.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(
        collector
            .metric(
                "healthmon_collector_scrape_errors_total",
                &[("target", "runtime")]
            )
            .await,
        Some(0.0)
    );

    exporter.set(None);
    let during = inbox
        .next_match(
            "a report without the target's connections",
            Duration::from_secs(5),
            |r| r.report.connections.is_empty(),
        )
        .await;
    // Counters and buffers keep their last value instead of dropping to zero.
    assert_eq!(during.report.script_errors.total, 50);
    assert_eq!(during.report.sf_buffer.db_write, 250);
    assert!(during.report.nodes.is_empty());
    let errors = collector
        .metric(
            "healthmon_collector_scrape_errors_total",
            &[("target", "runtime")],
        )
        .await;
    assert!(errors.is_some_and(|n| n >= 1.0), "scrape errors {errors:?}");

    exporter.set(Some(site_metrics(60)));
    inbox
        .next_match("the target back", Duration::from_secs(5), |r| {
            r.report.connections.len() == 2 && r.report.script_errors.total == 60
        })
        .await;
    collector.stop().await;
}
