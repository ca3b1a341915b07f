//! Test-only: reports written key by key, as a third-party publisher would.

use rmpv::Value;

/// The six required keys of a minimal valid report for site `s`, then `extra`,
/// encoded as one MessagePack map.
pub fn minimal_report(extra: Vec<(Value, Value)>) -> Vec<u8> {
    let mut entries = vec![
        (Value::from("v"), Value::from(1)),
        (Value::from("site_id"), Value::from("s")),
        (Value::from("instance"), Value::from("i")),
        (Value::from("seq"), Value::from(1)),
        (Value::from("sent_at_ms"), Value::from(5)),
        (Value::from("interval_ms"), Value::from(30000)),
    ];
    entries.extend(extra);
    let mut buf = Vec::new();
    rmpv::encode::write_value(&mut buf, &Value::Map(entries)).expect("a Vec takes any value");
    buf
}
