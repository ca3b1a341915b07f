use super::*;

#[test]
fn a_bad_file_names_the_file_and_the_line() {
    let dir = healthmon_test_support::TempDir::new("cli-roster").unwrap();
    let path = dir.path.join("fleet.toml");
    std::fs::write(&path, "[[site]]\nid = \"a\"\ncolour = \"red\"\n").unwrap();
    let e = read_roster(&path).unwrap_err().0;
    assert!(
        e.starts_with(&format!("{}:3: unknown field `colour`", path.display())),
        "{e}"
    );
    let e = read_roster(&dir.path.join("missing.toml")).unwrap_err().0;
    assert!(e.contains("missing.toml: cannot read it"), "{e}");
    std::fs::write(&path, "[[site]]\nid = \"a\"\n").unwrap();
    assert_eq!(read_roster(&path).unwrap().roster.sites.len(), 1);
}

#[test]
fn the_applier_is_named_by_the_passwd_line_of_its_uid() {
    let passwd = "root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/sh\n";
    assert_eq!(passwd_name(passwd, "1000").as_deref(), Some("ops"));
    assert_eq!(passwd_name(passwd, "0").as_deref(), Some("root"));
    assert_eq!(passwd_name(passwd, "7"), None);
    assert_eq!(Applier::here(Some("nats-ops")).who, "nats-ops");
}
