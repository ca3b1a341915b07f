//! `scripts/up.sh`, the README's demo, run as a newcomer would: it starts
//! the fleet (its registry in JetStream, stored in `RUN_DIR` and kept across
//! a restart of NATS), restarts one service, stops and starts the collector
//! so the sites go offline and come back, reports a crashed service while
//! the others keep running, and stops everything on Ctrl-C.
//!
//! It runs the services' debug binaries beside this test's (a workspace test
//! build makes them for their own integration tests; built here if missing)
//! through `UP_BIN_DIR`, on free ports, with its own `RUN_DIR`.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use healthmon_e2e::bins::{self, workspace};
use healthmon_test_support::{TempDir, eventually, free_port, nats_server_bin};
use serde_json::Value;

const SERVICES: [&str; 4] = [
    "healthmon-aggregator",
    "healthmon-assessor",
    "healthmon-dashboard-api",
    "healthmon-collector",
];
const SITES: u64 = 5;
/// Start-up of five processes on a loaded CI machine.
const START_WITHIN: Duration = Duration::from_secs(120);
const PATIENCE: Duration = Duration::from_secs(20);

/// `target/<profile>`, where the services' binaries are; built if missing.
fn service_bins() -> PathBuf {
    bins::dir_with(&SERVICES.map(|s| (s, s)))
}

/// A running `scripts/up.sh`; stopped (and its services with it) on drop.
struct Demo {
    child: Child,
    run_dir: TempDir,
    ports: Vec<(&'static str, u16)>,
}

impl Demo {
    fn start() -> Self {
        let run_dir = TempDir::new("up-sh").expect("a run dir");
        let ports: Vec<(&'static str, u16)> = [
            "HTTP_PORT",
            "NATS_PORT",
            "NATS_MONITOR_PORT",
            "AGGREGATOR_METRICS_PORT",
            "ASSESSOR_METRICS_PORT",
            "COLLECTOR_METRICS_PORT",
        ]
        .into_iter()
        .map(|name| (name, free_port().expect("a free port")))
        .collect();
        let out = std::fs::File::create(run_dir.path.join("up.out")).unwrap();
        let child = Command::new("bash")
            .arg("scripts/up.sh")
            .current_dir(workspace())
            .envs(ports.iter().map(|(k, v)| (*k, v.to_string())))
            .env("RUN_DIR", &run_dir.path)
            .env("UP_BIN_DIR", service_bins())
            .env("NATS_SERVER_BIN", nats_server_bin().expect("nats-server"))
            .env("SIM_SITES", SITES.to_string())
            .env("SIM_INTERVAL", "1s")
            .env("SIM_FAULT_RATE", "0")
            // The demo's roster names 52 sites; this test counts its own 5.
            .env("ROSTER", "")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("run scripts/up.sh");
        Demo {
            child,
            run_dir,
            ports,
        }
    }

    fn port(&self, name: &str) -> u16 {
        self.ports.iter().find(|(n, _)| *n == name).unwrap().1
    }

    /// The summary, once the dashboard API answers it (it may be starting,
    /// or restarting).
    async fn summary(&self) -> Option<Value> {
        let url = format!("http://127.0.0.1:{}/api/v1/summary", self.port("HTTP_PORT"));
        let response = reqwest::get(url).await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    }

    /// Waits until the summary counts every site `connectivity`.
    async fn wait_all(&self, connectivity: &str, timeout: Duration) {
        eventually(
            &format!("all {SITES} sites {connectivity}"),
            timeout,
            || async { self.summary().await.filter(|s| s[connectivity] == SITES) },
        )
        .await;
    }

    /// The fleet registry's stream as this demo's nats-server shows it
    /// (monitoring): JetStream's store directory, and the stream's creation
    /// time and number of entries.
    async fn registry(&self) -> Option<(PathBuf, String, u64)> {
        let base = format!("http://127.0.0.1:{}", self.port("NATS_MONITOR_PORT"));
        let get = |path: &str| {
            let url = format!("{base}{path}");
            async move { reqwest::get(url).await.ok()?.json::<Value>().await.ok() }
        };
        let varz = get("/varz").await?;
        let store = PathBuf::from(varz["jetstream"]["config"]["store_dir"].as_str()?);
        let jsz = get("/jsz?accounts=true&streams=true").await?;
        let stream = jsz["account_details"]
            .as_array()?
            .iter()
            .filter_map(|a| a["stream_detail"].as_array())
            .flatten()
            .find(|s| s["name"] == "KV_healthmon_sites")?
            .clone();
        Some((
            store,
            stream["created"].as_str()?.to_owned(),
            stream["state"]["messages"].as_u64()?,
        ))
    }

    async fn wait_registered(&self) -> (PathBuf, String, u64) {
        eventually(
            &format!("all {SITES} sites in the fleet registry"),
            PATIENCE,
            || async { self.registry().await.filter(|(_, _, n)| *n >= SITES) },
        )
        .await
    }

    /// What up.sh has printed so far.
    fn output(&self) -> String {
        std::fs::read_to_string(self.run_dir.path.join("up.out")).unwrap_or_default()
    }

    /// `scripts/up.sh <args>` against this demo, as from a second terminal.
    fn command(&self, args: &[&str]) -> Output {
        Command::new("bash")
            .arg("scripts/up.sh")
            .args(args)
            .current_dir(workspace())
            .env("RUN_DIR", &self.run_dir.path)
            .output()
            .expect("run scripts/up.sh")
    }

    /// The pid up.sh runs `name` as, if it runs.
    fn pid(&self, name: &str) -> Option<u32> {
        let text = std::fs::read_to_string(self.run_dir.path.join("pids").join(name)).ok()?;
        text.trim().parse().ok()
    }

    fn signal(pid: u32, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, &pid.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        // A failed test still stops everything: up.sh on SIGTERM, and any
        // service it left behind.
        Demo::signal(self.child.id(), "-TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        for name in [
            "nats",
            "aggregator",
            "assessor",
            "dashboard-api",
            "collector",
        ] {
            if let Some(pid) = self.pid(name) {
                Demo::signal(pid, "-KILL");
            }
        }
    }
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

fn ok(output: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "up.sh failed: {text}");
    text
}

#[tokio::test]
async fn up_sh_supervises_restarts_one_service_and_stops_all_on_ctrl_c() {
    let mut demo = Demo::start();
    demo.wait_all("online", START_WITHIN).await;
    let output = demo.output();
    assert!(output.contains("healthmon is running"), "{output}");
    assert!(
        output.contains("scripts/up.sh restart aggregator"),
        "{output}"
    );

    // The fleet registry: every site registered itself on its first report,
    // in the JetStream store up.sh keeps in RUN_DIR...
    let (store, created, _) = demo.wait_registered().await;
    assert_eq!(store, demo.run_dir.path.join("jetstream"));
    // ...which outlives NATS: restarted, it has the same bucket back.
    ok(&demo.command(&["restart", "nats"]));
    let (_, again, _) = demo.wait_registered().await;
    assert_eq!(again, created, "the registry was created anew");
    demo.wait_all("online", PATIENCE).await;

    // Restarting the aggregator: a new process, and the whole fleet is back
    // on its first answers (it asks every collector to report).
    let before = demo.pid("aggregator").expect("the aggregator runs");
    let text = ok(&demo.command(&["restart", "aggregator"]));
    assert!(text.starts_with("restarted aggregator (pid "), "{text}");
    let after = demo.pid("aggregator").expect("the aggregator runs again");
    assert_ne!(before, after);
    assert!(!alive(before), "the old aggregator is gone");
    demo.wait_all("online", PATIENCE).await;

    // A silent collector: every site goes offline, then comes back.
    ok(&demo.command(&["stop", "collector"]));
    demo.wait_all("offline", PATIENCE).await;
    ok(&demo.command(&["start", "collector"]));
    demo.wait_all("online", PATIENCE).await;

    // A service that dies is reported; the others keep running.
    let assessor = demo.pid("assessor").expect("the assessor runs");
    Demo::signal(assessor, "-KILL");
    let report = eventually("up.sh to report the assessor", PATIENCE, || async {
        let output = demo.output();
        output
            .lines()
            .find(|l| l.starts_with("up.sh: assessor exited"))
            .map(str::to_owned)
    })
    .await;
    assert!(
        report.contains("the others keep running")
            && report.contains("scripts/up.sh start assessor"),
        "{report}"
    );
    let status = ok(&demo.command(&["status"]));
    assert!(
        status
            .lines()
            .any(|l| l.split_whitespace().take(2).eq(["assessor", "stopped"])),
        "{status}"
    );
    assert!(
        status
            .lines()
            .any(|l| l.split_whitespace().take(2).eq(["aggregator", "running"])),
        "{status}"
    );
    let summary = demo.summary().await.expect("the API still answers");
    assert_eq!(summary["total"], SITES, "{summary}");
    let refused = demo.command(&["start", "aggregator"]);
    assert!(!refused.status.success(), "the aggregator already runs");
    ok(&demo.command(&["start", "assessor"]));

    // Ctrl-C: up.sh stops every service, then exits cleanly.
    let pids: Vec<u32> = [
        "nats",
        "aggregator",
        "assessor",
        "dashboard-api",
        "collector",
    ]
    .iter()
    .map(|n| demo.pid(n).unwrap_or_else(|| panic!("{n} runs")))
    .collect();
    Demo::signal(demo.child.id(), "-INT");
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = demo.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "up.sh still runs 30 s after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(exit.success(), "{exit:?}: {}", demo.output());
    for pid in pids {
        assert!(!alive(pid), "pid {pid} outlived up.sh");
    }
    let http = ("127.0.0.1", demo.port("HTTP_PORT"));
    assert!(
        TcpStream::connect(http).is_err(),
        "the dashboard port is free"
    );
}
