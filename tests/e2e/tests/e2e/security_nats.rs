//! NATS security, end to end, on the real deployment configs: the hub runs
//! `nats/hub.conf` (its users and permissions; its TLS blocks switched on
//! for the TLS test), a site's leaf node runs `nats/leaf.conf`, and every
//! central service logs in as its own hub user.
//!
//! - A site's credentials (password or NKey) let it publish its own reports
//!   and hear commands, nothing else: a report claiming another site is
//!   refused by the server and never reaches the aggregator.
//! - Central users and `ops` have only what they need.
//! - The fleet registry (JetStream KV): every central service reads it with
//!   its own user; the aggregator, the dashboard and `fleet-admin` write it
//!   (the aggregator only `site.<id>`), the assessor and `ops` cannot. The
//!   demo roster (`deploy/roster.toml`) applies with the real `healthmon
//!   fleet apply` as `fleet-admin`, as the compose and k8s roster jobs run
//!   it, and not as `ops`.
//! - TLS (mutual) on the client and leafnode ports: services and a site's
//!   leaf node get through with the test CA; a client without it cannot.
//! - `max_payload`: the hub and the leaf refuse oversized publishes; a report
//!   just over 64 KiB passes the server and is rejected by the aggregator.

use std::time::Duration;

use futures::StreamExt;
use healthmon_common::nats::NatsAuth;
use healthmon_e2e::Centre;
use healthmon_e2e::bins;
use healthmon_e2e::secure::{
    Hub, Pki, SiteLogin, client_as, expect_refused_publish, expect_refused_subscription,
    secure_centre, start_leaf,
};
use healthmon_proto::fleet::{Maintenance, SiteRecord, Source};
use healthmon_proto::{HealthReport, encode};
use healthmon_registry::{Change, Registry, RegistryConfig};
use healthmon_test_support::eventually;
use healthmon_test_support::promtext::value as metric_value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const PATIENCE: Duration = Duration::from_secs(15);

fn report(site: &str, instance: &str, seq: u64) -> Vec<u8> {
    let mut r = HealthReport::new(site, instance, seq);
    r.sent_at_ms = healthmon_common::clock::now_ms();
    r.interval_ms = 60_000;
    encode(&r)
}

/// Publishes a first report of `site` from `instance` on the site's subject.
async fn send_report(client: &async_nats::Client, site: &str, instance: &str) {
    client
        .publish(
            format!("health.report.{site}"),
            report(site, instance, 1).into(),
        )
        .await
        .unwrap();
}

/// A collector for `site` logged in with `auth`, reporting once an hour: it
/// reports at start and then only when asked to resend.
async fn collector(
    url: String,
    site: &str,
    auth: NatsAuth,
) -> (
    healthmon_collector::Service,
    healthmon_common::CancellationToken,
) {
    let mut nats = healthmon_common::nats::NatsConfig::local(url);
    nats.auth = auth;
    let mut config = healthmon_collector::Config::new(nats, site);
    config.interval = Duration::from_secs(3600);
    config.resend_jitter = Duration::from_millis(50);
    let token = healthmon_common::CancellationToken::new();
    let service = healthmon_collector::start(config, token.clone())
        .await
        .expect("collector starts with its site's credentials");
    (service, token)
}

/// The instance and seq of the report the API shows for `site`.
async fn shown(central: &Centre, site: &str) -> Option<(String, u64)> {
    let site = central.api.site(site).await?;
    Some((
        site["report"]["instance"].as_str()?.to_owned(),
        site["report"]["seq"].as_u64()?,
    ))
}

/// Publishes a marker report of `site` through `client` and waits until
/// the API shows it. The server handles one connection's messages in order,
/// so by then a report forged for `forged`, sent before on the same
/// connection, had its chance to arrive: the API must not show that site.
async fn forgery_never_arrives(
    central: &Centre,
    client: &async_nats::Client,
    site: &str,
    forged: &str,
) {
    send_report(client, site, "marker").await;
    eventually(
        &format!("{site}'s marker report in the API"),
        PATIENCE,
        || async { shown(central, site).await.filter(|(i, _)| i == "marker") },
    )
    .await;
    assert_eq!(central.api.site(forged).await, None, "forged site is shown");
}

#[tokio::test]
async fn a_site_may_publish_only_its_own_reports_and_hear_only_commands() {
    let hub = Hub::start(
        &[
            ("plant-a", SiteLogin::Password),
            ("plant-b", SiteLogin::Password),
        ],
        None,
    );
    let central = secure_centre(&hub, None).await;
    let auth = NatsAuth::UserPassword {
        user: "site-plant-a".into(),
        password: hub.password("site-plant-a"),
    };
    let (_collector, _stop) = collector(hub.url(), "plant-a", auth).await;
    let (instance, _) = eventually("plant-a's collector report in the API", PATIENCE, || {
        shown(&central, "plant-a")
    })
    .await;

    // Site A's credentials: subscribing to other sites' traffic is refused...
    let (site_a, mut errors) = hub.login("site-plant-a").await;
    let mut reports = site_a.subscribe("health.report.>").await.unwrap();
    expect_refused_subscription(&mut errors, "health.report.>").await;
    let mut statuses = site_a.subscribe("health.status.>").await.unwrap();
    expect_refused_subscription(&mut errors, "health.status.>").await;

    // ...and so is a report claiming to be site B.
    send_report(&site_a, "plant-b", "forged").await;
    expect_refused_publish(&mut errors, "health.report.plant-b").await;

    // Its own subject is fine.
    forgery_never_arrives(&central, &site_a, "plant-a", "plant-b").await;
    let metrics = central.aggregator_metrics().await;
    assert_eq!(
        metric_value(
            &metrics,
            "healthmon_aggregator_reports_rejected_total{reason=\"subject_mismatch\"}"
        ),
        Some(0.0),
        "the forged report reached the aggregator"
    );
    // Had the subscriptions been allowed, the marker would have echoed back.
    for sub in [&mut reports, &mut statuses] {
        let got = tokio::time::timeout(Duration::from_millis(300), sub.next()).await;
        assert!(
            !matches!(got, Ok(Some(_))),
            "site A received others' traffic"
        );
    }

    // Commands reach the site: a resend from ops makes the collector report again.
    let (ops, _) = hub.login("ops").await;
    ops.publish("health.cmd.resend", "".into()).await.unwrap();
    ops.flush().await.unwrap();
    eventually("the collector's answer to a resend", PATIENCE, || async {
        shown(&central, "plant-a")
            .await
            .filter(|(i, seq)| *i == instance && *seq == 2)
    })
    .await;

    // The dashboard's NATS user may carry out admin actions (the API
    // authorizes them; here it runs without auth)...
    central.api.set_maintenance("plant-a", None).await;
    assert_eq!(
        central.api.site("plant-a").await.unwrap()["maintenance"],
        true
    );
    // ...which the operators' user may not call directly.
    let (ops_client, mut ops_errors) = hub.login("ops").await;
    ops_client
        .publish("$KV.healthmon_sites.maintenance.plant-a", "{}".into())
        .await
        .unwrap();
    expect_refused_publish(&mut ops_errors, "$KV.healthmon_sites.maintenance.plant-a").await;

    // A wrong password gets nowhere.
    let refused = async_nats::ConnectOptions::with_user_and_password(
        "site-plant-a".into(),
        "not-the-password".into(),
    )
    .connect(hub.url())
    .await;
    assert!(refused.is_err(), "a wrong password was accepted");
}

#[tokio::test]
async fn an_nkey_site_reports_with_its_seed_file_and_is_confined_likewise() {
    let key = nkeys::KeyPair::new_user();
    let hub = Hub::start(&[("plant-n", SiteLogin::NKey(key.public_key()))], None);
    let central = secure_centre(&hub, None).await;
    let seed_dir = healthmon_test_support::TempDir::new("nkey").unwrap();
    let seed_file = seed_dir.path.join("plant-n.nk");
    std::fs::write(&seed_file, key.seed().unwrap()).unwrap();

    // The collector as `--nats-nkey plant-n.nk` would run it.
    let (_collector, _stop) = collector(hub.url(), "plant-n", NatsAuth::NKeyFile(seed_file)).await;
    eventually("plant-n's report in the API", PATIENCE, || {
        shown(&central, "plant-n")
    })
    .await;

    let (tx, mut errors) = tokio::sync::mpsc::unbounded_channel();
    let site = async_nats::ConnectOptions::with_nkey(key.seed().unwrap())
        .event_callback(move |event| {
            let tx = tx.clone();
            async move {
                if let async_nats::Event::ServerError(e) = event {
                    let _ = tx.send(e.to_string());
                }
            }
        })
        .connect(hub.url())
        .await
        .unwrap();
    send_report(&site, "other", "forged").await;
    expect_refused_publish(&mut errors, "health.report.other").await;

    // Another key pair is not a user at all.
    let stranger = nkeys::KeyPair::new_user().seed().unwrap();
    let refused = async_nats::ConnectOptions::with_nkey(stranger)
        .connect(hub.url())
        .await;
    assert!(refused.is_err(), "an unknown NKey was accepted");
}

#[tokio::test]
async fn central_users_and_ops_have_least_privilege() {
    let hub = Hub::start(&[], None);
    // (user, subject it must not publish on)
    let forbidden_publish = [
        ("aggregator", "health.status.x"),
        ("aggregator", "health.report.x"),
        ("assessor", "health.report.x"),
        ("assessor", "health.cmd.resend"),
        ("dashboard", "health.report.x"),
        ("dashboard", "health.status.x"),
        ("dashboard", "health.cmd.resend"),
        ("ops", "health.report.x"),
        ("ops", "health.status.x"),
        ("ops", "$KV.healthmon_sites.maintenance.x"),
        ("ops", "$KV.healthmon_sites.ack.x"),
        ("sim", "health.status.x"),
        ("sim", "health.agg.list"),
        // The fleet registry: readers and others may not write it, and the
        // aggregator may write only what it registers (site.<id>).
        ("assessor", "$KV.healthmon_sites.site.x"),
        ("assessor", "$KV.healthmon_sites.maintenance.x"),
        ("aggregator", "$KV.healthmon_sites.maintenance.x"),
        ("aggregator", "$KV.healthmon_sites.ack.x"),
        ("ops", "$KV.healthmon_sites.site.x"),
        ("ops", "$JS.API.STREAM.INFO.KV_healthmon_sites"),
        ("ops", "$JS.API.STREAM.DELETE.KV_healthmon_sites"),
        ("sim", "$KV.healthmon_sites.site.x"),
        ("sim", "$JS.API.STREAM.INFO.KV_healthmon_sites"),
        ("assessor", "$JS.API.STREAM.DELETE.KV_healthmon_sites"),
        ("assessor", "$JS.API.STREAM.PURGE.KV_healthmon_sites"),
        ("dashboard", "$JS.API.STREAM.DELETE.KV_healthmon_sites"),
        ("fleet-admin", "$JS.API.STREAM.DELETE.KV_healthmon_sites"),
        ("fleet-admin", "health.report.x"),
        ("fleet-admin", "health.status.x"),
    ];
    let forbidden_subscribe = [
        ("dashboard", "health.report.*"),
        ("assessor", "health.agg.>"),
        ("sim", "health.report.*"),
        ("sim", "_INBOX.>"),
    ];
    for (user, subject) in forbidden_publish {
        let (client, mut errors) = hub.login(user).await;
        client.publish(subject, "x".into()).await.unwrap();
        expect_refused_publish(&mut errors, subject).await;
    }
    for (user, subject) in forbidden_subscribe {
        let (client, mut errors) = hub.login(user).await;
        let _sub = client.subscribe(subject).await.unwrap();
        expect_refused_subscription(&mut errors, subject).await;
    }
}

#[tokio::test]
async fn tls_carries_services_and_a_sites_leaf_link_and_refuses_strangers() {
    let pki = Pki::generate();
    let hub = Hub::start(&[("plant-l", SiteLogin::Password)], Some(&pki));
    let central = secure_centre(&hub, Some(&pki)).await;
    let leaf = start_leaf(&hub, "plant-l", Some(&pki));
    let leaf_url = format!("nats://127.0.0.1:{}", leaf.port());
    let (ops, _) = client_as(&hub.url(), "ops", &hub.password("ops"), Some(&pki)).await;
    wait_leaf_link(leaf.port(), &ops, "plant-l").await;

    // The site's collector talks plain NATS to its local leaf node, which
    // carries the report to the hub over mutual TLS.
    let (_collector, _stop) = collector(leaf_url.clone(), "plant-l", NatsAuth::None).await;
    eventually(
        "plant-l's report through the TLS leaf link",
        PATIENCE,
        || shown(&central, "plant-l"),
    )
    .await;

    // What crosses the leaf link is bounded by the site's hub user.
    let local = async_nats::connect(&leaf_url).await.unwrap();
    send_report(&local, "plant-x", "forged").await;
    forgery_never_arrives(&central, &local, "plant-l", "plant-x").await;

    // Without the CA the hub's certificate is not trusted...
    let password = hub.password("ops");
    let no_ca = async_nats::ConnectOptions::with_user_and_password("ops".into(), password.clone())
        .require_tls(true)
        .connect(hub.url());
    let no_ca = tokio::time::timeout(Duration::from_secs(10), no_ca).await;
    assert!(
        matches!(no_ca, Ok(Err(_))),
        "connected without trusting the CA"
    );
    // ...and without a client certificate the hub refuses the client,
    // even with valid credentials.
    let no_cert =
        async_nats::ConnectOptions::with_user_and_password("ops".into(), password.clone())
            .require_tls(true)
            .add_root_certificates(pki.path("ca.pem"))
            .connect(hub.url());
    let no_cert = tokio::time::timeout(Duration::from_secs(10), no_cert).await;
    assert!(
        matches!(no_cert, Ok(Err(_))),
        "connected without a client certificate"
    );
    // The full set gets in (the same files the services use).
    assert!(ops.server_info().tls_required);
    ops.flush()
        .await
        .expect("a client with CA and certificate is connected");
}

/// Waits until the leaf node on `leaf_port` forwards `site`'s reports to the
/// hub (the link is up and the hub's interest has reached the leaf): probes
/// published on the leaf arrive at `hub_client`. Probes are not reports
/// (counted `malformed`), so no site state comes of them.
async fn wait_leaf_link(leaf_port: u16, hub_client: &async_nats::Client, site: &str) {
    let subject = format!("health.report.{site}");
    let mut arrived = hub_client.subscribe(subject.clone()).await.unwrap();
    hub_client.flush().await.unwrap();
    let local = async_nats::connect(format!("nats://127.0.0.1:{leaf_port}"))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        local
            .publish(subject.clone(), "probe".into())
            .await
            .unwrap();
        local.flush().await.unwrap();
        let wait = tokio::time::timeout(Duration::from_millis(100), arrived.next());
        if let Ok(Some(_)) = wait.await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the leaf link did not carry a probe within {PATIENCE:?}"
        );
    }
}

/// Publishes `size` bytes on `subject` over a raw NATS connection (no client
/// library, so nothing is checked before the server sees it) and returns
/// the server's answer line after the PUB: `+OK` or `-ERR '...'`.
async fn raw_publish(port: u16, login: Option<(&str, &str)>, subject: &str, size: usize) -> String {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let info = lines.next_line().await.unwrap().unwrap();
    assert!(info.starts_with("INFO "), "{info}");
    let connect = match login {
        Some((user, pass)) => serde_json::json!({"verbose": true, "user": user, "pass": pass}),
        None => serde_json::json!({"verbose": true}),
    };
    write
        .write_all(format!("CONNECT {connect}\r\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(lines.next_line().await.unwrap().unwrap(), "+OK");
    let mut command = format!("PUB {subject} {size}\r\n").into_bytes();
    command.extend(std::iter::repeat_n(b'x', size));
    command.extend_from_slice(b"\r\n");
    // The server may answer and close before reading everything.
    let _ = write.write_all(&command).await;
    lines.next_line().await.ok().flatten().unwrap_or_default()
}

#[tokio::test]
async fn oversized_payloads_stop_at_the_server_or_at_the_services() {
    let hub = Hub::start(&[("plant-p", SiteLogin::Password)], None);
    let central = secure_centre(&hub, None).await;
    let leaf = start_leaf(&hub, "plant-p", None);
    let site_login = ("site-plant-p", hub.password("site-plant-p"));
    let too_large = "healthmon_aggregator_reports_rejected_total{reason=\"too_large\"}";

    // The hub refuses anything over its max_payload (1 MB) outright...
    let (ops, _) = hub.login("ops").await;
    assert_eq!(ops.server_info().max_payload, 1024 * 1024);
    let answer = raw_publish(
        hub.port(),
        Some((site_login.0, &site_login.1)),
        "health.report.plant-p",
        1024 * 1024 + 1,
    )
    .await;
    assert!(answer.contains("Maximum Payload Violation"), "{answer}");
    // ...and a site's leaf node anything over 128 KB.
    let answer = raw_publish(leaf.port(), None, "health.report.plant-p", 128 * 1024 + 1).await;
    assert!(answer.contains("Maximum Payload Violation"), "{answer}");

    // A report of 64 KiB + 1 passes both servers, and the aggregator rejects
    // it as too_large without decoding it; once directly, once via the leaf.
    let mut seen = ops.subscribe("health.report.plant-p").await.unwrap();
    ops.flush().await.unwrap();
    let size = healthmon_proto::codec::MAX_PAYLOAD_BYTES + 1;
    let answer = raw_publish(
        hub.port(),
        Some((site_login.0, &site_login.1)),
        "health.report.plant-p",
        size,
    )
    .await;
    assert_eq!(answer, "+OK");
    let message = tokio::time::timeout(PATIENCE, seen.next()).await.unwrap();
    assert_eq!(message.unwrap().payload.len(), size);
    eventually("too_large counted once", PATIENCE, || async {
        let metrics = central.aggregator_metrics().await;
        (metric_value(&metrics, too_large) == Some(1.0)).then_some(())
    })
    .await;
    wait_leaf_link(leaf.port(), &ops, "plant-p").await;
    let answer = raw_publish(leaf.port(), None, "health.report.plant-p", size).await;
    assert_eq!(answer, "+OK");
    eventually(
        "too_large counted for the leaf's report",
        PATIENCE,
        || async {
            let metrics = central.aggregator_metrics().await;
            (metric_value(&metrics, too_large) == Some(2.0)).then_some(())
        },
    )
    .await;
    assert_eq!(central.api.site("plant-p").await, None);
}

/// The registry as `user` of the hub, and the server errors that user gets.
async fn registry_as(
    hub: &Hub,
    user: &str,
) -> (
    std::sync::Arc<Registry>,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let (client, errors) = hub.login(user).await;
    let registry = Registry::new(client, RegistryConfig::default());
    (std::sync::Arc::new(registry), errors)
}

/// What a watch of the whole registry delivers before [`Change::Loaded`].
async fn load(registry: std::sync::Arc<Registry>) -> Vec<Change> {
    let stop = healthmon_common::CancellationToken::new();
    let (mut changes, _availability, task) =
        healthmon_registry::watch::spawn(registry, None, stop.clone());
    let mut seen = Vec::new();
    let loaded = tokio::time::timeout(PATIENCE, async {
        while let Some(change) = changes.recv().await {
            if change == Change::Loaded {
                return true;
            }
            seen.push(change);
        }
        false
    })
    .await;
    stop.cancel();
    let _ = task.await;
    assert_eq!(loaded, Ok(true), "the watch did not load the registry");
    seen
}

fn listed(site: &str, changes: &[Change]) -> bool {
    changes
        .iter()
        .any(|c| matches!(c, Change::Site(id, Some(_)) if id == site))
}

#[tokio::test]
async fn every_central_user_reads_the_registry_and_only_its_writers_write_it() {
    let hub = Hub::start(&[("plant-r", SiteLogin::Password)], None);

    // fleet-admin declares a site that will never report, as `healthmon
    // fleet apply` does: on a fresh hub this creates the bucket.
    let (admin, _) = registry_as(&hub, "fleet-admin").await;
    let mut never = SiteRecord::declared(healthmon_common::clock::now_ms(), Source::Roster);
    never.interval_ms = Some(500);
    admin
        .put_site("never-r", &never)
        .await
        .expect("fleet-admin writes the registry");

    // Every central service, each as its own user, reads it: the aggregator
    // lists the declared site at once, and the assessor (whose status
    // events the aggregator shows) judges it offline after its window.
    let central = secure_centre(&hub, None).await;
    let shown = eventually("never-r offline, never reported", PATIENCE, || async {
        central
            .api
            .site("never-r")
            .await
            .filter(|s| s["connectivity"] == "offline")
    })
    .await;
    assert!(
        shown["reasons"][0]
            .as_str()
            .is_some_and(|r| r.starts_with("never reported")),
        "{shown}"
    );

    // The aggregator writes what a report registers (site.<id>).
    let (_collector, _stop) = collector(
        hub.url(),
        "plant-r",
        NatsAuth::UserPassword {
            user: "site-plant-r".into(),
            password: hub.password("site-plant-r"),
        },
    )
    .await;
    eventually("plant-r registered by the aggregator", PATIENCE, || async {
        let record = admin.site("plant-r").await.ok()??;
        (record.first_report_ms.is_some() && record.source == Source::Report).then_some(())
    })
    .await;

    // Each user that watches the registry loads it with its own
    // permissions (the very watch the services run).
    for user in ["aggregator", "assessor", "dashboard", "fleet-admin"] {
        let (registry, _) = registry_as(&hub, user).await;
        let changes = load(registry).await;
        assert!(
            listed("never-r", &changes) && listed("plant-r", &changes),
            "{user}'s watch: {changes:?}"
        );
    }
    // The dashboard's admin actions are registry writes.
    let (dashboard, _) = registry_as(&hub, "dashboard").await;
    let window = Maintenance {
        since_ms: healthmon_common::clock::now_ms(),
        until_ms: None,
        reason: Some("permission test".into()),
        by: "test".into(),
    };
    dashboard
        .set_maintenance("plant-r", &window)
        .await
        .expect("the dashboard's user writes maintenance windows");
    dashboard
        .clear_maintenance("plant-r")
        .await
        .expect("the dashboard's user clears them");
    // fleet-admin forgets (every key of a site deleted), as `fleet apply --prune` does.
    admin
        .forget("never-r")
        .await
        .expect("fleet-admin deletes keys");
    // So far nothing a service or the CLI's user needed was refused.
    let log = hub.server.log_text();
    assert!(
        !log.contains("Violation"),
        "the hub refused something a registry user needed:\n{log}"
    );

    // The assessor only reads: its writes are refused by the server and
    // fail (the registry calls it unavailable to that user), and nothing
    // is written.
    let (assessor, mut errors) = registry_as(&hub, "assessor").await;
    let refused = assessor.put_site("forged", &never).await;
    assert!(refused.is_err(), "the assessor wrote the registry");
    expect_refused_publish(&mut errors, "$KV.healthmon_sites.site.forged").await;
    // ...and so are the aggregator's writes other than a site's record.
    let (aggregator, mut errors) = registry_as(&hub, "aggregator").await;
    assert!(
        aggregator
            .set_maintenance("plant-r", &window)
            .await
            .is_err(),
        "the aggregator set a maintenance window"
    );
    expect_refused_publish(&mut errors, "$KV.healthmon_sites.maintenance.plant-r").await;
    assert_eq!(admin.site("forged").await, Ok(None));
    let (admin_watch, _) = registry_as(&hub, "fleet-admin").await;
    let changes = load(admin_watch).await;
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, Change::Maintenance(_, Some(_)))),
        "a maintenance window was written: {changes:?}"
    );
}

/// `healthmon <args>` logged in to the hub as `user`, as the roster jobs run
/// it (NATS_* in the environment): exit code, stdout, stderr.
async fn healthmon_as(hub: &Hub, user: &str, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(bins::healthmon_cli())
        .args(args)
        .current_dir(bins::workspace())
        .env("NATS_URL", hub.url())
        .env("NATS_USER", user)
        .env("NATS_PASSWORD", hub.password(user))
        .env("NATS_CONNECT_TIMEOUT", "5s")
        .output()
        .await
        .expect("run healthmon");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_demo_roster_applies_as_fleet_admin_and_not_as_ops() {
    let hub = Hub::start(&[], None);
    let central = secure_centre(&hub, None).await;
    let roster = bins::workspace().join("deploy/roster.toml");
    let declared = std::fs::read_to_string(&roster)
        .unwrap()
        .lines()
        .filter(|l| l.trim() == "[[site]]")
        .count();
    let (ops, _) = hub.login("ops").await;
    let mut audit = ops.subscribe("health.audit").await.unwrap();
    ops.flush().await.unwrap();

    // As the compose service and the k8s Job run it.
    let (code, out, err) = healthmon_as(
        &hub,
        "fleet-admin",
        &["fleet", "apply", "deploy/roster.toml"],
    )
    .await;
    assert_eq!(code, 0, "fleet apply as fleet-admin: {out}{err}");
    assert!(
        out.contains(&format!("applied: {declared} added, 0 changed, 0 removed")),
        "{out}"
    );
    // Every declared site is listed at once, the silent one "never reported".
    eventually("the roster's sites in the API", PATIENCE, || async {
        (central.api.sites().await.len() == declared).then_some(())
    })
    .await;
    let silent = central.api.site("plant-south-02").await.expect("listed");
    assert_eq!(silent["connectivity"], "unknown", "{silent}");
    assert_eq!(silent["reasons"][0], "never reported", "{silent}");
    let labelled = central.api.site("sim-00005").await.expect("listed");
    assert_eq!(
        labelled["labels"],
        serde_json::json!({"region": "eu-west", "customer": "initech", "tier": "gold"})
    );
    // What it wrote is audited (fleet-admin may publish health.audit).
    let event = tokio::time::timeout(PATIENCE, audit.next())
        .await
        .expect("an audit event")
        .expect("the subscription");
    let event: serde_json::Value = serde_json::from_slice(&event.payload).unwrap();
    assert_eq!(
        (&event["action"], &event["who"], &event["outcome"]),
        (
            &serde_json::json!("fleet_apply"),
            &serde_json::json!("fleet-admin"),
            &serde_json::json!("ok")
        ),
        "{event}"
    );

    // Backup and restore as docs/DEPLOY.md has them: the export applies
    // back with no change.
    let (code, exported, err) = healthmon_as(&hub, "fleet-admin", &["fleet", "export"]).await;
    assert_eq!(code, 0, "fleet export: {err}");
    let dir = healthmon_test_support::TempDir::new("roster").unwrap();
    let backup = dir.path.join("backup.toml");
    std::fs::write(&backup, &exported).unwrap();
    let (code, out, err) = healthmon_as(
        &hub,
        "fleet-admin",
        &["fleet", "apply", backup.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !out.contains("applied:"),
        "the export changed something: {out}"
    );
    let log = hub.server.log_text();
    assert!(
        !log.contains("Violation"),
        "the hub refused fleet-admin or a service something:\n{log}"
    );

    // The operators' read-only user cannot: it may not even read the
    // registry, and nothing changes.
    let (code, out, err) = healthmon_as(
        &hub,
        "ops",
        &["fleet", "apply", "--prune", backup.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 1, "fleet apply as ops: {out}{err}");
    assert!(err.contains("healthmon_sites"), "{err}");
    let log = hub.server.log_text();
    assert!(
        log.lines().any(|l| l.contains("Violation")
            && l.contains("user:ops\"")
            && l.contains("$JS.API.STREAM.INFO.KV_healthmon_sites")),
        "no violation logged for ops:\n{log}"
    );
    assert_eq!(central.api.sites().await.len(), declared);
}
