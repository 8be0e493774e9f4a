//! A running TonnyTray daemon (`tonny serve`, the tray) as tests reach it: found through the
//! runtime file it writes beside its token once its API answers, called with the token, and
//! its event stream read as JSON — so tests wait on events, not on words printed to stderr.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;

/// A running daemon's API.
pub struct DaemonApi {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    /// The bearer token.
    pub token: String,
    http: reqwest::blocking::Client,
}

impl DaemonApi {
    /// Waits (up to `timeout`) for the daemon of the home at `home` to write its runtime file
    /// and answer `/healthz`.
    pub fn wait(home: &Path, timeout: Duration) -> Self {
        let data = home.join("data");
        let http = reqwest::blocking::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let start = Instant::now();
        loop {
            let info = std::fs::read(data.join("daemon.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
            let token = std::fs::read_to_string(data.join("api-token")).ok();
            if let (Some(info), Some(token)) = (info, token) {
                let url = info["url"]
                    .as_str()
                    .unwrap_or("")
                    .trim_end_matches('/')
                    .to_owned();
                let healthy = http
                    .get(format!("{url}/healthz"))
                    .send()
                    .is_ok_and(|r| r.status().is_success());
                if healthy {
                    return Self {
                        url,
                        token: token.trim().to_owned(),
                        http,
                    };
                }
            }
            assert!(
                start.elapsed() < timeout,
                "no daemon answered in {} within {timeout:?}",
                home.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `method path` with `body` as JSON; the status and the JSON answer (`null` when empty).
    pub fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().expect("calling the daemon");
        let status = res.status().as_u16();
        let bytes = res.bytes().unwrap_or_default();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, json)
    }

    /// `GET path`, which must succeed.
    pub fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None);
        assert!((200..300).contains(&status), "GET {path}: {status} {body}");
        body
    }

    /// `POST path` with `body`, which must succeed.
    pub fn post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(reqwest::Method::POST, path, Some(body));
        assert!(
            (200..300).contains(&status),
            "POST {path}: {status} {answer}"
        );
        answer
    }

    /// `PATCH /api/v1/settings` with `patch`, which must succeed.
    pub fn patch_settings(&self, patch: Value) -> Value {
        let (status, answer) = self.call(reqwest::Method::PATCH, "/api/v1/settings", Some(patch));
        assert_eq!(status, 200, "settings refused: {answer}");
        answer
    }

    /// The daemon's events from now on.
    pub fn events(&self) -> Events {
        let url = format!(
            "{}/api/v1/events?token={}",
            self.url.replacen("http://", "ws://", 1),
            self.token
        );
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let sink = Arc::clone(&seen);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let Ok((mut ws, _)) = tokio_tungstenite::connect_async(url).await else {
                    let _ = ready_tx.send(false);
                    return;
                };
                let _ = ready_tx.send(true);
                while let Some(Ok(msg)) = ws.next().await {
                    if let Ok(text) = msg.to_text()
                        && let Ok(v) = serde_json::from_str::<Value>(text)
                    {
                        sink.lock().unwrap().push(v);
                    }
                }
            });
        });
        assert!(
            ready.recv_timeout(Duration::from_secs(10)).unwrap_or(false),
            "the event stream did not open"
        );
        Events { seen }
    }
}

/// A filter for [`Events::wait_for`]: events whose `type` is `kind`.
pub fn of_type(kind: &'static str) -> impl Fn(&Value) -> bool {
    move |e| e["type"] == kind
}

/// An event's `text` (a transcript, a reply) in lower case, for checks that it heard a word.
pub fn text_of(e: &Value) -> String {
    e["text"].as_str().unwrap_or_default().to_lowercase()
}

/// Events read from a daemon's stream, kept in order.
pub struct Events {
    seen: Arc<Mutex<Vec<Value>>>,
}

impl Events {
    /// Events another reader collects into `seen` (a program's `--events` lines).
    pub(crate) fn shared(seen: Arc<Mutex<Vec<Value>>>) -> Self {
        Events { seen }
    }

    /// Every event so far.
    pub fn all(&self) -> Vec<Value> {
        self.seen.lock().unwrap().clone()
    }

    /// The events of `kind` so far.
    pub fn of(&self, kind: &str) -> Vec<Value> {
        self.all()
            .into_iter()
            .filter(|e| e["type"] == kind)
            .collect()
    }

    /// Waits for an event `pick` accepts (looking at all so far first); panics with what came.
    pub fn wait_for(&self, timeout: Duration, pick: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_after(0, timeout, pick)
    }

    /// How many events have come so far: a mark for [`Events::wait_for_after`].
    pub fn len(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// True before the first event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Like [`Events::wait_for`], among the events after the first `mark` only (a second
    /// utterance's `listening`, not the first one's).
    pub fn wait_for_after(
        &self,
        mark: usize,
        timeout: Duration,
        pick: impl Fn(&Value) -> bool,
    ) -> Value {
        let start = Instant::now();
        loop {
            if let Some(e) = self.all().into_iter().skip(mark).find(|e| pick(e)) {
                return e;
            }
            assert!(
                start.elapsed() < timeout,
                "the awaited event never came within {timeout:?}; saw {:#?}",
                self.all()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
