//! The binary's handling of bad flags and rules files: one line, exit code 2.

use std::process::Command;

use healthmon_test_support::TempDir;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_healthmon-assessor"))
        .args(args)
        .env_remove("RULES_FILE")
        .env_remove("MISSED_HEARTBEATS")
        .env_remove("MASS_SILENCE_FRACTION")
        .env_remove("MASS_SILENCE_MIN_SITES")
        .env_remove("MASS_SILENCE_HOLD")
        .env_remove("LEADER_ELECTION")
        .env_remove("LEADER_LEASE")
        .env_remove("MAX_INTERVAL")
        .env_remove("REGISTRY_BUCKET")
        .env_remove("REGISTRY_REPLICAS")
        .env_remove("AUTO_REGISTER")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn missed_heartbeats_out_of_range_is_a_usage_error() {
    for bad in ["1", "101"] {
        let (code, stderr) = run(&["--missed-heartbeats", bad]);
        assert_eq!(code, Some(2), "{bad}");
        assert!(stderr.contains("--missed-heartbeats"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn flags_out_of_range_are_usage_errors_naming_the_flag() {
    for (flag, bad) in [
        ("--mass-silence-fraction", "0"),
        ("--mass-silence-fraction", "1.5"),
        ("--mass-silence-min-sites", "0"),
        ("--mass-silence-hold", "0s"),
        ("--max-interval", "50ms"),
        ("--max-interval", "2d"),
        ("--registry-bucket", "no.dots"),
        ("--registry-replicas", "7"),
        ("--auto-register", "maybe"),
    ] {
        let (code, stderr) = run(&[flag, bad]);
        assert_eq!(code, Some(2), "{flag} {bad}: {stderr}");
        assert!(stderr.contains(flag), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_bad_rules_file_names_the_file_and_the_key() {
    let dir = TempDir::new("assessor-cli").unwrap();
    let path = dir.path.join("my-rules.toml");
    std::fs::write(&path, "[script_errors]\nwarn_per_minute = 3\n").unwrap();
    let (code, stderr) = run(&["--rules", path.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("my-rules.toml"), "{stderr}");
    assert!(stderr.contains("warn_per_minute"), "{stderr}");
    assert!(stderr.contains("[script_errors]"), "{stderr}");

    let (code, stderr) = run(&["--rules", "/nonexistent/rules.toml"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("/nonexistent/rules.toml"), "{stderr}");
}

#[test]
fn unreachable_nats_is_one_error_line_and_exit_1() {
    let port = healthmon_test_support::free_port().unwrap();
    let (code, stderr) = run(&[
        "--nats-url",
        &format!("nats://127.0.0.1:{port}"),
        "--nats-connect-timeout",
        "300ms",
        "--metrics-addr",
        "127.0.0.1:0",
    ]);
    assert_eq!(code, Some(1));
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: cannot reach NATS"), "{stderr}");
}

#[test]
fn a_leader_lease_under_one_second_is_a_usage_error() {
    let (code, stderr) = run(&["--leader-election", "--leader-lease", "500ms"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--leader-lease"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
