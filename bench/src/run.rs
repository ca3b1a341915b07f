//! One run: the chosen sections in order, each on fresh processes, a failed
//! section recorded with its error while the others go on.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;

use crate::results::{Machine, Outcome, Report, Sections, SoakRecords, load1, targets};
use crate::{Ctx, api, footprint, ingest, memory, registry, steady};

/// Section names for `--only`, in the order they run.
pub const SECTIONS: [&str; 6] = ["ingest", "steady", "memory", "collector", "api", "registry"];

/// What each section measures, as announced when it starts (the numbers
/// are the table's).
fn title(section: &str) -> &'static str {
    match section {
        "ingest" => "1 ingest",
        "steady" => "2 latency + 3 detection",
        "memory" => "4 memory",
        "collector" => "5 collector footprint",
        "api" => "6 dashboard API + 7 Prometheus scrape",
        "registry" => "8 fleet registry",
        other => unreachable!("no section {other} in SECTIONS"),
    }
}

pub async fn run(ctx: &Ctx, only: &[String], command: String) -> Report {
    let started = Instant::now();
    let started_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut machine = Machine::probe();
    let want = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let mut s = Sections::default();

    for section in SECTIONS.into_iter().filter(|name| want(name)) {
        eprintln!("bench: {} ...", title(section));
        match section {
            "ingest" => s.ingest = outcome(ingest::run(ctx).await),
            "steady" => (s.latency, s.detection) = outcomes(steady::run(ctx).await),
            "memory" => s.memory = outcome(memory::run(ctx).await),
            "collector" => s.collector = outcome(footprint::run(ctx).await),
            "api" => (s.dashboard_api, s.prometheus) = outcomes(api::run(ctx).await),
            "registry" => s.registry = outcome(registry::run(ctx).await),
            other => unreachable!("no section {other} in SECTIONS"),
        }
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
