use super::*;

#[test]
fn steady_interval_is_one_round_of_all_sites() {
    assert_eq!(Scale::full().steady_interval(), Duration::from_secs(10));
    assert_eq!(Scale::quick().steady_interval(), Duration::from_secs(1));
}

#[test]
fn sites_drive_the_dependent_sizes() {
    let s = Scale::full().with_sites(5_000);
    assert_eq!(s.reports, 50_000);
    assert_eq!(s.silence, 50);
    assert_eq!(s.memory_sites, [5_000, 50_000]);
}
