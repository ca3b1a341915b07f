use super::*;

#[test]
fn messages_name_the_subject_and_what_to_check() {
    let e = CliError::from_query(
        QueryError::NoResponders("health.agg.list".into()),
        Duration::from_secs(5),
    );
    assert!(
        e.to_string().starts_with(
            "no aggregator answers on health.agg.list (is healthmon-aggregator running"
        ),
        "{e}"
    );
    let e = CliError::from_query(
        QueryError::TimedOut("health.agg.get".into()),
        Duration::from_millis(1500),
    );
    assert_eq!(
        e.to_string(),
        "the aggregator did not answer on health.agg.get within 1.5s (--timeout)"
    );
    let e = CliError::from_query(
        QueryError::Service {
            subject: "health.agg.list".into(),
            code: 400,
            message: "bad request: limit".into(),
        },
        Duration::from_secs(5),
    );
    assert_eq!(
        e.to_string(),
        "health.agg.list answered 400: bad request: limit"
    );
}

#[test]
fn an_unreachable_registry_says_what_to_check() {
    let e = CliError::from(healthmon_registry::RegistryError::Unavailable {
        bucket: "healthmon_sites".into(),
        reason: "no responders".into(),
    });
    assert_eq!(
        e.to_string(),
        "the fleet registry (JetStream KV bucket healthmon_sites) is unavailable: no responders \
         (is JetStream enabled on this NATS server, and may this NATS user use the bucket?)"
    );
    let e = CliError::from(healthmon_registry::RegistryError::Conflict {
        key: "site.a".into(),
    });
    assert!(!e.to_string().contains("JetStream enabled"), "{e}");
}
