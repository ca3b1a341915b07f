//! One soak run, start to verdict:
//! 1. start nats-server, `healthmon-aggregator` and `healthmon-assessor` as
//!    real processes (release builds) on free loopback ports;
//! 2. publish the fleet's reports for `duration`, counting status events and
//!    printing a row of samples (summary, RSS, CPU, publisher lag) every
//!    `sample_every`;
//! 3. stop publishing, stop counting status events a quarter interval later
//!    (a site is late 1.5 intervals after its last report, so nothing true
//!    can happen before), let the services drain, read their counters;
//! 4. print the figures and return the failed criteria.
//!
//! With `--restart`, part of the centre is restarted at `--restart-at` while
//! the fleet keeps reporting and answers the resend ([`crate::restart`]).
//!
//! Throughout, `health.agg.get` of one site is timed every half second, as
//! a dashboard user would wait for it (at most 50 ms, issue 16).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use async_nats::Client;
use futures::StreamExt;
use healthmon_common::CancellationToken;
use healthmon_proto::Subjects;
use tokio::time::Instant;

use crate::central::Central;
use crate::figures::{self, Figures, Memory, Row};
use crate::probe::{self, Http};
use crate::publisher::{self, Progress};
use crate::restart::{self, Restarted};
use crate::settings::Settings;
use crate::storm::Storm;
use crate::watch::Watch;
use healthmon_test_support::Usage;

/// Runs the soak and prints as it goes; `Ok` holds the figures (judged by
/// [`Figures::failures`]).
pub async fn run(s: Settings, interrupt: CancellationToken) -> anyhow::Result<Figures> {
    std::fs::create_dir_all(&s.run_dir)?;
    println!(
        "healthmon soak: {} sites every {} for {} = {:.0} reports/s; warm-up {}; logs in {}",
        s.sites,
        humantime::format_duration(s.interval),
        humantime::format_duration(s.duration),
        s.rate(),
        humantime::format_duration(s.warmup),
        s.run_dir.display()
    );
    let mut central = Central::start(&s).await?;
    let subjects = Subjects::default();
    let client = async_nats::ConnectOptions::new()
        .name("healthmon-soak")
        .subscription_capacity(1 << 20)
        .connect(format!("nats://127.0.0.1:{}", central.nats_port))
        .await
        .context("connecting to the soak's nats-server")?;
    // The fleet starts once the centre is up: after the aggregator's start-up
    // resend, which an empty fleet has nothing to answer with yet.
    let mut first_resend = client.subscribe(subjects.resend()).await?;
    wait_for_aggregator(&client, &subjects).await?;
    if tokio::time::timeout(Duration::from_secs(15), first_resend.next())
        .await
        .is_err()
    {
        println!("-- no start-up resend from the aggregator within 15 s; starting anyway");
    }
    drop(first_resend);

    let watch = Watch::default();
    let statuses = client
        .subscribe(format!("{}.status.>", subjects.prefix()))
        .await?;
    let centre = client.subscribe(subjects.centre_status()).await?;
    tokio::spawn(watch.clone().run(statuses, centre));
    client.flush().await?;

    let progress = Arc::new(Progress::default());
    let stop = interrupt.child_token();
    let publishing = tokio::spawn({
        let (client, subjects, progress, stop) = (
            client.clone(),
            subjects.clone(),
            progress.clone(),
            stop.clone(),
        );
        let (sites, interval, duration) = (s.sites, s.interval, s.duration);
        async move { publisher::run(client, &subjects, sites, interval, duration, progress, stop).await }
    });

    let scrapes = Arc::new(std::sync::Mutex::new(probe::ScrapeStats::default()));
    if let Some(every) = s.scrape_every {
        let urls = [central.aggregator_metrics, central.assessor_metrics]
            .map(|port| format!("http://127.0.0.1:{port}/metrics"))
            .to_vec();
        let http = Http::new()?;
        tokio::spawn(probe::scrape_loop(
            http,
            urls,
            every,
            scrapes.clone(),
            stop.clone(),
        ));
    }

    // The probe has a connection of its own, as the dashboard API does: on
    // the publisher's, each `get` queued behind its writes and the million
    // status events it reads, and timed the soak's client, not the aggregator.
    let probe_client = async_nats::ConnectOptions::new()
        .name("healthmon-soak-probe")
        .connect(format!("nats://127.0.0.1:{}", central.nats_port))
        .await
        .context("connecting the get probe")?;
    let gets = Arc::new(std::sync::Mutex::new(probe::GetStats::default()));
    tokio::spawn(probe::get_loop(
        probe_client.clone(),
        subjects.clone(),
        crate::fleet::site_id(s.sites / 2),
        Duration::from_millis(500),
        gets.clone(),
        stop.clone(),
    ));

    println!("{}", figures::header());
    let started = Instant::now();
    let first = central.usage()?;
    let mut previous = first;
    let mut rows: Vec<Row> = Vec::new();
    let mut snapshots: Vec<[Usage; 4]> = Vec::new();
    let mut ticker = tokio::time::interval_at(started + s.sample_every, s.sample_every);
    let mut restart_due = s.restart;
    let mut storm: Option<(Restarted, tokio::task::JoinHandle<_>)> = None;
    // When the restart began, and when the restarted services were up.
    let mut restart_span: Option<(Instant, Instant)> = None;
    while !publishing.is_finished() {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = interrupt.cancelled() => bail!("interrupted"),
            _ = tokio::time::sleep(Duration::from_millis(200)) => continue,
        }
        if let Some((what, _)) = restart_due.take_if(|(_, at)| started.elapsed() >= *at) {
            let done = restart::restart(&mut central, what, &progress).await?;
            println!(
                "-- {what:?} restarted: down {:.1} s",
                done.down.as_secs_f64()
            );
            let current = tokio::spawn(restart::until_current(
                done,
                probe_client.clone(),
                subjects.clone(),
                format!("http://127.0.0.1:{}/metrics", central.assessor_metrics),
                progress.clone(),
                stop.clone(),
            ));
            storm = Some((done, current));
            restart_span = Some((done.began, done.began + done.down));
            previous = central.usage()?;
            continue;
        }
        central.check_alive()?;
        let now = central.usage()?;
        let row = Row {
            elapsed: started.elapsed(),
            sent: progress.sent(),
            summary: probe::summary(&client, &subjects).await,
            rss: now.map(|u| u.rss_bytes),
            cpu: std::array::from_fn(|i| now[i].cpu_pct_since(&previous[i])),
            max_lag: progress.max_lag(),
        };
        println!("{}", figures::row(&row));
        rows.push(row);
        snapshots.push(now);
        previous = now;
    }
    publishing.await??;
    stop.cancel();
    let sent = progress.sent();
    let ended = central.usage()?;
    tokio::time::sleep(s.interval / 4).await;
    watch.freeze();
    let tally = watch.tally();

    let storm = match storm {
        Some((done, current)) => Some(restart::figures(&done, s.sites, &progress, current.await??)),
        None => None,
    };
    // Judged from the warm-up on; a restarted process from two intervals
    // after its restart, once the storm is over.
    let judged_from = |proc: usize| match (&storm, s.restart) {
        (Some(storm), Some((_, at))) if storm.restarted(proc) => {
            s.warmup.max(at + storm.down + s.interval * 2)
        }
        _ => s.warmup,
    };
    let expected = |proc: usize| Storm::expected_of(storm.as_ref(), proc, sent);

    let http = Http::new()?;
    let (aggregator_text, assessor_text, scrape_time) =
        drained(&http, &central, [expected(0), expected(1)]).await?;
    let base: Vec<Option<Usage>> = (0..figures::PROCS.len())
        .map(|proc| {
            let from = rows.iter().position(|r| r.elapsed >= judged_from(proc));
            match from {
                Some(i) => Some(snapshots[i][proc]),
                None if storm.as_ref().is_some_and(|st| st.restarted(proc)) => None,
                None => Some(first[proc]),
            }
        })
        .collect();
    println!();
    println!("Figures");
    if let Some(summary) = rows.last().and_then(|r| r.summary) {
        println!(
            "  {:<38} {} sites: {} online, {} late, {} offline, {} healthy",
            "last summary",
            summary.total,
            summary.online,
            summary.late,
            summary.offline,
            summary.healthy
        );
    }
    let cpu_after_warmup: Vec<String> = figures::PROCS
        .iter()
        .enumerate()
        .map(|(i, name)| match &base[i] {
            Some(base) => format!("{name} {:.0}%", ended[i].cpu_pct_since(base)),
            None => format!("{name} -"),
        })
        .collect();
    println!(
        "  {:<38} {} (of one core)",
        "mean CPU after warm-up",
        cpu_after_warmup.join(", ")
    );
    println!(
        "  {:<38} {:.1} MB in {:.2} s",
        "aggregator /metrics scrape",
        aggregator_text.len() as f64 / 1e6,
        scrape_time.as_secs_f64()
    );
    println!(
        "  {:<38} {} ms",
        "publisher max lag",
        progress.max_lag().as_millis()
    );
    let scraped = *scrapes.lock().expect("scrape stats lock");
    if s.scrape_every.is_some() {
        println!(
            "  {:<38} {} ({} failed), largest {:.1} MB, slowest {:.2} s",
            "periodic /metrics scrapes",
            scraped.scrapes,
            scraped.failed,
            scraped.max_bytes as f64 / 1e6,
            scraped.max_time.as_secs_f64()
        );
    }
    println!("  {:<38} {}", "status events (all)", tally.events);
    let slow = |text: &str| {
        probe::labelled(
            text,
            "healthmon_nats_events_total",
            "event",
            "slow_consumer",
        )
    };
    // One lock for both: a guard held by a field's expression would live to
    // the end of the struct literal and deadlock the second field.
    let (get, get_warmup) = {
        let gets = gets.lock().expect("get stats lock");
        let warm = started.into_std() + s.warmup;
        // While a restarted aggregator was away nobody could answer.
        let away = restart_span.map(|(began, up)| {
            let (began, up) = (began.into_std(), up.into_std());
            let never = std::time::Instant::now() + Duration::from_secs(3600);
            gets.away(began, up).unwrap_or(began..never)
        });
        let judged = |at: &std::time::Instant| !away.as_ref().is_some_and(|a| a.contains(at));
        (
            gets.max_and_p99(|at| *at >= warm && judged(at)),
            gets.max_and_p99(|at| *at < warm && judged(at)),
        )
    };
    let figures = Figures {
        sent,
        accepted_aggregator: probe::sum(
            &aggregator_text,
            "healthmon_aggregator_reports_accepted_total",
        ) as u64,
        accepted_assessor: probe::sum(&assessor_text, "healthmon_assessor_reports_total") as u64,
        rejected_aggregator: probe::sum(
            &aggregator_text,
            "healthmon_aggregator_reports_rejected_total",
        ) as u64,
        rejected_assessor: probe::sum(&assessor_text, "healthmon_assessor_reports_rejected_total")
            as u64,
        seq_gaps: [
            probe::sum(&aggregator_text, "healthmon_aggregator_lost_reports_total") as u64,
            probe::sum(&assessor_text, "healthmon_assessor_lost_reports_total") as u64,
        ],
        slow_consumers: http.nats_slow_consumers(central.monitor_port).await?
            + (slow(&aggregator_text) + slow(&assessor_text)) as u64,
        false_late: tally.late,
        false_offline: tally.offline,
        not_healthy: tally.not_healthy,
        centre_events: tally.centre,
        very_late_sends: progress.very_late(),
        failed_scrapes: scraped.failed,
        get,
        get_warmup,
        memory: ["aggregator", "assessor", "nats"]
            .iter()
            .enumerate()
            .filter_map(|(i, name)| Some((*name, Memory::of(&rows, i, judged_from(i))?)))
            .collect(),
        rss_growth_pct: s.rss_growth_pct,
        storm,
    };
    print!("{}", figures.render());
    Ok(figures)
}

async fn wait_for_aggregator(client: &Client, subjects: &Subjects) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while probe::summary(client, subjects).await.is_none() {
        if Instant::now() > deadline {
            bail!("the aggregator does not answer health.agg.summary");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

/// Both services' /metrics once they have taken in the reports `expected`
/// of each (aggregator, assessor), or after a minute, when some never
/// arrive; and how long the aggregator's scrape took.
async fn drained(
    http: &Http,
    central: &Central,
    [sent, sent_assessor]: [u64; 2],
) -> anyhow::Result<(String, String, Duration)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let assessor_url = format!("http://127.0.0.1:{}/metrics", central.assessor_metrics);
    let aggregator_url = format!("http://127.0.0.1:{}/metrics", central.aggregator_metrics);
    loop {
        let (assessor, _) = http.get(&assessor_url).await?;
        let taken = probe::sum(&assessor, "healthmon_assessor_reports_total")
            + probe::sum(&assessor, "healthmon_assessor_reports_rejected_total");
        // The aggregator's scrape is large at fleet scale: only once the assessor is done.
        if taken as u64 >= sent_assessor || Instant::now() > deadline {
            let (aggregator, took) = http.get(&aggregator_url).await?;
            let done = probe::sum(&aggregator, "healthmon_aggregator_reports_accepted_total")
                + probe::sum(&aggregator, "healthmon_aggregator_reports_rejected_total");
            if done as u64 >= sent || Instant::now() > deadline {
                return Ok((aggregator, assessor, took));
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
