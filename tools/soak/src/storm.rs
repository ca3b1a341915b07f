//! The restart storm's figures (`--restart`): how long the centre was down,
//! how long until every site was current again, and what the resend asked.
//! Pure; the restart itself is in [`crate::central`], the timing in
//! [`crate::run`].
//!
//! "Current again" is judged where it is cheap and exact: the fleet answers
//! a resend in site order, and both services consume in order, so the
//! aggregator holding the last site's answer means it took every answer
//! before it; the assessor has taken them all when its report counter
//! reaches what was sent since the resend.

use std::fmt::Write as _;
use std::time::Duration;

use crate::settings::Restart;

#[derive(Debug, Clone, PartialEq)]
pub struct Storm {
    pub what: Restart,
    /// The fleet's size: how many answers a resend should bring.
    pub sites: u64,
    /// SIGTERM → the restarted processes listening again.
    pub down: Duration,
    /// The window the new aggregator's resend asked for (`None`: no resend
    /// command reached the fleet after the restart).
    pub window: Option<Duration>,
    /// Answers the fleet sent to it, and sites that answered with their
    /// regular report (due inside the window).
    pub answers: u64,
    pub covered: u64,
    /// Reports each restarted service (aggregator, assessor) should have
    /// taken: every one sent since it surely heard them — the aggregator from
    /// its resend command on (it asks once subscribed), the assessor from
    /// when it listened again (it subscribes first).
    pub expected: [u64; 2],
    /// SIGTERM → every site's answer taken by the aggregator / by the
    /// assessor (restarted with the centre); `None`: not before the end.
    pub aggregator_current: Option<Duration>,
    pub assessor_current: Option<Duration>,
}

impl Storm {
    /// Whether process `proc` (the `figures::PROCS` index) was restarted.
    pub fn restarted(&self, proc: usize) -> bool {
        match self.what {
            Restart::Aggregator => proc == 0,
            Restart::Centre => proc <= 1,
        }
    }

    /// Reports process `proc` should have taken of `sent` in a run with
    /// this storm (or none): all, or what it could hear when restarted.
    pub fn expected_of(storm: Option<&Storm>, proc: usize, sent: u64) -> u64 {
        match storm {
            Some(storm) if storm.restarted(proc) => storm.expected[proc],
            _ => sent,
        }
    }

    pub fn failures(&self) -> Vec<String> {
        let mut failed = Vec::new();
        if self.window.is_none() {
            failed.push("no resend command reached the fleet after the restart".to_string());
        } else if self.answers + self.covered < self.sites {
            failed.push(format!(
                "{} of {} sites answered the resend before the end",
                self.answers + self.covered,
                self.sites
            ));
        }
        let services = [
            ("aggregator", self.aggregator_current, true),
            ("assessor", self.assessor_current, self.restarted(1)),
        ];
        for (who, current, restarted) in services {
            if restarted && current.is_none() {
                failed.push(format!(
                    "the {who} did not hold every site's answer before the end"
                ));
            }
        }
        failed
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |k: &str, v: String| {
            let _ = writeln!(out, "  {k:<38} {v}");
        };
        let secs = |d: Option<Duration>| {
            d.map_or("not before the end".to_string(), |d| {
                format!("{:.1} s", d.as_secs_f64())
            })
        };
        let what = match self.what {
            Restart::Aggregator => "aggregator",
            Restart::Centre => "aggregator + assessor",
        };
        line(
            "restarted",
            format!("{what}, down {}", secs(Some(self.down))),
        );
        line("resend window asked", secs(self.window));
        line(
            "resend answered: extra / by regular",
            format!("{} / {}", self.answers, self.covered),
        );
        line(
            "expected of the restarted agg / ass",
            format!("{} / {}", self.expected[0], self.expected[1]),
        );
        line(
            "restart → every site current (agg)",
            secs(self.aggregator_current),
        );
        if self.restarted(1) {
            line(
                "restart → every site current (ass)",
                secs(self.assessor_current),
            );
        }
        out
    }
}

/// A storm of 1,000 sites that settled: each service current again after
/// `current` (aggregator, assessor), for the tests of what reads a storm.
#[cfg(test)]
pub(crate) fn settled(what: Restart, current: [Option<Duration>; 2]) -> Storm {
    Storm {
        what,
        sites: 1000,
        down: Duration::from_millis(1500),
        window: Some(Duration::from_secs(20)),
        answers: 400,
        covered: 600,
        expected: [5000, 5100],
        aggregator_current: current[0],
        assessor_current: current[1],
    }
}

#[cfg(test)]
mod tests;
