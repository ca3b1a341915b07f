//! The OpenAPI document and the handlers agree, judged by a tool nobody
//! here wrote: schemathesis (PyPI, installed by `scripts/install-deps.sh
//! --api-tools`) runs every check in every phase (examples, coverage,
//! fuzzing, stateful) against the real dashboard API, with the real
//! aggregator, assessor and nats-server behind it and a fleet reporting, as
//! an admin (so the admin routes are exercised too).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use healthmon_dashboard_api::auth::{AuthMode, TokenTable};
use healthmon_e2e::{Central, INTERVAL, Options};
use healthmon_test_support::find_on_path;

const ADMIN: &str = "schemathesis-admin-0123456789abcdef0123";
const SITES: usize = 12;
/// Fuzzing and stateful testing repeat until this budget is spent.
const BUDGET_SECONDS: &str = "60";

/// `SCHEMATHESIS_BIN`, else `schemathesis` on `PATH` (the project's venv
/// puts it there when `scripts/install-deps.sh` is sourced).
fn schemathesis() -> PathBuf {
    std::env::var_os("SCHEMATHESIS_BIN")
        .map(PathBuf::from)
        .or_else(|| find_on_path("schemathesis"))
        .expect("schemathesis not found: run scripts/install-deps.sh --api-tools")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_mismatch_between_the_document_and_the_api() {
    let tokens = TokenTable::parse(&format!("admin schemathesis {ADMIN}\n")).unwrap();
    let options = Options::default().dashboard(move |config| {
        config.auth = AuthMode::Tokens(tokens.clone());
    });
    let central = Central::start_with(options).await;
    let _fleet = central.simulator(SITES, INTERVAL).await;
    let api = central.api.clone().with_token(ADMIN);
    api.wait_summary("online", SITES as u64, Duration::from_secs(10))
        .await;

    let document = central.api.url("/api/v1/openapi.json");
    let bin = schemathesis();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(&bin)
            .args(["run", &document, "--checks", "all"])
            .args(["--phases", "examples,coverage,fuzzing,stateful"])
            .args(["--max-time", BUDGET_SECONDS, "--workers", "1", "--no-color"])
            .args(["--header", &format!("Authorization: Bearer {ADMIN}")])
            .args(["--request-timeout", "5"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()))
    })
    .await
    .unwrap();
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "schemathesis found mismatches ({}):\n{report}",
        output.status
    );
    eprintln!("{report}");
    // What it checked: every documented operation, not an empty run.
    assert!(report.contains("Operations"), "{report}");
}
