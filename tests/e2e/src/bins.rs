//! The workspace's own binaries — the services' `healthmon-*` and the CLI
//! `healthmon` — for tests that run them as a user does (`scripts/up.sh`,
//! `healthmon fleet apply`). A workspace test build puts them beside the
//! test binary (`target/<profile>/`) for their own integration tests; any
//! that is missing is built here.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's top directory.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `target/<profile>`, holding every `(binary, package)` asked for.
pub fn dir_with(bins: &[(&str, &str)]) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .ancestors()
        .find(|d| d.file_name().is_some_and(|n| n == "deps"))
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps")
        .to_owned();
    let missing: Vec<&str> = bins
        .iter()
        .filter(|(bin, _)| !dir.join(bin).is_file())
        .map(|(_, package)| *package)
        .collect();
    if !missing.is_empty() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace()).args(["build", "--bins"]);
        for package in missing {
            cmd.args(["-p", package]);
        }
        assert!(cmd.status().expect("run cargo build").success());
    }
    dir
}

/// The `healthmon` CLI.
pub fn healthmon_cli() -> PathBuf {
    dir_with(&[("healthmon", "healthmon-cli")]).join("healthmon")
}
