//! The single-pass reader of a health report on the wire: MessagePack
//! markers straight into a [`ReportView`], with no serde field dispatch and no
//! separate framing pass.
//!
//! Decoding was over half of the central services' work per report
//! (docs/PERFORMANCE.md): a framing pass over every marker, then rmp-serde's
//! generic dispatch of every key and value. This reader walks the payload
//! once, matches keys as bytes and borrows every string.
//!
//! It is a fast path, not a second definition of the contract. It reads the
//! form every encoder produces — a map with string keys, values of the
//! expected kinds — and answers `None` for anything else: the array form of
//! a struct, integer keys, `bin` strings, extension values, a duplicate
//! field, a missing required field, a wrong kind, trailing bytes, anything
//! malformed. [`crate::codec`]'s serde decoder then decides, so every
//! payload is accepted or refused, with the same reason, exactly as before;
//! the property tests in `reader/tests.rs` hold the reader to that decoder
//! (whatever it accepts, the serde decoder accepts as the same view).

use crate::codec::{self, DecodeError};
use crate::cursor::Cursor;
use crate::report::{ErrorCounter, Resources, SfBuffer};
use crate::view::{ConnectionView, NodeView, ReportView};

impl<'a> ReportView<'a> {
    /// Decodes a named (wire) or compact payload, borrowing its strings; the
    /// same limits as [`codec::decode`] apply. Not validated.
    ///
    /// The common wire form goes through [`read`]; anything it does not take
    /// is decided by serde, as before.
    pub fn decode(payload: &'a [u8]) -> Result<Self, DecodeError> {
        if payload.len() > codec::MAX_PAYLOAD_BYTES {
            return Err(DecodeError::TooLarge(payload.len()));
        }
        match read(payload) {
            Some(view) => Ok(view),
            None => codec::decode_borrowed(payload),
        }
    }
}

/// Reads a report in its common wire form, or `None` to let the serde
/// decoder decide. The caller has checked the payload's size.
pub fn read(payload: &[u8]) -> Option<ReportView<'_>> {
    let mut cursor = Cursor::new(payload);
    let view = cursor.report()?;
    cursor.at_end().then_some(view)
}

/// Sets a field once; a second occurrence is serde's `duplicate field`
/// error, which the fallback reports.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

// Unknown keys are skipped at their value's nesting level, counted as the
// framing check counts it: the report is 1, its values 2, a node 3, its
// values 4.
impl<'a> Cursor<'a> {
    fn report(&mut self) -> Option<ReportView<'a>> {
        let mut v = None;
        let mut site_id = None;
        let mut instance = None;
        let mut seq = None;
        let mut sent_at_ms = None;
        let mut interval_ms = None;
        let mut nodes = None;
        let mut connections = None;
        let mut script_errors = None;
        let mut alarm_errors = None;
        let mut sf_buffer = None;
        let mut resources = None;
        let mut custom = None;
        let mut labels = None;
        for _ in 0..self.map_len()? {
            match self.key()? {
                b"v" => once(&mut v, u32::try_from(self.uint()?).ok()?),
                b"site_id" => once(&mut site_id, self.str()?),
                b"instance" => once(&mut instance, self.str()?),
                b"seq" => once(&mut seq, self.uint()?),
                b"sent_at_ms" => once(&mut sent_at_ms, self.uint()?),
                b"interval_ms" => once(&mut interval_ms, self.uint()?),
                b"nodes" => once(&mut nodes, self.list(Self::node)?),
                b"connections" => once(&mut connections, self.list(Self::connection)?),
                b"script_errors" => once(&mut script_errors, self.counter()?),
                b"alarm_errors" => once(&mut alarm_errors, self.counter()?),
                b"sf_buffer" => once(&mut sf_buffer, self.sf_buffer()?),
                b"resources" => once(&mut resources, self.resources()?),
                b"custom" => once(&mut custom, self.pairs(Self::float)?),
                b"labels" => once(&mut labels, self.pairs(Self::str)?),
                key => self.unknown(key, 2),
            }?;
        }
        Some(ReportView {
            v: v?,
            site_id: site_id?,
            instance: instance?,
            seq: seq?,
            sent_at_ms: sent_at_ms?,
            interval_ms: interval_ms?,
            nodes: nodes.unwrap_or_default(),
            connections: connections.unwrap_or_default(),
            script_errors: script_errors.unwrap_or_default(),
            alarm_errors: alarm_errors.unwrap_or_default(),
            sf_buffer: sf_buffer.unwrap_or_default(),
            resources: resources.unwrap_or_default(),
            custom: custom.unwrap_or_default(),
            labels: labels.unwrap_or_default(),
        })
    }

    fn node(&mut self) -> Option<NodeView<'a>> {
        let (name, role) = self.named(b"role", Self::role)?;
        Some(NodeView {
            name,
            role: role.unwrap_or_default(),
        })
    }

    fn connection(&mut self) -> Option<ConnectionView<'a>> {
        let (name, connected) = self.named(b"connected", Self::bool)?;
        Some(ConnectionView {
            name,
            connected: connected?,
        })
    }

    /// A map of a required `name` and one more field, `key` (a node's role,
    /// a connection's state): the name, and the field if present.
    fn named<T>(
        &mut self,
        key: &[u8],
        value: fn(&mut Self) -> Option<T>,
    ) -> Option<(&'a str, Option<T>)> {
        let (mut name, mut field) = (None, None);
        for _ in 0..self.map_len()? {
            match self.key()? {
                b"name" => once(&mut name, self.str()?),
                k if k == key => once(&mut field, value(self)?),
                other => self.unknown(other, 4),
            }?;
        }
        Some((name?, field))
    }

    fn counter(&mut self) -> Option<ErrorCounter> {
        let (mut total, mut per_min) = (None, None);
        for _ in 0..self.map_len()? {
            match self.key()? {
                b"total" => once(&mut total, self.uint()?),
                b"per_min" => once(&mut per_min, self.float()?),
                key => self.unknown(key, 3),
            }?;
        }
        Some(ErrorCounter {
            total: total.unwrap_or_default(),
            per_min: per_min.unwrap_or_default(),
        })
    }

    fn sf_buffer(&mut self) -> Option<SfBuffer> {
        let (mut external, mut notification, mut db_write) = (None, None, None);
        for _ in 0..self.map_len()? {
            match self.key()? {
                b"external" => once(&mut external, self.uint()?),
                b"notification" => once(&mut notification, self.uint()?),
                b"db_write" => once(&mut db_write, self.uint()?),
                key => self.unknown(key, 3),
            }?;
        }
        Some(SfBuffer {
            external: external.unwrap_or_default(),
            notification: notification.unwrap_or_default(),
            db_write: db_write.unwrap_or_default(),
        })
    }

    /// `nil` is no resources; a map is the host's figures.
    fn resources(&mut self) -> Option<Option<Resources>> {
        if self.nil() {
            return Some(None);
        }
        let (mut cpu, mut used, mut total, mut disk, mut load) = (None, None, None, None, None);
        for _ in 0..self.map_len()? {
            match self.key()? {
                b"cpu_pct" => once(&mut cpu, self.float()?),
                b"mem_used_bytes" => once(&mut used, self.uint()?),
                b"mem_total_bytes" => once(&mut total, self.uint()?),
                b"disk_used_pct" => once(&mut disk, self.float()?),
                b"load1" => once(&mut load, self.float()?),
                key => self.unknown(key, 3),
            }?;
        }
        Some(Some(Resources {
            cpu_pct: cpu.unwrap_or_default(),
            mem_used_bytes: used.unwrap_or_default(),
            mem_total_bytes: total.unwrap_or_default(),
            disk_used_pct: disk.unwrap_or_default(),
            load1: load.unwrap_or_default(),
        }))
    }
}

#[cfg(test)]
mod tests;
