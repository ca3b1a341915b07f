use super::*;

fn event(connectivity: Connectivity, health: Health) -> StatusEvent {
    StatusEvent {
        v: 1,
        site_id: "s".into(),
        at_ms: 1,
        connectivity,
        previous_connectivity: Connectivity::Unknown,
        health,
        previous_health: Health::Unknown,
        reasons: Vec::new(),
        last_report_ms: None,
        judgement: Default::default(),
    }
}

#[test]
fn counts_by_connectivity_and_health_until_frozen() {
    let watch = Watch::default();
    watch.update(|t| t.record(&event(Connectivity::Online, Health::Healthy)));
    watch.update(|t| t.record(&event(Connectivity::Late, Health::Healthy)));
    watch.update(|t| t.record(&event(Connectivity::Online, Health::Degraded)));
    watch.freeze();
    watch.update(|t| t.record(&event(Connectivity::Offline, Health::Healthy)));
    let t = watch.tally();
    assert_eq!((t.events, t.online, t.late, t.offline), (3, 2, 1, 0));
    assert_eq!(t.not_healthy, 1);
}
