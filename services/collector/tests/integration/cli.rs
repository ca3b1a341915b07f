//! The `healthmon-collector` binary as an operator runs it.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;
use healthmon_test_support::TempDir;

fn collector() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_healthmon-collector"));
    // Only what each test sets counts, not the machine's environment.
    for var in [
        "SITE_ID",
        "REPORT_INTERVAL",
        "COLLECTOR_CONFIG",
        "SIMULATE",
        "NATS_URL",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.args(["--metrics-addr", "127.0.0.1:0"]);
    cmd
}

#[test]
fn a_bad_config_key_exits_2_naming_the_file_and_key() {
    let dir = TempDir::new("collector-cli").unwrap();
    let path = dir.path.join("collector.toml");
    std::fs::write(
        &path,
        "site_id = \"s\"\n\n[[probe]]\nname = \"plc\"\nadress = \"h:1\"\n",
    )
    .unwrap();
    let out = collector().arg("--config").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("adress") && stderr.contains("line 5"),
        "{stderr}"
    );
}

#[test]
fn a_bad_label_exits_2_naming_the_file_and_the_label() {
    let dir = TempDir::new("collector-cli").unwrap();
    let path = dir.path.join("collector.toml");
    std::fs::write(&path, "site_id = \"s\"\nlabels = { Region = \"x\" }\n").unwrap();
    let out = collector().arg("--config").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("key labels.Region"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_missing_site_id_or_bad_interval_exits_2() {
    let out = collector().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--site-id"));

    let out = collector()
        .args(["--site-id", "s", "--interval", "10ms"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--interval"));
}

#[test]
fn unreachable_nats_exits_1_with_one_error_line() {
    let port = healthmon_test_support::free_port().unwrap();
    let out = collector()
        .args([
            "--site-id",
            "s",
            "--nats-connect-timeout",
            "1s",
            "--log-level",
            "off",
        ])
        .args(["--nats-url", &format!("nats://127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: cannot reach NATS"), "{stderr}");
}

#[tokio::test]
async fn simulates_sites_from_env_and_stops_cleanly_on_sigterm() {
    let (server, inbox) = server_with_inbox().await;
    let child = collector()
        .env("NATS_URL", server.url())
        .env("SIMULATE", "3")
        .env("REPORT_INTERVAL", "300ms")
        .env("SITE_ID", "demo")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let child = Reaped(std::sync::Mutex::new(child));
    let child = &child.0;
    let got = inbox.wait_for(3, Duration::from_secs(10)).await;
    assert!(
        got.iter()
            .all(|r| r.report.site_id.starts_with("demo-0000"))
    );

    let pid = child.lock().unwrap().id();
    let term = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = eventually("the collector to exit", Duration::from_secs(5), || {
        let exited = child.lock().unwrap().try_wait().unwrap();
        async move { exited }
    })
    .await;
    assert_eq!(status.code(), Some(0));
}

/// Kills the child if the test fails before it exits.
struct Reaped(std::sync::Mutex<std::process::Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Ok(child) = self.0.get_mut()
            && child.try_wait().ok().flatten().is_none()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
