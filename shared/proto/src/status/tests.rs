use super::*;

#[test]
fn worst_first_order() {
    use Connectivity::{Late, Offline, Online};
    use Health::{Critical, Degraded, Healthy};
    let mut v = vec![
        (Online, Healthy),
        (Online, Degraded),
        (Late, Healthy),
        (Online, Critical),
        (Offline, Healthy),
        (Connectivity::Unknown, Health::Unknown),
    ];
    v.sort_by_key(|(c, h)| severity_rank(*c, *h));
    assert_eq!(
        v,
        vec![
            (Offline, Healthy),
            (Online, Critical),
            (Late, Healthy),
            (Online, Degraded),
            (Connectivity::Unknown, Health::Unknown),
            (Online, Healthy),
        ]
    );
}

#[test]
fn states_are_strings_only() {
    // An unknown string from a newer assessor reads as unknown...
    let c: Connectivity = serde_json::from_str("\"dormant\"").unwrap();
    assert_eq!(c, Connectivity::Unknown);
    let h: Health = rmp_serde::from_slice(&rmp_serde::to_vec("critical").unwrap()).unwrap();
    assert_eq!(h, Health::Critical);
    // ...but an integer is not a variant index: 0 must not become online.
    assert!(rmp_serde::from_slice::<Connectivity>(&rmp_serde::to_vec(&0u8).unwrap()).is_err());
    assert!(serde_json::from_str::<Health>("2").is_err());
}

#[test]
fn parse_round_trips_names() {
    for c in Connectivity::ALL {
        assert_eq!(Connectivity::parse(c.as_str()), Some(c));
    }
    for h in Health::ALL {
        assert_eq!(Health::parse(h.as_str()), Some(h));
    }
    assert_eq!(Health::parse("bogus"), None);
}
