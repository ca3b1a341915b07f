//! Named MessagePack encoding of everything on the wire.
//!
//! `rmp_serde::to_vec_named` writes structs as maps with string keys, which
//! other languages' MessagePack libraries read as plain dictionaries. On the
//! way in, the payload size is checked before any parsing so that an oversized
//! message costs nothing, then one pass over the markers ([`crate::frame`])
//! checks that the payload is exactly one value (trailing bytes are
//! malformed) nested at most [`MAX_DEPTH`] deep: the decoder recurses once per
//! nested map or array, and rmp-serde's own limit (1024) lets a 1 KiB payload
//! of nested arrays need several MiB of stack in a debug build — more than the
//! 2 MiB of a tokio worker thread. Only then does serde decode, straight from
//! the slice, so borrowed types ([`crate::view::ReportView`]) copy nothing.
//! Declared lengths are never trusted for allocation (serde caps
//! preallocation), so a short payload claiming 4 G elements fails fast and small.

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use thiserror::Error;

/// Largest payload accepted on report and status subjects.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

pub use crate::frame::MAX_DEPTH;

#[derive(Debug, Error)]
pub enum DecodeError {
    #[error("payload of {0} bytes exceeds the {MAX_PAYLOAD_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("payload is not a valid MessagePack message of the expected shape: {0}")]
    Malformed(#[from] rmp_serde::decode::Error),
}

/// Encodes as a MessagePack map with string keys.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Our wire types contain only maps, strings, numbers and sequences, for
    // which named encoding into a Vec cannot fail.
    rmp_serde::to_vec_named(value).expect("wire types always encode")
}

/// Decodes a payload of at most [`MAX_PAYLOAD_BYTES`] nested at most [`MAX_DEPTH`] deep.
pub fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, DecodeError> {
    decode_borrowed(payload)
}

/// [`decode`] for types that borrow from the payload (`&'a str` fields).
pub fn decode_borrowed<'a, T: Deserialize<'a>>(payload: &'a [u8]) -> Result<T, DecodeError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(DecodeError::TooLarge(payload.len()));
    }
    crate::frame::check(payload, MAX_DEPTH)
        .map_err(|e| DecodeError::Malformed(rmp_serde::decode::Error::Syntax(e.to_string())))?;
    Ok(rmp_serde::from_slice(payload)?)
}

#[cfg(test)]
mod tests;
