//! The assessor's judgement in `healthmon site`: the last report's findings
//! of a silent site (as of when), flapping, recovering, the health score
//! with what took points off, and availability since the assessor started.

use healthmon_proto::Connectivity;
use healthmon_proto::judgement::{Judgement, flapping_reason};
use healthmon_proto::query::SiteDetail;

use super::{age, span};

/// The judgement's lines, each a `(key, value)` of the detail.
pub(super) fn pairs(d: &SiteDetail, now_ms: u64, out: &mut Vec<(&'static str, String)>) {
    let j: &Judgement = &d.judgement;
    if !j.stale_reasons.is_empty() {
        let mut text = format!("as of {}", age(now_ms, d.last_report_ms));
        for r in &j.stale_reasons {
            text.push('\n');
            text.push_str(r);
        }
        out.push(("stale findings", text));
    }
    if let Some(f) = &j.flapping {
        out.push(("flapping", flapping_reason(f).replace("flapping: ", "")));
    }
    if let Some(r) = &j.recovering {
        let mut text = format!("{} pending", r.depth);
        if let Some(rate) = r.drain_per_min {
            text.push_str(&format!(", draining {rate:.0}/min"));
        }
        if let Some(s) = r.empty_in_s {
            text.push_str(&format!(", empty in ~{}", span(s)));
        }
        out.push(("recovering", text));
    }
    if let Some(score) = j.score {
        let mut text = format!("{score}/100");
        for off in &j.score_off {
            text.push_str(&format!("\n-{} {}", off.points, off.reason));
        }
        out.push(("score", text));
    }
    if let Some(a) = &j.availability {
        // As of the last event; the time since counts as the state now.
        let later = now_ms.saturating_sub(a.as_of_ms);
        let judged = a.judged_ms
            + if d.connectivity == Connectivity::Unknown {
                0
            } else {
                later
            };
        let online = a.online_ms
            + if d.connectivity == Connectivity::Online {
                later
            } else {
                0
            };
        if judged > 0 {
            let share = (online as f64 / judged as f64 * 1000.0).floor() / 10.0;
            out.push((
                "availability",
                format!(
                    "{share:.1}% of {} judged since the assessor started",
                    span(judged / 1000)
                ),
            ));
        }
    }
}
