use super::*;

#[test]
fn query_errors_map_to_gateway_statuses() {
    let cases = [
        (
            QueryError::NoResponders("s".into()),
            503,
            "upstream_unavailable",
        ),
        (QueryError::TimedOut("s".into()), 504, "upstream_timeout"),
        (
            QueryError::Service {
                subject: "s".into(),
                code: 404,
                message: "unknown site".into(),
            },
            404,
            "not_found",
        ),
        (
            QueryError::Service {
                subject: "s".into(),
                code: 500,
                message: "boom".into(),
            },
            502,
            "upstream_error",
        ),
        (
            QueryError::Decode {
                subject: "s".into(),
                reason: "eof".into(),
            },
            502,
            "upstream_error",
        ),
    ];
    for (err, status, code) in cases {
        let api = ApiError::from(err);
        assert_eq!(api.status().as_u16(), status);
        assert_eq!(api.code(), code);
    }
}

#[test]
fn a_missing_partition_is_named() {
    let api = ApiError::from(QueryError::NoResponders(
        "health.agg.1.list (partition 1/2)".into(),
    ));
    assert_eq!(api.status().as_u16(), 503);
    assert_eq!(
        api.to_string(),
        "the aggregator is not available (no service answers on NATS: health.agg.1.list (partition 1/2))"
    );
    let api = ApiError::from(QueryError::TimedOut(
        "health.agg.0.summary (partition 0/3)".into(),
    ));
    assert_eq!(api.status().as_u16(), 504);
    assert!(api.to_string().contains("partition 0/3"), "{api}");
}

#[test]
fn other_statuses_get_snake_case_codes() {
    assert_eq!(
        ApiError::Status(StatusCode::PAYLOAD_TOO_LARGE).code(),
        "payload_too_large"
    );
    assert_eq!(
        ApiError::Status(StatusCode::METHOD_NOT_ALLOWED).code(),
        "method_not_allowed"
    );
    assert_eq!(
        ApiError::Status(StatusCode::from_u16(599).unwrap()).code(),
        "http_599"
    );
}
