//! Readiness and health probes: an HTTP `GET` that must answer 2xx, and a WebSocket that must
//! open.

use std::time::Duration;

/// Longest a single probe may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// True when `GET url` answers 2xx within [`PROBE_TIMEOUT`].
pub async fn http_ok(client: &reqwest::Client, url: &str) -> bool {
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, client.get(url).send()).await,
        Ok(Ok(r)) if r.status().is_success()
    )
}

/// True when a WebSocket to `url` opens within [`PROBE_TIMEOUT`] (it is closed again at once),
/// sending `token` as a bearer token when given.
pub async fn websocket_opens(url: &str, token: Option<&str>) -> bool {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let Ok(mut request) = url.into_client_request() else {
        return false;
    };
    if let Some(value) = token.and_then(|t| format!("Bearer {t}").parse().ok()) {
        request.headers_mut().insert("authorization", value);
    }
    match tokio::time::timeout(PROBE_TIMEOUT, tokio_tungstenite::connect_async(request)).await {
        Ok(Ok((mut ws, _))) => {
            let _ = ws.close(None).await;
            true
        }
        _ => false,
    }
}

/// A client for probes (short timeouts, no proxy surprises for loopback).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(PROBE_TIMEOUT)
        .connect_timeout(PROBE_TIMEOUT)
        .build()
        .expect("the HTTP client could not be initialised")
}
