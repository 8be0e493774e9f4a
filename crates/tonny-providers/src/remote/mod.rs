//! What every HTTP backend client shares: one way to build a client, read a bounded body, and
//! turn a failure into a message a person can act on.
//!
//! Every message is built without the request URL: a webhook URL works like a password, so
//! `reqwest` errors are stripped of it ([`reqwest::Error::without_url`]) before they are shown.

pub mod body;

use std::time::Duration;

pub use body::{error_message, json_error_message, looks_like_html};

/// The longest reply body read from any backend; more is a broken or hostile server.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The longest audio body read from a voice service (about 10 minutes of 24 kHz PCM).
pub const MAX_AUDIO_BYTES: usize = 32 * 1024 * 1024;

/// How long to wait for a TCP/TLS connection before calling a backend unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a call to a backend failed. `service` is the backend's name for people ("n8n").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// No connection (refused, DNS, TLS).
    #[error(
        "{service} is not reachable ({reason}); check that it is running and that its address is right"
    )]
    Unreachable {
        /// The backend.
        service: String,
        /// What failed, without the URL.
        reason: String,
    },
    /// Connected, but no complete answer in time.
    #[error("{service} did not answer within {ms} ms")]
    Timeout {
        /// The backend.
        service: String,
        /// The limit.
        ms: u64,
    },
    /// The body was larger than we read.
    #[error("{service} sent a reply larger than {limit} bytes; it was ignored")]
    TooLarge {
        /// The backend.
        service: String,
        /// The limit.
        limit: usize,
    },
    /// An HTTP error status; `message` is the server's own explanation when it gave one.
    #[error("{service} answered HTTP {status}: {message}")]
    Status {
        /// The backend.
        service: String,
        /// The status code.
        status: u16,
        /// What the server said, or a description of its body.
        message: String,
    },
    /// A success status with a body that is not what this service sends.
    #[error("{service} sent a reply TonnyTray cannot read ({detail})")]
    Malformed {
        /// The backend.
        service: String,
        /// What was wrong with it.
        detail: String,
    },
    /// The connection broke in the middle of the reply.
    #[error("{service} stopped in the middle of its reply ({reason})")]
    CutOff {
        /// The backend.
        service: String,
        /// What happened.
        reason: String,
    },
}

impl RemoteError {
    /// True when the same call may work later (down, slow, busy, restarting).
    pub fn is_transient(&self) -> bool {
        match self {
            RemoteError::Unreachable { .. }
            | RemoteError::Timeout { .. }
            | RemoteError::CutOff { .. } => true,
            RemoteError::Status { status, .. } => matches!(status, 408 | 429 | 502 | 503 | 504),
            RemoteError::TooLarge { .. } | RemoteError::Malformed { .. } => false,
        }
    }

    /// Classifies a `reqwest` failure (sending, or reading the body) for `service`.
    pub fn from_reqwest(service: &str, timeout_ms: u64, e: reqwest::Error) -> Self {
        let e = e.without_url();
        let service = service.to_owned();
        if e.is_timeout() {
            return RemoteError::Timeout {
                service,
                ms: timeout_ms,
            };
        }
        let reason = root_cause(&e);
        if e.is_connect() || e.is_request() && !e.is_body() {
            RemoteError::Unreachable { service, reason }
        } else if e.is_body() || e.is_decode() {
            RemoteError::CutOff { service, reason }
        } else {
            RemoteError::Unreachable { service, reason }
        }
    }
}

/// The innermost cause of an error, which is the one that says what happened ("Connection
/// refused") rather than where.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Runs an async client call from a blocking trait method (`Tts::synthesize`,
/// `Stt::transcribe`, which are called on blocking threads). On a blocking thread of a runtime
/// the caller's runtime runs it; anywhere else (a plain test, a CLI without a runtime) a small
/// one is made for it. Must not be called on an async worker thread.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle.block_on(f),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for one remote call")
            .block_on(f),
    }
}

/// An async client with our timeouts and TLS (rustls). `timeout` bounds a whole call.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .user_agent(concat!("TonnyTray/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building fails only when the TLS backend cannot initialise, which is a broken build.
        .expect("the HTTP client (rustls) could not be initialised")
}

/// A client for streamed replies: connection and first-byte limits only, since a long answer
/// may legitimately stream for longer than any whole-call timeout.
pub fn streaming_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("TonnyTray/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client (rustls) could not be initialised")
}

/// Reads a whole body, refusing more than `limit` bytes without buffering them.
pub async fn read_body(
    service: &str,
    timeout_ms: u64,
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, RemoteError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(RemoteError::TooLarge {
            service: service.to_owned(),
            limit,
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| RemoteError::from_reqwest(service, timeout_ms, e))?
    {
        if body.len() + chunk.len() > limit {
            return Err(RemoteError::TooLarge {
                service: service.to_owned(),
                limit,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Sends `request` and reads its body (bounded); a non-2xx status becomes
/// [`RemoteError::Status`] with the server's explanation.
pub async fn call(
    service: &str,
    timeout_ms: u64,
    request: reqwest::RequestBuilder,
) -> Result<(reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>), RemoteError> {
    let response = request
        .send()
        .await
        .map_err(|e| RemoteError::from_reqwest(service, timeout_ms, e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_body(service, timeout_ms, response, MAX_BODY_BYTES).await?;
    if !status.is_success() {
        return Err(RemoteError::Status {
            service: service.to_owned(),
            status: status.as_u16(),
            message: error_message(&body),
        });
    }
    Ok((status, headers, body))
}
