//! The monitoring files under `deploy/` (the Grafana dashboard and the Prometheus alert rules)
//! name only metrics the daemon exports: a renamed metric fails here, not on someone's wall
//! display. (`scripts/check-deploy.sh` checks their syntax with promtool and the compose file
//! against its schema.)

use std::collections::BTreeSet;
use std::path::PathBuf;

use tonny_server::metrics::Metrics;
use tonny_store::StageTimings;

fn deploy_file(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every series name in the exposition of a daemon that has done a bit of everything.
fn exported() -> BTreeSet<String> {
    let m = Metrics::new();
    let all = StageTimings {
        capture_ms: Some(1200),
        endpoint_ms: Some(800),
        stt_ms: Some(150),
        route_ms: Some(1),
        agent_ms: Some(40),
        tts_ms: Some(90),
        total_ms: Some(300),
    };
    m.request_done("local", "success", &all);
    m.backend_failed("n8n");
    let text = m.render(&[("n8n".to_owned(), 2)], 3);
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap_or_default().to_owned())
        .collect()
}

/// The `tonny_*` names in a PromQL expression.
fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("tonny_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.push(tail[..end].to_owned());
        rest = &tail[end..];
    }
    names
}

fn exprs_in(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("expr", serde_json::Value::String(e)) => out.push(e.clone()),
                    _ => exprs_in(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| exprs_in(v, out)),
        _ => {}
    }
}

#[test]
fn the_dashboard_and_the_alerts_name_only_metrics_the_daemon_exports() {
    let exported = exported();
    let dashboard: serde_json::Value =
        serde_json::from_str(&deploy_file("grafana/dashboards/tonnytray.json"))
            .expect("the dashboard is JSON");
    let mut exprs = Vec::new();
    exprs_in(&dashboard, &mut exprs);
    let alerts = deploy_file("prometheus/alerts.yml");
    exprs.extend(
        alerts
            .lines()
            .filter_map(|l| l.trim().strip_prefix("expr:"))
            .map(str::to_owned),
    );
    let mut used = BTreeSet::new();
    for expr in &exprs {
        for name in metric_names(expr) {
            assert!(
                exported.contains(&name),
                "{name} (in `{expr}`) is not exported; the daemon exports {exported:?}"
            );
            used.insert(name);
        }
    }
    // Every family the daemon exports is on the dashboard or in an alert.
    for family in [
        "tonny_requests_total",
        "tonny_stage_duration_seconds_bucket",
        "tonny_backend_errors_total",
        "tonny_breaker_state",
        "tonny_outbox_depth",
    ] {
        assert!(exported.contains(family), "{family} is exported");
        assert!(used.contains(family), "{family} is shown or alerted on");
    }
}
