//! The binary's authentication flags: without a mode it refuses to start
//! (exit 2, naming the choices); a bad token file is named by line, never by
//! token; `--insecure-no-auth` starts with a loud warning.

use std::process::{Command, Output};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_healthmon-dashboard-api"))
        .args(args)
        .env_remove("AUTH_TOKENS_FILE")
        .env_remove("TRUST_PROXY_HEADER")
        .env_remove("INSECURE_NO_AUTH")
        .envs(env.iter().copied())
        // Nothing listens there: the run ends at the NATS connection.
        .args([
            "--nats-url",
            "nats://127.0.0.1:1",
            "--nats-connect-timeout",
            "1s",
        ])
        .args(["--http-addr", "127.0.0.1:0"])
        .output()
        .expect("the binary runs")
}

fn all_output(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn without_an_auth_mode_it_refuses_to_start() {
    let output = run(&[], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    let text = all_output(&output);
    for choice in [
        "--auth-tokens",
        "--trust-proxy-header",
        "--insecure-no-auth",
    ] {
        assert!(text.contains(choice), "{text}");
    }

    let output = run(
        &["--insecure-no-auth", "--trust-proxy-header", "X-User"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(all_output(&output).contains("choose one"));
}

#[test]
fn a_bad_token_file_is_named_by_line_not_by_token() {
    let dir = std::env::temp_dir().join(format!("healthmon-auth-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tokens");
    let secret = "s3cret-0123456789abcdef0123456789abcdef";
    std::fs::write(
        &file,
        format!("admin alice {secret}\nsuperuser bob {secret}x\n"),
    )
    .unwrap();
    let output = run(&["--auth-tokens", file.to_str().unwrap()], &[]);
    let text = all_output(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("--auth-tokens") && text.contains("line 2: role"),
        "{text}"
    );
    assert!(!text.contains(secret), "{text}");

    // A good file gets as far as NATS (exit 1, no usage error).
    std::fs::write(&file, format!("admin alice {secret}\n")).unwrap();
    let output = run(&[], &[("AUTH_TOKENS_FILE", file.to_str().unwrap())]);
    assert_eq!(output.status.code(), Some(1), "{}", all_output(&output));
    assert!(!all_output(&output).contains(secret));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn insecure_no_auth_warns_at_start() {
    let output = run(&[], &[("INSECURE_NO_AUTH", "true")]);
    let text = all_output(&output);
    assert!(text.contains("WARN"), "{text}");
    assert!(text.contains("AUTHENTICATION IS OFF"), "{text}");
}
