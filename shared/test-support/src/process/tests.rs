use super::*;

#[test]
fn reads_rss_and_cpu_from_proc_text() {
    let status = "Name:\tx\nVmPeak:\t  999 kB\nVmRSS:\t   2048 kB\nThreads: 3\n";
    assert_eq!(status_field_kib(status, "VmRSS:"), Some(2048));
    assert_eq!(status_field_kib(status, "VmHWM:"), None);
    let stat = "42 (odd (name) x) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
    assert_eq!(stat_ticks(stat), Some(300));
}

#[test]
fn reads_this_process() {
    let a = Usage::of(std::process::id()).unwrap();
    assert!(a.rss_bytes > 0);
    let spin = Instant::now();
    while spin.elapsed() < Duration::from_millis(300) {
        std::hint::black_box(spin.elapsed());
    }
    let b = Usage::of(std::process::id()).unwrap();
    assert!(b.cpu_pct_since(&a) > 10.0, "{}", b.cpu_pct_since(&a));
}

#[tokio::test]
async fn a_dead_child_is_named_with_its_log() {
    let dir = crate::TempDir::new("proc-test").unwrap();
    let mut proc = Proc::spawn(
        "talker",
        Path::new("sh"),
        &["-c".into(), "echo last words; exit 3".into()],
        &dir.path,
    )
    .unwrap();
    proc.wait_exit(Duration::from_secs(5)).await.unwrap();
    let err = proc.alive().unwrap_err().to_string();
    assert!(
        err.contains("talker exited") && err.contains("last words"),
        "{err}"
    );
}
