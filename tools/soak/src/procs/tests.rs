use super::*;

#[test]
fn reads_rss_and_cpu_from_proc_text() {
    let status = "Name:\tx\nVmPeak:\t  999 kB\nVmRSS:\t   2048 kB\nThreads: 3\n";
    assert_eq!(rss_bytes(status), Some(2 * 1024 * 1024));
    let stat = "42 (odd (name) x) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
    assert_eq!(cpu_ticks(stat), Some(300));
}

#[test]
fn reads_this_process() {
    let a = usage(std::process::id()).unwrap();
    assert!(a.rss_bytes > 0);
    let spin = Instant::now();
    while spin.elapsed() < Duration::from_millis(300) {
        std::hint::black_box(spin.elapsed());
    }
    let b = usage(std::process::id()).unwrap();
    assert!(b.cpu_pct_since(&a) > 10.0, "{}", b.cpu_pct_since(&a));
}
