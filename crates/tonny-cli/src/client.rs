//! The running daemon of this home, as the `tonny` command reaches it. A daemon (`tonny serve`,
//! the tray) writes a runtime file beside the API token when its API answers; commands that
//! change or use the running assistant (`ask`, `listen`, `dictate`, `profiles use`,
//! `config set`, `secrets set`, `services`, `history`) go through its API when one runs, so the
//! tray and the web UI see them, and run in-process when none does.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;
use tonny_server::api::{ApiToken, auth::TOKEN_FILE};
use tonny_server::daemon::runtime;

use crate::ctx::Ctx;

/// A running daemon's API.
pub struct Daemon {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// An error the daemon answered, with its stable code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiFailure {
    /// The HTTP status.
    pub status: u16,
    /// The error's stable code (`pin_required`, `invalid_settings`, …).
    pub code: String,
    /// What the daemon said.
    pub message: String,
    /// Each refused field, for a settings change: `key: reason (accepted)`.
    pub fields: Vec<String>,
}

/// Forces in-process handling even when a daemon runs (`TONNY_NO_DAEMON=1`): benchmarks and
/// tests compare the two paths.
const NO_DAEMON_ENV: &str = "TONNY_NO_DAEMON";

impl Daemon {
    /// The daemon of `ctx`'s home, if one runs and answers its health check within a second.
    /// One that the runtime file names as running but that does not answer is reported on
    /// stderr, with what to do, before the command goes on in this process.
    pub async fn find(ctx: &Ctx) -> Option<Self> {
        if std::env::var_os(NO_DAEMON_ENV).is_some_and(|v| v != "0" && !v.is_empty()) {
            return None;
        }
        let info = runtime::read(&ctx.paths.data_dir)?;
        match Self::reach(ctx, &info).await {
            Ok(daemon) => Some(daemon),
            Err(why) => {
                eprintln!(
                    "tonny: the running TonnyTray (pid {}, {}) did not answer: {why:#}; doing \
                     this here instead, which that TonnyTray will not see until it restarts \
                     (or is sent SIGHUP). If it hangs, stop it; if it is gone, delete {}",
                    info.pid,
                    info.url,
                    runtime::runtime_path(&ctx.paths.data_dir).display()
                );
                None
            }
        }
    }

    async fn reach(ctx: &Ctx, info: &runtime::RuntimeInfo) -> anyhow::Result<Self> {
        let token = ApiToken::load(&ctx.paths.data_dir.join(TOKEN_FILE))
            .context("reading the API token")?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(1))
            .build()?;
        let base = info.url.trim_end_matches('/').to_owned();
        let answer = http
            .get(format!("{base}/healthz"))
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .context("asking its /healthz")?;
        if !answer.status().is_success() {
            bail!("its /healthz answered {}", answer.status());
        }
        Ok(Self {
            base,
            token: token.expose().to_owned(),
            http,
        })
    }

    /// Sends `method path` with a JSON `body`; returns the JSON answer (`null` for 204) or the
    /// daemon's error.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            request = request.json(&b);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("reaching the TonnyTray daemon at {}", self.base))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .context("reading the daemon's answer")?;
        let json: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).context("the daemon's answer is not JSON")?
        };
        if status.is_success() {
            return Ok(json);
        }
        let e = &json["error"];
        let fields = e["fields"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .map(|f| {
                        format!(
                            "{}: {} (accepted: {})",
                            f["key"].as_str().unwrap_or("?"),
                            f["reason"].as_str().unwrap_or(""),
                            f["accepted"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Err(ApiFailure {
            status: status.as_u16(),
            code: e["code"].as_str().unwrap_or("").to_owned(),
            message: e["message"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("the daemon answered {status}")),
            fields,
        }
        .into())
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// `POST path` with `body`.
    pub async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
}

impl Daemon {
    /// `POST path` with `bytes` as the body (audio).
    pub async fn upload(&self, path: &str, bytes: Vec<u8>) -> anyhow::Result<Value> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .with_context(|| format!("reaching the TonnyTray daemon at {}", self.base))?;
        let status = response.status();
        let json: Value = response
            .json()
            .await
            .context("reading the daemon's answer")?;
        if status.is_success() {
            return Ok(json);
        }
        Err(ApiFailure {
            status: status.as_u16(),
            code: json["error"]["code"].as_str().unwrap_or("").to_owned(),
            message: json["error"]["message"]
                .as_str()
                .unwrap_or("the daemon refused the audio")
                .to_owned(),
            fields: Vec::new(),
        }
        .into())
    }

    /// The daemon's event stream, from now on.
    pub async fn events(&self) -> anyhow::Result<Events> {
        let ws = self.base.replacen("http://", "ws://", 1);
        let url = format!("{ws}/api/v1/events?token={}", self.token);
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .context("opening the daemon's event stream")?;
        Ok(Events { socket })
    }
}

/// A running daemon's events, as JSON.
pub struct Events {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Events {
    /// The next event; `None` when the daemon closed the stream. Messages that are not
    /// events (the stream's own notices, an event of a newer daemon) are passed over.
    pub async fn next(&mut self) -> Option<tonny_core::pipeline::Event> {
        use futures_util::StreamExt;
        loop {
            match self.socket.next().await? {
                Ok(tokio_tungstenite::tungstenite::Message::Text(t)) => {
                    if let Ok(e) = serde_json::from_str(&t) {
                        return Some(e);
                    }
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
}

/// The daemon's refusal in `e`, if that is what it is.
pub fn failure(e: &anyhow::Error) -> Option<&ApiFailure> {
    e.downcast_ref::<ApiFailure>()
}

/// Fails with the daemon's field problems listed, for a refused settings change.
pub fn bail_fields(f: &ApiFailure) -> anyhow::Result<std::process::ExitCode> {
    if f.fields.is_empty() {
        bail!("{}", f.message);
    }
    bail!("{}:\n  - {}", f.message, f.fields.join("\n  - "))
}
