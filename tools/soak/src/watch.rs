//! Counts the assessor's status events the way an operator watching
//! `nats sub 'health.status.>'` would: with every site reporting on time,
//! each site should produce one event (unknown → online, healthy) and then
//! nothing. Any `late` or `offline` event while the fleet reports is false.

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use healthmon_proto::{Connectivity, Health, StatusEvent, decode};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub events: u64,
    pub online: u64,
    pub late: u64,
    pub offline: u64,
    /// Events whose health is anything but `healthy`.
    pub not_healthy: u64,
    pub undecodable: u64,
    /// Events on the centre subject (the assessor suspecting itself).
    pub centre: u64,
}

impl Tally {
    pub fn record(&mut self, event: &StatusEvent) {
        self.events += 1;
        match event.connectivity {
            Connectivity::Online => self.online += 1,
            Connectivity::Late => self.late += 1,
            Connectivity::Offline => self.offline += 1,
            Connectivity::Unknown => {}
        }
        if event.health != Health::Healthy {
            self.not_healthy += 1;
        }
    }
}

/// A running count shared with the sampler; `freeze` stops counting.
#[derive(Debug, Clone, Default)]
pub struct Watch {
    inner: Arc<Mutex<(Tally, bool)>>,
}

impl Watch {
    pub fn tally(&self) -> Tally {
        self.inner.lock().expect("tally lock").0
    }

    /// Stops counting: events after this moment are the end of the run, not false alarms.
    pub fn freeze(&self) {
        self.inner.lock().expect("tally lock").1 = true;
    }

    fn update(&self, f: impl FnOnce(&mut Tally)) {
        let mut guard = self.inner.lock().expect("tally lock");
        if !guard.1 {
            f(&mut guard.0);
        }
    }

    /// Counts events from `statuses` (site events) and `centre` until both end.
    pub async fn run(self, statuses: async_nats::Subscriber, centre: async_nats::Subscriber) {
        let mut merged =
            futures::stream::select(statuses.map(|m| (false, m)), centre.map(|m| (true, m)));
        while let Some((is_centre, msg)) = merged.next().await {
            if is_centre {
                self.update(|t| t.centre += 1);
                continue;
            }
            match decode::<StatusEvent>(&msg.payload) {
                Ok(event) => self.update(|t| t.record(&event)),
                Err(_) => self.update(|t| t.undecodable += 1),
            }
        }
    }
}

#[cfg(test)]
mod tests;
