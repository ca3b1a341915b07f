//! What `healthmon watch` prints for one NATS message: a JSON object on one
//! line, with the payload decoded according to the subject.
//!
//! `nats sub` shows MessagePack as unreadable bytes; this is the readable
//! view. Pure, so that every kind of payload, including hostile ones, is
//! unit-tested: a payload that does not decode yields a line with an
//! `error` (and the payload as far as it can be shown), never a failure.
//!
//! | subject | `kind` | `payload` |
//! |---|---|---|
//! | `<p>.report.<site>` | `report` | the `HealthReport`; `invalid` says why central would reject it |
//! | `<p>.status.<site>` | `status` | the `StatusEvent` (headers under `headers`) |
//! | `<p>.centre.status` | `centre` | the MessagePack map as JSON |
//! | `<p>.cmd.resend` | `resend` | none (the subject is the command) |
//! | `<p>.audit` | `audit` | the dashboard API's JSON audit event |
//! | `<p>.agg.*`, `<p>.assessor.*` | `request` | the JSON query, `null` when empty |
//! | anything else | `raw` | UTF-8 text, or `payload_base64`; MessagePack maps as JSON when the `Content-Type` header says so |

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use healthmon_proto::subjects::{CONTENT_TYPE_MSGPACK, HEADER_CONTENT_TYPE};
use healthmon_proto::{HealthReport, StatusEvent, Subjects, validate_report};
use serde::Serialize;
use serde_json::{Map, Number, Value};

/// What kind of message a subject carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Report,
    Status,
    Centre,
    Resend,
    Audit,
    Request,
    Raw,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Report => "report",
            Kind::Status => "status",
            Kind::Centre => "centre",
            Kind::Resend => "resend",
            Kind::Audit => "audit",
            Kind::Request => "request",
            Kind::Raw => "raw",
        }
    }

    pub fn of(subjects: &Subjects, subject: &str) -> Kind {
        if subjects.site_of("report", subject).is_some() {
            return Kind::Report;
        }
        if subjects.site_of("status", subject).is_some() {
            return Kind::Status;
        }
        if subject == subjects.resend() {
            return Kind::Resend;
        }
        if subject == subjects.centre_status() {
            return Kind::Centre;
        }
        if subject == subjects.audit() {
            return Kind::Audit;
        }
        let under = |group: String| {
            subject
                .strip_prefix(group.as_str())
                .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1)
        };
        if under(subjects.aggregator_group()) || under(subjects.assessor_group()) {
            return Kind::Request;
        }
        Kind::Raw
    }
}

/// Why a report would be rejected by the aggregator and the assessor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invalid {
    pub reason: &'static str,
    pub message: String,
}

/// A decoded payload, serialized in the field order of its type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Payload {
    Report(Box<HealthReport>),
    Status(StatusEvent),
    Json(Value),
}

/// One output line (absent fields left out).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub subject: String,
    pub received_ms: u64,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    pub payload: Option<Payload>,
    pub payload_base64: Option<String>,
    pub invalid: Option<Invalid>,
    pub error: Option<String>,
}

impl Line {
    /// The line as JSON text, without a newline.
    pub fn to_json(&self) -> String {
        // Every part is a string, a number, a map or a list: it always serializes.
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(
                "{{\"subject\":{},\"error\":\"cannot render: {e}\"}}",
                Value::String(self.subject.clone())
            )
        })
    }
}

/// Decodes one message; `headers` are the message's headers (several values
/// of one name joined with `, `).
pub fn decode(
    subjects: &Subjects,
    subject: &str,
    headers: BTreeMap<String, String>,
    payload: &[u8],
    received_ms: u64,
) -> Line {
    let kind = Kind::of(subjects, subject);
    let mut line = Line {
        subject: subject.to_owned(),
        received_ms,
        kind: kind.as_str(),
        headers,
        payload: None,
        payload_base64: None,
        invalid: None,
        error: None,
    };
    match kind {
        Kind::Report => match healthmon_proto::decode::<HealthReport>(payload) {
            Ok(report) => {
                let site = subjects.site_of("report", subject).unwrap_or("");
                line.invalid = validate_report(&report, site).err().map(|r| Invalid {
                    reason: r.reason(),
                    message: r.to_string(),
                });
                line.payload = Some(Payload::Report(Box::new(report)));
            }
            Err(e) => line.undecodable(e.to_string(), payload),
        },
        Kind::Status => match healthmon_proto::decode::<StatusEvent>(payload) {
            Ok(event) => line.payload = Some(Payload::Status(event)),
            Err(e) => line.undecodable(e.to_string(), payload),
        },
        Kind::Centre => match msgpack_to_json(payload) {
            Ok(value) => line.payload = Some(Payload::Json(value)),
            Err(e) => line.undecodable(e.to_string(), payload),
        },
        Kind::Resend => {
            if !payload.is_empty() {
                line.raw(payload);
            }
        }
        Kind::Audit | Kind::Request => {
            if payload.iter().all(u8::is_ascii_whitespace) {
                line.payload = Some(Payload::Json(Value::Null));
            } else {
                match serde_json::from_slice(payload) {
                    Ok(value) => line.payload = Some(Payload::Json(value)),
                    Err(e) => line.undecodable(format!("not JSON: {e}"), payload),
                }
            }
        }
        Kind::Raw => {
            let msgpack = line
                .headers
                .get(HEADER_CONTENT_TYPE)
                .is_some_and(|t| t == CONTENT_TYPE_MSGPACK);
            match msgpack.then(|| msgpack_to_json(payload)) {
                Some(Ok(value)) => line.payload = Some(Payload::Json(value)),
                Some(Err(e)) => line.undecodable(e.to_string(), payload),
                None => line.raw(payload),
            }
        }
    }
    line
}

impl Line {
    /// Text as is, anything else as base64.
    fn raw(&mut self, payload: &[u8]) {
        match std::str::from_utf8(payload) {
            Ok(text) => self.payload = Some(Payload::Json(Value::String(text.to_owned()))),
            Err(_) => self.payload_base64 = Some(BASE64.encode(payload)),
        }
    }

    /// The error, plus whatever can still be shown: the MessagePack as JSON
    /// when it is MessagePack at all (a missing key is then plain to see),
    /// else the bytes.
    fn undecodable(&mut self, error: String, payload: &[u8]) {
        self.error = Some(error);
        match msgpack_to_json(payload) {
            Ok(value) => self.payload = Some(Payload::Json(value)),
            Err(_) => self.payload_base64 = Some(BASE64.encode(payload)),
        }
    }
}

/// Any single MessagePack value as JSON: binary as base64 text, map keys that
/// are not strings as their JSON text, non-finite floats as `null`.
pub fn msgpack_to_json(payload: &[u8]) -> Result<Value, NotMsgpack> {
    let mut rest = payload;
    let value =
        rmpv::decode::read_value(&mut rest).map_err(|e| NotMsgpack::Unreadable(e.to_string()))?;
    if !rest.is_empty() {
        return Err(NotMsgpack::Trailing(rest.len()));
    }
    Ok(to_json(value))
}

/// Why a payload is not one MessagePack value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotMsgpack {
    #[error("not MessagePack: {0}")]
    Unreadable(String),
    #[error("not MessagePack: {0} bytes after the first value")]
    Trailing(usize),
}

fn to_json(value: rmpv::Value) -> Value {
    use rmpv::Value as M;
    match value {
        M::Nil => Value::Null,
        M::Boolean(b) => Value::Bool(b),
        M::Integer(i) => i
            .as_u64()
            .map(Number::from)
            .or_else(|| i.as_i64().map(Number::from))
            .map_or(Value::Null, Value::Number),
        M::F32(f) => Number::from_f64(f64::from(f)).map_or(Value::Null, Value::Number),
        M::F64(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        M::String(s) => match s.into_str() {
            Some(s) => Value::String(s),
            None => Value::String("(invalid UTF-8)".to_owned()),
        },
        M::Binary(b) => Value::String(BASE64.encode(b)),
        M::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        M::Map(pairs) => {
            let mut map = Map::new();
            for (k, v) in pairs {
                let key = match k {
                    M::String(s) => s.into_str().unwrap_or_else(|| "(invalid UTF-8)".into()),
                    other => to_json(other).to_string(),
                };
                map.insert(key, to_json(v));
            }
            Value::Object(map)
        }
        M::Ext(tag, data) => serde_json::json!({ "ext": tag, "data": BASE64.encode(data) }),
    }
}

#[cfg(test)]
mod tests;
