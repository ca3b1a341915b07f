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
    pub mapping: crate::mapping::Mapping,
    pub probe: Vec<crate::config::Probe>,
    pub custom: std::collections::BTreeMap<String, crate::config::CustomGauge>,
}

impl FileConfig {
    fn sources(self) -> Sources {
        Sources {
            host: self.host,
            scrape: self.scrape,
            mapping: self.mapping,
            probe: self.probe,
            custom: self.custom,
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
    Parse { path: PathBuf, detail: String },
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

/// Parses file text; the error is one line with position, key and reason.
pub fn parse(text: &str) -> Result<FileConfig, String> {
    toml::from_str(text).map_err(|e| describe(text, &e))
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
mod tests {
    use super::*;

    fn nats() -> NatsConfig {
        NatsConfig::local("nats://127.0.0.1:4222")
    }

    fn addr() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 0))
    }

    fn with_file(text: &str, flags: Overrides) -> Result<Config, String> {
        let file = parse(text)?;
        assemble(nats(), addr(), flags, Some(("c.toml".into(), file))).map_err(|e| e.to_string())
    }

    #[test]
    fn the_example_file_is_valid_and_complete() {
        let text = include_str!("../collector.example.toml");
        let file = parse(text).unwrap();
        assert_eq!(file.site_id.as_deref(), Some("plant-north-01"));
        assert!(!file.scrape.is_empty() && !file.probe.is_empty() && !file.custom.is_empty());
        let config = with_file(text, Overrides::default()).unwrap();
        assert_eq!(config.interval, Duration::from_secs(30));
        assert_eq!(config.sources.mapping, crate::mapping::Mapping::default());
    }

    #[test]
    fn unknown_keys_are_named_with_their_line_and_table() {
        let err = parse(
            "site_id = \"a\"\n\n[[probe]]\nname = \"p\"\naddress = \"h:1\"\ntimeot = \"1s\"\n",
        )
        .unwrap_err();
        assert!(err.contains("line 6"), "{err}");
        assert!(err.contains("[[probe]]"), "{err}");
        assert!(err.contains("timeot"), "{err}");
        assert!(!err.contains('\n'), "{err}");

        let err = parse("[mapping.sf_buffer]\ncatgory = \"c\"\n").unwrap_err();
        assert!(
            err.contains("catgory") && err.contains("[mapping.sf_buffer]"),
            "{err}"
        );

        let err = parse("intervall = \"5s\"\n").unwrap_err();
        assert!(err.contains("intervall") && err.contains("line 1"), "{err}");
    }

    #[test]
    fn bad_values_are_named() {
        let err = parse("interval = \"soon\"\n").unwrap_err();
        assert!(
            err.contains("key `interval`") && err.contains("soon"),
            "{err}"
        );

        let err = parse("[custom]\ng = { metric = 5 }\n").unwrap_err();
        assert!(
            err.contains("key `metric`") && err.contains("[custom]"),
            "{err}"
        );

        let err = with_file("site_id = \"a b\"\n", Overrides::default()).unwrap_err();
        assert_eq!(
            err,
            "invalid config file c.toml: key site_id: site id may contain only A-Z, a-z, 0-9, '_' and '-'"
        );

        let text = "site_id = \"s\"\n[[scrape]]\nname = \"rt\"\nurl = \"ftp://x\"\n";
        let err = with_file(text, Overrides::default()).unwrap_err();
        assert!(
            err.contains("c.toml") && err.contains("scrape[0].url"),
            "{err}"
        );
    }

    #[test]
    fn flags_override_the_file_and_are_named_when_wrong() {
        let text = "site_id = \"from-file\"\ninterval = \"5s\"\n";
        let flags = Overrides {
            interval: Some(Duration::from_secs(2)),
            ..Default::default()
        };
        let c = with_file(text, flags).unwrap();
        assert_eq!(
            (c.site_id.as_str(), c.interval),
            ("from-file", Duration::from_secs(2))
        );

        let flags = Overrides {
            site_id: Some("from-flag".into()),
            ..Default::default()
        };
        assert_eq!(with_file(text, flags).unwrap().site_id, "from-flag");

        let flags = Overrides {
            interval: Some(Duration::from_millis(10)),
            ..Default::default()
        };
        let err = with_file(text, flags).unwrap_err();
        assert!(err.starts_with("invalid value for --interval:"), "{err}");
    }

    #[test]
    fn site_id_is_required_unless_simulating() {
        let err = assemble(nats(), addr(), Overrides::default(), None).unwrap_err();
        assert!(err.to_string().contains("--site-id"), "{err}");
        let flags = Overrides {
            simulate: Some(5),
            fault_rate: 0.02,
            ..Default::default()
        };
        let c = assemble(nats(), addr(), flags, None).unwrap();
        assert_eq!(c.sim_prefix(), "sim");
        assert_eq!(c.simulate.unwrap().sites, 5);
    }

    #[test]
    fn custom_gauges_and_durations_parse() {
        let text = r#"
[custom]
api_ms = { metric = "app_latency_ms", labels = { endpoint = "/api" } }
queue = { metric = "queue_depth" }

[[scrape]]
name = "runtime"
url = "http://127.0.0.1:9500/metrics"
timeout = "750ms"
"#;
        let f = parse(text).unwrap();
        assert_eq!(f.custom["api_ms"].labels["endpoint"], "/api");
        assert!(f.custom["queue"].labels.is_empty());
        assert_eq!(f.scrape[0].timeout, Duration::from_millis(750));
    }
}
