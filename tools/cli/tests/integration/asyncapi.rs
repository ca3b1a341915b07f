//! `docs/asyncapi.yaml`: parsed and validated by the official AsyncAPI parser
//! (`@asyncapi/parser`, run by node from `tools/asyncapi-check`, installed by
//! `scripts/install-deps.sh --doc-tools`), then compared with the contract:
//! every documented subject is one the code uses and the other way round
//! (the fleet registry's KV keys too), every documented payload has exactly
//! the keys the Rust types (and the real micro services) put on the wire,
//! every documented enum exactly the values, and the rejection reasons and
//! report keys are those of the code in the AsyncAPI document and in the
//! README's contract tables alike.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use healthmon_assessor::centre::{CentreEvent, HEADER_CENTRE};
use healthmon_assessor::incidents::{HEADER_INCIDENT, HEADER_STATE};
use healthmon_assessor::mass_silence::Change;
use healthmon_common::micro::{ERROR_CODE_HEADER, ERROR_HEADER};
use healthmon_proto::audit::{AuditAction, AuditEvent, AuditOutcome};
use healthmon_proto::fleet::{Ack, Maintenance, SiteRecord, Source};
use healthmon_proto::judgement::{Availability, Deduction, Flapping, Judgement, Recovering};
use healthmon_proto::labels::Labels;
use healthmon_proto::query::{
    FleetSummary, GetQuery, ListQuery, PageQuery, SiteDetail, SitePage, SiteSummary, SortOrder,
    StatusPage, StatusRow, Summary, SummaryGroup, SummaryQuery,
};
use healthmon_proto::subjects::{
    HEADER_CONNECTIVITY, HEADER_CONTENT_TYPE, HEADER_HEALTH, HEADER_RESEND_SPREAD_MS, HEADER_SITE,
};
use healthmon_proto::validate::Rejection;
use healthmon_proto::{
    Connectivity, Health, HealthReport, Incident, IncidentState, StatusEvent, Subjects,
};
use healthmon_registry::Kind;
use healthmon_registry::store::DEFAULT_BUCKET;
use healthmon_test_support::fixtures;
use serde::Serialize;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the checker on `file`: Ok(summary JSON) or Err(stderr).
fn check(file: &Path) -> Result<Value, String> {
    let tool = repo().join("tools/asyncapi-check");
    assert!(
        tool.join("node_modules/@asyncapi/parser").is_dir(),
        "@asyncapi/parser is not installed: run scripts/install-deps.sh --doc-tools"
    );
    let output = Command::new("node")
        .arg(tool.join("check.mjs"))
        .arg(file)
        .output()
        .expect("node runs (scripts/install-deps.sh --doc-tools installs it)");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(stderr);
    }
    Ok(serde_json::from_slice(&output.stdout).expect("the checker prints JSON"))
}

fn document() -> Value {
    check(&repo().join("docs/asyncapi.yaml"))
        .unwrap_or_else(|stderr| panic!("docs/asyncapi.yaml is not valid AsyncAPI:\n{stderr}"))
}

#[test]
fn the_document_parses_with_the_asyncapi_parser() {
    let doc = document();
    assert_eq!(doc["asyncapi"], "3.0.0");
    assert!(doc["operations"].as_object().unwrap().len() >= 10);
}

#[test]
fn a_broken_document_is_refused() {
    let text = std::fs::read_to_string(repo().join("docs/asyncapi.yaml")).unwrap();
    let dir = std::env::temp_dir().join(format!("healthmon-asyncapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (what, broken) in [
        (
            "an operation on a channel that does not exist",
            text.replacen("$ref: '#/channels/report'", "$ref: '#/channels/nowhere'", 1),
        ),
        (
            "an action AsyncAPI 3 does not know",
            text.replacen("action: send", "action: publish", 1),
        ),
    ] {
        assert_ne!(broken, text, "the mutation applies");
        let file = dir.join("broken.yaml");
        std::fs::write(&file, broken).unwrap();
        let stderr = check(&file).expect_err(what);
        assert!(stderr.contains("error"), "{what}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_subject_in_use_is_documented_and_nothing_else() {
    let doc = document();
    let s = Subjects::default();
    let expected: BTreeSet<String> = [
        s.report("SITE"),
        s.status("SITE"),
        s.centre_status(),
        s.incidents(),
        s.resend(),
        s.aggregator("summary"),
        s.aggregator("list"),
        s.aggregator("get"),
        s.audit(),
        s.assessor("statuses"),
        "$SRV.PING".to_owned(),
        "$SRV.INFO.{service}".to_owned(),
        "$SRV.STATS.{service}".to_owned(),
    ]
    .into_iter()
    // The registry's keys, as the KV API puts them on the wire.
    .chain(
        [Kind::Site, Kind::Maintenance, Kind::Ack]
            .map(|kind| format!("$KV.{DEFAULT_BUCKET}.{}", kind.key("SITE"))),
    )
    .collect();
    let documented: BTreeSet<String> = doc["channels"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|c| c["address"].as_str())
        .map(|a| {
            a.replace("{prefix}", "health")
                .replace("{bucket}", DEFAULT_BUCKET)
                .replace("{site_id}", "SITE")
        })
        .collect();
    assert_eq!(documented, expected);

    for (message, content_type) in [
        ("HealthReport", "application/msgpack"),
        ("StatusEvent", "application/msgpack"),
        ("CentreEvent", "application/msgpack"),
        ("Incident", "application/msgpack"),
        ("SummaryQuery", "application/json"),
        ("FleetSummary", "application/json"),
        ("ListQuery", "application/json"),
        ("SiteRecord", "application/json"),
        ("Maintenance", "application/json"),
        ("Ack", "application/json"),
    ] {
        assert_eq!(
            doc["messages"][message]["contentType"], content_type,
            "{message}"
        );
    }
}

/// Every property path of a JSON value (`a`, `a.b`, `list[].c`); the keys of
/// maps (site-defined `custom` gauges, `metadata`, labels) are data, not schema.
fn paths(value: &Value) -> BTreeSet<String> {
    fn walk(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, sub) in map {
                    let path = format!("{prefix}{key}");
                    out.insert(path.clone());
                    if !MAPS.contains(&key.as_str()) {
                        walk(sub, &format!("{path}."), out);
                    }
                }
            }
            Value::Array(items) => {
                let list = format!("{}[].", prefix.trim_end_matches('.'));
                for item in items {
                    walk(item, &list, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(value, "", &mut out);
    out
}

/// Keys whose values are maps with data for keys.
const MAPS: [&str; 4] = ["custom", "metadata", "labels", "declared_labels"];

fn documented(doc: &Value, schema: &str) -> BTreeSet<String> {
    doc["schemas"][schema]
        .as_array()
        .unwrap_or_else(|| panic!("schema {schema} is documented"))
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

fn json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

/// A report with every optional part present, so every key is serialized.
fn full_report() -> HealthReport {
    fixtures::full("plant-7")
}

fn labels() -> Labels {
    [("region".to_owned(), "eu-west".to_owned())].into()
}

/// A record with every optional part present.
fn record() -> SiteRecord {
    SiteRecord {
        expected: true,
        labels: labels(),
        interval_ms: Some(30_000),
        registered_ms: 1,
        source: Source::Roster,
        declared_interval_ms: Some(30_000),
        declared_labels: labels(),
        first_report_ms: Some(2),
    }
}

fn window() -> Maintenance {
    Maintenance {
        since_ms: 1,
        until_ms: Some(2),
        reason: Some("firmware".into()),
        by: "ops".into(),
    }
}

fn ack() -> Ack {
    Ack {
        at_ms: 1,
        by: "ops".into(),
        note: "on it".into(),
        connectivity: Connectivity::Offline,
        health: Health::Healthy,
        since_ms: 1,
    }
}

fn row() -> SiteSummary {
    SiteSummary {
        last_report_ms: Some(1),
        status_since_ms: Some(1),
        interval_ms: Some(1),
        active_node: Some("a".into()),
        connections_up: 1,
        connections_total: 1,
        labels: labels(),
        acknowledged: true,
        judgement: judgement(),
        ..SiteSummary::new("plant-7", Connectivity::Online, Health::Healthy)
    }
}

fn site_page() -> SitePage {
    SitePage {
        total: 1,
        offset: 0,
        limit: 1,
        sites: vec![row()],
    }
}

fn status_page() -> StatusPage {
    StatusPage {
        total: 1,
        items: vec![StatusRow {
            site_id: "plant-7".into(),
            connectivity: Connectivity::Online,
            health: Health::Healthy,
            reasons: vec![],
            last_report_ms: None,
            since_ms: 1,
            judgement: judgement(),
        }],
    }
}

/// A closed incident: every key set.
fn incident() -> Incident {
    Incident {
        v: 1,
        id: "leaf=leaf-eu-1".into(),
        kind: "link".into(),
        state: IncidentState::Closed,
        label: "leaf".into(),
        value: "leaf-eu-1".into(),
        at_ms: 1,
        closed_ms: Some(2),
        sites: 2,
        silent: 0,
        silenced: 2,
        reason: "link leaf leaf-eu-1 lost at 00:00:00 UTC, 2 sites behind it".into(),
    }
}

/// Every key of the judgement set, so the document must list them all.
fn judgement() -> Judgement {
    Judgement {
        stale_reasons: vec!["connection plc-2 disconnected".into()],
        flapping: Some(flapping()),
        recovering: Some(recovering()),
        score: Some(55),
        score_off: vec![deduction()],
        availability: Some(availability()),
    }
}

fn availability() -> Availability {
    Availability {
        online_ms: 3_500_000,
        judged_ms: 3_600_000,
        since_ms: 1,
        as_of_ms: 3_600_001,
    }
}

fn flapping() -> Flapping {
    Flapping {
        changes: 7,
        window_s: 600,
    }
}

fn recovering() -> Recovering {
    Recovering {
        depth: 10_000,
        drain_per_min: Some(4_000.0),
        empty_in_s: Some(150),
    }
}

fn deduction() -> Deduction {
    Deduction {
        points: 40,
        reason: "critical: no active node".into(),
    }
}

#[test]
fn documented_payloads_have_exactly_the_keys_on_the_wire() {
    let doc = document();
    let event = StatusEvent {
        v: 1,
        site_id: "plant-7".into(),
        at_ms: 1,
        connectivity: Connectivity::Offline,
        previous_connectivity: Connectivity::Online,
        health: Health::Healthy,
        previous_health: Health::Healthy,
        reasons: vec!["r".into()],
        last_report_ms: Some(1),
        judgement: judgement(),
    };
    let detail = SiteDetail {
        site_id: "plant-7".into(),
        connectivity: Connectivity::Online,
        health: Health::Healthy,
        reasons: vec![],
        last_report_ms: Some(1_700_000_000_123),
        received_at_us: Some(1_700_000_000_123_456),
        status_since_ms: None,
        lost_reports: 0,
        report: Some(full_report()),
        maintenance: true,
        labels: labels(),
        maintenance_window: Some(window()),
        ack: Some(ack()),
        registry: Some(record()),
        judgement: judgement(),
    };
    let totals = Summary {
        total: 1,
        online: 1,
        healthy: 1,
        ..Summary::default()
    };
    let grouped = FleetSummary {
        totals,
        by: Some("region".into()),
        groups: vec![SummaryGroup {
            value: Some("eu-west".into()),
            counts: totals,
        }],
        incidents: vec![incident()],
    };
    let cases: Vec<(&str, Value)> = vec![
        ("HealthReport", json(&full_report())),
        ("StatusEvent", json(&event)),
        (
            "CentreEvent",
            json(&CentreEvent::new(Change::Suspected, 1, 2, 3, "r".into())),
        ),
        ("Incident", json(&incident())),
        ("Summary", json(&Summary::default())),
        ("FleetSummary", json(&grouped)),
        ("SummaryGroup", json(&grouped.groups[0])),
        (
            "SummaryQuery",
            json(&SummaryQuery {
                labels: labels(),
                by: Some("region".into()),
            }),
        ),
        ("SiteRecord", json(&record())),
        ("Maintenance", json(&window())),
        ("Ack", json(&ack())),
        ("SitePage", json(&site_page())),
        ("SiteSummary", json(&row())),
        ("SiteDetail", json(&detail)),
        ("Judgement", json(&judgement())),
        ("Flapping", json(&flapping())),
        ("Recovering", json(&recovering())),
        ("Deduction", json(&deduction())),
        ("Availability", json(&availability())),
        ("StatusPage", json(&status_page())),
        (
            "ListQuery",
            json(&ListQuery {
                search: Some("x".into()),
                labels: labels(),
                ..Default::default()
            }),
        ),
        (
            "GetQuery",
            json(&GetQuery {
                site_id: "x".into(),
            }),
        ),
        ("PageQuery", json(&PageQuery::default())),
        (
            "AuditEvent",
            json(&AuditEvent {
                v: 1,
                at_ms: 1,
                who: "ops".into(),
                role: Some("admin".into()),
                action: AuditAction::ForgetSite,
                outcome: AuditOutcome::Ok,
                site_id: Some("x".into()),
                method: "DELETE".into(),
                path: "/api/v1/sites/x".into(),
                from: "127.0.0.1".into(),
                detail: None,
            }),
        ),
    ];
    for (schema, value) in cases {
        assert_eq!(
            documented(&doc, schema),
            paths(&value),
            "docs/asyncapi.yaml schema {schema} vs the Rust type"
        );
    }

    let headers =
        |names: &[&str]| -> BTreeSet<String> { names.iter().map(|n| (*n).to_owned()).collect() };
    assert_eq!(
        documented(&doc, "StatusHeaders"),
        headers(&[
            HEADER_CONTENT_TYPE,
            HEADER_SITE,
            HEADER_CONNECTIVITY,
            HEADER_HEALTH
        ])
    );
    assert_eq!(
        documented(&doc, "CentreHeaders"),
        headers(&[HEADER_CONTENT_TYPE, HEADER_CENTRE])
    );
    assert_eq!(
        documented(&doc, "ServiceErrorHeaders"),
        headers(&[ERROR_CODE_HEADER, ERROR_HEADER])
    );
    assert_eq!(
        documented(&doc, "IncidentHeaders"),
        headers(&[HEADER_CONTENT_TYPE, HEADER_INCIDENT, HEADER_STATE])
    );
    assert_eq!(
        documented(&doc, "ResendHeaders"),
        headers(&[HEADER_RESEND_SPREAD_MS])
    );
}

#[tokio::test]
async fn documented_discovery_answers_match_the_real_services() {
    let doc = document();
    let central = healthmon_e2e::Central::start().await;
    let nats = central.nats.client().await;
    // One answered request, so that the stats are not all defaults.
    nats.request("health.agg.summary", "".into()).await.unwrap();
    for (subject, schema) in [
        ("$SRV.PING.healthmon-aggregator", "PingResponse"),
        ("$SRV.INFO.healthmon-aggregator", "InfoResponse"),
        ("$SRV.STATS.healthmon-aggregator", "StatsResponse"),
        ("$SRV.INFO.healthmon-assessor", "InfoResponse"),
    ] {
        let reply = tokio::time::timeout(
            Duration::from_secs(5),
            nats.request(subject.to_owned(), "".into()),
        )
        .await
        .expect("answered in time")
        .unwrap_or_else(|e| panic!("{subject}: {e}"));
        let answer: Value = serde_json::from_slice(&reply.payload).unwrap();
        let real = paths(&answer);
        let documented = documented(&doc, schema);
        let undocumented: Vec<_> = real.difference(&documented).collect();
        assert!(
            undocumented.is_empty(),
            "{subject}: undocumented {undocumented:?}"
        );
        // `data` only appears when a service adds custom statistics.
        let missing: Vec<_> = documented
            .difference(&real)
            .filter(|p| p.as_str() != "endpoints[].data")
            .collect();
        assert!(
            missing.is_empty(),
            "{subject}: documented but not sent {missing:?}"
        );
    }
    // The endpoints the services serve are the documented channels: no
    // admin endpoint (forget, maintenance) is left on any replica.
    let channels: BTreeSet<String> = doc["channels"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|c| c["address"].as_str())
        .map(|a| a.replace("{prefix}", "health"))
        .collect();
    for (service, want) in [
        (
            "healthmon-aggregator",
            &["health.agg.get", "health.agg.list", "health.agg.summary"][..],
        ),
        ("healthmon-assessor", &["health.assessor.statuses"]),
    ] {
        let reply = nats
            .request(format!("$SRV.INFO.{service}"), "".into())
            .await
            .unwrap();
        let info: Value = serde_json::from_slice(&reply.payload).unwrap();
        let served: BTreeSet<String> = info["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["subject"].as_str().unwrap().to_owned())
            .collect();
        let want: BTreeSet<String> = want.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(served, want, "{service}");
        assert!(served.is_subset(&channels), "{service}: {served:?}");
    }
}

/// The wire name of a unit enum value.
fn wire<T: Serialize>(value: T) -> String {
    json(&value).as_str().unwrap().to_owned()
}

/// Every audit action; a new one does not compile here until it is listed
/// (in this match and in [`AuditAction::ALL`], and so documented).
fn every_action() -> Vec<AuditAction> {
    use AuditAction::*;
    for action in AuditAction::ALL {
        match action {
            Authenticate
            | ForgetSite
            | SetMaintenance
            | ClearMaintenance
            | SetMaintenanceBySelector
            | ClearMaintenanceBySelector
            | SetLabels
            | Acknowledge
            | ClearAcknowledgement
            | FleetApply
            | Access => {}
        }
    }
    AuditAction::ALL.to_vec()
}

fn every_outcome() -> Vec<AuditOutcome> {
    use AuditOutcome::*;
    let all = [Ok, Unauthenticated, Forbidden, NotFound, Failed];
    for outcome in all {
        match outcome {
            Ok | Unauthenticated | Forbidden | NotFound | Failed => {}
        }
    }
    all.to_vec()
}

fn every_source() -> Vec<Source> {
    let all = [Source::Roster, Source::Report, Source::Api];
    for source in all {
        match source {
            Source::Roster | Source::Report | Source::Api => {}
        }
    }
    all.to_vec()
}

#[test]
fn documented_enums_have_exactly_the_values_on_the_wire() {
    let doc = document();
    let names = |values: Vec<String>| -> BTreeSet<String> { values.into_iter().collect() };
    for (schema, path, want) in [
        (
            "AuditEvent",
            "action",
            names(every_action().into_iter().map(wire).collect()),
        ),
        (
            "AuditEvent",
            "outcome",
            names(every_outcome().into_iter().map(wire).collect()),
        ),
        (
            "SiteRecord",
            "source",
            names(every_source().into_iter().map(wire).collect()),
        ),
        (
            "Connectivity",
            "",
            names(Connectivity::ALL.into_iter().map(wire).collect()),
        ),
        (
            "Health",
            "",
            names(Health::ALL.into_iter().map(wire).collect()),
        ),
        (
            "ListQuery",
            "sort",
            names(vec![wire(SortOrder::Severity), wire(SortOrder::SiteId)]),
        ),
        (
            "Incident",
            "state",
            names(vec![wire(IncidentState::Open), wire(IncidentState::Closed)]),
        ),
    ] {
        let documented: BTreeSet<String> = doc["enums"][schema][path]
            .as_array()
            .unwrap_or_else(|| panic!("{schema}.{path} has a documented enum"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(documented, want, "{schema}.{path}");
    }
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).unwrap()
}

/// The README's section under `heading`, up to the next heading of any level.
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("README has {heading:?}"));
    let body = &text[start + heading.len()..];
    let end = body.find("\n#").unwrap_or(body.len());
    &body[..end]
}

#[test]
fn every_rejection_reason_is_documented_in_asyncapi_and_the_readme() {
    let doc = document();
    let described = doc["messages"]["HealthReport"]["description"]
        .as_str()
        .expect("HealthReport has a description");
    let readme = readme();
    let contract = section(&readme, "### HealthReport");
    for reason in Rejection::REASONS {
        let quoted = format!("`{reason}`");
        assert!(
            described.contains(&quoted),
            "docs/asyncapi.yaml HealthReport does not list {quoted}"
        );
        assert!(
            contract.contains(&quoted),
            "README's HealthReport section does not list {quoted}"
        );
    }
}

#[test]
fn the_readme_report_table_has_every_key_of_the_report() {
    let readme = readme();
    let contract = section(&readme, "### HealthReport");
    // The first cell of each table row, every `key` in it.
    let documented: BTreeSet<String> = contract
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('|').nth(1))
        .flat_map(|cell| {
            cell.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let on_the_wire: BTreeSet<String> = json(&full_report())
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(documented, on_the_wire);
}
