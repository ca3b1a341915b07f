//! `ReportView`: a `HealthReport` borrowed from the bytes it was decoded from.
//!
//! The hot path of the central services (tens of thousands of reports a
//! second) decodes every report only to validate it and read a few fields.
//! Decoding into the owned [`HealthReport`] allocates every string (14 for a
//! typical report) and frees them again; the view borrows names straight
//! from the payload, so a decode costs three small vectors at most.
//!
//! The view has the same fields, in the same order, with the same defaults
//! as `HealthReport`, so it also serves as the aggregator's compact storage
//! form: [`ReportView::to_compact`] writes MessagePack arrays without field
//! names (about 40 % of the named wire form), and
//! [`ReportView::from_compact`] reads them back, borrowing again (both in
//! [`crate::compact`]; [`ReportView::decode`] is in [`crate::reader`]).

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::report::{
    ConnectionStatus, ErrorCounter, HealthReport, Node, NodeRole, Resources, SfBuffer,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportView<'a> {
    pub v: u32,
    pub site_id: &'a str,
    pub instance: &'a str,
    pub seq: u64,
    pub sent_at_ms: u64,
    pub interval_ms: u64,
    #[serde(default, borrow)]
    pub nodes: Vec<NodeView<'a>>,
    #[serde(default, borrow)]
    pub connections: Vec<ConnectionView<'a>>,
    #[serde(default)]
    pub script_errors: ErrorCounter,
    #[serde(default)]
    pub alarm_errors: ErrorCounter,
    #[serde(default)]
    pub sf_buffer: SfBuffer,
    #[serde(default)]
    pub resources: Option<Resources>,
    /// In wire order; the validator refuses duplicate keys.
    #[serde(default, borrow, with = "pairs")]
    pub custom: Vec<(&'a str, f64)>,
    /// In wire order; the validator refuses duplicate keys.
    #[serde(default, borrow, with = "pairs")]
    pub labels: Vec<(&'a str, &'a str)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView<'a> {
    pub name: &'a str,
    #[serde(default)]
    pub role: NodeRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView<'a> {
    pub name: &'a str,
    pub connected: bool,
}

/// Builds a `$report` (the view or the owned report) from `$from`, the
/// other one: the fields both hold by value are copied here, once, and
/// `$rest` gives the ones that borrow or own their strings.
macro_rules! with_copied_fields {
    ($report:ident, $from:expr, { $($rest:tt)* }) => {
        $report {
            v: $from.v,
            seq: $from.seq,
            sent_at_ms: $from.sent_at_ms,
            interval_ms: $from.interval_ms,
            script_errors: $from.script_errors,
            alarm_errors: $from.alarm_errors,
            sf_buffer: $from.sf_buffer,
            resources: $from.resources,
            $($rest)*
        }
    };
}

impl<'a> ReportView<'a> {
    /// The first node reporting itself active, if any.
    pub fn active_node(&self) -> Option<&'a str> {
        self.nodes
            .iter()
            .find(|n| n.role == NodeRole::Active)
            .map(|n| n.name)
    }

    pub fn connections_up(&self) -> usize {
        self.connections.iter().filter(|c| c.connected).count()
    }

    pub fn to_report(&self) -> HealthReport {
        with_copied_fields!(HealthReport, self, {
            site_id: self.site_id.to_owned(),
            instance: self.instance.to_owned(),
            nodes: self
                .nodes
                .iter()
                .map(|n| Node {
                    name: n.name.to_owned(),
                    role: n.role,
                })
                .collect(),
            connections: self
                .connections
                .iter()
                .map(|c| ConnectionStatus {
                    name: c.name.to_owned(),
                    connected: c.connected,
                })
                .collect(),
            // Duplicate keys never get this far (validation refuses them).
            custom: self
                .custom
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            labels: self
                .labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        })
    }
}

impl HealthReport {
    /// The borrowed view of this report (for code written against views).
    pub fn view(&self) -> ReportView<'_> {
        with_copied_fields!(ReportView, self, {
            site_id: &self.site_id,
            instance: &self.instance,
            nodes: self
                .nodes
                .iter()
                .map(|n| NodeView {
                    name: &n.name,
                    role: n.role,
                })
                .collect(),
            connections: self
                .connections
                .iter()
                .map(|c| ConnectionView {
                    name: &c.name,
                    connected: c.connected,
                })
                .collect(),
            custom: self.custom.iter().map(|(k, v)| (k.as_str(), *v)).collect(),
            labels: self
                .labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        })
    }
}

/// `custom` and `labels` are maps on the wire; the view keeps their entries
/// as pairs so that reading them borrows the keys and builds no tree.
mod pairs {
    use std::marker::PhantomData;

    use super::*;

    pub fn serialize<S: Serializer, V: Serialize>(
        pairs: &[(&str, V)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(pairs.len()))?;
        for (k, v) in pairs {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<(&'de str, V)>, D::Error> {
        d.deserialize_map(Pairs(PhantomData))
    }

    struct Pairs<V>(PhantomData<V>);

    impl<'de, V: Deserialize<'de>> Visitor<'de> for Pairs<V> {
        type Value = Vec<(&'de str, V)>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of names to values")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            // Never trust a declared length for allocation: a payload cannot
            // hold more than one entry per 2 bytes anyway, and the validator
            // caps the count far lower.
            let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(16));
            while let Some(entry) = map.next_entry()? {
                pairs.push(entry);
            }
            Ok(pairs)
        }
    }
}

#[cfg(test)]
mod tests;
