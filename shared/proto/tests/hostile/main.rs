//! Hostile input against the report decoder and validator: hand-picked
//! cases whose verdict the contract names ([`cases`]) and generated ones
//! ([`input`]), judged against the documented invariants ([`support`]).

mod cases;
mod input;
mod support;
