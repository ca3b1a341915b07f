use super::*;

#[test]
fn one_lease_key_per_partition() {
    assert_eq!(key(None), "leader");
    let p = |s: &str| Some(s.parse::<Partition>().unwrap());
    assert_eq!(key(p("0/2")), "leader-0-of-2");
    assert_eq!(key(p("1/2")), "leader-1-of-2");
    // Re-partitioning: partition 0 of 3 is another set of sites.
    assert_ne!(key(p("0/2")), key(p("0/3")));
}
