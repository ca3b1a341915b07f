//! The TOML config file and how flags override it.
//!
//! Unknown keys are errors (`deny_unknown_fields` everywhere): a typo in a
//! mapping would otherwise silently fall back to a default and the field
//! would just stay empty. Every error names the file, the line and the key,
//! on one line, so the binary can exit 2 with it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use healthmon_common::nats::NatsConfig;
use serde::Deserialize;

use crate::config::{
    Config, ConfigError, DEFAULT_INTERVAL, DEFAULT_RESEND_JITTER, Simulate, Sources,
};

/// The whole file. Keys are documented in `collector.example.toml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub site_id: Option<String>,
    #[serde(with = "humantime_serde")]
    pub interval: Option<Duration>,
    #[serde(with = "humantime_serde")]
    pub resend_jitter: Option<Duration>,
    pub host: crate::config::HostConfig,
    pub scrape: Vec<crate::config::ScrapeTarget>,
    pub mapping: crate::config::Mapping,
    pub probe: Vec<crate::config::Probe>,
    pub custom: std::collections::BTreeMap<String, crate::config::CustomGauge>,
    pub labels: healthmon_proto::labels::Labels,
}

impl FileConfig {
    fn sources(self) -> Sources {
        Sources {
            host: self.host,
            scrape: self.scrape,
            mapping: self.mapping,
            probe: self.probe,
            custom: self.custom,
            labels: self.labels,
        }
    }
}

/// Why the configuration could not be put together; displayed as one line.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {detail}")]
    Parse { path: PathBuf, detail: ParseError },
    #[error("invalid config file {path}: key {}: {}", .error.key, .error.message)]
    File { path: PathBuf, error: ConfigError },
    #[error("invalid value for {flag}: {message}")]
    Flag { flag: String, message: String },
}

pub fn load(path: &Path) -> Result<FileConfig, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text).map_err(|detail| LoadError::Parse {
        path: path.to_owned(),
        detail,
    })
}

/// What is wrong in a config file's text: one line with position, key and reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Parses file text.
pub fn parse(text: &str) -> Result<FileConfig, ParseError> {
    toml::from_str(text).map_err(|e| ParseError(describe(text, &e)))
}

fn describe(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', "; ");
    let Some(span) = e.span() else {
        return message;
    };
    let start = floor_char_boundary(text, span.start);
    let end = floor_char_boundary(text, span.end.max(start));
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let table = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|t| format!(" in {t}"))
        .unwrap_or_default();
    // The span is the key itself (unknown key) or the value after `key =`.
    let prefix = &text[line_start..start];
    let key = match prefix.rfind('=') {
        Some(eq) => {
            let left = &prefix[..eq];
            let from = left.rfind(['{', ',']).map_or(0, |i| i + 1);
            left[from..].trim().to_owned()
        }
        None => text[start..end]
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_owned(),
    };
    if key.is_empty() {
        format!("line {line}{table}: {message}")
    } else {
        format!("line {line}{table}, key `{key}`: {message}")
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Values from flags or their environment variables; each wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub site_id: Option<String>,
    pub interval: Option<Duration>,
    pub resend_jitter: Option<Duration>,
    pub simulate: Option<usize>,
    pub fault_rate: f64,
    pub seed: Option<u64>,
}

/// Combines flags and the (optional) file into a validated [`Config`].
pub fn assemble(
    nats: NatsConfig,
    metrics_addr: SocketAddr,
    flags: Overrides,
    file: Option<(PathBuf, FileConfig)>,
) -> Result<Config, LoadError> {
    let (path, file) = match file {
        Some((path, file)) => (Some(path), file),
        None => (None, FileConfig::default()),
    };
    let simulate = flags.simulate.map(|sites| Simulate {
        sites,
        fault_rate: flags.fault_rate,
        seed: flags.seed,
    });
    let site_id = flags.site_id.clone().or_else(|| file.site_id.clone());
    if site_id.is_none() && simulate.is_none() {
        return Err(LoadError::Flag {
            flag: "--site-id".into(),
            message: "required (or SITE_ID, or site_id in the config file), unless --simulate"
                .into(),
        });
    }
    let config = Config {
        nats,
        metrics_addr,
        site_id: site_id.unwrap_or_default(),
        interval: flags.interval.or(file.interval).unwrap_or(DEFAULT_INTERVAL),
        resend_jitter: flags
            .resend_jitter
            .or(file.resend_jitter)
            .unwrap_or(DEFAULT_RESEND_JITTER),
        sources: file.sources(),
        simulate,
    };
    config.validate().map_err(|error| {
        let from_flag = match error.key.as_str() {
            "site_id" => flags.site_id.is_some(),
            "interval" => flags.interval.is_some(),
            "resend_jitter" => flags.resend_jitter.is_some(),
            "simulate" | "fault_rate" => true,
            _ => false,
        };
        match path {
            Some(path) if !from_flag => LoadError::File { path, error },
            _ => LoadError::Flag {
                flag: format!("--{}", error.key.replace('_', "-")),
                message: error.message,
            },
        }
    })?;
    Ok(config)
}

#[cfg(test)]
mod tests;
