use proptest::prelude::*;

use super::*;

fn f<'a>(key: &'a str, reason: &'a str, severity: Health) -> Scoring<'a> {
    Scoring {
        key,
        reason,
        severity,
    }
}

#[test]
fn a_site_with_nothing_wrong_scores_100_with_nothing_off() {
    let (score, off) = ScoreRule::default().score(Some((Connectivity::Online, "")), [], None);
    assert_eq!((score, off.len()), (100, 0));
}

#[test]
fn each_finding_takes_its_severity_times_its_kind_weight_largest_first() {
    let mut rule = ScoreRule::default();
    rule.kinds.insert("nodes".into(), 1.5);
    let (score, off) = rule.score(
        None,
        [
            f(
                "connection:plc-2",
                "connection plc-2 disconnected",
                Health::Degraded,
            ),
            f("nodes:none", "no active node", Health::Critical),
        ],
        None,
    );
    assert_eq!(score, 100 - 60 - 15);
    assert_eq!(off[0].points, 60);
    assert_eq!(off[0].reason, "critical: no active node");
    assert_eq!(off[1].reason, "degraded: connection plc-2 disconnected");
}

#[test]
fn an_offline_sites_findings_count_half_and_say_they_are_stale() {
    let (score, off) = ScoreRule::default().score(
        Some((Connectivity::Offline, "no report for 92s (timeout 90s)")),
        [f("nodes:none", "no active node", Health::Critical)],
        Some("flapping: 7 changes in 10 min"),
    );
    assert_eq!(score, 0, "60 + 20 + 20 = 100 off");
    assert_eq!(off[0].reason, "offline: no report for 92s (timeout 90s)");
    assert!(
        off.iter()
            .any(|d| d.points == 20 && d.reason == "critical (stale): no active node")
    );
    assert!(off.iter().any(|d| d.reason.starts_with("flapping")));
}

#[test]
fn a_recovering_site_loses_a_little_and_a_growing_backlog_a_degraded_share() {
    let rule = ScoreRule::default();
    let (score, _) = rule.score(
        None,
        [f("recovering", "recovering: 10k pending", Health::Healthy)],
        None,
    );
    assert_eq!(score, 95);
    let (score, _) = rule.score(None, [f("recovering", "growing", Health::Degraded)], None);
    assert_eq!(score, 85);
}

#[test]
fn weights_out_of_bounds_are_named() {
    let rule = ScoreRule {
        stale: 2.0,
        ..ScoreRule::default()
    };
    assert_eq!(rule.validate().unwrap_err().0, "score.stale");
    let mut rule = ScoreRule::default();
    rule.kinds.insert("nodes".into(), f64::NAN);
    assert_eq!(rule.validate().unwrap_err().0, "score.kinds.nodes");
}

fn severity() -> impl Strategy<Value = Health> {
    prop_oneof![
        Just(Health::Healthy),
        Just(Health::Degraded),
        Just(Health::Critical)
    ]
}

proptest! {
    /// The score is 100 minus what the list says, never below 0, and a
    /// worse finding never raises it.
    #[test]
    fn score_is_explained_by_its_deductions(sev in proptest::collection::vec(severity(), 0..12), worse in 0usize..12) {
        let rule = ScoreRule::default();
        let keys: Vec<String> = (0..sev.len()).map(|i| format!("connection:c{i}")).collect();
        let run = |sev: &[Health]| rule.score(None, keys.iter().zip(sev).map(|(k, s)| f(k, "r", *s)), None);
        let (score, off) = run(&sev);
        let total: u32 = off.iter().map(|d| u32::from(d.points)).sum();
        prop_assert_eq!(u32::from(score), 100u32.saturating_sub(total));
        if worse < sev.len() {
            let mut worse_sev = sev.clone();
            worse_sev[worse] = Health::Critical;
            prop_assert!(run(&worse_sev).0 <= score);
        }
    }
}
