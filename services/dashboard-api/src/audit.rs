//! The audit trail: every admin action and every refused request becomes one
//! structured log line (tracing target `audit`) and one JSON
//! [`AuditEvent`] on `<prefix>.audit`, for whoever keeps security logs.
//!
//! Neither carries a credential: the event has the user's name, never the
//! token, and the request path without its query.

use async_nats::Client;
use healthmon_common::clock::now_ms;
use healthmon_proto::Subjects;
use healthmon_proto::audit::{AUDIT_VERSION, AuditAction, AuditEvent, AuditOutcome};
use serde::Serialize;

use crate::auth::Principal;

#[derive(Clone)]
pub struct Auditor {
    client: Client,
    subject: String,
}

/// The snake_case wire name of an action or outcome.
fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unknown".into(),
    }
}

/// What is known about a request when it is audited.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub from: &'a str,
}

impl Auditor {
    pub fn new(client: Client, subjects: &Subjects) -> Self {
        Auditor {
            client,
            subject: subjects.audit(),
        }
    }

    /// Builds the event for `who` (None: not authenticated) and records it.
    pub fn record(
        &self,
        who: Option<&Principal>,
        action: AuditAction,
        outcome: AuditOutcome,
        site_id: Option<&str>,
        request: &Request<'_>,
        detail: Option<&str>,
    ) -> AuditEvent {
        let event = AuditEvent {
            v: AUDIT_VERSION,
            at_ms: now_ms(),
            who: who.map_or_else(|| "-".to_owned(), |p| p.name.clone()),
            role: who.map(|p| p.role.as_str().to_owned()),
            action,
            outcome,
            site_id: site_id.map(str::to_owned),
            method: request.method.to_owned(),
            path: request.path.to_owned(),
            from: request.from.to_owned(),
            detail: detail.map(str::to_owned),
        };
        self.emit(&event);
        event
    }

    fn emit(&self, event: &AuditEvent) {
        let (action, outcome) = (name(&event.action), name(&event.outcome));
        tracing::info!(
            target: "audit",
            who = %event.who,
            role = event.role.as_deref().unwrap_or("-"),
            action = %action,
            outcome = %outcome,
            site = event.site_id.as_deref().unwrap_or("-"),
            method = %event.method,
            path = %event.path,
            from = %event.from,
            detail = event.detail.as_deref().unwrap_or("-"),
            at_ms = event.at_ms,
            "audit"
        );
        metrics::counter!(
            crate::metric_names::AUDIT_EVENTS,
            "action" => action,
            "outcome" => outcome
        )
        .increment(1);
        let payload = match serde_json::to_vec(event) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!(error = %e, "audit event not serializable");
                return;
            }
        };
        let (client, subject) = (self.client.clone(), self.subject.clone());
        // Off the request path: a slow NATS link must not delay the answer.
        tokio::spawn(async move {
            if let Err(e) = client.publish(subject, payload.into()).await {
                tracing::warn!(error = %e, "audit event not published on NATS (it is in the log)");
            }
        });
    }
}
