use super::*;

#[test]
fn worst_first_order() {
    use Connectivity::{Late, Offline, Online};
    use Health::{Critical, Degraded, Healthy};
    let mut v = vec![
        (Online, Healthy),
        (Online, Degraded),
        (Late, Healthy),
        (Offline, Healthy),
        (Online, Critical),
        (Late, Degraded),
        (Offline, Critical),
        (Connectivity::Unknown, Health::Unknown),
        (Offline, Degraded),
    ];
    v.sort_by_key(|(c, h)| severity_rank(*c, *h));
    assert_eq!(
        v,
        vec![
            (Offline, Critical),
            (Offline, Degraded),
            (Offline, Healthy),
            (Online, Critical),
            (Late, Degraded),
            (Late, Healthy),
            (Online, Degraded),
            (Connectivity::Unknown, Health::Unknown),
            (Online, Healthy),
        ]
    );
}

/// Offline always first, and the last known health orders offline sites;
/// only a site with nothing wrong has the healthy rank.
#[test]
fn every_status_has_a_rank_that_respects_the_bands() {
    for c in Connectivity::ALL {
        for h in Health::ALL {
            let rank = severity_rank(c, h);
            assert_eq!(
                rank == HEALTHY_RANK,
                (c, h) == (Connectivity::Online, Health::Healthy)
            );
            if c == Connectivity::Offline {
                assert!(rank < severity_rank(Connectivity::Online, Health::Critical));
            } else {
                assert!(rank > severity_rank(Connectivity::Offline, Health::Healthy));
            }
        }
    }
    let offline = |h| severity_rank(Connectivity::Offline, h);
    assert!(offline(Health::Critical) < offline(Health::Degraded));
    assert!(offline(Health::Degraded) < offline(Health::Healthy));
    assert_eq!(offline(Health::Healthy), offline(Health::Unknown));
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
