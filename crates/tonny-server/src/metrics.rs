//! Prometheus metrics for the daemon's `/metrics`: requests by intent and outcome, each
//! pipeline stage's latency as a histogram, backend failures, and — read when scraped —
//! circuit-breaker states and the outbox depth.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tonny_store::StageTimings;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    intent: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabels {
    stage: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BackendLabels {
    backend: String,
}

fn stage_histogram() -> Histogram {
    // 5 ms to ~41 s: a cached quick action to a slow remote agent.
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

/// The daemon's metrics; updated by the assistant as requests finish.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    stages: Family<StageLabels, Histogram, fn() -> Histogram>,
    backend_errors: Family<BackendLabels, Counter>,
    breakers: Family<BackendLabels, Gauge>,
    outbox: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty metrics, registered under `tonny_`.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tonny");
        let requests = Family::<RequestLabels, Counter>::default();
        let stages = Family::<StageLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            stage_histogram,
        );
        let backend_errors = Family::<BackendLabels, Counter>::default();
        let breakers = Family::<BackendLabels, Gauge>::default();
        let outbox = Gauge::default();
        registry.register(
            "requests",
            "Requests handled, by intent and outcome (success, blocked, queued)",
            requests.clone(),
        );
        registry.register(
            "stage_duration_seconds",
            "Time spent in each pipeline stage (stt, route, agent, tts = first audio, total)",
            stages.clone(),
        );
        registry.register(
            "backend_errors",
            "Failed calls to an agent backend",
            backend_errors.clone(),
        );
        registry.register(
            "breaker_state",
            "Each backend's circuit breaker: 0 closed, 1 half-open, 2 open",
            breakers.clone(),
        );
        registry.register(
            "outbox_depth",
            "Requests waiting in the outbox for a backend that was down",
            outbox.clone(),
        );
        Self {
            registry,
            requests,
            stages,
            backend_errors,
            breakers,
            outbox,
        }
    }

    /// Counts a finished request and its stage times.
    pub fn request_done(&self, intent: &str, status: &str, t: &StageTimings) {
        self.requests
            .get_or_create(&RequestLabels {
                intent: intent.to_owned(),
                status: status.to_owned(),
            })
            .inc();
        for (stage, ms) in [
            ("stt", t.stt_ms),
            ("route", t.route_ms),
            ("agent", t.agent_ms),
            ("tts", t.tts_ms),
            ("total", t.total_ms),
        ] {
            if let Some(ms) = ms {
                self.stages
                    .get_or_create(&StageLabels {
                        stage: stage.to_owned(),
                    })
                    .observe(f64::from(ms) / 1000.0);
            }
        }
    }

    /// Counts a failed call to `backend`.
    pub fn backend_failed(&self, backend: &str) {
        self.backend_errors
            .get_or_create(&BackendLabels {
                backend: backend.to_owned(),
            })
            .inc();
    }

    /// The text exposition, with the scrape-time values given.
    pub fn render(&self, breakers: &[(String, i64)], outbox_depth: usize) -> String {
        for (backend, state) in breakers {
            self.breakers
                .get_or_create(&BackendLabels {
                    backend: backend.clone(),
                })
                .set(*state);
        }
        self.outbox.set(outbox_depth as i64);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
