//! The compact form of a report, written and read by hand: the aggregator
//! keeps every site's latest report this way and re-encodes one per report
//! received, so through serde it was a third of the aggregator's ingest work.
//!
//! The bytes are exactly those of `rmp_serde::to_vec` of a [`ReportView`]
//! (structs as arrays in field order, roles as their names, integers in
//! their smallest form, floats as `f64`, `custom` and `labels` as maps), so
//! serde stays the oracle: the property tests check both directions against
//! it, and [`ReportView::from_compact`] falls back to it if [`read`] ever
//! meets bytes it does not expect.

use std::cell::RefCell;

use rmp::encode;

use crate::codec::{self, DecodeError};
use crate::cursor::Cursor;
use crate::report::{ErrorCounter, Resources, SfBuffer};
use crate::view::{ConnectionView, NodeView, ReportView};

/// Fields of a report, hence the length of its outer array.
const FIELDS: u32 = 14;

thread_local! {
    /// Where a report is written before it is copied into a box of exactly
    /// its size: one allocation per report, whatever its length.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl<'a> ReportView<'a> {
    /// MessagePack with structs as arrays: the smallest faithful form, for
    /// keeping a report in memory. Not for the wire (field names are gone).
    pub fn to_compact(&self) -> Box<[u8]> {
        write(self)
    }

    /// Reads back what [`ReportView::to_compact`] wrote.
    pub fn from_compact(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        match read(bytes) {
            Some(view) => Ok(view),
            None => codec::decode_borrowed(bytes),
        }
    }
}

/// Writes `view` in the compact form.
pub fn write(view: &ReportView<'_>) -> Box<[u8]> {
    SCRATCH.with_borrow_mut(|buf| {
        buf.clear();
        // Writing into a Vec cannot fail.
        write_into(buf, view).expect("a Vec takes any value");
        Box::from(&buf[..])
    })
}

fn write_into(out: &mut Vec<u8>, r: &ReportView<'_>) -> std::io::Result<()> {
    encode::write_array_len(out, FIELDS)?;
    encode::write_uint(out, u64::from(r.v))?;
    encode::write_str(out, r.site_id)?;
    encode::write_str(out, r.instance)?;
    encode::write_uint(out, r.seq)?;
    encode::write_uint(out, r.sent_at_ms)?;
    encode::write_uint(out, r.interval_ms)?;
    encode::write_array_len(out, len(r.nodes.len()))?;
    for node in &r.nodes {
        encode::write_array_len(out, 2)?;
        encode::write_str(out, node.name)?;
        encode::write_str(out, node.role.as_str())?;
    }
    encode::write_array_len(out, len(r.connections.len()))?;
    for connection in &r.connections {
        encode::write_array_len(out, 2)?;
        encode::write_str(out, connection.name)?;
        encode::write_bool(out, connection.connected)?;
    }
    for counter in [r.script_errors, r.alarm_errors] {
        encode::write_array_len(out, 2)?;
        encode::write_uint(out, counter.total)?;
        encode::write_f64(out, counter.per_min)?;
    }
    let sf = r.sf_buffer;
    encode::write_array_len(out, 3)?;
    for depth in [sf.external, sf.notification, sf.db_write] {
        encode::write_uint(out, depth)?;
    }
    match r.resources {
        None => encode::write_nil(out)?,
        Some(res) => {
            encode::write_array_len(out, 5)?;
            encode::write_f64(out, res.cpu_pct)?;
            encode::write_uint(out, res.mem_used_bytes)?;
            encode::write_uint(out, res.mem_total_bytes)?;
            encode::write_f64(out, res.disk_used_pct)?;
            encode::write_f64(out, res.load1)?;
        }
    }
    encode::write_map_len(out, len(r.custom.len()))?;
    for (name, value) in &r.custom {
        encode::write_str(out, name)?;
        encode::write_f64(out, *value)?;
    }
    encode::write_map_len(out, len(r.labels.len()))?;
    for (key, value) in &r.labels {
        encode::write_str(out, key)?;
        encode::write_str(out, value)?;
    }
    Ok(())
}

/// A list's length as MessagePack writes it. Stored reports are validated
/// (at most a few hundred items), so this never saturates in practice.
fn len(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Reads what [`write`] wrote, borrowing; `None` on anything else.
pub fn read(bytes: &[u8]) -> Option<ReportView<'_>> {
    let mut c = Cursor::new(bytes);
    if c.array_len()? != FIELDS as usize {
        return None;
    }
    let view = ReportView {
        v: u32::try_from(c.uint()?).ok()?,
        site_id: c.str()?,
        instance: c.str()?,
        seq: c.uint()?,
        sent_at_ms: c.uint()?,
        interval_ms: c.uint()?,
        nodes: c.list(|c| {
            let (name, role) = named(c, Cursor::role)?;
            Some(NodeView { name, role })
        })?,
        connections: c.list(|c| {
            let (name, connected) = named(c, Cursor::bool)?;
            Some(ConnectionView { name, connected })
        })?,
        script_errors: counter(&mut c)?,
        alarm_errors: counter(&mut c)?,
        sf_buffer: {
            (c.array_len()? == 3).then_some(())?;
            SfBuffer {
                external: c.uint()?,
                notification: c.uint()?,
                db_write: c.uint()?,
            }
        },
        resources: resources(&mut c)?,
        custom: c.pairs(Cursor::float)?,
        labels: c.pairs(Cursor::str)?,
    };
    c.at_end().then_some(view)
}

fn pair(c: &mut Cursor<'_>) -> Option<()> {
    (c.array_len()? == 2).then_some(())
}

/// A `[name, value]` pair: a node or a connection.
fn named<'a, T>(
    c: &mut Cursor<'a>,
    value: fn(&mut Cursor<'a>) -> Option<T>,
) -> Option<(&'a str, T)> {
    pair(c)?;
    Some((c.str()?, value(c)?))
}

fn counter(c: &mut Cursor<'_>) -> Option<ErrorCounter> {
    pair(c)?;
    Some(ErrorCounter {
        total: c.uint()?,
        per_min: c.float()?,
    })
}

fn resources(c: &mut Cursor<'_>) -> Option<Option<Resources>> {
    if c.nil() {
        return Some(None);
    }
    (c.array_len()? == 5).then_some(())?;
    Some(Some(Resources {
        cpu_pct: c.float()?,
        mem_used_bytes: c.uint()?,
        mem_total_bytes: c.uint()?,
        disk_used_pct: c.float()?,
        load1: c.float()?,
    }))
}

#[cfg(test)]
mod tests;
