use super::*;

#[test]
fn paths_follow_label_changes() {
    let mut p = Paths::default();
    p.set(3, Some("eu-1"));
    p.set(1, Some("eu-1"));
    p.set(2, Some("us-1"));
    assert_eq!(p.behind("eu-1"), [1, 3]);
    p.set(3, Some("us-1"));
    p.set(1, None);
    assert_eq!(p.behind("eu-1"), Vec::<SiteIdx>::new());
    assert_eq!(p.behind("us-1"), [2, 3]);
}
