//! `healthmon fleet apply FILE` and `fleet export`: the roster file
//! (`healthmon_registry::roster`) against the fleet registry's bucket.
//!
//! `apply` reads and checks the whole file before anything else (a bad file
//! is a usage error naming the file and line, exit 2, and changes nothing),
//! reads the registry once, prints the difference, and unless `--dry-run`
//! writes it: new sites created, changed ones updated against concurrent
//! writers (`update_site`, so what the aggregator recorded — first report,
//! declared interval and labels — is kept), and with `--prune` the sites
//! the file no longer names forgotten. When anything was written it
//! publishes one audit event (`fleet_apply`) on `<prefix>.audit`.
//!
//! `export` writes the registry as a roster that `apply` takes back with
//! no change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use async_nats::Client;
use futures::StreamExt;
use healthmon_common::clock::now_ms;
use healthmon_proto::Subjects;
use healthmon_proto::audit::{AUDIT_VERSION, AuditAction, AuditEvent, AuditOutcome};
use healthmon_registry::roster::{self, Declared, Plan, Roster, describe};
use healthmon_registry::{Registry, RegistryError};

use crate::error::CliError;
use crate::usage::Usage;

/// Registry writes in flight at once.
const CONCURRENCY: usize = 64;

/// A roster file read and checked, before any connection.
#[derive(Debug, Clone)]
pub struct RosterFile {
    pub path: PathBuf,
    pub roster: Roster,
}

/// Reads and checks a roster; the error (a usage error) names the file and
/// the line: `fleet.toml:7: site "a" is declared twice (first at line 3)`.
pub fn read_roster(path: &Path) -> Result<RosterFile, Usage> {
    let name = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|e| Usage(format!("{name}: cannot read it: {e}")))?;
    let roster = roster::parse(&text).map_err(|e| {
        Usage(match e.line {
            0 => format!("{name}: {}", e.message),
            line => format!("{name}:{line}: {}", e.message),
        })
    })?;
    Ok(RosterFile {
        path: path.to_owned(),
        roster,
    })
}

/// What `apply` was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyOptions {
    pub dry_run: bool,
    pub prune: bool,
}

/// Who applies, for the audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applier {
    /// The NATS user, else `$USER`, else `-`.
    pub who: String,
    /// The host the command ran on, else `-`.
    pub host: String,
}

impl Applier {
    pub fn here(nats_user: Option<&str>) -> Applier {
        let env = |name: &str| std::env::var(name).ok().filter(|u| !u.trim().is_empty());
        let who = nats_user
            .map(str::to_owned)
            .or_else(|| env("USER"))
            .or_else(|| env("LOGNAME"))
            .or_else(login_name)
            .unwrap_or_else(|| "-".into());
        let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
            .iter()
            .find_map(|p| {
                std::fs::read_to_string(p)
                    .ok()
                    .map(|h| h.trim().to_owned())
                    .filter(|h| !h.is_empty())
            })
            .unwrap_or_else(|| "-".into());
        Applier { who, host }
    }
}

/// The name of this process's user from `/etc/passwd` (where `$USER` is
/// not set, as under cron or a bare `docker exec`).
fn login_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd_name(&passwd, &uid)
}

/// The user name of `uid` in `/etc/passwd` text.
fn passwd_name(passwd: &str, uid: &str) -> Option<String> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() > 2 && fields[2] == uid && !fields[0].is_empty())
            .then(|| fields[0].to_owned())
    })
}

/// `fleet apply`: prints the difference, writes it unless a dry run, audits.
pub async fn apply(
    client: &Client,
    subjects: &Subjects,
    registry: &Registry,
    file: &RosterFile,
    options: ApplyOptions,
    applier: &Applier,
) -> Result<String, CliError> {
    let sites = registry.sites().await?;
    let mut out = String::new();
    for (key, error) in &sites.unreadable {
        eprintln!("warning: registry entry {key} does not read ({error}); it is left alone");
    }
    let plan = roster::plan(&file.roster, &sites.records, options.prune);
    let left_out = if options.prune {
        0
    } else {
        roster::plan(&file.roster, &sites.records, true)
            .remove
            .len()
    };
    let _ = writeln!(
        out,
        "{}: {} sites; registry {}: {} sites",
        file.path.display(),
        file.roster.sites.len(),
        registry.config().bucket,
        sites.records.len()
    );
    out.push_str(&describe(&plan, left_out));
    if plan.is_empty() {
        return Ok(out);
    }
    if options.dry_run {
        out.push_str("dry run: nothing written\n");
        return Ok(out);
    }
    let outcome = write(registry, &plan).await;
    let detail = format!(
        "roster {}: {} added, {} changed, {} removed, {} unchanged{}",
        file.path.display(),
        outcome.added,
        outcome.changed,
        outcome.removed,
        plan.unchanged,
        match &outcome.failure {
            Some((failed, first)) => format!("; {failed} failed: {first}"),
            None => String::new(),
        }
    );
    let event = AuditEvent {
        v: AUDIT_VERSION,
        at_ms: now_ms(),
        who: applier.who.clone(),
        role: None,
        action: AuditAction::FleetApply,
        outcome: if outcome.failure.is_some() {
            AuditOutcome::Failed
        } else {
            AuditOutcome::Ok
        },
        site_id: None,
        method: "CLI".into(),
        path: if options.prune {
            "healthmon fleet apply --prune".into()
        } else {
            "healthmon fleet apply".into()
        },
        from: applier.host.clone(),
        detail: Some(detail),
    };
    let audited = publish_audit(client, subjects, &event).await;
    if let Some((failed, first)) = outcome.failure {
        let written = outcome.added + outcome.changed + outcome.removed;
        print_stdout(&out);
        return Err(CliError::Apply(format!(
            "{written} of {} changes written, {failed} failed; first: {first}",
            written + failed
        )));
    }
    let _ = writeln!(
        out,
        "applied: {} added, {} changed, {} removed",
        outcome.added, outcome.changed, outcome.removed
    );
    if let Err(e) = audited {
        eprintln!(
            "warning: the audit event was not published on {}: {e}",
            subjects.audit()
        );
    }
    Ok(out)
}

/// Best effort for output printed before an error line.
fn print_stdout(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// What writing a plan did.
#[derive(Debug, Default)]
struct Outcome {
    added: usize,
    changed: usize,
    removed: usize,
    /// How many writes failed, and the first failure.
    failure: Option<(usize, RegistryError)>,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Added,
    Changed,
    Removed,
}

/// Writes every change of the plan, [`CONCURRENCY`] at a time; a failed
/// write does not stop the others (each site's write is whole or absent).
async fn write(registry: &Registry, plan: &Plan) -> Outcome {
    let now = now_ms();
    let upsert = |id: String, declared: Declared, step: Step| async move {
        registry
            .update_site(&id, |current| Some(roster::record(current, &declared, now)))
            .await
            .map(|_| step)
    };
    let adds = plan
        .add
        .iter()
        .map(|(id, d)| upsert(id.clone(), d.clone(), Step::Added))
        .collect::<Vec<_>>();
    let changes = plan
        .change
        .iter()
        .map(|(id, _, d)| upsert(id.clone(), d.clone(), Step::Changed))
        .collect::<Vec<_>>();
    let mut outcome = Outcome::default();
    let mut record = |result: Result<Step, RegistryError>| match result {
        Ok(Step::Added) => outcome.added += 1,
        Ok(Step::Changed) => outcome.changed += 1,
        Ok(Step::Removed) => outcome.removed += 1,
        Err(e) => match &mut outcome.failure {
            Some((n, _)) => *n += 1,
            None => outcome.failure = Some((1, e)),
        },
    };
    let mut upserts =
        futures::stream::iter(adds.into_iter().chain(changes)).buffer_unordered(CONCURRENCY);
    while let Some(result) = upserts.next().await {
        record(result);
    }
    let mut removals = futures::stream::iter(
        plan.remove
            .iter()
            .map(|id| async move { registry.forget(id).await.map(|()| Step::Removed) }),
    )
    .buffer_unordered(CONCURRENCY);
    while let Some(result) = removals.next().await {
        record(result);
    }
    outcome
}

async fn publish_audit(
    client: &Client,
    subjects: &Subjects,
    event: &AuditEvent,
) -> Result<(), async_nats::Error> {
    let payload = serde_json::to_vec(event)?;
    client.publish(subjects.audit(), payload.into()).await?;
    // The process ends right after: the event must have left.
    client.flush().await?;
    Ok(())
}

/// `fleet export`: the registry as a roster file's text, and how many sites.
pub async fn export(registry: &Registry) -> Result<(String, usize), CliError> {
    let sites = registry.sites().await?;
    for (key, error) in &sites.unreadable {
        eprintln!("warning: registry entry {key} does not read ({error}); not exported");
    }
    Ok((roster::export(&sites.records), sites.records.len()))
}

#[cfg(test)]
mod tests;
