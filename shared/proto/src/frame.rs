//! One pass over a MessagePack payload's markers, before any decoding.
//!
//! It checks what serde cannot cheaply check while decoding from a slice:
//! that the payload is exactly one value (trailing bytes mean a broken
//! framing upstream) and that maps and arrays nest at most
//! [`MAX_DEPTH`] deep — the decoder recurses once per level,
//! and a deep enough payload of nested arrays would overflow a tokio
//! worker's stack. It reads lengths and skips; it allocates nothing, and a
//! declared length larger than the payload fails at the first missing byte.

use rmp::Marker;

/// Deepest nesting of maps and arrays accepted, the outermost map included.
/// The contract needs 3 (report → `nodes` → node); the rest is room for
/// unknown keys of newer versions.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The payload ends inside a value.
    Truncated,
    /// Bytes follow the first complete value.
    Trailing(usize),
    /// Maps and arrays nest deeper than allowed.
    TooDeep,
    /// 0xc1, which MessagePack never uses.
    Reserved,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Truncated => f.write_str("payload ends inside a value"),
            FrameError::Trailing(n) => write!(f, "{n} bytes after the end of the message"),
            FrameError::TooDeep => write!(
                f,
                "maps and arrays nested beyond the depth limit of {}",
                MAX_DEPTH
            ),
            FrameError::Reserved => f.write_str("reserved marker 0xc1"),
        }
    }
}

/// Checks that `payload` is exactly one value nested at most `max_depth` deep.
pub fn check(payload: &[u8], max_depth: usize) -> Result<(), FrameError> {
    let mut rest = payload;
    skip_value(&mut rest, 0, max_depth)?;
    if rest.is_empty() {
        Ok(())
    } else {
        Err(FrameError::Trailing(rest.len()))
    }
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], FrameError> {
    if rest.len() < n {
        return Err(FrameError::Truncated);
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

/// Reads a big-endian length of `width` bytes (1, 2 or 4).
fn length(rest: &mut &[u8], width: usize) -> Result<usize, FrameError> {
    let bytes = take(rest, width)?;
    Ok(bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b)))
}

fn skip_value(rest: &mut &[u8], depth: usize, max_depth: usize) -> Result<(), FrameError> {
    let [first, ..] = **rest else {
        return Err(FrameError::Truncated);
    };
    *rest = &rest[1..];
    let (items, width) = match Marker::from_u8(first) {
        Marker::FixPos(_) | Marker::FixNeg(_) | Marker::Null | Marker::True | Marker::False => {
            return Ok(());
        }
        Marker::Reserved => return Err(FrameError::Reserved),
        Marker::U8 | Marker::I8 => return take(rest, 1).map(drop),
        Marker::U16 | Marker::I16 => return take(rest, 2).map(drop),
        Marker::U32 | Marker::I32 | Marker::F32 => return take(rest, 4).map(drop),
        Marker::U64 | Marker::I64 | Marker::F64 => return take(rest, 8).map(drop),
        Marker::FixStr(n) => return take(rest, usize::from(n)).map(drop),
        Marker::Str8 | Marker::Bin8 => return skip_sized(rest, 1, 0),
        Marker::Str16 | Marker::Bin16 => return skip_sized(rest, 2, 0),
        Marker::Str32 | Marker::Bin32 => return skip_sized(rest, 4, 0),
        // Extension values: a type byte, then the data.
        Marker::FixExt1 => return take(rest, 2).map(drop),
        Marker::FixExt2 => return take(rest, 3).map(drop),
        Marker::FixExt4 => return take(rest, 5).map(drop),
        Marker::FixExt8 => return take(rest, 9).map(drop),
        Marker::FixExt16 => return take(rest, 17).map(drop),
        Marker::Ext8 => return skip_sized(rest, 1, 1),
        Marker::Ext16 => return skip_sized(rest, 2, 1),
        Marker::Ext32 => return skip_sized(rest, 4, 1),
        Marker::FixArray(n) => (usize::from(n), 1),
        Marker::Array16 => (length(rest, 2)?, 1),
        Marker::Array32 => (length(rest, 4)?, 1),
        Marker::FixMap(n) => (usize::from(n), 2),
        Marker::Map16 => (length(rest, 2)?, 2),
        Marker::Map32 => (length(rest, 4)?, 2),
    };
    if depth + 1 > max_depth {
        return Err(FrameError::TooDeep);
    }
    // Each element needs at least one byte, so a lying length runs out of
    // payload after at most `payload.len()` iterations.
    for _ in 0..items.saturating_mul(width) {
        skip_value(rest, depth + 1, max_depth)?;
    }
    Ok(())
}

fn skip_sized(rest: &mut &[u8], width: usize, extra: usize) -> Result<(), FrameError> {
    let n = length(rest, width)?;
    take(rest, n.saturating_add(extra)).map(drop)
}

#[cfg(test)]
mod tests;
