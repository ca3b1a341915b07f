//! What the `healthmon` binary tests share: a real nats-server, the real
//! aggregator and assessor started in-process through their public `start`,
//! real collectors, and the built `healthmon` binary run as a user would.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::process::{Output, Stdio};
use std::time::Duration;

use healthmon_common::CancellationToken;
use healthmon_common::nats::NatsConfig;
use healthmon_test_support::NatsServer;
use tokio::process::{Child, Command};

pub const INTERVAL: Duration = Duration::from_millis(300);
pub const PATIENCE: Duration = Duration::from_secs(10);

pub const BIN: &str = env!("CARGO_BIN_EXE_healthmon");

/// Cancels a service's token when the test ends.
struct Guard(CancellationToken);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// nats-server plus, on request, the central services.
pub struct Central {
    pub nats: NatsServer,
    guards: Vec<Guard>,
}

impl Central {
    /// Only a nats-server: nothing answers the aggregator's subjects.
    pub fn bare() -> Self {
        Central {
            nats: NatsServer::start(),
            guards: Vec::new(),
        }
    }

    /// nats-server, aggregator and assessor.
    pub async fn start() -> Self {
        let mut central = Self::bare();
        let token = central.token();
        let config =
            healthmon_aggregator::Config::new(NatsConfig::local(central.nats.url()), any_port());
        healthmon_aggregator::start(config, token)
            .await
            .expect("aggregator starts");
        let token = central.token();
        let config =
            healthmon_assessor::Config::new(NatsConfig::local(central.nats.url()), any_port());
        healthmon_assessor::start(config, token)
            .await
            .expect("assessor starts");
        central
    }

    fn token(&mut self) -> CancellationToken {
        let token = CancellationToken::new();
        self.guards.push(Guard(token.clone()));
        token
    }

    /// A real collector for one site; cancel the token to silence it.
    pub async fn collector(&mut self, site: &str) -> CancellationToken {
        self.collector_every(site, INTERVAL).await
    }

    pub async fn collector_every(&mut self, site: &str, interval: Duration) -> CancellationToken {
        let mut config = healthmon_collector::Config::new(NatsConfig::local(self.nats.url()), site);
        config.interval = interval;
        self.start_collector(config).await
    }

    /// A real collector simulating `sites` healthy sites `sim-00001`, ...
    pub async fn simulator(&mut self, sites: usize) -> CancellationToken {
        let mut config = healthmon_collector::Config::new(NatsConfig::local(self.nats.url()), "");
        config.interval = INTERVAL;
        config.simulate = Some(healthmon_collector::Simulate {
            sites,
            fault_rate: 0.0,
            seed: Some(7),
        });
        self.start_collector(config).await
    }

    async fn start_collector(&mut self, config: healthmon_collector::Config) -> CancellationToken {
        let token = self.token();
        healthmon_collector::start(config, token.clone())
            .await
            .expect("collector starts");
        token
    }

    /// `healthmon --nats-url <this server> ARGS...`, ignoring any healthmon
    /// settings in the test's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        command(&self.nats.url(), args)
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        Run::of(self.command(args).output().await.expect("healthmon runs"))
    }
}

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
