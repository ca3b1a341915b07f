//! Reading MessagePack markers from a byte slice without copying: the
//! primitives of the single-pass [`crate::reader`] and of the compact form
//! ([`crate::compact`]).
//!
//! Every read answers `None` on anything it does not expect (a wrong
//! marker, a missing byte, a string that is not UTF-8): callers fall back to
//! serde, which then says what exactly is wrong.

use rmp::{Marker, decode};

use crate::frame::MAX_DEPTH;
use crate::report::NodeRole;

/// Never preallocate more than this many items from a declared length: the
/// length is the sender's claim, the bytes behind it are not counted yet.
const MAX_PREALLOC: usize = 16;

/// A MessagePack length (a `u32` on the wire) as an index.
fn widen(len: u32) -> usize {
    usize::try_from(len).unwrap_or(usize::MAX)
}

pub(crate) struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Cursor { rest: bytes }
    }

    /// Whether every byte has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.rest.is_empty()
    }

    /// Reads a `nil` if one comes next.
    pub(crate) fn nil(&mut self) -> bool {
        let nil = self.rest.first() == Some(&Marker::Null.to_u8());
        if nil {
            self.rest = &self.rest[1..];
        }
        nil
    }

    /// An array of `item`s (`nodes`, `connections`).
    pub(crate) fn list<T>(&mut self, item: fn(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let len = self.array_len()?;
        let mut items = Vec::with_capacity(len.min(MAX_PREALLOC));
        for _ in 0..len {
            items.push(item(self)?);
        }
        Some(items)
    }

    /// A map of names to `value`s, in wire order (`custom`, `labels`).
    pub(crate) fn pairs<T>(
        &mut self,
        value: fn(&mut Self) -> Option<T>,
    ) -> Option<Vec<(&'a str, T)>> {
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

    /// A big-endian length of 1, 2 or 4 bytes.
    fn len(&mut self, width: usize) -> Option<usize> {
        let bytes = self.take(width)?;
        Some(bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b)))
    }

    pub(crate) fn map_len(&mut self) -> Option<usize> {
        decode::read_map_len(&mut self.rest).ok().map(widen)
    }

    pub(crate) fn array_len(&mut self) -> Option<usize> {
        decode::read_array_len(&mut self.rest).ok().map(widen)
    }

    /// A string's bytes, not yet checked to be UTF-8.
    pub(crate) fn raw_str(&mut self) -> Option<&'a [u8]> {
        let len = decode::read_str_len(&mut self.rest).ok()?;
        self.take(widen(len))
    }

    /// A field name, matched as bytes: a key equal to a field's (ASCII)
    /// name is UTF-8 without checking; [`Cursor::unknown`] checks the rest.
    pub(crate) fn key(&mut self) -> Option<&'a [u8]> {
        self.raw_str()
    }

    /// Skips the value of a key no field has, if the key is a real string.
    pub(crate) fn unknown(&mut self, key: &[u8], level: usize) -> Option<()> {
        std::str::from_utf8(key).ok()?;
        self.skip(level)
    }

    /// A node's role: the known ones matched as bytes, any other string
    /// (checked to be one) is `Unknown`.
    pub(crate) fn role(&mut self) -> Option<NodeRole> {
        match self.raw_str()? {
            b"active" => Some(NodeRole::Active),
            b"standby" => Some(NodeRole::Standby),
            other => std::str::from_utf8(other).ok().map(|_| NodeRole::Unknown),
        }
    }

    pub(crate) fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.raw_str()?).ok()
    }

    pub(crate) fn bool(&mut self) -> Option<bool> {
        decode::read_bool(&mut self.rest).ok()
    }

    /// A non-negative integer of any width, as serde reads into a `u64`.
    pub(crate) fn uint(&mut self) -> Option<u64> {
        decode::read_int(&mut self.rest).ok()
    }

    /// Any number, as serde reads into an `f64` (integers convert).
    pub(crate) fn float(&mut self) -> Option<f64> {
        match Marker::from_u8(*self.rest.first()?) {
            Marker::F32 => decode::read_f32(&mut self.rest).ok().map(f64::from),
            Marker::F64 => decode::read_f64(&mut self.rest).ok(),
            _ => decode::read_int(&mut self.rest).ok(),
        }
    }

    /// Skips the value of a key no field has: any well-formed value whose
    /// maps and arrays, opened at nesting `level`, stay within
    /// [`MAX_DEPTH`]. Binary and extension values are left to the fallback.
    ///
    /// By hand, unlike the reads above: rmp has no skipping reader, and this
    /// one must bound the nesting of what a sender sends.
    pub(crate) fn skip(&mut self, level: usize) -> Option<()> {
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
