//! The registry's metrics, the same in every service that watches it.

/// 1 while the registry can be read and written, else 0.
pub const AVAILABLE: &str = "healthmon_registry_available";
/// Registry values skipped because they do not read.
pub const INVALID: &str = "healthmon_registry_invalid_total";
/// Sites the registry lists, as this process's copy has them (with a
/// partition, its part): equal on every replica once they agree.
pub const SITES: &str = "healthmon_registry_sites";
/// Seconds the first full read of the registry took.
pub const LOADED_SECONDS: &str = "healthmon_registry_load_seconds";

pub fn describe() {
    metrics::describe_gauge!(
        AVAILABLE,
        "1 while the fleet registry (JetStream KV) can be read and written, else 0."
    );
    metrics::describe_counter!(INVALID, "Registry values skipped because they do not read.");
    metrics::describe_gauge!(
        LOADED_SECONDS,
        "Seconds the first full read of the fleet registry took."
    );
    metrics::describe_gauge!(
        SITES,
        "Sites the fleet registry lists, in this process's copy (its partition's, if partitioned)."
    );
    metrics::gauge!(AVAILABLE).set(0.0);
    metrics::gauge!(SITES).set(0.0);
    metrics::counter!(INVALID).increment(0);
}
