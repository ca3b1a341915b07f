//! NATS topologies built from [`NatsServer`]s: a hub with leaf nodes (a
//! site's broker), JetStream, and a three-server cluster.

use std::time::Duration;

use futures::StreamExt;

use crate::nats::{JETSTREAM_CONFIG, NatsServer};
use crate::net::free_port;

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

/// A server with JetStream on (store in its own directory, kept across
/// [`NatsServer::restart`]).
pub fn start_jetstream() -> NatsServer {
    NatsServer::start_with_config(JETSTREAM_CONFIG)
}

/// Three servers joined in one NATS cluster by routes on loopback ports,
/// each also accepting leaf nodes. Kill one with `cluster.servers[i].kill()`.
#[derive(Debug)]
pub struct Cluster {
    pub servers: Vec<NatsServer>,
    pub leaf_ports: Vec<u16>,
}

impl Cluster {
    /// Three servers without JetStream.
    pub fn start() -> Self {
        Self::start_with("")
    }

    /// Three servers with JetStream clustered over them (R3 streams possible).
    pub fn start_jetstream() -> Self {
        Self::start_with(JETSTREAM_CONFIG)
    }

    fn start_with(extra: &str) -> Self {
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
                     leafnodes {{ listen: \"127.0.0.1:{}\" }}\n{extra}",
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
