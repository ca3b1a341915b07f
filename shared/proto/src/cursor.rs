//! Reading MessagePack markers from a byte slice without copying: the
//! primitives of the single-pass [`crate::reader`] and of the compact form
//! ([`crate::compact`]).
//!
//! Every read answers `None` on anything it does not expect (a wrong
//! marker, a missing byte, a string that is not UTF-8): callers fall back to
//! serde, which then says what exactly is wrong.

use rmp::Marker;

use crate::frame::MAX_DEPTH;
use crate::report::NodeRole;

/// Never preallocate more than this many items from a declared length: the
/// length is the sender's claim, the bytes behind it are not counted yet.
const MAX_PREALLOC: usize = 16;

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

    fn be<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// A big-endian length of 1, 2 or 4 bytes.
    fn len(&mut self, width: usize) -> Option<usize> {
        let bytes = self.take(width)?;
        Some(bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b)))
    }

    pub(crate) fn map_len(&mut self) -> Option<usize> {
        match Marker::from_u8(self.byte()?) {
            Marker::FixMap(n) => Some(usize::from(n)),
            Marker::Map16 => self.len(2),
            Marker::Map32 => self.len(4),
            _ => None,
        }
    }

    pub(crate) fn array_len(&mut self) -> Option<usize> {
        match Marker::from_u8(self.byte()?) {
            Marker::FixArray(n) => Some(usize::from(n)),
            Marker::Array16 => self.len(2),
            Marker::Array32 => self.len(4),
            _ => None,
        }
    }

    /// A string's bytes, not yet checked to be UTF-8.
    pub(crate) fn raw_str(&mut self) -> Option<&'a [u8]> {
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
        match Marker::from_u8(self.byte()?) {
            Marker::True => Some(true),
            Marker::False => Some(false),
            _ => None,
        }
    }

    /// A non-negative integer of any width, as serde reads into a `u64`.
    pub(crate) fn uint(&mut self) -> Option<u64> {
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
    pub(crate) fn float(&mut self) -> Option<f64> {
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
