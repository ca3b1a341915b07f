//! Link loss at once: which sites lose their path to the centre when the
//! NATS server says a connection closed.
//!
//! With a system-account user (`--advisories-user`), the assessor follows
//! the server's disconnect advisories (`$SYS.ACCOUNT.*.DISCONNECT`, see
//! [`follow`]). A site's path is either its own connection — a collector
//! connects with the name `healthmon-collector <site>` — or the leaf node
//! it sits behind, which the site's `leaf` label names (the leaf server's
//! `server_name`; from the fleet registry, else sent by the site). When a
//! path drops, the sites behind it are late at once ("link … lost at …")
//! instead of after 1.5 intervals; they go offline at their normal timeout
//! unless they report again. A lost leaf node with sites behind it is one
//! incident. Pure here: advisories in, [`LinkDown`] out; the tracker keeps
//! who sits behind which leaf.

use serde::Deserialize;

pub mod follow;

/// The label naming the leaf node (its `server_name`) a site sits behind.
pub const LEAF_LABEL: &str = "leaf";

/// How a collector names its NATS connection: `healthmon-collector <site>`.
pub const COLLECTOR_NAME_PREFIX: &str = "healthmon-collector ";

/// The subject of the server's disconnect advisories, every account.
pub const DISCONNECT_ADVISORIES: &str = "$SYS.ACCOUNT.*.DISCONNECT";

/// A path to the centre that closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkDown {
    /// A leaf node (its server name) and everything behind it.
    Leaf { name: String, at_ms: u64 },
    /// One site's own collector connection.
    Site { site_id: String, at_ms: u64 },
}

#[derive(Deserialize)]
struct Advisory {
    #[serde(default)]
    timestamp: Option<String>,
    client: Client,
}

#[derive(Deserialize)]
struct Client {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    stop: Option<String>,
}

/// The link a disconnect advisory reports closed, if it is one healthmon
/// knows: a leaf node, or a collector. `now_ms` stands in for a time the
/// advisory does not carry in a form read here.
pub fn parse(payload: &[u8], now_ms: u64) -> Option<LinkDown> {
    let a: Advisory = serde_json::from_slice(payload).ok()?;
    let at_ms = a
        .client
        .stop
        .as_deref()
        .or(a.timestamp.as_deref())
        .and_then(|t| humantime::parse_rfc3339_weak(t.trim_end_matches('Z')).ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(now_ms, |d| d.as_millis() as u64);
    match a.client.kind.as_str() {
        "Leafnode" if !a.client.name.is_empty() => Some(LinkDown::Leaf {
            name: a.client.name,
            at_ms,
        }),
        "Client" => {
            let site = a.client.name.strip_prefix(COLLECTOR_NAME_PREFIX)?;
            healthmon_proto::validate_site_id(site).ok()?;
            Some(LinkDown::Site {
                site_id: site.to_owned(),
                at_ms,
            })
        }
        _ => None,
    }
}

/// "link leaf eu-1 lost at 14:25:24 UTC": the reason of a site behind it.
pub fn lost_reason(link: &LinkDown) -> String {
    let (what, at_ms) = match link {
        LinkDown::Leaf { name, at_ms } => (format!("leaf {name}"), *at_ms),
        LinkDown::Site { site_id, at_ms } => (format!("connection of {site_id}"), *at_ms),
    };
    format!("link {what} lost at {}", clock_time(at_ms))
}

/// `14:25:24 UTC` of a unix-ms time.
fn clock_time(ms: u64) -> String {
    let s = (ms / 1000) % 86_400;
    format!("{:02}:{:02}:{:02} UTC", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests;
