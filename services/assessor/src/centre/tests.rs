use super::*;

#[test]
fn encodes_as_a_map_with_snake_case_states() {
    let e = CentreEvent::new(Change::Suspected, 5, 40, 40, "all silent".into());
    let back: CentreEvent = healthmon_proto::decode(&healthmon_proto::encode(&e)).unwrap();
    assert_eq!(back, e);
    assert_eq!(
        (e.previous_state, e.state),
        (CentreState::Normal, CentreState::Suspect)
    );
    // On the wire: a map with string keys, as the contract's other events.
    let map: serde_json::Map<String, serde_json::Value> =
        rmp_serde::from_slice(&healthmon_proto::encode(&e)).unwrap();
    assert_eq!(map["state"], "suspect");
    assert_eq!(map["cause"], "suspected");
    assert_eq!(map["silent_sites"], 40);
    let resumed = CentreEvent::new(Change::Expired, 6, 40, 40, String::new());
    assert_eq!(resumed.state, CentreState::Normal);
    assert_eq!(resumed.cause, "expired");
}
