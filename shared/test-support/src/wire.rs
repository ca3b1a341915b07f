//! MessagePack surgery for hostile-input tests: a report as a value tree,
//! edited at a path, and back to bytes — what a broken or malicious
//! publisher could send.

use healthmon_proto::{HealthReport, encode};
pub use rmpv::Value;

/// The report as a MessagePack value tree, for surgery.
pub fn to_value(r: &HealthReport) -> Value {
    rmpv::decode::read_value(&mut &encode(r)[..]).expect("own encoding reads back")
}

pub fn to_bytes(v: &Value) -> Vec<u8> {
    let mut buf = Vec::new();
    rmpv::encode::write_value(&mut buf, v).expect("writing to a Vec cannot fail");
    buf
}

/// The value at a dotted path of maps (`resources.cpu_pct`), or at index `[i]` of an array.
pub fn slot<'a>(v: &'a mut Value, path: &str) -> &'a mut Value {
    path.split('.')
        .fold(v, |v, key| match key.parse::<usize>() {
            Ok(i) => match v {
                Value::Array(items) => &mut items[i],
                other => panic!("array expected on path {path}, got {other}"),
            },
            Err(_) => {
                let map = match v {
                    Value::Map(m) => m,
                    other => panic!("map expected on path {path}, got {other}"),
                };
                &mut map
                    .iter_mut()
                    .find(|(k, _)| k.as_str() == Some(key))
                    .unwrap_or_else(|| panic!("key {key} on path {path}"))
                    .1
            }
        })
}

/// Sets (or adds) `key` in a map value.
pub fn set_key(map: &mut Value, key: &str, value: Value) {
    let Value::Map(entries) = map else {
        panic!("map expected")
    };
    match entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
        Some(entry) => entry.1 = value,
        None => entries.push((Value::from(key), value)),
    }
}

pub fn remove_key(map: &mut Value, key: &str) {
    if let Value::Map(entries) = map {
        entries.retain(|(k, _)| k.as_str() != Some(key));
    }
}
