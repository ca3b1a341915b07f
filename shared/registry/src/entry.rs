//! What the registry holds for a site, and how it is laid out in the KV
//! bucket: three keys per site, each written by the party that decides it,
//! so no write ever has to read-modify-write another party's data.
//!
//! | key | value (JSON) | written by |
//! |---|---|---|
//! | `site.<id>` | [`SiteRecord`]: expected, labels, interval, registration | roster (`healthmon fleet apply`), the API (labels), the aggregator (auto-registration, what the site last declared) |
//! | `maintenance.<id>` | [`Maintenance`]: `{since_ms, until_ms?, reason?, by}` | the API (admins) |
//! | `ack.<id>` | [`Ack`]: who acknowledged which state, with a note | the API |
//!
//! Values are the JSON of the `healthmon_proto::fleet` types (readable
//! with `nats kv get`). Nothing here is health history: no report value is
//! ever written.

use healthmon_proto::fleet::{Ack, FleetError, Maintenance, SiteRecord};
use healthmon_proto::validate_site_id;
use serde::Serialize;

/// Which key of a site an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Site,
    Maintenance,
    Ack,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Site, Kind::Maintenance, Kind::Ack];

    fn prefix(self) -> &'static str {
        match self {
            Kind::Site => "site",
            Kind::Maintenance => "maintenance",
            Kind::Ack => "ack",
        }
    }

    /// The KV key of `site_id`'s entry of this kind.
    pub fn key(self, site_id: &str) -> String {
        format!("{}.{site_id}", self.prefix())
    }

    /// The kind and site of a KV key, if it is one of ours.
    pub fn of_key(key: &str) -> Option<(Kind, &str)> {
        let (prefix, site) = key.split_once('.')?;
        let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
        validate_site_id(site).ok()?;
        Some((kind, site))
    }
}

/// JSON of a value, for the bucket.
pub fn encode<T: Serialize>(value: &T) -> bytes::Bytes {
    // Serialising these plain structs cannot fail.
    serde_json::to_vec(value).unwrap_or_default().into()
}

/// A value read back from the bucket, checked as when it was written (a
/// value put there by hand with `nats kv put` gets the same scrutiny).
pub fn decode_site(bytes: &[u8]) -> Result<SiteRecord, FleetError> {
    let record: SiteRecord =
        serde_json::from_slice(bytes).map_err(|e| FleetError::Json(e.to_string()))?;
    record.check()?;
    Ok(record)
}

pub fn decode_maintenance(bytes: &[u8]) -> Result<Maintenance, FleetError> {
    let window: Maintenance =
        serde_json::from_slice(bytes).map_err(|e| FleetError::Json(e.to_string()))?;
    window.check()?;
    Ok(window)
}

pub fn decode_ack(bytes: &[u8]) -> Result<Ack, FleetError> {
    let ack: Ack = serde_json::from_slice(bytes).map_err(|e| FleetError::Json(e.to_string()))?;
    ack.check()?;
    Ok(ack)
}

#[cfg(test)]
mod tests;
