//! The admin commands against the real centre (aggregator, assessor and
//! the dashboard API with a token file), fed by real collectors: what an
//! admin types, what a viewer is told, what lands in the registry and what
//! `healthmon site` then shows.

use std::path::PathBuf;

use healthmon_common::nats::NatsConfig;
use healthmon_dashboard_api::auth::{AuthMode, TokenTable};
use healthmon_e2e::services::{collector_config, start_collector};
use healthmon_e2e::{Central, INTERVAL, Options};
use healthmon_registry::{Registry, RegistryConfig};
use healthmon_test_support::{TempDir, eventually};
use tokio::process::Command;

use crate::support::{PATIENCE, command, healthmon, run, words};

const ADMIN_TOKEN: &str = "admin-token-0123456789abcdef0123456789";
const VIEWER_TOKEN: &str = "viewer-token-0123456789abcdef012345678";

struct Admin {
    central: Central,
    api: String,
    _dir: TempDir,
    admin_file: PathBuf,
    viewer_file: PathBuf,
}

impl Admin {
    async fn start() -> Admin {
        let tokens = format!("admin ops {ADMIN_TOKEN}\nviewer watcher {VIEWER_TOKEN}\n");
        let table = TokenTable::parse(&tokens).unwrap();
        let central = Central::start_with(
            Options::default().dashboard(move |c| c.auth = AuthMode::Tokens(table.clone())),
        )
        .await;
        let dir = TempDir::new("cli-admin").unwrap();
        let admin_file = dir.path.join("admin.token");
        let viewer_file = dir.path.join("viewer.token");
        std::fs::write(&admin_file, format!("{ADMIN_TOKEN}\n")).unwrap();
        std::fs::write(&viewer_file, VIEWER_TOKEN).unwrap();
        Admin {
            api: central.api.base.clone(),
            central,
            _dir: dir,
            admin_file,
            viewer_file,
        }
    }

    fn url(&self) -> String {
        self.central.nats.url()
    }

    /// `healthmon ARGS --api <api> --token-file <file>`.
    fn command(&self, args: &[&str], token_file: Option<&PathBuf>) -> Command {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--api", &self.api]);
        if let Some(file) = token_file {
            all.extend(["--token-file", file.to_str().unwrap()]);
        }
        command(&self.url(), &all)
    }

    async fn admin(&self, args: &[&str]) -> crate::support::Run {
        run(self.command(args, Some(&self.admin_file))).await
    }

    async fn viewer(&self, args: &[&str]) -> crate::support::Run {
        run(self.command(args, Some(&self.viewer_file))).await
    }

    async fn registry(&self) -> Registry {
        Registry::new(self.central.nats.client().await, RegistryConfig::default())
    }
}

async fn labelled(url: &str, site: &str, region: &str) -> healthmon_e2e::services::Collector {
    let mut config = collector_config(NatsConfig::local(url), site, INTERVAL);
    config.sources.labels.insert("region".into(), region.into());
    start_collector(config).await
}

#[tokio::test]
async fn an_admin_sets_and_clears_a_window_a_viewer_is_refused_and_an_unknown_site_is_404() {
    let admin = Admin::start().await;
    let _site = admin.central.collector("plant-7", INTERVAL).await;
    eventually("plant-7 known", PATIENCE, || async {
        let run = healthmon(&admin.url(), &["site", "plant-7", "--json"]).await;
        (run.code == Some(0)).then_some(())
    })
    .await;

    let out = admin
        .admin(&words("maintenance set plant-7 --for 2h --reason firmware"))
        .await
        .ok();
    assert!(
        out.starts_with("plant-7: under maintenance until "),
        "{out}"
    );
    assert!(out.ends_with(" (in 2h00m), by ops: firmware\n"), "{out}");
    let detail = eventually("the window shown", PATIENCE, || async {
        let d = healthmon(&admin.url(), &["site", "plant-7", "--json"])
            .await
            .json();
        (d["maintenance"] == true).then_some(d)
    })
    .await;
    assert_eq!(
        detail["maintenance_window"]["reason"], "firmware",
        "{detail}"
    );
    assert_eq!(detail["maintenance_window"]["by"], "ops", "{detail}");
    let human = healthmon(&admin.url(), &["site", "plant-7"]).await.ok();
    assert!(
        human
            .lines()
            .any(|l| l.starts_with("maintenance") && l.ends_with("by ops: firmware")),
        "{human}"
    );

    // A viewer may look, not change.
    let error = admin
        .viewer(&["maintenance", "clear", "plant-7"])
        .await
        .failed(1);
    assert!(error.starts_with("forbidden: "), "{error}");
    // No token at all.
    let error = run(admin.command(&["maintenance", "clear", "plant-7"], None))
        .await
        .failed(1);
    assert!(error.starts_with("unauthorized: "), "{error}");
    assert!(
        error.ends_with("(no token given: --token, HEALTHMON_TOKEN or --token-file)"),
        "{error}"
    );
    // An unknown site.
    let error = admin
        .admin(&["maintenance", "set", "nowhere"])
        .await
        .failed(1);
    assert_eq!(error, "not_found: unknown site \"nowhere\"");
    // The token from the environment works as the file does.
    let mut cmd = admin.command(&["maintenance", "clear", "plant-7", "--json"], None);
    cmd.env("HEALTHMON_TOKEN", ADMIN_TOKEN);
    let answer = run(cmd).await.json();
    assert_eq!(answer["site_id"], "plant-7");
    assert!(answer["maintenance"].is_null(), "{answer}");
    eventually("the window gone", PATIENCE, || async {
        let d = healthmon(&admin.url(), &["site", "plant-7", "--json"])
            .await
            .json();
        (d["maintenance"] == false).then_some(())
    })
    .await;
}

#[tokio::test]
async fn bulk_maintenance_by_selector_labels_ack_and_forget() {
    let admin = Admin::start().await;
    let url = admin.url();
    let _eu1 = labelled(&url, "eu-1", "eu-west").await;
    let _eu2 = labelled(&url, "eu-2", "eu-west").await;
    let us1 = labelled(&url, "us-1", "us-east").await;
    // Registered by their first reports, labels and all.
    eventually("three registered sites", PATIENCE, || async {
        let sites = admin.registry().await.sites().await.ok()?.records;
        (sites.len() == 3 && sites.values().all(|r| !r.declared_labels.is_empty())).then_some(())
    })
    .await;

    let out = admin
        .admin(&words(
            "maintenance set --selector region=eu-west --reason upgrade",
        ))
        .await
        .ok();
    assert_eq!(
        out,
        "2 sites matching region=eu-west under maintenance with no end set, by ops: upgrade: eu-1, eu-2\n"
    );
    let store = admin.registry().await.store().await.unwrap();
    for (site, has) in [("eu-1", true), ("eu-2", true), ("us-1", false)] {
        let entry = store.get(format!("maintenance.{site}")).await.unwrap();
        assert_eq!(entry.is_some(), has, "{site}");
    }
    let answer = admin
        .admin(&words("maintenance clear --selector region=eu-west --json"))
        .await
        .json();
    assert_eq!(answer["count"], 2, "{answer}");
    assert!(store.get("maintenance.eu-1").await.unwrap().is_none());
    let error = admin
        .viewer(&["maintenance", "set", "--selector", "region=eu-west"])
        .await
        .failed(1);
    assert!(error.starts_with("forbidden: "), "{error}");

    // Labels: declared by the registry, over those the site sends.
    let out = admin
        .admin(&["labels", "us-1", "region=us-west", "tier=gold"])
        .await
        .ok();
    assert_eq!(out, "us-1: labels region=us-west, tier=gold\n");
    let page = eventually("us-1 relabelled", PATIENCE, || async {
        let page = healthmon(&url, &["sites", "--label", "tier=gold", "--json"])
            .await
            .json();
        (page["total"] == 1).then_some(page)
    })
    .await;
    assert_eq!(page["sites"][0]["labels"]["region"], "us-west", "{page}");
    let out = admin.admin(&["labels", "us-1", "--clear"]).await.ok();
    assert_eq!(
        out,
        "us-1: labels none\nus-1: shows region=us-east (with those it sends)\n"
    );
    let error = admin.admin(&["labels", "nowhere", "a=b"]).await.failed(1);
    assert_eq!(error, "not_found: unknown site \"nowhere\"");

    // An acknowledgement needs a problem: us-1 is healthy.
    let error = admin.admin(&["ack", "us-1"]).await.failed(1);
    assert!(
        error.starts_with("conflict: nothing to acknowledge"),
        "{error}"
    );
    drop(us1);
    eventually("us-1 offline", PATIENCE, || async {
        let d = healthmon(&url, &["site", "us-1", "--json"]).await.json();
        (d["connectivity"] == "offline").then_some(())
    })
    .await;
    let out = admin
        .admin(&["ack", "us-1", "--note", "truck rolled"])
        .await
        .ok();
    assert_eq!(
        out,
        "us-1: acknowledged (offline, healthy) by ops: truck rolled\n"
    );
    let detail = eventually("the acknowledgement shown", PATIENCE, || async {
        let d = healthmon(&url, &["site", "us-1", "--json"]).await.json();
        d.get("ack").is_some().then_some(d)
    })
    .await;
    assert_eq!(detail["ack"]["note"], "truck rolled", "{detail}");
    let out = admin.admin(&["unack", "us-1"]).await.ok();
    assert_eq!(out, "us-1: acknowledgement withdrawn\n");

    // Forget: gone from the registry and from the aggregator.
    let out = admin.admin(&["forget", "us-1"]).await.ok();
    assert!(out.starts_with("us-1: forgotten"), "{out}");
    assert!(admin.registry().await.site("us-1").await.unwrap().is_none());
    eventually("us-1 gone", PATIENCE, || async {
        let run = healthmon(&url, &["site", "us-1"]).await;
        (run.code == Some(1)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_api_and_bad_input_are_one_line_each() {
    // Nothing listens on port 9.
    let error = run(command(
        "nats://127.0.0.1:9",
        &words("forget plant-7 --api http://127.0.0.1:9 --token x"),
    ))
    .await
    .failed(1);
    assert!(
        error.starts_with(
            "unreachable: the dashboard API at http://127.0.0.1:9 cannot be reached: "
        ),
        "{error}"
    );
    // Found before anything is sent: usage errors, exit 2.
    for (args, says) in [
        (
            vec![
                "maintenance",
                "set",
                "plant-7",
                "--until",
                "2001-01-01T00:00:00Z",
            ],
            "is not in the future",
        ),
        (
            vec![
                "maintenance",
                "set",
                "plant-7",
                "--until",
                "2030-01-01T00:00:00",
            ],
            "with its zone",
        ),
        (vec!["labels", "plant-7", "Region=x"], "must match"),
        (
            vec!["forget", "plant-7", "--token-file", "/nonexistent"],
            "cannot read it",
        ),
        (vec!["maintenance", "clear"], "required"),
    ] {
        let mut all = args.clone();
        all.extend(["--api", "http://127.0.0.1:9"]);
        let run = run(command("nats://127.0.0.1:9", &all)).await;
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        assert!(run.stderr.starts_with("error: "), "{args:?}: {run:?}");
        assert!(run.stderr.contains(says), "{args:?}: {run:?}");
    }
}
