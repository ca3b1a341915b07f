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

/// Subject builder for one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subjects {
    prefix: String,
}

impl Default for Subjects {
    fn default() -> Self {
        Subjects {
            prefix: DEFAULT_PREFIX.to_owned(),
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
            })
        } else {
            Err(PrefixError(prefix.to_owned()))
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn report(&self, site_id: &str) -> String {
        format!("{}.report.{site_id}", self.prefix)
    }

    /// Wildcard matching every site's reports.
    pub fn reports(&self) -> String {
        format!("{}.report.*", self.prefix)
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

    /// Group of the aggregator's micro-service endpoints (`summary`, `list`, `get`).
    pub fn aggregator_group(&self) -> String {
        format!("{}.agg", self.prefix)
    }

    pub fn aggregator(&self, endpoint: &str) -> String {
        format!("{}.agg.{endpoint}", self.prefix)
    }

    /// Group of the assessor's micro-service endpoints (`statuses`).
    pub fn assessor_group(&self) -> String {
        format!("{}.assessor", self.prefix)
    }

    pub fn assessor(&self, endpoint: &str) -> String {
        format!("{}.assessor.{endpoint}", self.prefix)
    }

    /// The site id a report or status subject names, if the subject has this
    /// prefix, the given kind (`report`/`status`) and exactly one more token.
    pub fn site_of<'a>(&self, kind: &str, subject: &'a str) -> Option<&'a str> {
        let rest = subject.strip_prefix(self.prefix.as_str())?;
        let rest = rest.strip_prefix('.')?;
        let rest = rest.strip_prefix(kind)?;
        let site = rest.strip_prefix('.')?;
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
