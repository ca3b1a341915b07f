//! The admin commands: what an operator decides about sites — maintenance
//! windows (one site, or every site a label selector names), forgetting a
//! site, its labels, acknowledging its problem — asked of the dashboard API
//! over HTTP with an admin token, as the web page does. The API writes the
//! fleet registry, so every replica sees the change, and audits it under
//! the token's name.
//!
//! Errors: what the CLI can check itself (a bad site id, selector, label,
//! `--until` in the past, an unreadable `--token-file`) is a usage error
//! (exit 2) before anything is sent; whatever the API refuses, whatever its
//! status (400, 401, 403, 404, 409, 503, ...), is one line
//! `error: <code>: <message>` with the API's own code and message, exit 1.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use healthmon_common::config_error::BadValue;
use healthmon_proto::fleet::{Ack, Maintenance};
use healthmon_proto::labels::{self, Labels};
use healthmon_registry::Selector;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::CliError;
use crate::parse_site_id;
use crate::render::{pairs, window};
use crate::usage::Usage;
use crate::when::{parse_for, parse_until, window_end};

/// Where the dashboard API is and who is asking.
#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// The dashboard API's base URL, e.g. https://healthmon.example.com.
    #[arg(long = "api", env = "HEALTHMON_API", value_parser = parse_api_url)]
    pub api: String,
    /// An admin token (`role name token` line of the API's --auth-tokens).
    /// Prefer HEALTHMON_TOKEN or --token-file: a flag shows in `ps`.
    #[arg(long, env = "HEALTHMON_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// A file holding the token alone (surrounding whitespace ignored).
    #[arg(long, env = "HEALTHMON_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// CA certificate (PEM) that signed the API's certificate, besides the
    /// system's trusted ones.
    #[arg(long, env = "HEALTHMON_API_CA")]
    pub api_ca: Option<PathBuf>,
    /// Print the API's JSON answer.
    #[arg(long)]
    pub json: bool,
}

/// `http(s)://host[:port][/path]`, without a query.
pub fn parse_api_url(text: &str) -> Result<String, BadValue> {
    let bad = |why: &str| Err(BadValue(why.to_owned()));
    let url = reqwest::Url::parse(text.trim()).map_err(|e| {
        BadValue(format!(
            "{e} (expected the dashboard API's base URL, e.g. http://127.0.0.1:8080)"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return bad("expected an http:// or https:// URL with a host");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return bad("expected a base URL without ?query or #fragment");
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Which sites an action names: one by id, or all a selector matches.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Target {
    /// The site.
    #[arg(value_parser = parse_site_id)]
    pub site_id: Option<String>,
    /// Every registered site whose labels match, e.g. region=eu-west,tier=gold.
    #[arg(long, value_parser = clap::value_parser!(Selector))]
    pub selector: Option<Selector>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum MaintenanceCommand {
    /// Put a site (or every site a selector names) under maintenance:
    /// shown, keeping its real status, but not counted as failing.
    Set {
        #[command(flatten)]
        target: Target,
        /// How long the window lasts (e.g. 90m, 2h, 1d); open-ended without
        /// --for or --until.
        #[arg(long = "for", value_name = "DURATION", value_parser = parse_for, conflicts_with = "until")]
        for_duration: Option<Duration>,
        /// When it ends: RFC 3339 with its zone (2026-03-01T18:00:00Z) or unix ms.
        #[arg(long, value_name = "TIME", value_parser = parse_until)]
        until: Option<u64>,
        /// Why, for whoever looks at the site (at most 200 characters).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// End the maintenance of a site (or of every site a selector names).
    Clear {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        api: ApiArgs,
    },
}

/// `key=value`: one label a site gets.
pub fn parse_label(text: &str) -> Result<(String, String), BadValue> {
    let (key, value) = text.split_once('=').ok_or_else(|| {
        BadValue(format!(
            "expected key=value (e.g. region=eu-west), got {text:?}"
        ))
    })?;
    let bad = |e: labels::LabelError| BadValue(e.to_string());
    labels::check_key(key).map_err(bad)?;
    labels::check_value(key, value).map_err(bad)?;
    Ok((key.to_owned(), value.to_owned()))
}

/// One admin request, checked and ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    /// Below the base URL: `/api/v1/...`.
    pub path: String,
    pub query: Option<(String, String)>,
    pub body: Option<Value>,
    pub kind: Answer,
}

/// What the answer is, for reading it back to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Maintenance,
    BulkMaintenance,
    Forgotten,
    Labels,
    Ack,
}

impl Request {
    fn site(method: Method, site: &str, tail: &str, body: Option<Value>, kind: Answer) -> Self {
        Request {
            method,
            path: format!("/api/v1/sites/{site}{tail}"),
            query: None,
            body,
            kind,
        }
    }

    /// `maintenance set`: the window's end is fixed now, so `--for` counts
    /// from the moment the command runs.
    pub fn set_maintenance(
        target: &Target,
        for_duration: Option<Duration>,
        until: Option<u64>,
        reason: Option<&str>,
        now_ms: u64,
    ) -> Result<Request, Usage> {
        let until_ms = window_end(for_duration, until, now_ms)?;
        let mut body = serde_json::Map::new();
        if let Some(until) = until_ms {
            body.insert("until_ms".into(), json!(until));
        }
        if let Some(reason) = reason {
            body.insert("reason".into(), json!(reason));
        }
        Ok(Request::maintenance(target, Method::PUT, Some(body.into())))
    }

    pub fn clear_maintenance(target: &Target) -> Request {
        Request::maintenance(target, Method::DELETE, None)
    }

    fn maintenance(target: &Target, method: Method, body: Option<Value>) -> Request {
        match (&target.site_id, &target.selector) {
            (Some(site), _) => {
                Request::site(method, site, "/maintenance", body, Answer::Maintenance)
            }
            (None, selector) => Request {
                method,
                path: "/api/v1/maintenance".into(),
                query: Some((
                    "selector".into(),
                    selector
                        .as_ref()
                        .map(Selector::to_string)
                        .unwrap_or_default(),
                )),
                body,
                kind: Answer::BulkMaintenance,
            },
        }
    }

    pub fn forget(site: &str) -> Request {
        Request::site(Method::DELETE, site, "", None, Answer::Forgotten)
    }

    /// `labels SITE k=v ...` replaces the site's declared labels; `--clear`
    /// (no pairs) removes them.
    pub fn labels(site: &str, pairs: &[(String, String)], clear: bool) -> Result<Request, Usage> {
        if pairs.is_empty() && !clear {
            return Err(Usage::new(
                "give the labels (key=value ...), or --clear to remove them all",
            ));
        }
        let mut all = Labels::new();
        for (key, value) in pairs {
            if let Some(before) = all.insert(key.clone(), value.clone())
                && &before != value
            {
                return Err(Usage(format!("label {key:?} is given twice")));
            }
        }
        labels::check(&all)?;
        Ok(Request::site(
            Method::PUT,
            site,
            "/labels",
            Some(json!({ "labels": all })),
            Answer::Labels,
        ))
    }

    pub fn ack(site: &str, note: Option<&str>) -> Request {
        let body = note.map(|note| json!({ "note": note }));
        Request::site(Method::PUT, site, "/ack", body, Answer::Ack)
    }

    pub fn unack(site: &str) -> Request {
        Request::site(Method::DELETE, site, "/ack", None, Answer::Ack)
    }
}

/// The dashboard API, with the caller's token.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

/// The token from `--token`/`HEALTHMON_TOKEN` or `--token-file`; `None`
/// when neither is given (an API run with --insecure-no-auth).
pub fn token(args: &ApiArgs) -> Result<Option<String>, Usage> {
    let token = match (&args.token, &args.token_file) {
        (Some(_), Some(_)) => {
            return Err(Usage::new(
                "give the token once: --token (or HEALTHMON_TOKEN) or --token-file, not both",
            ));
        }
        (Some(token), None) => token.trim().to_owned(),
        (None, Some(path)) => read_token(path)?,
        (None, None) => return Ok(None),
    };
    let printable = !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
    if !printable {
        return Err(Usage::new(
            "the token must be printable ASCII without spaces",
        ));
    }
    Ok(Some(token))
}

fn read_token(path: &Path) -> Result<String, Usage> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Usage(format!(
            "--token-file {}: cannot read it: {e}",
            path.display()
        ))
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(Usage(format!(
            "--token-file {}: the file is empty",
            path.display()
        )));
    }
    if token.contains(char::is_whitespace) {
        return Err(Usage(format!(
            "--token-file {}: expected the token alone (no spaces or lines)",
            path.display()
        )));
    }
    Ok(token.to_owned())
}

impl ApiClient {
    /// Checks the arguments and builds the client; the error is a usage error.
    pub fn new(args: &ApiArgs, timeout: Duration) -> Result<ApiClient, Usage> {
        let token = token(args)?;
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("healthmon-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &args.api_ca {
            let pem = std::fs::read(path)
                .map_err(|e| Usage(format!("--api-ca {}: cannot read it: {e}", path.display())))?;
            let certificate = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                Usage(format!(
                    "--api-ca {}: not a PEM certificate: {e}",
                    path.display()
                ))
            })?;
            builder = builder.add_root_certificate(certificate);
        }
        let http = builder
            .build()
            .map_err(|e| Usage(format!("cannot set up HTTP: {}", chain(&e))))?;
        Ok(ApiClient {
            http,
            base: args.api.clone(),
            token,
        })
    }

    /// Sends the request; the API's JSON answer, or its error as a [`CliError`].
    pub async fn send(&self, request: &Request) -> Result<Value, CliError> {
        let url = format!("{}{}", self.base, request.path);
        let mut call = self.http.request(request.method.clone(), &url);
        if let Some(query) = &request.query {
            call = call.query(&[query]);
        }
        if let Some(token) = &self.token {
            call = call.bearer_auth(token);
        }
        if let Some(body) = &request.body {
            call = call.json(body);
        }
        let unreachable = |e: reqwest::Error| CliError::Api {
            code: if e.is_timeout() {
                "timeout"
            } else {
                "unreachable"
            }
            .into(),
            message: format!("the dashboard API at {} {}", self.base, what_failed(&e)),
        };
        let response = call.send().await.map_err(unreachable)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(unreachable)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| CliError::Api {
                code: "bad_answer".into(),
                message: format!(
                    "the dashboard API at {} answered {status} with no JSON: {e}",
                    self.base
                ),
            });
        }
        Err(self.refused(status, &bytes))
    }

    /// An error answer as one line: the API's `{"error": {code, message}}`,
    /// or (from a proxy, say) the status and the start of the body.
    fn refused(&self, status: StatusCode, body: &[u8]) -> CliError {
        #[derive(Deserialize)]
        struct Envelope {
            error: Inner,
        }
        #[derive(Deserialize)]
        struct Inner {
            code: String,
            message: String,
        }
        let (code, mut message) = match serde_json::from_slice::<Envelope>(body) {
            Ok(Envelope { error }) => (error.code, error.message),
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let first = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or("");
                let first: String = first.chars().take(200).collect();
                (
                    format!("http_{}", status.as_u16()),
                    format!(
                        "{status} from {}{}",
                        self.base,
                        if first.is_empty() {
                            String::new()
                        } else {
                            format!(": {first}")
                        }
                    ),
                )
            }
        };
        if status == StatusCode::UNAUTHORIZED && self.token.is_none() {
            message.push_str(" (no token given: --token, HEALTHMON_TOKEN or --token-file)");
        }
        CliError::Api { code, message }
    }
}

/// What went wrong with a request that got no answer, in plain words.
fn what_failed(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "did not answer in time (--timeout)".into()
    } else if e.is_connect() {
        format!("cannot be reached: {}", root_cause(e))
    } else {
        format!("failed: {}", chain(e))
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// An error and its causes, `: `-separated.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// The API's answer as a person reads it (pure: `now_ms` is given).
pub fn describe(kind: Answer, answer: &Value, now_ms: u64) -> Result<String, CliError> {
    fn read<T: DeserializeOwned>(answer: &Value) -> Result<T, CliError> {
        T::deserialize(answer).map_err(|e| CliError::Api {
            code: "bad_answer".into(),
            message: format!("the dashboard API's answer does not read: {e}"),
        })
    }
    #[derive(Deserialize)]
    struct SiteMaintenance {
        site_id: String,
        maintenance: Option<Maintenance>,
    }
    #[derive(Deserialize)]
    struct BulkMaintenance {
        selector: String,
        count: usize,
        sites: Vec<String>,
        maintenance: Option<Maintenance>,
    }
    #[derive(Deserialize)]
    struct Forgotten {
        site_id: String,
    }
    #[derive(Deserialize)]
    struct SiteLabels {
        site_id: String,
        labels: Labels,
        effective: Labels,
    }
    #[derive(Deserialize)]
    struct SiteAck {
        site_id: String,
        ack: Option<Ack>,
    }
    Ok(match kind {
        Answer::Maintenance => {
            let a: SiteMaintenance = read(answer)?;
            match a.maintenance {
                Some(w) => format!("{}: under maintenance {}\n", a.site_id, window(&w, now_ms)),
                None => format!("{}: maintenance ended\n", a.site_id),
            }
        }
        Answer::BulkMaintenance => {
            let a: BulkMaintenance = read(answer)?;
            let sites = if a.sites.is_empty() {
                String::new()
            } else {
                format!(": {}", a.sites.join(", "))
            };
            let noun = if a.count == 1 { "site" } else { "sites" };
            match a.maintenance {
                Some(w) => format!(
                    "{} {noun} matching {} under maintenance {}{sites}\n",
                    a.count,
                    a.selector,
                    window(&w, now_ms)
                ),
                None => format!(
                    "{} {noun} matching {}: maintenance ended{sites}\n",
                    a.count, a.selector
                ),
            }
        }
        Answer::Forgotten => {
            let a: Forgotten = read(answer)?;
            format!(
                "{}: forgotten (it comes back if it reports again and auto-registration is on)\n",
                a.site_id
            )
        }
        Answer::Labels => {
            let a: SiteLabels = read(answer)?;
            let mut out = format!("{}: labels {}\n", a.site_id, pairs(&a.labels));
            if a.effective != a.labels {
                out.push_str(&format!(
                    "{}: shows {} (with those it sends)\n",
                    a.site_id,
                    pairs(&a.effective)
                ));
            }
            out
        }
        Answer::Ack => {
            let a: SiteAck = read(answer)?;
            match a.ack {
                Some(ack) => {
                    let note = if ack.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", ack.note)
                    };
                    format!(
                        "{}: acknowledged ({}, {}) by {}{note}\n",
                        a.site_id, ack.connectivity, ack.health, ack.by
                    )
                }
                None => format!("{}: acknowledgement withdrawn\n", a.site_id),
            }
        }
    })
}

#[cfg(test)]
mod tests;
