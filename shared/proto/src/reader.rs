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

use rmp::Marker;

use crate::frame::MAX_DEPTH;
use crate::report::{ErrorCounter, NodeRole, Resources, SfBuffer};
use crate::view::{ConnectionView, NodeView, ReportView};

/// Reads a report in its common wire form, or `None` to let the serde
/// decoder decide. The caller has checked the payload's size.
pub fn read(payload: &[u8]) -> Option<ReportView<'_>> {
    let mut cursor = Cursor { rest: payload };
    let view = cursor.report()?;
    cursor.rest.is_empty().then_some(view)
}

/// Never preallocate more than this many items from a declared length: the
/// length is the sender's claim, the bytes behind it are not counted yet.
const MAX_PREALLOC: usize = 16;

struct Cursor<'a> {
    rest: &'a [u8],
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
        let (mut name, mut role) = (None, None);
        for _ in 0..self.map_len()? {
            match self.key()? {
                b"name" => once(&mut name, self.str()?),
                b"role" => once(&mut role, self.role()?),
                key => self.unknown(key, 4),
            }?;
        }
        Some(NodeView {
            name: name?,
            role: role.unwrap_or_default(),
        })
    }

    fn connection(&mut self) -> Option<ConnectionView<'a>> {
        let (mut name, mut connected) = (None, None);
        for _ in 0..self.map_len()? {
            match self.key()? {
                b"name" => once(&mut name, self.str()?),
                b"connected" => once(&mut connected, self.bool()?),
                key => self.unknown(key, 4),
            }?;
        }
        Some(ConnectionView {
            name: name?,
            connected: connected?,
        })
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
        if self.rest.first() == Some(&Marker::Null.to_u8()) {
            self.rest = &self.rest[1..];
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

    /// An array of `item`s (`nodes`, `connections`).
    fn list<T>(&mut self, item: fn(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let len = self.array_len()?;
        let mut items = Vec::with_capacity(len.min(MAX_PREALLOC));
        for _ in 0..len {
            items.push(item(self)?);
        }
        Some(items)
    }

    /// A map of names to `value`s, in wire order (`custom`, `labels`).
    fn pairs<T>(&mut self, value: fn(&mut Self) -> Option<T>) -> Option<Vec<(&'a str, T)>> {
        let len = self.map_len()?;
        let mut pairs = Vec::with_capacity(len.min(MAX_PREALLOC));
        for _ in 0..len {
            let name = self.str()?;
            pairs.push((name, value(self)?));
        }
        Some(pairs)
    }

    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(first)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    fn be<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// A big-endian length of 1, 2 or 4 bytes.
    fn len(&mut self, width: usize) -> Option<usize> {
        let bytes = self.take(width)?;
        Some(bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b)))
    }

    fn map_len(&mut self) -> Option<usize> {
        match Marker::from_u8(self.byte()?) {
            Marker::FixMap(n) => Some(usize::from(n)),
            Marker::Map16 => self.len(2),
            Marker::Map32 => self.len(4),
            _ => None,
        }
    }

    fn array_len(&mut self) -> Option<usize> {
        match Marker::from_u8(self.byte()?) {
            Marker::FixArray(n) => Some(usize::from(n)),
            Marker::Array16 => self.len(2),
            Marker::Array32 => self.len(4),
            _ => None,
        }
    }

    /// A string's bytes, not yet checked to be UTF-8.
    fn raw_str(&mut self) -> Option<&'a [u8]> {
        let len = match Marker::from_u8(self.byte()?) {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 => self.len(1)?,
            Marker::Str16 => self.len(2)?,
            Marker::Str32 => self.len(4)?,
            _ => return None,
        };
        self.take(len)
    }

    /// A field name, matched as bytes: a key equal to a field's (ASCII)
    /// name is UTF-8 without checking; [`Cursor::unknown`] checks the rest.
    fn key(&mut self) -> Option<&'a [u8]> {
        self.raw_str()
    }

    /// Skips the value of a key no field has, if the key is a real string.
    fn unknown(&mut self, key: &[u8], level: usize) -> Option<()> {
        std::str::from_utf8(key).ok()?;
        self.skip(level)
    }

    /// A node's role: the known ones matched as bytes, any other string
    /// (checked to be one) is `Unknown`.
    fn role(&mut self) -> Option<NodeRole> {
        match self.raw_str()? {
            b"active" => Some(NodeRole::Active),
            b"standby" => Some(NodeRole::Standby),
            other => std::str::from_utf8(other).ok().map(|_| NodeRole::Unknown),
        }
    }

    fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.raw_str()?).ok()
    }

    fn bool(&mut self) -> Option<bool> {
        match Marker::from_u8(self.byte()?) {
            Marker::True => Some(true),
            Marker::False => Some(false),
            _ => None,
        }
    }

    /// A non-negative integer of any width, as serde reads into a `u64`.
    fn uint(&mut self) -> Option<u64> {
        let signed = |v: i64| u64::try_from(v).ok();
        match Marker::from_u8(self.byte()?) {
            Marker::FixPos(n) => Some(u64::from(n)),
            Marker::U8 => Some(u64::from(self.byte()?)),
            Marker::U16 => Some(u64::from(u16::from_be_bytes(self.be()?))),
            Marker::U32 => Some(u64::from(u32::from_be_bytes(self.be()?))),
            Marker::U64 => Some(u64::from_be_bytes(self.be()?)),
            Marker::I8 => signed(i64::from(i8::from_be_bytes(self.be()?))),
            Marker::I16 => signed(i64::from(i16::from_be_bytes(self.be()?))),
            Marker::I32 => signed(i64::from(i32::from_be_bytes(self.be()?))),
            Marker::I64 => signed(i64::from_be_bytes(self.be()?)),
            _ => None,
        }
    }

    /// Any number, as serde reads into an `f64` (integers convert).
    fn float(&mut self) -> Option<f64> {
        match Marker::from_u8(*self.rest.first()?) {
            Marker::F32 => {
                self.byte()?;
                Some(f64::from(f32::from_be_bytes(self.be()?)))
            }
            Marker::F64 => {
                self.byte()?;
                Some(f64::from_be_bytes(self.be()?))
            }
            Marker::FixNeg(n) => {
                self.byte()?;
                Some(f64::from(n))
            }
            Marker::I8 | Marker::I16 | Marker::I32 | Marker::I64 => {
                let v = self.int()?;
                Some(v as f64)
            }
            _ => Some(self.uint()? as f64),
        }
    }

    /// A negative-capable integer (only for [`Cursor::float`]).
    fn int(&mut self) -> Option<i64> {
        match Marker::from_u8(self.byte()?) {
            Marker::I8 => Some(i64::from(i8::from_be_bytes(self.be()?))),
            Marker::I16 => Some(i64::from(i16::from_be_bytes(self.be()?))),
            Marker::I32 => Some(i64::from(i32::from_be_bytes(self.be()?))),
            Marker::I64 => Some(i64::from_be_bytes(self.be()?)),
            _ => None,
        }
    }

    /// Skips the value of a key no field has: any well-formed value whose
    /// maps and arrays, opened at nesting `level`, stay within
    /// [`MAX_DEPTH`]. Binary and extension values are left to the fallback.
    fn skip(&mut self, level: usize) -> Option<()> {
        let marker = Marker::from_u8(*self.rest.first()?);
        if let Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 = marker {
            return self.str().map(drop);
        }
        self.byte()?;
        let (items, per_item) = match marker {
            Marker::FixPos(_) | Marker::FixNeg(_) | Marker::Null | Marker::True | Marker::False => {
                return Some(());
            }
            Marker::U8 | Marker::I8 => return self.take(1).map(drop),
            Marker::U16 | Marker::I16 => return self.take(2).map(drop),
            Marker::U32 | Marker::I32 | Marker::F32 => return self.take(4).map(drop),
            Marker::U64 | Marker::I64 | Marker::F64 => return self.take(8).map(drop),
            Marker::FixArray(n) => (usize::from(n), 1),
            Marker::Array16 => (self.len(2)?, 1),
            Marker::Array32 => (self.len(4)?, 1),
            Marker::FixMap(n) => (usize::from(n), 2),
            Marker::Map16 => (self.len(2)?, 2),
            Marker::Map32 => (self.len(4)?, 2),
            _ => return None,
        };
        if level > MAX_DEPTH {
            return None;
        }
        // Every item takes at least a byte: a lying length runs out of
        // payload after at most `payload.len()` steps.
        for _ in 0..items.saturating_mul(per_item) {
            self.skip(level + 1)?;
        }
        Some(())
    }
}

#[cfg(test)]
mod tests;
