//! One run: the chosen sections in order, each on fresh processes, a failed
//! section recorded with its error while the others go on.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;

use crate::results::{Machine, Outcome, Report, Sections, SoakRecords, load1, targets};
use crate::{Ctx, api, footprint, ingest, memory, registry, steady};

/// Section names for `--only`.
pub const SECTIONS: [&str; 6] = ["ingest", "steady", "memory", "collector", "api", "registry"];

pub async fn run(ctx: &Ctx, only: &[String], command: String) -> Report {
    let started = Instant::now();
    let started_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut machine = Machine::probe();
    let want = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let mut s = Sections::default();

    if want("ingest") {
        announce("1 ingest");
        s.ingest = outcome(ingest::run(ctx).await);
    }
    if want("steady") {
        announce("2 latency + 3 detection");
        (s.latency, s.detection) = outcomes(steady::run(ctx).await);
    }
    if want("memory") {
        announce("4 memory");
        s.memory = outcome(memory::run(ctx).await);
    }
    if want("collector") {
        announce("5 collector footprint");
        s.collector = outcome(footprint::run(ctx).await);
    }
    if want("api") {
        announce("6 dashboard API + 7 Prometheus scrape");
        (s.dashboard_api, s.prometheus) = outcomes(api::run(ctx).await);
    }
    if want("registry") {
        announce("8 fleet registry");
        s.registry = outcome(registry::run(ctx).await);
    }
    machine.load1_after = load1();
    let soak = SoakRecords::read(&ctx.soak_dir);
    Report {
        command,
        started_unix_ms,
        elapsed_s: started.elapsed().as_secs_f64().round(),
        machine,
        scale: ctx.scale.clone(),
        targets: targets(&s, &soak),
        sections: s,
        soak,
    }
}

/// True when any section that ran failed.
pub fn any_failed(s: &Sections) -> bool {
    s.ingest.failed()
        || s.latency.failed()
        || s.memory.failed()
        || s.collector.failed()
        || s.dashboard_api.failed()
        || s.registry.failed()
}

fn announce(what: &str) {
    eprintln!("bench: {what} ...");
}

fn outcome<T>(result: Result<T>) -> Outcome<T> {
    match result {
        Ok(t) => Outcome::Done(t),
        Err(e) => failed(&e),
    }
}

/// The outcomes of a section that measures two things at once: both done,
/// or both failed with its one error.
fn outcomes<A, B>(result: Result<(A, B)>) -> (Outcome<A>, Outcome<B>) {
    match result {
        Ok((a, b)) => (Outcome::Done(a), Outcome::Done(b)),
        Err(e) => (failed(&e), failed(&e)),
    }
}

fn failed<T>(e: &anyhow::Error) -> Outcome<T> {
    eprintln!("bench:   failed: {e:#}");
    Outcome::Failed {
        error: format!("{e:#}"),
    }
}
