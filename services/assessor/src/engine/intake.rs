//! Reports in: drained from the subscription in batches, decoded, validated
//! and assessed on a task of their own, then handed to the engine loop.
//!
//! Why: decoding and validating a report (a 640-byte MessagePack map) and
//! evaluating the rules on it was ~80 % of the assessor's ingest CPU, all on
//! the engine loop, which took one message per `select!`. Here a second task
//! does that work on a borrowed [`ReportView`](healthmon_proto::view::ReportView)
//! (no owned report, no string allocation), and the engine gets only the
//! small [`Assessed`] of each report, a batch at a time: one pass of the loop
//! per batch instead of per message, and the two halves run on both cores.
//!
//! Batches: the first message is awaited, then whatever the subscription
//! already holds is taken without waiting, up to [`BATCH`] messages; under
//! light load a batch is one message, so nothing waits for a batch to fill.
//!
//! Backpressure: the channel to the engine is bounded ([`BATCHES`] batches).
//! When the engine falls behind, this task waits on the channel, stops taking
//! messages, and they pile up in the NATS client's subscription buffer, whose
//! overflow async-nats reports as a slow-consumer event (counted in
//! `healthmon_nats_events_total`): nothing is dropped silently in between.
//!
//! Order: one task and one FIFO channel, so each site's reports reach the
//! engine in the order the subscription delivered them.

use async_nats::{Subject, Subscriber};
use futures::{FutureExt, StreamExt};
use healthmon_common::CancellationToken;
use healthmon_proto::validate::decode_view;
use healthmon_proto::{Rejection, Subjects};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::findings::Assessed;
use crate::rules::Rules;

/// Most messages in one batch: enough to amortise a pass of the engine loop,
/// small enough (~50 KB of results) to keep the loop responsive.
pub const BATCH: usize = 512;

/// Batches queued for the engine before this task waits (≤ 4,096 messages).
pub const BATCHES: usize = 8;

/// One report, assessed or rejected.
#[derive(Debug)]
pub struct Parsed {
    pub subject: Subject,
    /// Where the site id starts in `subject` (it runs to the end; empty when
    /// the subject is not a report subject).
    pub site_at: usize,
    pub result: Result<Assessed, Rejection>,
}

/// What turns a message into a [`Parsed`].
#[derive(Debug, Clone)]
pub struct Assessor {
    pub subjects: Subjects,
    pub rules: Rules,
}

impl Assessor {
    pub fn parse(&self, subject: Subject, payload: &[u8]) -> Parsed {
        let site = self.subjects.site_of("report", &subject).unwrap_or("");
        let site_at = subject.len() - site.len();
        let result = decode_view(payload, site).map(|view| Assessed::new(&self.rules, &view));
        Parsed {
            subject,
            site_at,
            result,
        }
    }
}

/// Starts the intake task. The receiver ends (`None`) when the subscription
/// closes; the task ends then, at shutdown, or when the receiver is dropped.
pub fn spawn(
    mut reports: Subscriber,
    assessor: Assessor,
    shutdown: CancellationToken,
) -> (mpsc::Receiver<Vec<Parsed>>, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(BATCHES);
    let task = tokio::spawn(async move {
        loop {
            let first = tokio::select! {
                _ = shutdown.cancelled() => return,
                msg = reports.next() => msg,
            };
            let Some(first) = first else { return };
            // Small at first: under light load a batch is one report.
            let mut batch = Vec::with_capacity(16);
            batch.push(assessor.parse(first.subject, &first.payload));
            let mut closed = false;
            while batch.len() < BATCH {
                match reports.next().now_or_never() {
                    Some(Some(msg)) => batch.push(assessor.parse(msg.subject, &msg.payload)),
                    Some(None) => {
                        closed = true;
                        break;
                    }
                    None => break,
                }
            }
            let sent = tokio::select! {
                _ = shutdown.cancelled() => return,
                sent = tx.send(batch) => sent,
            };
            if sent.is_err() || closed {
                return;
            }
        }
    });
    (rx, task)
}
