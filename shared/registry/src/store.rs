//! The registry's bucket: opening it (created on first use, file storage,
//! the configured number of replicas), the writes each party makes, and the
//! watch every replica keeps ([`crate::watch`]).
//!
//! Every operation is bounded by [`OP_TIMEOUT`]: a JetStream that does not
//! answer (down, no quorum, not enabled) is [`RegistryError::Unavailable`],
//! which the API turns into a 503 naming the registry and the services into
//! "keep judging with what you last saw".

use std::time::Duration;

use async_nats::Client;
use async_nats::jetstream::{self, kv};
use tokio::sync::Mutex;
use tokio::time::timeout;

use crate::entry::{self, Kind};
use healthmon_proto::fleet::{Ack, FleetError, Maintenance, SiteRecord};

/// The bucket's default name.
pub const DEFAULT_BUCKET: &str = "healthmon_sites";

/// Longest a single registry operation may take.
pub const OP_TIMEOUT: Duration = Duration::from_secs(3);

/// How many times a revision-checked update is tried against concurrent
/// writers, with a short random pause between tries.
const UPDATE_TRIES: usize = 16;

/// Tries of a put or delete JetStream refused: right after quorum returns
/// a stream may not be served for a moment ("no stream found"). Both are
/// idempotent, so trying again is safe.
const WRITE_TRIES: usize = 3;
const WRITE_PAUSE: Duration = Duration::from_millis(250);

/// Where the registry lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    pub bucket: String,
    /// JetStream replicas of the bucket when this process creates it: 1 on
    /// a single server, 3 on a 3-node cluster (docs/DEPLOY.md).
    pub replicas: usize,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig {
            bucket: DEFAULT_BUCKET.to_owned(),
            replicas: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// JetStream did not answer, or refused (down, no quorum, no permission).
    #[error("the fleet registry (JetStream KV bucket {bucket}) is unavailable: {reason}")]
    Unavailable { bucket: String, reason: String },
    /// Concurrent writers kept changing the entry.
    #[error("the fleet registry entry {key} kept changing under the update; try again")]
    Conflict { key: String },
    #[error(transparent)]
    Invalid(#[from] FleetError),
}

impl RegistryError {
    /// What went wrong, without the bucket's name in front (for whoever
    /// names the registry already, such as the availability it feeds).
    pub fn reason(&self) -> String {
        match self {
            RegistryError::Unavailable { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }
}

/// A handle on the bucket, opened on first use and reopened after a failure.
#[derive(Debug)]
pub struct Registry {
    pub(crate) js: jetstream::Context,
    config: RegistryConfig,
    store: Mutex<Option<kv::Store>>,
}

impl Registry {
    pub fn new(client: Client, config: RegistryConfig) -> Self {
        Registry {
            js: jetstream::new(client),
            config,
            store: Mutex::new(None),
        }
    }

    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    fn unavailable(&self, reason: impl std::fmt::Display) -> RegistryError {
        RegistryError::Unavailable {
            bucket: self.config.bucket.clone(),
            reason: reason.to_string(),
        }
    }

    /// The bucket, created with its settings when it does not exist yet.
    pub async fn store(&self) -> Result<kv::Store, RegistryError> {
        let mut cached = self.store.lock().await;
        if let Some(store) = cached.as_ref() {
            return Ok(store.clone());
        }
        let opened = match timeout(OP_TIMEOUT, self.js.get_key_value(&self.config.bucket)).await {
            Ok(Ok(store)) => store,
            Ok(Err(_)) => {
                let config = kv::Config {
                    bucket: self.config.bucket.clone(),
                    description: "healthmon fleet registry: expected sites, labels, \
                                  intervals, maintenance windows, acknowledgements"
                        .into(),
                    history: 1,
                    storage: jetstream::stream::StorageType::File,
                    num_replicas: self.config.replicas,
                    ..Default::default()
                };
                timeout(OP_TIMEOUT, self.js.create_key_value(config))
                    .await
                    .map_err(|_| self.unavailable("creating the bucket timed out"))?
                    .map_err(|e| self.unavailable(e))?
            }
            Err(_) => return Err(self.unavailable("opening the bucket timed out")),
        };
        *cached = Some(opened.clone());
        Ok(opened)
    }

    /// Forgets the open bucket after a failure, so the next use reopens it.
    pub async fn reset(&self) {
        *self.store.lock().await = None;
    }

    async fn run<T, E: std::fmt::Display>(
        &self,
        op: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, RegistryError> {
        match timeout(OP_TIMEOUT, op).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                self.reset().await;
                Err(self.unavailable(e))
            }
            Err(_) => {
                self.reset().await;
                Err(self.unavailable("no answer in time"))
            }
        }
    }

    /// A put or delete, tried again when refused (not when unanswered: a
    /// registry that does not answer is down, and callers say so at once).
    async fn write<F, Fut, T, E>(&self, op: F) -> Result<T, RegistryError>
    where
        F: Fn(kv::Store) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: std::fmt::Display,
    {
        let mut refused = None;
        for attempt in 0..WRITE_TRIES {
            if attempt > 0 {
                tokio::time::sleep(WRITE_PAUSE).await;
            }
            let store = self.store().await?;
            // A disconnected client keeps a publish and sends it when it
            // reconnects: a write refused now would land later, unasked.
            if self.js.client().connection_state() != async_nats::connection::State::Connected {
                return Err(self.unavailable("not connected to NATS"));
            }
            match timeout(OP_TIMEOUT, op(store)).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e)) => {
                    self.reset().await;
                    refused = Some(self.unavailable(e));
                }
                Err(_) => {
                    self.reset().await;
                    return Err(self.unavailable(
                        "no answer in time (the write may still be applied: check before retrying)",
                    ));
                }
            }
        }
        Err(refused.unwrap_or_else(|| self.unavailable("refused")))
    }

    /// Registers a site unless it is registered already; `Ok(false)` then.
    pub async fn register(&self, site: &str, record: &SiteRecord) -> Result<bool, RegistryError> {
        record.check()?;
        let store = self.store().await?;
        let key = Kind::Site.key(site);
        match timeout(OP_TIMEOUT, store.create(&key, entry::encode(record))).await {
            Ok(Ok(_)) => Ok(true),
            Ok(Err(e)) if e.kind() == kv::CreateErrorKind::AlreadyExists => Ok(false),
            Ok(Err(e)) => {
                self.reset().await;
                Err(self.unavailable(e))
            }
            Err(_) => Err(self.unavailable("no answer in time")),
        }
    }

    /// The site's record now, if registered.
    pub async fn site(&self, site: &str) -> Result<Option<SiteRecord>, RegistryError> {
        let store = self.store().await?;
        let value = self.run(store.get(Kind::Site.key(site))).await?;
        value
            .map(|bytes| entry::decode_site(&bytes))
            .transpose()
            .map_err(Into::into)
    }

    /// Changes a site's record with `change` (given the current record, or
    /// `None`; returning `None` leaves it as it is), checked against
    /// concurrent writers by revision. Returns the record written, if any.
    pub async fn update_site(
        &self,
        site: &str,
        mut change: impl FnMut(Option<SiteRecord>) -> Option<SiteRecord>,
    ) -> Result<Option<SiteRecord>, RegistryError> {
        let store = self.store().await?;
        let key = Kind::Site.key(site);
        for _ in 0..UPDATE_TRIES {
            let current = self.run(store.entry(key.clone())).await?;
            let (revision, record) = match current {
                Some(e) if e.operation == kv::Operation::Put => {
                    (Some(e.revision), Some(entry::decode_site(&e.value)?))
                }
                Some(e) => (Some(e.revision), None),
                None => (None, None),
            };
            let Some(next) = change(record) else {
                return Ok(None);
            };
            next.check()?;
            let value = entry::encode(&next);
            let written = match revision {
                // A deleted key's marker has a revision too: update against it.
                Some(revision) => timeout(OP_TIMEOUT, store.update(&key, value, revision))
                    .await
                    .map(|r| r.map_err(|e| e.kind() == kv::UpdateErrorKind::WrongLastRevision)),
                None => timeout(OP_TIMEOUT, store.create(&key, value))
                    .await
                    .map(|r| r.map_err(|e| e.kind() == kv::CreateErrorKind::AlreadyExists)),
            };
            match written {
                Ok(Ok(_)) => return Ok(Some(next)),
                Ok(Err(true)) => {
                    let pause = rand::random_range(1..=20);
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                Ok(Err(false)) | Err(_) => {
                    self.reset().await;
                    return Err(self.unavailable("write refused or timed out"));
                }
            }
        }
        Err(RegistryError::Conflict { key })
    }

    pub async fn put_site(&self, site: &str, record: &SiteRecord) -> Result<(), RegistryError> {
        record.check()?;
        self.put(Kind::Site, site, entry::encode(record)).await
    }

    pub async fn set_maintenance(
        &self,
        site: &str,
        window: &Maintenance,
    ) -> Result<(), RegistryError> {
        window.check()?;
        self.put(Kind::Maintenance, site, entry::encode(window))
            .await
    }

    pub async fn clear_maintenance(&self, site: &str) -> Result<(), RegistryError> {
        self.delete(Kind::Maintenance, site).await
    }

    pub async fn set_ack(&self, site: &str, ack: &Ack) -> Result<(), RegistryError> {
        ack.check()?;
        self.put(Kind::Ack, site, entry::encode(ack)).await
    }

    pub async fn clear_ack(&self, site: &str) -> Result<(), RegistryError> {
        self.delete(Kind::Ack, site).await
    }

    /// Removes the site and everything decided about it.
    pub async fn forget(&self, site: &str) -> Result<(), RegistryError> {
        for kind in [Kind::Ack, Kind::Maintenance, Kind::Site] {
            self.delete(kind, site).await?;
        }
        Ok(())
    }

    /// Writes `value` as the site's entry of `kind` (retried as every write is).
    async fn put(&self, kind: Kind, site: &str, value: bytes::Bytes) -> Result<(), RegistryError> {
        self.write(|store| {
            let value = value.clone();
            async move { store.put(kind.key(site), value).await }
        })
        .await
        .map(drop)
    }

    async fn delete(&self, kind: Kind, site: &str) -> Result<(), RegistryError> {
        self.write(|store| async move { store.delete(kind.key(site)).await })
            .await
    }
}
