//! What operators scrape at `GET /metrics` (Prometheus / OpenMetrics text):
//! requests by route and status with their latency, device-flow polls and
//! refreshes by outcome, how late device polls run, pending device flows,
//! the browsers waiting on pushed status and the database pool. One
//! registry per server, so the instances in one test process stay apart.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route's template (`/oauth/callback/{provider}`), never the raw
    /// path: its values would be unbounded.
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    device_polls: Family<OutcomeLabels, Counter>,
    refreshes: Family<OutcomeLabels, Counter>,
    lease_conflicts: Counter,
    poll_lateness: Histogram,
    pending_device_flows: Gauge,
    live_streams: Gauge,
    pool_connections: Gauge,
    pool_idle: Gauge,
}

/// One open `/live` stream; dropping it (the browser left) uncounts it.
pub struct LiveStream(Gauge);

impl Drop for LiveStream {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("relay");
        let requests = Family::<RequestLabels, Counter>::default();
        // 1 ms to about 16 s.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 15))
        });
        let device_polls = Family::<OutcomeLabels, Counter>::default();
        let refreshes = Family::<OutcomeLabels, Counter>::default();
        let lease_conflicts = Counter::default();
        // 1 ms to about 65 s: a poll on time is a few ms late at most.
        let poll_lateness = Histogram::new(exponential_buckets(0.001, 2.0, 17));
        let pending_device_flows = Gauge::default();
        let live_streams = Gauge::default();
        let pool_connections = Gauge::default();
        let pool_idle = Gauge::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        registry.register(
            "device_flow_polls",
            "Polls of a provider's device-token endpoint, by outcome",
            device_polls.clone(),
        );
        registry.register(
            "credential_refreshes",
            "Refreshes of a credential at its provider (ok, refused, unavailable)",
            refreshes.clone(),
        );
        registry.register(
            "refresh_lease_conflicts",
            "Refreshes that found another instance holding the credential's lease, and waited for it",
            lease_conflicts.clone(),
        );
        registry.register(
            "device_flow_poll_lateness_seconds",
            "How long after its due time a device flow was polled",
            poll_lateness.clone(),
        );
        registry.register(
            "live_streams",
            "Browsers waiting on a pushed status (open /live streams)",
            live_streams.clone(),
        );
        registry.register(
            "device_flows_pending",
            "Device logins waiting for their user",
            pending_device_flows.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            device_polls,
            refreshes,
            lease_conflicts,
            poll_lateness,
            pending_device_flows,
            live_streams,
            pool_connections,
            pool_idle,
        }
    }
}

impl Metrics {
    pub fn answered(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    pub fn device_polled(&self, outcome: &'static str) {
        self.device_polls
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// A device flow was polled `seconds` after it was due.
    pub fn poll_late_by(&self, seconds: f64) {
        self.poll_lateness.observe(seconds.max(0.0));
    }

    /// Counts an open `/live` stream for as long as the guard lives.
    pub fn live_stream(&self) -> LiveStream {
        self.live_streams.inc();
        LiveStream(self.live_streams.clone())
    }

    pub fn refreshed(&self, outcome: &'static str) {
        self.refreshes
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    pub fn lease_conflict(&self) {
        self.lease_conflicts.inc();
    }

    /// The text a scrape gets, with the gauges read now.
    pub fn render(
        &self,
        pending_device_flows: i64,
        pool_connections: u32,
        pool_idle: usize,
    ) -> String {
        self.pending_device_flows.set(pending_device_flows);
        self.pool_connections.set(i64::from(pool_connections));
        self.pool_idle.set(pool_idle as i64);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}
