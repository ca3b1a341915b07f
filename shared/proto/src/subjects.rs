//! NATS subject names, all under one configurable prefix (default `health`).
//!
//! | subject | payload | direction |
//! |---|---|---|
//! | `<p>.report.<site_id>` | `HealthReport` (MessagePack) | collector → central |
//! | `<p>.status.<site_id>` | `StatusEvent` (MessagePack + headers) | assessor → anyone |
//! | `<p>.cmd.resend` | empty | aggregator (or anyone) → every collector |
//! | `<p>.centre.status` | centre event (MessagePack + headers) | assessor → anyone |
//! | `<p>.agg.{summary,list,get}` | JSON request/reply | dashboard API, CLI, assessor → aggregator (NATS micro) |
//! | `<p>.assessor.statuses` | JSON request/reply | aggregator → assessor (NATS micro) |
//! | `<p>.audit` | `AuditEvent` (JSON) | dashboard API, `healthmon fleet apply` → anyone (security log) |
//!
//! ## Partitions
//!
//! A fleet too large for one aggregator/assessor pair is split into N
//! partitions by the NATS server, not by healthmon: a subject mapping
//! (see [`Subjects::report_mapping`]) delivers a report published on
//! `<p>.report.<site_id>` as `<p>.report.<i>.<site_id>`, with
//! `i = partition(N)` of the site id. Services started for one
//! [`Partition`] ([`Subjects::partitioned`]) then hear and serve only their
//! part:
//!
//! | subject | unpartitioned | partition `i` |
//! |---|---|---|
//! | reports heard | `<p>.report.*` | `<p>.report.<i>.*` |
//! | aggregator endpoints | `<p>.agg.<ep>` | `<p>.agg.<i>.<ep>` |
//! | assessor endpoints | `<p>.assessor.<ep>` | `<p>.assessor.<i>.<ep>` |
//!
//! Collectors publish the same subject either way, and status events stay
//! `<p>.status.<site_id>`: the stable subject for users (dashboard SSE,
//! `healthmon watch`, scripts) does not depend on the partitioning.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

pub const DEFAULT_PREFIX: &str = "health";

/// Longest site id accepted; also bounds memory per site.
pub const MAX_SITE_ID_LEN: usize = 64;

/// Headers set on status events so `nats sub` is readable without decoding.
pub const HEADER_CONTENT_TYPE: &str = "Content-Type";
pub const CONTENT_TYPE_MSGPACK: &str = "application/msgpack";
pub const HEADER_SITE: &str = "Healthmon-Site";
pub const HEADER_CONNECTIVITY: &str = "Healthmon-Connectivity";
pub const HEADER_HEALTH: &str = "Healthmon-Health";

/// On `<prefix>.cmd.resend`: the window, in ms, over which collectors
/// spread their answers (each site picks its own delay inside it). Absent
/// (an older aggregator, `nats pub`): each collector's own `resend_jitter`.
pub const HEADER_RESEND_SPREAD_MS: &str = "Healthmon-Resend-Spread-Ms";

/// The resend header's value asking for `spread` (whole ms), as the centre
/// sends it; [`resend_spread`] reads it back.
pub fn resend_spread_value(spread: std::time::Duration) -> String {
    spread.as_millis().to_string()
}

/// The spread a resend header asks for, if it is a number of ms.
pub fn resend_spread(value: &str) -> Option<std::time::Duration> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .map(std::time::Duration::from_millis)
}

/// Micro service names, as `nats micro ls` shows them.
pub const AGGREGATOR_SERVICE: &str = "healthmon-aggregator";
pub const ASSESSOR_SERVICE: &str = "healthmon-assessor";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SiteIdError {
    #[error("site id is empty")]
    Empty,
    #[error("site id is longer than {MAX_SITE_ID_LEN} characters")]
    TooLong,
    #[error("site id may contain only A-Z, a-z, 0-9, '_' and '-'")]
    BadCharacter,
}

/// A site id is `[A-Za-z0-9_-]{1,64}`: one NATS subject token, safe as a label and a URL segment.
pub fn validate_site_id(id: &str) -> Result<(), SiteIdError> {
    if id.is_empty() {
        return Err(SiteIdError::Empty);
    }
    if id.len() > MAX_SITE_ID_LEN {
        return Err(SiteIdError::TooLong);
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(SiteIdError::BadCharacter);
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("subject prefix {0:?} must be dot-separated tokens of A-Z, a-z, 0-9, '_' or '-'")]
pub struct PrefixError(pub String);

/// Most partitions a fleet may be split into: far more than any fleet needs
/// (each partition handles ~100,000 sites), and it keeps one lease key and
/// one queue group per partition a manageable count.
pub const MAX_PARTITIONS: u16 = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PartitionError {
    #[error("expected a partition as i/N (e.g. 0/4), got {0:?}")]
    Syntax(String),
    #[error("the partition count must be within 1..={MAX_PARTITIONS}, got {0}")]
    Count(u32),
    #[error("the partition index must be below the count ({count}), got {index}")]
    Index { index: u32, count: u32 },
}

/// One of `count` partitions of the fleet: `index` in `0..count`.
///
/// Parsed from and shown as `i/N`, the form of the `--partition` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Partition {
    index: u16,
    count: u16,
}

impl Partition {
    pub fn new(index: u32, count: u32) -> Result<Self, PartitionError> {
        let count = checked_count(count)?;
        if index >= u32::from(count) {
            return Err(PartitionError::Index {
                index,
                count: u32::from(count),
            });
        }
        // Fits: index < count <= MAX_PARTITIONS.
        let index = u16::try_from(index).map_err(|_| PartitionError::Count(u32::from(count)))?;
        Ok(Partition { index, count })
    }

    pub fn index(self) -> u16 {
        self.index
    }

    pub fn count(self) -> u16 {
        self.count
    }

    /// Every partition of a fleet split into `count`, in index order.
    pub fn all(count: u32) -> Result<Vec<Partition>, PartitionError> {
        let count = checked_count(count)?;
        Ok((0..count).map(|index| Partition { index, count }).collect())
    }

    /// The partition nats-server's `{{partition(N,1)}}` mapping puts
    /// `site_id` in: FNV-1a (32 bit) of the token, modulo N — what
    /// nats-server 2.8+ computes (`subject_transform.go`). healthmon never
    /// needs it for routing (the server routes); it is here so tests can
    /// check the server still agrees, and so an operator can write a
    /// directly connected site's exact publish permission
    /// (`<p>.report.<i>.<site_id>`, see docs/SCALING.md).
    pub fn of_site(site_id: &str, count: u16) -> u16 {
        let hash = site_id.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
            (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
        });
        // The remainder is below `count`, a u16.
        (hash % u32::from(count.max(1))) as u16
    }

    /// Whether nats-server's mapping puts `site_id` in this partition.
    pub fn holds(self, site_id: &str) -> bool {
        Self::of_site(site_id, self.count) == self.index
    }
}

/// A partition count of 1..=[`MAX_PARTITIONS`].
pub fn checked_count(count: u32) -> Result<u16, PartitionError> {
    match u16::try_from(count) {
        Ok(n) if (1..=MAX_PARTITIONS).contains(&n) => Ok(n),
        _ => Err(PartitionError::Count(count)),
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Partition {
    type Err = PartitionError;

    /// `i/N`, e.g. `0/4`: decimal digits only, no spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || PartitionError::Syntax(s.to_owned());
        let (index, count) = s.split_once('/').ok_or_else(syntax)?;
        let number = |t: &str| -> Result<u32, PartitionError> {
            if t.is_empty() || t.len() > 9 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax());
            }
            t.parse().map_err(|_| syntax())
        };
        Partition::new(number(index)?, number(count)?)
    }
}

/// Subject builder for one prefix and, optionally, one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subjects {
    prefix: String,
    partition: Option<Partition>,
}

impl Default for Subjects {
    fn default() -> Self {
        Subjects {
            prefix: DEFAULT_PREFIX.to_owned(),
            partition: None,
        }
    }
}

impl Subjects {
    pub fn new(prefix: &str) -> Result<Self, PrefixError> {
        let ok = !prefix.is_empty()
            && prefix
                .split('.')
                .all(|token| validate_site_id(token).is_ok());
        if ok {
            Ok(Subjects {
                prefix: prefix.to_owned(),
                partition: None,
            })
        } else {
            Err(PrefixError(prefix.to_owned()))
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The same prefix, for the services of one partition.
    pub fn partitioned(&self, partition: Partition) -> Subjects {
        Subjects {
            prefix: self.prefix.clone(),
            partition: Some(partition),
        }
    }

    /// The same prefix, for partition `index` of `count`.
    pub fn for_partition(&self, index: u32, count: u32) -> Result<Subjects, PartitionError> {
        Ok(self.partitioned(Partition::new(index, count)?))
    }

    /// The same prefix, without a partition (the whole fleet's subjects).
    pub fn unpartitioned(&self) -> Subjects {
        Subjects {
            prefix: self.prefix.clone(),
            partition: None,
        }
    }

    pub fn partition(&self) -> Option<Partition> {
        self.partition
    }

    /// The NATS server subject mapping that splits reports into `count`
    /// partitions, as (source, destination) for a `mappings` block:
    /// `"health.report.*": "health.report.{{partition(N,1)}}.{{wildcard(1)}}"`.
    pub fn report_mapping(&self, count: u16) -> (String, String) {
        (
            format!("{}.report.*", self.prefix),
            format!(
                "{}.report.{{{{partition({count},1)}}}}.{{{{wildcard(1)}}}}",
                self.prefix
            ),
        )
    }

    /// `<prefix>.<kind>` or, with a partition, `<prefix>.<kind>.<index>`.
    fn scoped(&self, kind: &str) -> String {
        match self.partition {
            Some(p) => format!("{}.{kind}.{}", self.prefix, p.index),
            None => format!("{}.{kind}", self.prefix),
        }
    }

    pub fn report(&self, site_id: &str) -> String {
        format!("{}.report.{site_id}", self.prefix)
    }

    /// Wildcard matching every site's reports (with a partition: every
    /// report the server's mapping delivers to it, `<p>.report.<i>.*`).
    pub fn reports(&self) -> String {
        format!("{}.*", self.scoped("report"))
    }

    pub fn status(&self, site_id: &str) -> String {
        format!("{}.status.{site_id}", self.prefix)
    }

    /// Wildcard matching every site's status events.
    pub fn statuses(&self) -> String {
        format!("{}.status.*", self.prefix)
    }

    pub fn resend(&self) -> String {
        format!("{}.cmd.resend", self.prefix)
    }

    /// Incidents: sites that fell silent together, one event for all of
    /// them (lost leaf nodes, label groups; see [`crate::incident`]).
    pub fn incidents(&self) -> String {
        format!("{}.incident", self.prefix)
    }

    /// Events about the centre itself (the assessor's mass-silence rule).
    pub fn centre_status(&self) -> String {
        format!("{}.centre.status", self.prefix)
    }

    /// Audit events of the dashboard API (admin actions, refused requests).
    pub fn audit(&self) -> String {
        format!("{}.audit", self.prefix)
    }

    /// Every command subject, what a site may subscribe to.
    pub fn commands(&self) -> String {
        format!("{}.cmd.>", self.prefix)
    }

    /// Group of the aggregator's micro-service endpoints (`summary`, `list`,
    /// `get`); `<p>.agg.<i>` with a partition.
    pub fn aggregator_group(&self) -> String {
        self.scoped("agg")
    }

    pub fn aggregator(&self, endpoint: &str) -> String {
        format!("{}.{endpoint}", self.scoped("agg"))
    }

    /// Group of the assessor's micro-service endpoints (`statuses`);
    /// `<p>.assessor.<i>` with a partition.
    pub fn assessor_group(&self) -> String {
        self.scoped("assessor")
    }

    pub fn assessor(&self, endpoint: &str) -> String {
        format!("{}.{endpoint}", self.scoped("assessor"))
    }

    /// The site id a report or status subject names, if the subject has this
    /// prefix, the given kind (`report`/`status`) and exactly one more token.
    /// With a partition, a report subject must be this partition's
    /// `<p>.report.<i>.<site>` (status subjects are never partitioned).
    pub fn site_of<'a>(&self, kind: &str, subject: &'a str) -> Option<&'a str> {
        let rest = subject.strip_prefix(self.prefix.as_str())?;
        let rest = rest.strip_prefix('.')?;
        let rest = rest.strip_prefix(kind)?;
        let mut site = rest.strip_prefix('.')?;
        if let (Some(p), "report") = (self.partition, kind) {
            let (index, rest) = site.split_once('.')?;
            if index != p.index.to_string() {
                return None;
            }
            site = rest;
        }
        (!site.is_empty() && !site.contains('.')).then_some(site)
    }
}

#[cfg(test)]
mod tests;
