//! What the `healthmon` binary tests share: the built binary run as a user
//! would (`healthmon --nats-url ...`), its output, and `watch` as a child
//! process. The central services come from the `healthmon-e2e` harness.

use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::process::{Child, Command};

pub const PATIENCE: Duration = Duration::from_secs(10);

pub const BIN: &str = env!("CARGO_BIN_EXE_healthmon");

/// `healthmon --nats-url <url> ARGS...`, run to the end.
pub async fn healthmon(url: &str, args: &[&str]) -> Run {
    run(command(url, args)).await
}

/// A command line's words, split at white space, as a user types them:
/// `words("sites --json")` is `["sites", "--json"]` (for arguments without
/// spaces of their own).
pub fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// A prepared command, run to the end.
pub async fn run(mut cmd: Command) -> Run {
    Run::of(cmd.output().await.expect("healthmon runs"))
}

/// `healthmon --nats-url <url> ARGS...`, ignoring any healthmon settings in
/// the test's environment.
pub fn command(url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    for var in [
        "NATS_URL",
        "SUBJECT_PREFIX",
        "NATS_CREDS",
        "NATS_NKEY",
        "NATS_USER",
        "NATS_PASSWORD",
        "NATS_TLS_CA",
        "NATS_TLS_CERT",
        "NATS_TLS_KEY",
        "NATS_CONNECT_TIMEOUT",
        "HEALTHMON_TIMEOUT",
        "HEALTHMON_PARTITIONS",
        "REGISTRY_BUCKET",
        "REGISTRY_REPLICAS",
        "HEALTHMON_API",
        "HEALTHMON_TOKEN",
        "HEALTHMON_TOKEN_FILE",
        "HEALTHMON_API_CA",
    ] {
        cmd.env_remove(var);
    }
    cmd.arg("--nats-url")
        .arg(url)
        .args(args)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// A finished run: exit code and output as text.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(output: Output) -> Self {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts exit code 1 or 2 with one `error: ` line and nothing on
    /// stdout, and returns the line without `error: `.
    pub fn failed(self, code: i32) -> String {
        assert_eq!(self.code, Some(code), "{self:?}");
        assert!(self.stdout.is_empty(), "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:?}");
        self.stderr
            .trim_end()
            .strip_prefix("error: ")
            .unwrap_or_else(|| panic!("no `error: ` line: {self:?}"))
            .to_owned()
    }

    /// Asserts success and returns stdout.
    pub fn ok(self) -> String {
        assert_eq!(self.code, Some(0), "healthmon failed: {self:?}");
        self.stdout
    }

    pub fn json(self) -> serde_json::Value {
        let stdout = self.ok();
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
    }
}

/// Spawns `healthmon watch ...` with piped output.
pub fn spawn_watch(url: &str, args: &[&str]) -> Child {
    let mut all = vec!["watch"];
    all.extend_from_slice(args);
    command(url, &all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("healthmon watch starts")
}
