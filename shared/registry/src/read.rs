//! Reading the whole registry once, for a tool that needs a snapshot and
//! not a live copy (`healthmon fleet apply` and `fleet export`).
//!
//! One ordered consumer delivers the current value of every `site.<id>`
//! key (last per subject, no history) and the reading stops at the last
//! one: a single round of messages, not a request per site, so reading
//! 100,000 sites takes about as long as the bytes take to arrive.

use std::collections::BTreeMap;

use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::consumer::push::OrderedConfig;
use futures::StreamExt;
use tokio::time::timeout;

use crate::entry::{self, Kind};
use crate::store::{OP_TIMEOUT, Registry, RegistryError};
use healthmon_proto::fleet::{FleetError, SiteRecord};

/// Every registered site's record, and the keys whose value does not read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sites {
    pub records: BTreeMap<String, SiteRecord>,
    /// `site.<id>` keys holding a value that is not a valid record (put by
    /// hand, or by a broken writer), with what is wrong.
    pub unreadable: Vec<(String, FleetError)>,
}

impl Registry {
    /// Every `site.<id>` record as it is now. Each message must arrive
    /// within [`OP_TIMEOUT`] of the one before.
    pub async fn sites(&self) -> Result<Sites, RegistryError> {
        let store = self.store().await?;
        let unavailable = |reason: String| RegistryError::Unavailable {
            bucket: self.config().bucket.clone(),
            reason,
        };
        let prefix = store.prefix.clone();
        let consumer = timeout(
            OP_TIMEOUT,
            store.stream.create_consumer(OrderedConfig {
                deliver_subject: self.js.client().new_inbox(),
                description: Some("healthmon registry snapshot".into()),
                filter_subject: format!("{prefix}{}", Kind::Site.key("*")),
                deliver_policy: DeliverPolicy::LastPerSubject,
                ..Default::default()
            }),
        )
        .await
        .map_err(|_| unavailable("reading the bucket timed out".into()))?
        .map_err(|e| unavailable(e.to_string()))?;
        let mut sites = Sites::default();
        if consumer.cached_info().num_pending == 0 {
            return Ok(sites);
        }
        let mut messages = timeout(OP_TIMEOUT, consumer.messages())
            .await
            .map_err(|_| unavailable("reading the bucket timed out".into()))?
            .map_err(|e| unavailable(e.to_string()))?;
        loop {
            let message = match timeout(OP_TIMEOUT, messages.next()).await {
                Ok(Some(Ok(message))) => message,
                Ok(Some(Err(e))) => return Err(unavailable(e.to_string())),
                Ok(None) => return Err(unavailable("the reading ended early".into())),
                Err(_) => return Err(unavailable("reading the bucket timed out".into())),
            };
            let pending = message
                .info()
                .map_err(|e| unavailable(e.to_string()))?
                .pending;
            let deleted = message
                .headers
                .as_ref()
                .and_then(|h| h.get("KV-Operation"))
                .is_some_and(|op| op.as_str() != "PUT");
            let key = message.subject.as_str().strip_prefix(prefix.as_str());
            if let Some((Kind::Site, site)) = key.and_then(Kind::of_key)
                && !deleted
            {
                match entry::decode_site(&message.payload) {
                    Ok(record) => {
                        sites.records.insert(site.to_owned(), record);
                    }
                    Err(e) => sites.unreadable.push((Kind::Site.key(site), e)),
                }
            }
            if pending == 0 {
                return Ok(sites);
            }
        }
    }
}
