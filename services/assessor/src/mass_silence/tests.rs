use super::*;
use proptest::prelude::*;

fn rule(fraction: f64, min_sites: usize) -> MassSilenceRule {
    MassSilenceRule {
        fraction,
        min_sites,
        hold: Duration::from_secs(60),
    }
}

#[test]
fn defaults_leave_the_fifty_site_demo_alone() {
    let r = MassSilenceRule::default();
    assert!(r.validate().is_ok());
    // Every one of the demo's 50 sites silent at once: still the sites' problem.
    assert!(!r.is_mass_silence(0, 50));
    assert!(r.is_mass_silence(50, 50));
    assert!(!r.is_mass_silence(51, 49));
}

#[test]
fn validation_names_the_flag() {
    let bad = |r: MassSilenceRule| r.validate().unwrap_err().to_string();
    assert!(bad(rule(0.0, 10)).contains("--mass-silence-fraction"));
    assert!(bad(rule(1.5, 10)).contains("--mass-silence-fraction"));
    assert!(bad(rule(f64::NAN, 10)).contains("--mass-silence-fraction"));
    assert!(bad(rule(0.5, 0)).contains("--mass-silence-min-sites"));
    let mut r = rule(0.5, 10);
    r.hold = Duration::ZERO;
    assert!(bad(r).contains("--mass-silence-hold"));
    assert!(rule(1.0, 1).validate().is_ok());
}

#[test]
fn suspects_then_resumes_when_reports_flow() {
    let t0 = Instant::now();
    let mut m = MassSilence::new(rule(0.5, 20));
    assert_eq!(m.observe(40, 0, t0), None);
    assert_eq!(m.observe(21, 19, t0), None);
    assert_eq!(m.observe(20, 20, t0), Some(Change::Suspected));
    assert!(m.holding());
    assert_eq!(m.hold_until(), Some(t0 + Duration::from_secs(60)));
    // Still silent: nothing new.
    assert_eq!(m.observe(0, 40, t0), None);
    assert_eq!(m.observe(21, 19, t0), Some(Change::Resumed));
    assert!(!m.holding());
    assert_eq!(m.hold_until(), None);
}

#[test]
fn the_hold_runs_out_and_the_offline_wave_does_not_retrigger() {
    let t0 = Instant::now();
    let mut m = MassSilence::new(rule(0.5, 20));
    m.observe(0, 40, t0);
    assert_eq!(m.expire(t0 + Duration::from_secs(59)), None);
    assert_eq!(
        m.expire(t0 + Duration::from_secs(60)),
        Some(Change::Expired)
    );
    assert_eq!(m.phase(), Phase::Disarmed);
    assert!(!m.holding());
    // Held sites go offline one by one: the late share stays high meanwhile.
    let later = t0 + Duration::from_secs(61);
    for late in (1..40).rev() {
        assert_eq!(m.observe(0, late, later), None);
    }
    // Once below the threshold the rule is armed again.
    assert_eq!(m.observe(30, 0, later), None);
    assert_eq!(m.phase(), Phase::Normal);
    assert_eq!(m.observe(10, 30, later), Some(Change::Suspected));
}

proptest! {
    /// Whatever the sequence of counts: small fleets never trigger, a
    /// suspicion begins only on a mass silence and ends only when it is
    /// over or the hold ran out, and holding matches the phase.
    #[test]
    fn phases_follow_the_counts(
        fraction in 0.05f64..=1.0,
        min_sites in 1usize..200,
        steps in proptest::collection::vec((0usize..300, 0usize..300, any::<bool>()), 1..60),
    ) {
        let r = rule(fraction, min_sites);
        let t0 = Instant::now();
        let mut m = MassSilence::new(r);
        for (i, (online, late, tick)) in steps.into_iter().enumerate() {
            let now = t0 + Duration::from_secs(i as u64 * 7);
            let before = m.phase();
            let change = if tick { m.expire(now) } else { m.observe(online, late, now) };
            let silent = r.is_mass_silence(online, late);
            if online + late < min_sites {
                prop_assert!(!silent);
            }
            match change {
                Some(Change::Suspected) => {
                    prop_assert!(!tick && silent && before == Phase::Normal);
                }
                Some(Change::Resumed) => {
                    prop_assert!(!tick && !silent);
                    let was_suspect = matches!(before, Phase::Suspect { .. });
                    prop_assert!(was_suspect);
                }
                Some(Change::Expired) => {
                    prop_assert!(tick);
                    let Phase::Suspect { since } = before else {
                        return Err(TestCaseError::fail("expired without a hold"));
                    };
                    prop_assert!(now >= since + r.hold);
                }
                None => {}
            }
            let suspect = matches!(m.phase(), Phase::Suspect { .. });
            prop_assert_eq!(m.holding(), suspect);
        }
    }
}
