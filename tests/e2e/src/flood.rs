//! Report floods for the slow-consumer fault tests: `FLOOD_SITES` sites with
//! strictly increasing `seq`s, published as fast as one client can, and the
//! aggregator's counters read from its `/metrics`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use healthmon_proto::{HealthReport, encode};
use healthmon_test_support::{NatsServer, eventually, promtext};

pub const FLOOD_SITES: u64 = 20;
pub const FLOOD_SEQS: u64 = 1_000;

/// For the aggregator to take in one report, or to go quiet.
const PATIENCE: Duration = Duration::from_secs(10);

pub struct Flood {
    client: async_nats::Client,
    metrics: SocketAddr,
}

impl Flood {
    /// A publisher on `nats`, watching the aggregator whose `/metrics` is at `metrics`.
    pub async fn new(nats: &NatsServer, metrics: SocketAddr) -> Self {
        Flood {
            client: nats.client().await,
            metrics,
        }
    }

    /// A series of the aggregator; 0 when never touched.
    pub async fn metric(&self, series: &str) -> f64 {
        let text = reqwest::get(format!("http://{}/metrics", self.metrics))
            .await
            .expect("aggregator /metrics answers")
            .text()
            .await
            .expect("metrics body");
        promtext::value(&text, series).unwrap_or(0.0)
    }

    pub async fn accepted(&self) -> f64 {
        self.metric("healthmon_aggregator_reports_accepted_total")
            .await
    }

    pub async fn publish(&self, site: u64, seq: u64) {
        let mut report = HealthReport::new(format!("flood-{site}"), "f", seq);
        report.interval_ms = 60_000;
        self.client
            .publish(
                format!("health.report.flood-{site}"),
                encode(&report).into(),
            )
            .await
            .expect("publish");
    }

    /// Publishes one report and waits until the aggregator took it in, so
    /// that not even a one-message buffer can drop it.
    pub async fn publish_acked(&self, site: u64, seq: u64) {
        let before = self.accepted().await;
        self.publish(site, seq).await;
        self.client.flush().await.expect("flush");
        eventually("the report accepted", PATIENCE, || async {
            (self.accepted().await > before).then_some(())
        })
        .await;
    }

    /// Seq 1 of every site one at a time (so each site is known), then
    /// seqs 2..=FLOOD_SEQS of all sites in one burst.
    pub async fn burst(&self) {
        for site in 0..FLOOD_SITES {
            self.publish_acked(site, 1).await;
        }
        for seq in 2..=FLOOD_SEQS {
            for site in 0..FLOOD_SITES {
                self.publish(site, seq).await;
            }
        }
        self.client.flush().await.expect("flush");
    }

    /// Waits until the aggregator has taken in all it kept (200 ms quiet).
    pub async fn settle(&self) {
        let deadline = Instant::now() + PATIENCE;
        let mut last = self.accepted().await;
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let now = self.accepted().await;
            if now == last {
                return;
            }
            assert!(Instant::now() < deadline, "still busy after {PATIENCE:?}");
            last = now;
        }
    }
}
