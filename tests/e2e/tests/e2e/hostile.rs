//! A flood of hostile payloads on `health.report.*`, interleaved with a real
//! collector's reports: every one is refused and counted under the reason
//! the contract gives it, by the aggregator and the assessor alike, and the
//! good site's state, status and status events are exactly what they would
//! have been without the flood.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use healthmon_e2e::Central;
use healthmon_proto::validate::{MAX_CONNECTIONS, decode_report};
use healthmon_proto::{ConnectionStatus, HealthReport, Rejection, StatusEvent, decode, encode};
use healthmon_test_support::eventually;
use healthmon_test_support::promtext::value as metric_value;

const PATIENCE: Duration = Duration::from_secs(15);
const GOOD: &str = "plant-good";
const FLOOD: usize = 3_000;

/// xorshift64*: a reproducible stream without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn report(site: &str, seq: u64) -> HealthReport {
    let mut r = HealthReport::new(site, "flood", seq);
    r.sent_at_ms = 1_700_000_000_000;
    r.interval_ms = 1_000;
    r.connections = vec![ConnectionStatus {
        name: "plc-1".into(),
        connected: true,
    }];
    r
}

/// One hostile payload and the subject token it is published under.
fn hostile(rng: &mut Rng, i: usize) -> (String, Vec<u8>) {
    // Half of the flood claims to be the good site, on its own subject.
    let site = if rng.below(2) == 0 {
        GOOD.to_owned()
    } else {
        format!("evil-{}", rng.below(50))
    };
    let seq = 1 + rng.below(1_000);
    let mut r = report(&site, seq);
    let payload = match i % 16 {
        0 => (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
        1 => {
            let bytes = encode(&r);
            let cut = rng.below(bytes.len() as u64) as usize;
            bytes[..cut].to_vec()
        }
        2 if i % 64 == 2 => {
            // 60,000 nested arrays under an unknown key, inside 64 KiB.
            let mut bytes = encode(&r);
            bytes[0] += 1; // one more key in the fixmap
            bytes.extend([0xa2, b'z', b'z']);
            bytes.extend(std::iter::repeat_n(0x91, 60_000));
            bytes.push(0xc0);
            bytes
        }
        3 if i % 64 == 3 => {
            r.custom.insert("blob".into(), 1.0);
            let mut bytes = encode(&r);
            bytes.resize(70 * 1024, 0xc0);
            bytes
        }
        4 => {
            r.v = 2 + rng.below(5) as u32;
            encode(&r)
        }
        5 => {
            r.site_id = ["a.b", "a*", ">", "a b", "ünï", "", &"x".repeat(65)]
                [rng.below(7) as usize]
                .to_owned();
            encode(&r)
        }
        6 => {
            // An impostor: the good site's id on another site's subject.
            r.site_id = GOOD.to_owned();
            return (format!("evil-{}", rng.below(50)), encode(&r));
        }
        7 => {
            r.instance = ["", "tab\there", &"i".repeat(65)][rng.below(3) as usize].to_owned();
            encode(&r)
        }
        8 => {
            r.seq = 0;
            encode(&r)
        }
        9 => {
            r.interval_ms = [0, 99, 86_400_001, u64::MAX][rng.below(4) as usize];
            encode(&r)
        }
        10 => {
            // Microseconds or nanoseconds where milliseconds belong.
            r.sent_at_ms = 1_700_000_000_000_000 * (1 + 999 * rng.below(2));
            encode(&r)
        }
        11 => {
            r.connections = (0..=MAX_CONNECTIONS)
                .map(|c| ConnectionStatus {
                    name: format!("c{c}"),
                    connected: true,
                })
                .collect();
            encode(&r)
        }
        12 => {
            r.connections[0].name =
                ["", "line\nbreak", "\u{7f}", &"n".repeat(129)][rng.below(4) as usize].to_owned();
            encode(&r)
        }
        13 => {
            let twin = r.connections[0].clone();
            r.connections.push(twin);
            encode(&r)
        }
        14 if i % 32 == 14 => {
            // Labels breaking the contract's rules.
            let (key, value) = [
                ("Region", "eu"),
                ("site", "x"),
                ("__meta", "x"),
                ("region", ""),
                ("region", "tab\there"),
            ][rng.below(5) as usize];
            r.labels.insert(key.into(), value.into());
            encode(&r)
        }
        14 => {
            let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0];
            r.script_errors.per_min = bad[rng.below(4) as usize];
            encode(&r)
        }
        _ => {
            // The right shape with every field of the wrong type.
            let bytes = br#"{"v":"1","site_id":1,"seq":[]}"#;
            let mut wrong = vec![0x83];
            for (k, v) in [("v", "1"), ("site_id", "x"), ("seq", "y")] {
                wrong.extend([0xa0 | k.len() as u8]);
                wrong.extend(k.bytes());
                wrong.extend([0xa0 | v.len() as u8]);
                wrong.extend(v.bytes());
            }
            if rng.below(2) == 0 {
                wrong
            } else {
                bytes.to_vec()
            }
        }
    };
    (site, payload)
}

fn rejected(text: &str, service: &str, reason: &str) -> u64 {
    metric_value(
        text,
        &format!("healthmon_{service}_reports_rejected_total{{reason=\"{reason}\"}}"),
    )
    .unwrap_or(0.0) as u64
}

/// The good site's interval: long enough that a busy 2-core machine's
/// scheduling stall (it turned late at 1.5 × 300 ms once, under load) is not
/// mistaken for the flood's doing.
const GOOD_INTERVAL: Duration = Duration::from_secs(1);

#[tokio::test]
async fn a_hostile_flood_is_counted_by_reason_and_leaves_the_good_site_untouched() {
    let central = Central::start().await;
    let nats = central.nats.client().await;
    let mut events = nats
        .subscribe(format!("health.status.{GOOD}"))
        .await
        .unwrap();
    let _collector = central.collector(GOOD, GOOD_INTERVAL).await;
    let before = central.site_becomes(GOOD, "online", PATIENCE).await;
    assert_eq!(before["health"], "healthy");
    let instance = before["report"]["instance"].clone();

    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let flood: Vec<(String, Vec<u8>)> = (0..FLOOD).map(|i| hostile(&mut rng, i)).collect();
    let mut expected: BTreeMap<&str, u64> = BTreeMap::new();
    for (site, payload) in &flood {
        let reason = decode_report(payload, site)
            .map(|r| panic!("flood payload accepted: {r:?}"))
            .unwrap_err()
            .reason();
        *expected.entry(reason).or_default() += 1;
    }
    // Every reason a payload alone can earn is in the flood (not a stale
    // seq, which needs an earlier report, nor `unregistered`, which needs
    // auto-registration off).
    for reason in Rejection::REASONS {
        assert!(
            ["stale_seq", "unregistered"].contains(&reason) || expected.contains_key(reason),
            "{reason}"
        );
    }

    // Spread over a few report intervals so the real reports interleave.
    for chunk in flood.chunks(FLOOD / 20) {
        for (site, payload) in chunk {
            nats.publish(format!("health.report.{site}"), payload.clone().into())
                .await
                .unwrap();
        }
        nats.flush().await.unwrap();
        tokio::time::sleep(GOOD_INTERVAL / 4).await;
    }

    // Replays of the good site's own stream (same instance, not a newer seq)
    // carrying a dropped connection: if either got in, the site would turn degraded.
    let now = central.api.site(GOOD).await.unwrap();
    let mut replay: HealthReport = serde_json::from_value(now["report"].clone()).unwrap();
    replay.connections.push(ConnectionStatus {
        name: "plc-replayed".into(),
        connected: false,
    });
    for seq in [replay.seq, replay.seq.saturating_sub(1).max(1)] {
        replay.seq = seq;
        nats.publish(format!("health.report.{GOOD}"), encode(&replay).into())
            .await
            .unwrap();
    }
    nats.flush().await.unwrap();
    *expected.entry("stale_seq").or_default() += 2;

    let assessor_metrics = central.assessor.service().metrics_addr;
    let http = reqwest::Client::new();
    // Polled by hand rather than with `eventually`, so a failure shows the counts.
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let aggregator = central.aggregator_metrics().await;
        let assessor = http
            .get(format!("http://{assessor_metrics}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let wrong: Vec<String> = Rejection::REASONS
            .iter()
            .filter_map(|reason| {
                let want = expected.get(reason).copied().unwrap_or(0);
                let got = (
                    rejected(&aggregator, "aggregator", reason),
                    rejected(&assessor, "assessor", reason),
                );
                (got != (want, want))
                    .then(|| format!("{reason}: want {want}, aggregator/assessor {got:?}"))
            })
            .collect();
        if wrong.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "rejections not counted by reason:\n{}",
            wrong.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The good site kept flowing: newer reports of the same instance, still
    // online and healthy, nothing lost, no replayed connection.
    let seq_before = before["report"]["seq"].as_u64().unwrap();
    let after = eventually("the good site reports on", PATIENCE, || async {
        let site = central.api.site(GOOD).await?;
        (site["report"]["seq"].as_u64()? > replay.seq).then_some(site)
    })
    .await;
    assert!(after["report"]["seq"].as_u64().unwrap() > seq_before + 3);
    assert_eq!(after["report"]["instance"], instance);
    assert_eq!(after["connectivity"], "online");
    assert_eq!(after["health"], "healthy");
    assert_eq!(after["lost_reports"], 0);
    let names: Vec<&str> = after["report"]["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(!names.contains(&"plc-replayed"), "{names:?}");

    // No hostile site was created, and the good site never changed status.
    let (_, summary) = central.api.get("/api/v1/summary").await;
    assert_eq!(summary["total"], 1, "{summary}");
    let mut seen = Vec::new();
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_millis(200), events.next()).await
    {
        let event: StatusEvent = decode(&msg.payload).unwrap();
        seen.push((event.connectivity, event.health));
    }
    assert!(
        seen.iter()
            .all(|(c, h)| c.as_str() == "online" && h.as_str() == "healthy"),
        "{seen:?}"
    );
}
