//! The central side under test: nats-server, `healthmon-aggregator` and
//! `healthmon-assessor` as real processes (release builds) on free loopback
//! ports, sampled for memory and CPU, and stopped and started again the way
//! an operator restarts them (SIGTERM, then start on the same ports).

use std::time::Duration;

use healthmon_test_support::{Proc, Usage, free_port, wait_listening};

use crate::settings::Settings;

/// How long a service may take to listen after it is started.
const PATIENCE: Duration = Duration::from_secs(30);
/// How long a service may take to drain and exit on SIGTERM.
const DRAIN: Duration = Duration::from_secs(15);

pub struct Central {
    pub nats_port: u16,
    pub monitor_port: u16,
    pub aggregator_metrics: u16,
    pub assessor_metrics: u16,
    url: String,
    settings: Settings,
    /// aggregator, assessor, nats-server (the `figures::PROCS` order).
    procs: [Proc; 3],
}

impl Central {
    pub async fn start(s: &Settings) -> anyhow::Result<Central> {
        let (nats_port, monitor_port) = (free_port()?, free_port()?);
        let conf = s.run_dir.join("nats.conf");
        std::fs::write(
            &conf,
            format!(
                "listen: 127.0.0.1:{nats_port}\nhttp: 127.0.0.1:{monitor_port}\n\
                 max_payload: 1MB\nwrite_deadline: \"10s\"\n"
            ),
        )?;
        let mut nats = Proc::spawn(
            "nats",
            &s.nats_server,
            &["-c".into(), conf.display().to_string()],
            &s.run_dir,
        )?;
        wait_listening(&mut nats, nats_port, Duration::from_secs(10))?;
        let url = format!("nats://127.0.0.1:{nats_port}");
        let (aggregator_metrics, assessor_metrics) = (free_port()?, free_port()?);
        let aggregator = service(s, &url, "aggregator", aggregator_metrics)?;
        let assessor = service(s, &url, "assessor", assessor_metrics)?;
        Ok(Central {
            nats_port,
            monitor_port,
            aggregator_metrics,
            assessor_metrics,
            url,
            settings: s.clone(),
            procs: [aggregator, assessor, nats],
        })
    }

    /// Stops service `proc` (0 aggregator, 1 assessor) with SIGTERM, so it drains.
    pub async fn stop(&mut self, proc: usize) -> anyhow::Result<()> {
        self.procs[proc].terminate(DRAIN).await
    }

    /// Starts service `proc` again on its ports; returns once it listens.
    pub fn start_again(&mut self, proc: usize) -> anyhow::Result<()> {
        let (name, port) = match proc {
            0 => ("aggregator", self.aggregator_metrics),
            _ => ("assessor", self.assessor_metrics),
        };
        self.procs[proc] = service(&self.settings, &self.url, name, port)?;
        Ok(())
    }

    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.procs.iter_mut().try_for_each(Proc::alive)
    }

    /// Usage of aggregator, assessor, nats-server and this process.
    pub fn usage(&self) -> anyhow::Result<[Usage; 4]> {
        let [a, b, c] = &self.procs;
        Ok([
            a.usage()?,
            b.usage()?,
            c.usage()?,
            Usage::of(std::process::id())?,
        ])
    }
}

/// Starts `healthmon-<name>` against `url` with `/metrics` on `port`, and
/// returns once it listens there (each service subscribes before it serves
/// `/metrics`).
fn service(s: &Settings, url: &str, name: &str, port: u16) -> anyhow::Result<Proc> {
    let args = [
        "--nats-url".into(),
        url.into(),
        "--metrics-addr".into(),
        format!("127.0.0.1:{port}"),
        "--log-level".into(),
        "warn".into(),
    ];
    let bin = s.bin_dir.join(format!("healthmon-{name}"));
    let mut proc = Proc::spawn(name, &bin, &args, &s.run_dir)?;
    wait_listening(&mut proc, port, PATIENCE)?;
    Ok(proc)
}
