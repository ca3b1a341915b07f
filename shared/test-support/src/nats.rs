//! A real `nats-server` per test (or bench section), killed on drop.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::net::free_port;
use crate::process::{Proc, find_on_path, wait_listening};
use crate::temp::TempDir;

/// How long a server may take to listen after it was started.
const LISTEN_WITHIN: Duration = Duration::from_secs(10);

/// Configuration that turns JetStream on, its store in the server's own
/// directory (kept across [`NatsServer::restart`]): what the fleet registry
/// needs.
pub const JETSTREAM_CONFIG: &str = "jetstream { store_dir: \"{dir}/js\" }\n";

/// A `nats-server` child process on a free loopback port, with a temporary
/// directory of its own (its config, JetStream store and log), killed on drop.
#[derive(Debug)]
pub struct NatsServer {
    proc: Option<Proc>,
    name: String,
    port: u16,
    monitor_port: Option<u16>,
    args: Vec<String>,
    env: Vec<(String, String)>,
    log_dir: PathBuf,
    dir: TempDir,
}

impl NatsServer {
    /// Starts a plain server; panics with an install hint if it cannot.
    pub fn start() -> Self {
        Self::builder().start().expect("start nats-server")
    }

    /// Starts a server with this configuration text; `{port}` in it is
    /// replaced by the chosen client port and `{dir}` by its own directory.
    pub fn start_with_config(config: &str) -> Self {
        Self::builder()
            .config(config)
            .start()
            .expect("start nats-server with config")
    }

    /// For anything else: monitoring, where its log goes.
    pub fn builder() -> NatsBuilder {
        NatsBuilder::default()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The HTTP monitoring port (`/varz`, `/connz`, ...), if asked for.
    pub fn monitor_port(&self) -> Option<u16> {
        self.monitor_port
    }

    /// The server's own directory (`{dir}` in its config).
    pub fn dir(&self) -> &Path {
        &self.dir.path
    }

    /// The process, for its memory and CPU (None while killed).
    pub fn proc(&self) -> Option<&Proc> {
        self.proc.as_ref()
    }

    /// What the server logged so far (for a failure message).
    pub fn log_text(&self) -> String {
        self.proc.as_ref().map(Proc::log_text).unwrap_or_default()
    }

    /// A plain client connection for the test itself.
    pub async fn client(&self) -> async_nats::Client {
        async_nats::connect(self.url())
            .await
            .expect("test client connects")
    }

    /// `kill -9`: the broker vanishes without goodbye.
    pub fn kill(&mut self) {
        if let Some(mut proc) = self.proc.take() {
            proc.kill();
        }
    }

    /// Starts the server again on the same port, with the same config and
    /// store (after [`kill`](Self::kill)).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn().expect("restart nats-server");
    }

    fn spawn(&mut self) -> Result<()> {
        let bin = nats_server_bin()?;
        let mut proc = Proc::spawn_env(&self.name, &bin, &self.args, &self.env, &self.log_dir)?;
        wait_listening(&mut proc, self.port, LISTEN_WITHIN)?;
        if let Some(monitor) = self.monitor_port {
            wait_listening(&mut proc, monitor, LISTEN_WITHIN)?;
        }
        self.proc = Some(proc);
        Ok(())
    }
}

/// Options of a [`NatsServer`] beyond the defaults.
#[derive(Debug, Default)]
pub struct NatsBuilder {
    config: Option<String>,
    monitor: bool,
    jetstream: bool,
    env: Vec<(String, String)>,
    logs: Option<(PathBuf, String)>,
}

impl NatsBuilder {
    /// Configuration text (`{port}` and `{dir}` are filled in).
    pub fn config(mut self, text: &str) -> Self {
        self.config = Some(text.to_owned());
        self
    }

    /// JetStream on ([`JETSTREAM_CONFIG`], after any other configuration text).
    pub fn jetstream(mut self) -> Self {
        self.jetstream = true;
        self
    }

    /// Environment of the server (a config reads `$VARIABLE`s from it).
    pub fn env(mut self, vars: &[(String, String)]) -> Self {
        self.env.extend_from_slice(vars);
        self
    }

    /// Also serve HTTP monitoring on a free port.
    pub fn monitor(mut self) -> Self {
        self.monitor = true;
        self
    }

    /// Keep the log as `<dir>/<name>.log` (default: in the server's own
    /// directory, gone with it).
    pub fn log_to(mut self, dir: &Path, name: &str) -> Self {
        self.logs = Some((dir.to_owned(), name.to_owned()));
        self
    }

    pub fn start(self) -> Result<NatsServer> {
        let port = free_port()?;
        let dir = TempDir::new("nats")?;
        let mut args: Vec<String> = vec!["-a".into(), "127.0.0.1".into(), "-p".into()];
        args.push(port.to_string());
        let monitor_port = if self.monitor {
            let monitor = free_port()?;
            args.extend(["-m".into(), monitor.to_string()]);
            Some(monitor)
        } else {
            None
        };
        let mut config = self.config;
        if self.jetstream {
            config.get_or_insert_default().push_str(JETSTREAM_CONFIG);
        }
        if let Some(text) = config {
            let path = dir.path.join("server.conf");
            let text = text
                .replace("{port}", &port.to_string())
                .replace("{dir}", &dir.path.display().to_string());
            std::fs::write(&path, text).context("write the server config")?;
            args.extend(["-c".into(), path.display().to_string()]);
        }
        let (log_dir, name) = self
            .logs
            .unwrap_or_else(|| (dir.path.clone(), "nats-server".into()));
        let mut server = NatsServer {
            proc: None,
            name,
            port,
            monitor_port,
            args,
            env: self.env,
            log_dir,
            dir,
        };
        server.spawn()?;
        Ok(server)
    }
}

/// Finds nats-server: `NATS_SERVER_BIN`, then `PATH`.
pub fn nats_server_bin() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("NATS_SERVER_BIN") {
        return Ok(PathBuf::from(path));
    }
    find_on_path("nats-server").context(
        "nats-server not found: set NATS_SERVER_BIN or put it on PATH \
         (scripts/install-deps.sh installs it)",
    )
}
