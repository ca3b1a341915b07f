//! The restart storm in a running soak (`--restart`): part of the centre
//! stopped as an operator stops it and started again while the fleet keeps
//! reporting, then timed until every site is current again in each
//! restarted service (the figures are [`crate::storm`]'s).

use std::sync::Arc;
use std::time::Duration;

use async_nats::Client;
use healthmon_client::{AggregatorClient, Options, Retry};
use healthmon_common::CancellationToken;
use healthmon_proto::Subjects;
use tokio::time::Instant;

use crate::central::Central;
use crate::fleet;
use crate::probe::{self, Http};
use crate::publisher::Progress;
use crate::settings::Restart;
use crate::storm::Storm;

/// A restart done, and what the storm after it is measured from.
#[derive(Debug, Clone, Copy)]
pub struct Restarted {
    pub what: Restart,
    pub began: Instant,
    pub down: Duration,
    resends_before: u64,
    passes_before: u64,
    answers_before: u64,
    covered_before: u64,
    /// `sent` when the restarted assessor listened again.
    assessor_from: u64,
}

/// Stops the aggregator (and with [`Restart::Centre`] the assessor), then
/// starts them again: the assessor first, so that it hears the resend the
/// new aggregator asks for.
pub async fn restart(
    central: &mut Central,
    what: Restart,
    progress: &Progress,
) -> anyhow::Result<Restarted> {
    let (resends_before, passes_before) = (progress.resends(), progress.passes());
    let answers_before = progress.answers.load(SEQ);
    let covered_before = progress.covered.load(SEQ);
    let began = Instant::now();
    central.stop(0).await?;
    let mut assessor_from = 0;
    if what == Restart::Centre {
        central.stop(1).await?;
        // Waiting for the port blocks: keep the publisher's worker free.
        tokio::task::block_in_place(|| central.start_again(1))?;
        assessor_from = progress.sent();
    }
    tokio::task::block_in_place(|| central.start_again(0))?;
    Ok(Restarted {
        what,
        began,
        down: began.elapsed(),
        resends_before,
        passes_before,
        answers_before,
        covered_before,
        assessor_from,
    })
}

/// How long after the restart each restarted service held every site's
/// answer, polled every 100 ms until both did or `stop`.
pub async fn until_current(
    r: Restarted,
    client: Client,
    subjects: Subjects,
    assessor_metrics: String,
    progress: Arc<Progress>,
    stop: CancellationToken,
) -> anyhow::Result<(Option<Duration>, Option<Duration>)> {
    let aggregator = AggregatorClient::new(
        client,
        &subjects,
        Options {
            partitions: 1,
            timeout: probe::GET_TIMEOUT,
            retry: Retry::Never,
        },
    );
    let http = Http::new()?;
    let judge_assessor = r.what == Restart::Centre;
    let (mut aggregator_current, mut assessor_current) = (None, None);
    // `sent` once every site had answered: what the assessor must reach.
    let mut answered_at = None;
    let mut heard = false;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            _ = stop.cancelled() => break,
        }
        if !heard && progress.resends() > r.resends_before {
            heard = true;
            println!(
                "-- resend asked {:.1} s after the restart began (window {} ms)",
                r.began.elapsed().as_secs_f64(),
                progress.resend_window_ms.load(SEQ)
            );
        }
        if progress.passes() <= r.passes_before {
            continue;
        }
        let sent_then = *answered_at.get_or_insert_with(|| {
            println!(
                "-- every site answered {:.1} s after the restart began",
                r.began.elapsed().as_secs_f64()
            );
            progress.sent()
        });
        if aggregator_current.is_none() {
            // It consumes in order: holding the last report sent by the
            // window's close, it holds every one before it.
            let site = fleet::site_id(progress.last_site.load(SEQ) as usize);
            let target = progress.last_seq.load(SEQ);
            let held = aggregator.get(&site).await.ok().and_then(|d| d.report);
            if held.is_some_and(|report| report.seq >= target) {
                aggregator_current = Some(r.began.elapsed());
            }
        }
        if judge_assessor
            && assessor_current.is_none()
            && let Ok((text, _)) = http.get(&assessor_metrics).await
        {
            let taken = probe::sum(&text, "healthmon_assessor_reports_total")
                + probe::sum(&text, "healthmon_assessor_reports_rejected_total");
            if taken as u64 >= sent_then - r.assessor_from {
                assessor_current = Some(r.began.elapsed());
            }
        }
        if aggregator_current.is_some() && (assessor_current.is_some() || !judge_assessor) {
            break;
        }
    }
    Ok((aggregator_current, assessor_current))
}

/// The storm's figures at the end of the run.
pub fn figures(
    r: &Restarted,
    sites: usize,
    progress: &Progress,
    current: (Option<Duration>, Option<Duration>),
) -> Storm {
    let heard = progress.resends() > r.resends_before;
    let since_resend = progress.sent() - progress.sent_at_resend.load(SEQ);
    Storm {
        what: r.what,
        sites: sites as u64,
        down: r.down,
        window: heard.then(|| Duration::from_millis(progress.resend_window_ms.load(SEQ))),
        answers: progress.answers.load(SEQ) - r.answers_before,
        covered: progress.covered.load(SEQ) - r.covered_before,
        expected: [
            if heard { since_resend } else { 0 },
            progress.sent() - r.assessor_from,
        ],
        aggregator_current: current.0,
        assessor_current: current.1,
    }
}

const SEQ: std::sync::atomic::Ordering = std::sync::atomic::Ordering::SeqCst;
