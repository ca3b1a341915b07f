#[test]
fn thousands() {
    assert_eq!(super::n(0), "0");
    assert_eq!(super::n(999), "999");
    assert_eq!(super::n(1_000), "1,000");
    assert_eq!(super::n(1_234_567), "1,234,567");
}
