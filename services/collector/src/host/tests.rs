use super::*;

fn disk(mount: &str, total: u64, available: u64, read_only: bool) -> DiskInfo<'_> {
    DiskInfo {
        mount_point: Path::new(mount),
        total,
        available,
        read_only,
    }
}

#[test]
fn fullest_writable_disk_wins() {
    let disks = [
        disk("/", 100, 60, false),
        disk("/data", 100, 10, false),
        disk("/snap/x", 100, 0, true),
        disk("/empty", 0, 0, false),
    ];
    assert_eq!(pick_disk(&disks, "fullest"), Some(90.0));
    assert_eq!(pick_disk(&disks, "/"), Some(40.0));
    assert_eq!(pick_disk(&disks, "/nope"), None);
    assert_eq!(pick_disk(&[], "fullest"), None);
}

#[tokio::test]
async fn reads_plausible_values_of_this_machine() {
    let mut host = Host::new("fullest");
    let r = host.read().await;
    assert!(r.mem_total_bytes > 0 && r.mem_used_bytes <= r.mem_total_bytes);
    assert!((0.0..=100.0).contains(&r.cpu_pct));
    assert!((0.0..=100.0).contains(&r.disk_used_pct));
    assert!(r.load1 >= 0.0);
}
