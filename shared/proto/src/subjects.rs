//! NATS subject names, all under one configurable prefix (default `health`).
//!
//! | subject | payload | direction |
//! |---|---|---|
//! | `<p>.report.<site_id>` | `HealthReport` (MessagePack) | collector → central |
//! | `<p>.status.<site_id>` | `StatusEvent` (MessagePack + headers) | assessor → anyone |
//! | `<p>.cmd.resend` | empty | aggregator (or anyone) → every collector |
//! | `<p>.centre.status` | centre event (MessagePack + headers) | assessor → anyone |
//! | `<p>.agg.{summary,list,get,forget,maintenance}` | JSON request/reply | dashboard API → aggregator (NATS micro) |
//! | `<p>.assessor.statuses` | JSON request/reply | aggregator → assessor (NATS micro) |
//! | `<p>.audit` | `AuditEvent` (JSON) | dashboard API → anyone (security log) |
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
mod tests {
    use super::*;

    #[test]
    fn builds_contract_subjects() {
        let s = Subjects::default();
        assert_eq!(s.report("site-1"), "health.report.site-1");
        assert_eq!(s.status("site-1"), "health.status.site-1");
        assert_eq!(s.resend(), "health.cmd.resend");
        assert_eq!(s.reports(), "health.report.*");
        assert_eq!(s.aggregator("list"), "health.agg.list");
        assert_eq!(s.audit(), "health.audit");
    }

    #[test]
    fn extracts_site_from_subject() {
        let s = Subjects::new("acme.health").unwrap();
        assert_eq!(s.site_of("report", "acme.health.report.a_1"), Some("a_1"));
        assert_eq!(s.site_of("report", "acme.health.status.a_1"), None);
        assert_eq!(s.site_of("report", "acme.health.report."), None);
        assert_eq!(s.site_of("report", "acme.health.report.a.b"), None);
        assert_eq!(s.site_of("report", "health.report.a"), None);
        assert_eq!(s.site_of("report", "acme.healthy.report.a"), None);
    }

    #[test]
    fn unpartitioned_subjects_are_unchanged() {
        let s = Subjects::default();
        assert_eq!(s.partition(), None);
        assert_eq!(s.aggregator_group(), "health.agg");
        assert_eq!(s.assessor_group(), "health.assessor");
        assert_eq!(s.assessor("statuses"), "health.assessor.statuses");
        assert_eq!(s.statuses(), "health.status.*");
    }

    #[test]
    fn partitioned_subjects() {
        let s = Subjects::new("acme.health")
            .unwrap()
            .partitioned("2/3".parse().unwrap());
        assert_eq!(s.partition(), Some(Partition::new(2, 3).unwrap()));
        assert_eq!(s.reports(), "acme.health.report.2.*");
        assert_eq!(s.aggregator_group(), "acme.health.agg.2");
        assert_eq!(s.aggregator("list"), "acme.health.agg.2.list");
        assert_eq!(s.assessor_group(), "acme.health.assessor.2");
        assert_eq!(s.assessor("statuses"), "acme.health.assessor.2.statuses");
        // What publishers and users see does not change.
        assert_eq!(s.report("a"), "acme.health.report.a");
        assert_eq!(s.status("a"), "acme.health.status.a");
        assert_eq!(s.statuses(), "acme.health.status.*");
        assert_eq!(s.resend(), "acme.health.cmd.resend");
        assert_eq!(s.centre_status(), "acme.health.centre.status");
        assert_eq!(s.unpartitioned(), Subjects::new("acme.health").unwrap());
        assert_eq!(
            Subjects::default()
                .for_partition(1, 4)
                .unwrap()
                .aggregator("get"),
            "health.agg.1.get"
        );
        assert!(Subjects::default().for_partition(4, 4).is_err());
    }

    #[test]
    fn a_partition_accepts_only_its_own_report_subjects() {
        let s = Subjects::default().partitioned("1/2".parse().unwrap());
        assert_eq!(s.site_of("report", "health.report.1.a_1"), Some("a_1"));
        assert_eq!(s.site_of("report", "health.report.0.a_1"), None);
        assert_eq!(s.site_of("report", "health.report.a_1"), None);
        assert_eq!(s.site_of("report", "health.report.10.a_1"), None);
        assert_eq!(s.site_of("report", "health.report.1."), None);
        assert_eq!(s.site_of("report", "health.report.1.a.b"), None);
        assert_eq!(s.site_of("report", "health.report.1"), None);
        // Status subjects are not mapped.
        assert_eq!(s.site_of("status", "health.status.a_1"), Some("a_1"));
        assert_eq!(s.site_of("status", "health.status.1.a_1"), None);
    }

    #[test]
    fn partitions_parse_from_i_slash_n() {
        let p: Partition = "0/1".parse().unwrap();
        assert_eq!((p.index(), p.count()), (0, 1));
        let p: Partition = "1023/1024".parse().unwrap();
        assert_eq!((p.index(), p.count()), (1023, 1024));
        assert_eq!(p.to_string(), "1023/1024");
        for (bad, why) in [
            ("", PartitionError::Syntax(String::new())),
            ("1", PartitionError::Syntax("1".into())),
            ("a/2", PartitionError::Syntax("a/2".into())),
            ("1/", PartitionError::Syntax("1/".into())),
            ("/2", PartitionError::Syntax("/2".into())),
            (" 1/2", PartitionError::Syntax(" 1/2".into())),
            ("-1/2", PartitionError::Syntax("-1/2".into())),
            ("+1/2", PartitionError::Syntax("+1/2".into())),
            ("1/2/3", PartitionError::Syntax("1/2/3".into())),
            (
                "99999999999/2",
                PartitionError::Syntax("99999999999/2".into()),
            ),
            ("0/0", PartitionError::Count(0)),
            ("0/1025", PartitionError::Count(1025)),
            ("2/2", PartitionError::Index { index: 2, count: 2 }),
            ("5/3", PartitionError::Index { index: 5, count: 3 }),
        ] {
            assert_eq!(bad.parse::<Partition>(), Err(why), "{bad:?}");
        }
        // The messages say what is expected.
        assert_eq!(
            "x".parse::<Partition>().unwrap_err().to_string(),
            "expected a partition as i/N (e.g. 0/4), got \"x\""
        );
        assert_eq!(
            "3/3".parse::<Partition>().unwrap_err().to_string(),
            "the partition index must be below the count (3), got 3"
        );
        assert_eq!(
            "0/2000".parse::<Partition>().unwrap_err().to_string(),
            "the partition count must be within 1..=1024, got 2000"
        );
    }

    #[test]
    fn all_partitions_of_a_count() {
        let all = Partition::all(3).unwrap();
        assert_eq!(
            all.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            ["0/3", "1/3", "2/3"]
        );
        assert!(Partition::all(0).is_err());
        assert!(Partition::all(1025).is_err());
        assert_eq!(checked_count(1024), Ok(1024));
    }

    #[test]
    fn site_partition_is_what_nats_server_computes() {
        // Observed with nats-server 2.15.1 and the mapping
        // "health.report.*": "health.report.{{partition(3,1)}}.{{wildcard(1)}}"
        // (tests/e2e/tests/partition.rs checks every test site against the
        // running server).
        let observed = [("a", 1), ("b", 1), ("c", 2), ("site-1", 0), ("site-2", 0)];
        for (site, p) in observed {
            assert_eq!(Partition::of_site(site, 3), p, "{site}");
        }
        assert_eq!(Partition::of_site("anything", 1), 0);
        assert!(Partition::new(0, 3).unwrap().holds("site-1"));
        assert!(!Partition::new(1, 3).unwrap().holds("site-1"));
    }

    #[test]
    fn mapping_for_the_server_config() {
        let (from, to) = Subjects::default().report_mapping(4);
        assert_eq!(from, "health.report.*");
        assert_eq!(to, "health.report.{{partition(4,1)}}.{{wildcard(1)}}");
    }

    #[test]
    fn site_id_rules() {
        assert!(validate_site_id("Site_01-a").is_ok());
        assert_eq!(validate_site_id(""), Err(SiteIdError::Empty));
        assert_eq!(validate_site_id(&"a".repeat(65)), Err(SiteIdError::TooLong));
        assert!(validate_site_id(&"a".repeat(64)).is_ok());
        for bad in ["a.b", "a*", ">", "a b", "é", "a\n"] {
            assert_eq!(
                validate_site_id(bad),
                Err(SiteIdError::BadCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn prefix_rules() {
        assert!(Subjects::new("health").is_ok());
        assert!(Subjects::new("a.b-c").is_ok());
        for bad in ["", "a..b", "a.*", "a.>", ".a", "a b"] {
            assert!(Subjects::new(bad).is_err(), "{bad:?}");
        }
    }
}
