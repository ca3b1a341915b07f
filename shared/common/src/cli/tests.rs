use super::*;
use clap::Parser;

#[derive(Parser)]
struct T {
    #[command(flatten)]
    nats: NatsArgs,
}

fn parse(args: &[&str]) -> Result<NatsConfig, String> {
    let mut all = vec!["t"];
    all.extend_from_slice(args);
    T::try_parse_from(all)
        .map_err(|e| e.to_string())?
        .nats
        .into_config()
        .map_err(|e| e.to_string())
}

#[test]
fn defaults_are_local() {
    let c = parse(&[]).unwrap();
    assert_eq!(c.url, "nats://127.0.0.1:4222");
    assert_eq!(c.subjects.prefix(), "health");
    assert!(matches!(c.auth, NatsAuth::None));
}

#[test]
fn errors_name_the_flag() {
    for (args, flag) in [
        (&["--subject-prefix", "a.*"], "--subject-prefix"),
        (&["--nats-user", "u"], "--nats-password"),
        (&["--nats-tls-cert", "c"], "--nats-tls-key"),
        (
            &["--nats-connect-timeout", "soon"],
            "--nats-connect-timeout",
        ),
    ] {
        let err = parse(args).unwrap_err();
        assert!(err.contains(flag), "{args:?}: {err}");
    }
}

#[derive(Parser)]
struct P {
    #[arg(long, value_parser = parse_partition)]
    partition: Option<Partition>,
    #[arg(long, default_value = "1", value_parser = parse_partitions)]
    partitions: u16,
}

#[test]
fn partition_flags_parse_and_bad_values_exit_2_naming_the_flag() {
    let p = P::try_parse_from(["t", "--partition", "1/3", "--partitions", "3"]).unwrap();
    assert_eq!(p.partition.map(|p| p.to_string()).as_deref(), Some("1/3"));
    assert_eq!(p.partitions, 3);
    assert_eq!(P::try_parse_from(["t"]).unwrap().partitions, 1);
    for (args, flag, why) in [
        (
            ["t", "--partition", "3/3"],
            "--partition",
            "below the count",
        ),
        (["t", "--partition", "1-3"], "--partition", "i/N"),
        (["t", "--partition", "0/0"], "--partition", "1..=1024"),
        (["t", "--partitions", "0"], "--partitions", "1..=1024"),
        (["t", "--partitions", "1025"], "--partitions", "1..=1024"),
        (["t", "--partitions", "two"], "--partitions", "number"),
    ] {
        let err = P::try_parse_from(args).err().expect("refused");
        assert_eq!(err.exit_code(), 2, "{args:?}");
        let text = err.to_string();
        assert!(
            text.contains(flag) && text.contains(why),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn one_partition_of_one_is_the_whole_fleet() {
    let s = Subjects::default();
    let one = Partition::new(0, 1).unwrap();
    assert_eq!(
        partition_subjects(&s, Some(one)).aggregator("list"),
        "health.agg.list"
    );
    let two = Partition::new(1, 2).unwrap();
    assert_eq!(
        partition_subjects(&s, Some(two)).aggregator("list"),
        "health.agg.1.list"
    );
    assert_eq!(partition_subjects(&s, None), s);
}
