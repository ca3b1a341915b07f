use axum::body::Bytes;

use super::maintenance::MaintenanceRequest;
use super::*;

fn until(json: &str) -> Result<Option<u64>, ApiError> {
    body::<MaintenanceRequest>(&Bytes::from(json.to_owned())).map(|r| r.until_ms)
}

#[test]
fn times_are_whole_milliseconds_however_json_writes_them() {
    assert_eq!(
        until(r#"{"until_ms": 1800000000000}"#).unwrap(),
        Some(1_800_000_000_000)
    );
    assert_eq!(
        until(r#"{"until_ms": 1.8e12}"#).unwrap(),
        Some(1_800_000_000_000)
    );
    assert_eq!(until(r#"{"until_ms": 1347.0}"#).unwrap(), Some(1347));
    assert_eq!(until(r#"{"until_ms": null}"#).unwrap(), None);
    assert_eq!(until("").unwrap(), None);
    assert_eq!(until("null").unwrap(), None);
    for bad in [
        r#"{"until_ms": 1.5}"#,
        r#"{"until_ms": -1}"#,
        r#"{"until_ms": 9223372036854775808}"#,
        r#"{"until_ms": "soon"}"#,
        "[1, null]",
        "\t",
        "  ",
    ] {
        let e = until(bad).unwrap_err().to_string();
        assert!(e.starts_with("invalid request body"), "{bad}: {e}");
    }
}
