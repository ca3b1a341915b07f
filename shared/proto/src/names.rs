//! Enums that travel as their lowercase name, read without allocating.
//!
//! `NodeRole`, `Connectivity` and `Health` accept only strings: serde's derive
//! would also take an integer as a variant index (a foreign `role: 0` would
//! become `active`). The visitor sees borrowed and owned strings alike, so a
//! report decoded from a slice allocates nothing for its roles.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserializer;
use serde::de::{Error, Visitor};

/// Deserializes a string and maps it with `parse`; any other type is an error.
pub(crate) fn string_only<'de, D, T>(d: D, parse: fn(&str) -> T) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    d.deserialize_str(Named(parse, PhantomData))
}

struct Named<T>(fn(&str) -> T, PhantomData<T>);

impl<T> Visitor<'_> for Named<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a lowercase name")
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<T, E> {
        Ok((self.0)(v))
    }
}
