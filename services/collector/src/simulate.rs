//! Made-up sites for demos and load tests (`--simulate N`).
//!
//! Each simulated site has a small plant: two cluster nodes (one active),
//! a few data connections, script and alarm error counters, the three
//! store-and-forward buffers and host resources, all drifting plausibly.
//! Now and then a fault starts and runs its course over a few intervals:
//! a connection drops and recovers, the standby takes over, error rates
//! spike, a buffer backs up and drains, or the site goes silent and comes
//! back. `fault_rate` is the chance per site and interval that a fault
//! starts; at the default 0.02 with faults lasting ~6 intervals, about one
//! site in ten is having a problem at any time, so a 50-site demo shows a
//! few, and 0 keeps every site healthy for tests.
//!
//! Pure: one seedable RNG, time measured in intervals.

use healthmon_proto::{ConnectionStatus, ErrorCounter, HealthReport, Node, NodeRole, Resources};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const GIB: u64 = 1024 * 1024 * 1024;
const CONNECTION_KINDS: [&str; 6] = ["plc", "opcua", "modbus", "mqtt", "historian", "scada-gw"];
const NODES: [&str; 2] = ["node-a", "node-b"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    ConnectionDown { connection: usize, left: u32 },
    ErrorSpike { alarm: bool, left: u32 },
    BufferBackup { category: usize, left: u32 },
    Silent { left: u32 },
}

#[derive(Debug, Clone)]
struct Counter {
    total: u64,
    carry: f64,
    base_per_min: f64,
    spike_per_min: f64,
}

impl Counter {
    fn per_min(&self) -> f64 {
        self.base_per_min + self.spike_per_min
    }

    fn advance(&mut self, minutes: f64) {
        self.carry += self.per_min() * minutes;
        let whole = self.carry.floor();
        self.carry -= whole;
        self.total = self.total.saturating_add(whole as u64);
    }
}

#[derive(Debug, Clone)]
struct Site {
    id: String,
    connections: Vec<ConnectionStatus>,
    active: usize,
    script: Counter,
    alarm: Counter,
    sf: [u64; 3],
    resources: Resources,
    fault: Option<Fault>,
}

#[derive(Debug)]
pub struct Simulator {
    sites: Vec<Site>,
    rng: StdRng,
    fault_rate: f64,
    interval_min: f64,
}

impl Simulator {
    /// `sites` sites named `<prefix>-00001`...; `interval_ms` is their report interval.
    pub fn new(
        prefix: &str,
        sites: usize,
        interval_ms: u64,
        fault_rate: f64,
        seed: Option<u64>,
    ) -> Self {
        let mut rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        // Background errors only where faults are wanted: 0 means spotless.
        let noisy = fault_rate > 0.0;
        let sites = (0..sites)
            .map(|i| {
                let n = rng.random_range(2..=5usize);
                let offset = rng.random_range(0..CONNECTION_KINDS.len());
                let connections = (0..n)
                    .map(|j| ConnectionStatus {
                        name: format!(
                            "{}-{}",
                            CONNECTION_KINDS[(offset + j) % CONNECTION_KINDS.len()],
                            j + 1
                        ),
                        connected: true,
                    })
                    .collect();
                let counter = |rng: &mut StdRng| Counter {
                    total: rng.random_range(0..500),
                    carry: 0.0,
                    base_per_min: if noisy {
                        rng.random_range(0.0..0.5)
                    } else {
                        0.0
                    },
                    spike_per_min: 0.0,
                };
                Site {
                    id: format!("{prefix}-{:05}", i + 1),
                    connections,
                    active: rng.random_range(0..2),
                    script: counter(&mut rng),
                    alarm: counter(&mut rng),
                    sf: [0; 3],
                    resources: Resources {
                        cpu_pct: rng.random_range(5.0..40.0),
                        mem_total_bytes: [8, 16, 32][rng.random_range(0..3)] * GIB,
                        mem_used_bytes: 0,
                        disk_used_pct: rng.random_range(20.0..70.0),
                        load1: 0.0,
                    },
                    fault: None,
                }
            })
            .collect();
        Simulator {
            sites,
            rng,
            fault_rate,
            interval_min: interval_ms as f64 / 60_000.0,
        }
    }

    pub fn len(&self) -> usize {
        self.sites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    pub fn site_id(&self, site: usize) -> &str {
        &self.sites[site].id
    }

    pub fn fault(&self, site: usize) -> Option<Fault> {
        self.sites[site].fault
    }

    /// Sites currently in a fault.
    pub fn faulty(&self) -> usize {
        self.sites.iter().filter(|s| s.fault.is_some()).count()
    }

    /// Advances `site` by one interval; its report body, or `None` while it is silent.
    pub fn tick(&mut self, site: usize) -> Option<HealthReport> {
        let rng = &mut self.rng;
        let s = &mut self.sites[site];
        if s.fault.is_none() && self.fault_rate > 0.0 && rng.random_bool(self.fault_rate) {
            start_fault(s, rng);
        }
        drift(s, rng, self.interval_min);
        let silent = matches!(s.fault, Some(Fault::Silent { .. }));
        if let Some(fault) = s.fault {
            s.fault = run_fault(s, fault, rng);
        }
        if silent { None } else { self.snapshot(site) }
    }

    /// `site`'s current report body without advancing time (a resend), `None` while silent.
    pub fn snapshot(&self, site: usize) -> Option<HealthReport> {
        let s = &self.sites[site];
        if matches!(s.fault, Some(Fault::Silent { .. })) {
            return None;
        }
        let mut r = HealthReport::new(s.id.clone(), "", 0);
        r.nodes = NODES
            .iter()
            .enumerate()
            .map(|(i, name)| Node {
                name: (*name).to_owned(),
                role: if i == s.active {
                    NodeRole::Active
                } else {
                    NodeRole::Standby
                },
            })
            .collect();
        r.connections = s.connections.clone();
        r.script_errors = ErrorCounter {
            total: s.script.total,
            per_min: s.script.per_min(),
        };
        r.alarm_errors = ErrorCounter {
            total: s.alarm.total,
            per_min: s.alarm.per_min(),
        };
        r.sf_buffer.external = s.sf[0];
        r.sf_buffer.notification = s.sf[1];
        r.sf_buffer.db_write = s.sf[2];
        r.resources = Some(s.resources);
        Some(r)
    }
}

fn start_fault(s: &mut Site, rng: &mut StdRng) {
    let left = rng.random_range(3..=10);
    s.fault = match rng.random_range(0..100) {
        0..35 => {
            let connection = rng.random_range(0..s.connections.len());
            s.connections[connection].connected = false;
            Some(Fault::ConnectionDown { connection, left })
        }
        35..60 => {
            let alarm = rng.random_bool(0.4);
            let counter = if alarm { &mut s.alarm } else { &mut s.script };
            counter.spike_per_min = rng.random_range(30.0..150.0);
            Some(Fault::ErrorSpike { alarm, left })
        }
        60..80 => Some(Fault::BufferBackup {
            category: rng.random_range(0..3),
            left,
        }),
        80..90 => {
            // A failover is over in an instant: the standby is now active.
            s.active = 1 - s.active;
            None
        }
        _ => Some(Fault::Silent {
            left: rng.random_range(3..=6),
        }),
    };
}

/// Runs one interval of `fault`; what remains of it afterwards.
fn run_fault(s: &mut Site, fault: Fault, rng: &mut StdRng) -> Option<Fault> {
    let left = match fault {
        Fault::ConnectionDown { left, .. }
        | Fault::ErrorSpike { left, .. }
        | Fault::BufferBackup { left, .. }
        | Fault::Silent { left } => left.saturating_sub(1),
    };
    if let Fault::BufferBackup { category, .. } = fault {
        s.sf[category] = s.sf[category].saturating_add(rng.random_range(50..300));
    }
    if left > 0 {
        return Some(match fault {
            Fault::ConnectionDown { connection, .. } => Fault::ConnectionDown { connection, left },
            Fault::ErrorSpike { alarm, .. } => Fault::ErrorSpike { alarm, left },
            Fault::BufferBackup { category, .. } => Fault::BufferBackup { category, left },
            Fault::Silent { .. } => Fault::Silent { left },
        });
    }
    match fault {
        Fault::ConnectionDown { connection, .. } => s.connections[connection].connected = true,
        Fault::ErrorSpike { .. } => {
            s.script.spike_per_min = 0.0;
            s.alarm.spike_per_min = 0.0;
        }
        Fault::BufferBackup { .. } | Fault::Silent { .. } => {}
    }
    None
}

/// One interval of ordinary life: small random walks, errors accumulating,
/// buffers hovering near empty (a backed-up one drains by half per interval).
fn drift(s: &mut Site, rng: &mut StdRng, interval_min: f64) {
    let res = &mut s.resources;
    res.cpu_pct = (res.cpu_pct + rng.random_range(-4.0..4.0)).clamp(2.0, 75.0);
    let used = rng.random_range(0.35..0.6) * res.mem_total_bytes as f64;
    res.mem_used_bytes = (used as u64).min(res.mem_total_bytes);
    res.disk_used_pct = (res.disk_used_pct + rng.random_range(-0.05..0.06)).clamp(5.0, 90.0);
    res.load1 = res.cpu_pct / 100.0 * 4.0 + rng.random_range(0.0..0.3);
    s.script.advance(interval_min);
    s.alarm.advance(interval_min);
    let backing_up = match s.fault {
        Some(Fault::BufferBackup { category, .. }) => Some(category),
        _ => None,
    };
    for (i, depth) in s.sf.iter_mut().enumerate() {
        if backing_up == Some(i) {
            continue;
        }
        *depth = if *depth > 5 {
            *depth / 2
        } else {
            rng.random_range(0..=3)
        };
    }
}

#[cfg(test)]
mod tests;
