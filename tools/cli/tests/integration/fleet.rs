//! `healthmon fleet apply` and `fleet export` against a real nats-server
//! with JetStream: what lands in the registry's bucket, what a dry run, a
//! second apply and an export round trip change (nothing), `--prune`, the
//! audit event, broken files (exit 2, the line named, nothing changed) and
//! a server without JetStream (exit 1, the bucket named).

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use healthmon_proto::audit::{AuditAction, AuditEvent, AuditOutcome};
use healthmon_registry::{Registry, RegistryConfig, SiteRecord, Source};
use healthmon_test_support::fixtures::maintenance;
use healthmon_test_support::{NatsServer, TempDir, start_jetstream};

use crate::support::{command, healthmon, run};

/// Three sites: labelled, with its own interval, and not expected.
const ROSTER: &str = include_str!("fleet.toml");

fn file(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `healthmon fleet apply <roster> <flags>`, which must succeed: what it printed.
async fn apply(server: &NatsServer, roster: &Path, flags: &[&str]) -> String {
    let args = [&["fleet", "apply", arg(roster)], flags].concat();
    healthmon(&server.url(), &args).await.ok()
}

/// A nats-server with JetStream whose registry holds [`ROSTER`], applied
/// from the file `fleet.toml` in the directory returned.
async fn roster_applied() -> (NatsServer, TempDir, PathBuf) {
    let server = start_jetstream();
    let dir = TempDir::new("cli-fleet").unwrap();
    let roster = file(&dir, "fleet.toml", ROSTER);
    apply(&server, &roster, &[]).await;
    (server, dir, roster)
}

async fn registry(server: &NatsServer) -> Registry {
    Registry::new(server.client().await, RegistryConfig::default())
}

#[tokio::test]
async fn apply_writes_the_roster_once_and_keeps_what_sites_reported() {
    let server = start_jetstream();
    let reg = registry(&server).await;
    // plant-2 registered itself with its first report: that stays.
    let mut reported = SiteRecord::declared(1_000, Source::Report);
    reported.first_report_ms = Some(1_500);
    reported.declared_interval_ms = Some(60_000);
    reported.declared_labels.insert("rack".into(), "7".into());
    reg.put_site("plant-2", &reported).await.unwrap();
    let dir = TempDir::new("cli-fleet").unwrap();
    let roster = file(&dir, "fleet.toml", ROSTER);
    let client = server.client().await;
    let mut audit = client.subscribe("health.audit").await.unwrap();
    client.flush().await.unwrap();

    // A dry run prints the difference and writes nothing.
    let out = apply(&server, &roster, &["--dry-run"]).await;
    assert!(
        out.contains("+ plant-1  customer=acme region=eu-west tier=gold interval=30s\n"),
        "{out}"
    );
    assert!(
        out.contains("~ plant-2: +customer=acme; +region=us-east; interval: none -> 5m\n"),
        "{out}"
    );
    assert!(
        out.contains("+ plant-3  customer=acme interval=30s expected=false\n"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "2 to add, 1 to change, 0 to remove, 0 unchanged\ndry run: nothing written\n"
        ),
        "{out}"
    );
    assert_eq!(reg.sites().await.unwrap().records.len(), 1);

    let mut cmd = command(&server.url(), &["fleet", "apply", arg(&roster)]);
    cmd.env("USER", "tester");
    let out = run(cmd).await.ok();
    assert!(
        out.ends_with("applied: 2 added, 1 changed, 0 removed\n"),
        "{out}"
    );
    let sites = reg.sites().await.unwrap().records;
    assert_eq!(sites.len(), 3);
    let one = &sites["plant-1"];
    assert_eq!(one.labels["tier"], "gold");
    assert_eq!(one.labels["customer"], "acme");
    assert_eq!((one.interval_ms, one.expected), (Some(30_000), true));
    assert_eq!(one.source, Source::Roster);
    let two = &sites["plant-2"];
    assert_eq!(two.interval_ms, Some(300_000));
    assert_eq!(two.labels["region"], "us-east");
    assert_eq!(
        (
            two.registered_ms,
            two.first_report_ms,
            two.declared_interval_ms,
            two.source
        ),
        (1_000, Some(1_500), Some(60_000), Source::Report),
        "what the site reported is kept"
    );
    assert_eq!(two.declared_labels["rack"], "7");
    assert!(!sites["plant-3"].expected);

    // One audit event for the write.
    let event = tokio::time::timeout(Duration::from_secs(5), audit.next())
        .await
        .expect("an audit event")
        .unwrap();
    let event: AuditEvent = serde_json::from_slice(&event.payload).unwrap();
    assert_eq!(
        (event.action, event.outcome, event.who.as_str()),
        (AuditAction::FleetApply, AuditOutcome::Ok, "tester")
    );
    assert_eq!(event.method, "CLI");
    let detail = event.detail.unwrap();
    assert!(
        detail.ends_with("2 added, 1 changed, 0 removed, 0 unchanged"),
        "{detail}"
    );

    // Again: nothing to do, nothing written, nothing audited.
    let out = apply(&server, &roster, &[]).await;
    assert!(
        out.ends_with("0 changes: the registry matches the file (3 unchanged)\n"),
        "{out}"
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(500), audit.next())
            .await
            .is_err(),
        "no audit event without a write"
    );
}

#[tokio::test]
async fn prune_forgets_only_when_asked_and_only_what_the_file_does_not_name() {
    let (server, _dir, roster) = roster_applied().await;
    let reg = registry(&server).await;
    reg.put_site("old-1", &SiteRecord::declared(1, Source::Report))
        .await
        .unwrap();
    reg.set_maintenance("old-1", &maintenance("ops"))
        .await
        .unwrap();

    let out = apply(&server, &roster, &[]).await;
    assert!(
        out.contains("1 registered site is not in the file (kept; --prune removes them)"),
        "{out}"
    );
    assert!(reg.site("old-1").await.unwrap().is_some());

    let out = apply(&server, &roster, &["--prune", "--dry-run"]).await;
    assert!(
        out.contains("- old-1\n0 to add, 0 to change, 1 to remove, 3 unchanged\n"),
        "{out}"
    );
    assert!(reg.site("old-1").await.unwrap().is_some(), "a dry run");

    let out = apply(&server, &roster, &["--prune"]).await;
    assert!(
        out.ends_with("applied: 0 added, 0 changed, 1 removed\n"),
        "{out}"
    );
    let sites = reg.sites().await.unwrap().records;
    assert_eq!(
        sites.keys().map(String::as_str).collect::<Vec<_>>(),
        ["plant-1", "plant-2", "plant-3"]
    );
    let store = reg.store().await.unwrap();
    assert!(store.get("maintenance.old-1").await.unwrap().is_none());
}

#[tokio::test]
async fn export_then_apply_is_a_no_op() {
    let (server, dir, _) = roster_applied().await;
    // A site that registered itself is exported too.
    registry(&server)
        .await
        .put_site("auto-9", &SiteRecord::declared(1, Source::Report))
        .await
        .unwrap();

    let exported = dir.path.join("exported.toml");
    let run = healthmon(&server.url(), &["fleet", "export", "-o", arg(&exported)]).await;
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert_eq!(
        run.stderr,
        format!("exported 4 sites to {}\n", exported.display())
    );
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.contains("[[site]]\nid = \"auto-9\"\n"), "{text}");
    let to_stdout = healthmon(&server.url(), &["fleet", "export"]).await.ok();
    assert_eq!(to_stdout, text);

    let out = apply(&server, &exported, &["--prune"]).await;
    assert!(
        out.ends_with("0 changes: the registry matches the file (4 unchanged)\n"),
        "{out}"
    );
}

#[tokio::test]
async fn a_broken_file_exits_2_names_its_line_and_changes_nothing() {
    let (server, dir, _) = roster_applied().await;
    let reg = registry(&server).await;
    let before = reg.sites().await.unwrap();

    // A valid site first, so that a file that half-applied would show.
    let head = "[[site]]\nid = \"new-1\"\n\n";
    for (what, body, line, says) in [
        (
            "bad label key",
            "[[site]]\nid = \"a\"\nlabels = { Region = \"eu\" }\n",
            6,
            "label key \"Region\" must match [a-z_][a-z0-9_]{0,31}",
        ),
        (
            "bad label value",
            "[[site]]\nid = \"a\"\nlabels = { region = \"\" }\n",
            6,
            "label \"region\": the value must be 1-64 printable characters",
        ),
        (
            "duplicate site",
            "[[site]]\nid = \"new-1\"\n",
            5,
            "site \"new-1\" is declared twice (first at line 2)",
        ),
        (
            "unknown field",
            "[[site]]\nid = \"a\"\ncolour = \"red\"\n",
            6,
            "unknown field `colour`, expected one of `id`, `labels`, `interval`, `expected`",
        ),
        (
            "bad interval",
            "[[site]]\nid = \"a\"\ninterval = \"often\"\n",
            6,
            "interval",
        ),
        (
            "bad site id",
            "[[site]]\nid = \"a.b\"\n",
            5,
            "site id may contain only",
        ),
    ] {
        let path = file(&dir, "broken.toml", &format!("{head}{body}"));
        let error = healthmon(&server.url(), &["fleet", "apply", arg(&path)])
            .await
            .failed(2);
        let expected = format!("{}:{line}: ", path.display());
        assert!(error.starts_with(&expected), "{what}: {error}");
        assert!(error.contains(says), "{what}: {error}");
        assert_eq!(
            reg.sites().await.unwrap(),
            before,
            "{what}: nothing changed"
        );
    }
    let missing = dir.path.join("missing.toml");
    let error = healthmon(&server.url(), &["fleet", "apply", arg(&missing)])
        .await
        .failed(2);
    assert!(error.contains("missing.toml: cannot read it"), "{error}");
    // Checked before connecting: no NATS needed to find the mistake.
    let path = file(&dir, "broken.toml", "[[site]]\nid = \"a\"\ncolour = 1\n");
    let error = healthmon("nats://127.0.0.1:9", &["fleet", "apply", arg(&path)])
        .await
        .failed(2);
    assert!(error.contains(":3: unknown field"), "{error}");
}

#[tokio::test]
async fn without_jetstream_apply_and_export_exit_1_naming_the_bucket() {
    let server = NatsServer::start();
    let dir = TempDir::new("cli-fleet").unwrap();
    let roster = file(&dir, "fleet.toml", ROSTER);
    for args in [
        vec!["fleet", "apply", arg(&roster)],
        vec!["fleet", "apply", arg(&roster), "--dry-run"],
        vec!["fleet", "export"],
    ] {
        let error = healthmon(&server.url(), &args).await.failed(1);
        assert!(
            error.starts_with(
                "the fleet registry (JetStream KV bucket healthmon_sites) is unavailable: "
            ),
            "{args:?}: {error}"
        );
    }
    let error = healthmon(
        &server.url(),
        &["fleet", "export", "--registry-bucket", "acme_sites"],
    )
    .await
    .failed(1);
    assert!(error.contains("JetStream KV bucket acme_sites"), "{error}");
}
