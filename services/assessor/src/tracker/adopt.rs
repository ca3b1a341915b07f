//! Adopting sites from the aggregator's list at start-up (bootstrap).

use healthmon_proto::query::SiteSummary;
use healthmon_proto::validate::{MAX_INTERVAL_MS, MIN_INTERVAL_MS};
use healthmon_proto::validate_site_id;
use tokio::time::Instant;

use super::{CONNECTIVITY_REASON_PREFIX, Flags, Kept, Ms48, Outcome, Tracker, kept};

impl Tracker {
    /// Takes over a site the aggregator knows (start-up bootstrap) without
    /// announcing it. Ignored when the site is already tracked (a live
    /// report wins) or the row lacks a receive time or interval.
    pub fn adopt(&mut self, row: &SiteSummary, now: Instant, now_ms: u64) -> Option<Outcome> {
        let (Some(last_ms), Some(interval_ms)) = (row.last_report_ms, row.interval_ms) else {
            return None;
        };
        if validate_site_id(&row.site_id).is_err()
            || !(MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&interval_ms)
        {
            return None;
        }
        // A live report wins; a site known only from the registry takes
        // the aggregator's better knowledge of when it last reported.
        self.judging.begin(now_ms);
        let idx = match self.site_index(&row.site_id) {
            Some(idx) if self.sites[idx as usize].has(Flags::UNHEARD) => idx,
            Some(_) => return None,
            None => self.insert(&row.site_id, row.status_since_ms.unwrap_or(now_ms)),
        };
        let age = i64::try_from(now_ms.saturating_sub(last_ms)).unwrap_or(i64::MAX);
        let window_start = self.mono_ceil(now).saturating_sub(age);
        self.set_connectivity(idx, row.connectivity);
        let s = &mut self.sites[idx as usize];
        s.set(Flags::UNHEARD | Flags::NEVER_REPORTED, false);
        s.set(Flags::ADOPTED, true);
        s.health = row.health;
        s.findings = kept(
            row.reasons
                .iter()
                .filter(|r| !r.starts_with(CONNECTIVITY_REASON_PREFIX))
                .map(|r| Kept {
                    key: Box::from(""),
                    reason: r.as_str().into(),
                    severity: row.health,
                }),
        );
        s.interval_ms = u32::try_from(interval_ms).unwrap_or(u32::MAX);
        s.window_start = Ms48::new(window_start);
        s.last_report_ms = Ms48::unix(last_ms);
        Some(Outcome::timer(idx, self.deadline(idx)))
    }
}
