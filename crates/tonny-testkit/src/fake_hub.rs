//! A protocol-faithful fake of the Hugging Face hub, enough for model downloads.
//!
//! Serves, for each repository it is given:
//! - `GET /api/models/{owner}/{name}/tree/main` → a JSON list of files with `size`, git `oid`,
//!   and for large files an `lfs` object with the SHA-256 `oid`, as the hub's tree API does;
//! - `GET|HEAD /{owner}/{name}/resolve/main/{file}` → small files directly, large (LFS) files by a
//!   302 redirect to a content URL, both honouring `Range: bytes=N-` with `206 Partial Content`;
//! - unknown repositories → `404` with `X-Error-Code: RepoNotFound`, like the hub.
//!
//! Faults can be injected per file: cut the connection after N bytes (to test resume), or serve
//! corrupted bytes (to test checksum verification).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

/// Files above this size are served as LFS objects (the hub's threshold is 10 MB).
const LFS_THRESHOLD: usize = 10 * 1024 * 1024;

/// A fault to inject when serving one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// End every response once this many bytes of the file have been sent (a connection that
    /// keeps dropping), until [`FakeHub::clear_fault`].
    CutAfter(usize),
    /// Flip a byte in the middle of every response.
    Corrupt,
}

struct File {
    bytes: Arc<Vec<u8>>,
    sha256: String,
    git_oid: String,
}

#[derive(Default)]
struct Hub {
    repos: HashMap<String, Vec<(String, File)>>,
    faults: HashMap<(String, String), Fault>,
    /// Requests received, as "METHOD path [range]", for assertions.
    log: Vec<String>,
}

/// The running fake hub; stops when dropped.
pub struct FakeHub {
    addr: SocketAddr,
    state: Arc<Mutex<Hub>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    _thread: std::thread::JoinHandle<()>,
}

fn git_blob_oid(bytes: &[u8]) -> String {
    let mut h = sha1::Sha1::new();
    sha1::Digest::update(&mut h, format!("blob {}\0", bytes.len()).as_bytes());
    sha1::Digest::update(&mut h, bytes);
    hex::encode(sha1::Digest::finalize(h))
}

impl FakeHub {
    /// Starts on 127.0.0.1 on a free port, serving no repositories yet.
    pub fn start() -> Self {
        let state = Arc::new(Mutex::new(Hub::default()));
        let app_state = Arc::clone(&state);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for the fake hub");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let app = Router::new()
                    .route("/api/models/{owner}/{name}/tree/{rev}", get(tree))
                    .route(
                        "/{owner}/{name}/resolve/{rev}/{*file}",
                        get(resolve).head(resolve),
                    )
                    .route("/lfs-objects/{sha}", get(lfs_object).head(lfs_object))
                    .with_state(app_state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Self {
            addr: addr_rx.recv().expect("fake hub address"),
            state,
            _shutdown: tx,
            _thread: thread,
        }
    }

    /// The base URL to use as `HF_ENDPOINT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Publishes every file of `dir` as repository `repo` (`owner/name`).
    pub fn add_repo_from_dir(&self, repo: &str, dir: &Path) {
        let mut files = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            if e.path().is_file() {
                let bytes = std::fs::read(e.path()).unwrap();
                files.push((e.file_name().to_string_lossy().into_owned(), bytes));
            }
        }
        self.add_repo(repo, files);
    }

    /// Publishes `files` (name, content) as repository `repo`.
    pub fn add_repo(&self, repo: &str, files: Vec<(String, Vec<u8>)>) {
        let files = files
            .into_iter()
            .map(|(name, bytes)| {
                let sha256 = hex::encode(Sha256::digest(&bytes));
                let git_oid = git_blob_oid(&bytes);
                (
                    name,
                    File {
                        bytes: Arc::new(bytes),
                        sha256,
                        git_oid,
                    },
                )
            })
            .collect();
        self.state
            .lock()
            .unwrap()
            .repos
            .insert(repo.to_owned(), files);
    }

    /// Injects a fault into one file of one repository.
    pub fn fault(&self, repo: &str, file: &str, fault: Fault) {
        self.state
            .lock()
            .unwrap()
            .faults
            .insert((repo.to_owned(), file.to_owned()), fault);
    }

    /// Removes a fault.
    pub fn clear_fault(&self, repo: &str, file: &str) {
        self.state
            .lock()
            .unwrap()
            .faults
            .remove(&(repo.to_owned(), file.to_owned()));
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }
}

fn not_found(what: &str) -> Response {
    let mut r = (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "error": format!("{what} not found") })),
    )
        .into_response();
    r.headers_mut()
        .insert("x-error-code", HeaderValue::from_static("RepoNotFound"));
    r
}

async fn tree(
    State(state): State<Arc<Mutex<Hub>>>,
    UrlPath((owner, name, _rev)): UrlPath<(String, String, String)>,
) -> Response {
    let repo = format!("{owner}/{name}");
    let hub = state.lock().unwrap();
    let Some(files) = hub.repos.get(&repo) else {
        return not_found("Repository");
    };
    let list: Vec<serde_json::Value> = files
        .iter()
        .map(|(path, f)| {
            let mut entry = serde_json::json!({
                "type": "file",
                "oid": f.git_oid,
                "size": f.bytes.len(),
                "path": path,
            });
            if f.bytes.len() >= LFS_THRESHOLD {
                entry["lfs"] = serde_json::json!({
                    "oid": f.sha256,
                    "size": f.bytes.len(),
                    "pointerSize": 134,
                });
            }
            entry
        })
        .collect();
    axum::Json(list).into_response()
}

/// `Range: bytes=N-` → N.
fn range_start(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::RANGE)?
        .to_str()
        .ok()?
        .strip_prefix("bytes=")?
        .strip_suffix('-')?
        .parse()
        .ok()
}

fn serve_bytes(
    method: &Method,
    headers: &HeaderMap,
    bytes: Arc<Vec<u8>>,
    etag: &str,
    fault: Option<Fault>,
) -> Response {
    let total = bytes.len();
    let start = range_start(headers).unwrap_or(0).min(total);
    let mut body: Vec<u8> = bytes[start..].to_vec();
    if fault == Some(Fault::Corrupt) && !body.is_empty() {
        let mid = body.len() / 2;
        body[mid] ^= 0xFF;
    }
    let cut = match fault {
        Some(Fault::CutAfter(n)) => {
            body.truncate(n.saturating_sub(start).min(body.len()));
            true
        }
        _ => false,
    };
    let status = if start > 0 {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut builder = Response::builder()
        .status(status)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, format!("\"{etag}\""))
        // The real length: a cut response ends early, like a dropped connection.
        .header(header::CONTENT_LENGTH, total - start);
    if start > 0 {
        builder = builder.header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{total}", total - 1),
        );
    }
    if method == Method::HEAD {
        return builder.body(Body::empty()).unwrap();
    }
    if cut {
        // Send what there is, then fail the stream: the server aborts the connection, which is
        // what a client sees when a network drops mid-transfer.
        use futures_util::StreamExt;
        let data = futures_util::stream::iter([Ok::<_, std::io::Error>(body)]);
        let drop = futures_util::stream::once(async {
            // Let the data reach the client first, as on a real network.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected drop",
            ))
        });
        return builder.body(Body::from_stream(data.chain(drop))).unwrap();
    }
    builder.body(Body::from(body)).unwrap()
}

impl Hub {
    // Logs a download request as "METHOD PATH [Range]" for tests to inspect.
    fn record(&mut self, method: &Method, path: &str, headers: &HeaderMap) {
        let range = headers
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        self.log
            .push(format!("{method} {path} {range}").trim().to_owned());
    }
}

async fn resolve(
    State(state): State<Arc<Mutex<Hub>>>,
    method: Method,
    headers: HeaderMap,
    UrlPath((owner, name, _rev, file)): UrlPath<(String, String, String, String)>,
) -> Response {
    let repo = format!("{owner}/{name}");
    let mut hub = state.lock().unwrap();
    hub.record(&method, &format!("/{repo}/resolve/main/{file}"), &headers);
    let Some(files) = hub.repos.get(&repo) else {
        return not_found("Repository");
    };
    let Some((_, f)) = files.iter().find(|(p, _)| *p == file) else {
        let mut r = (StatusCode::NOT_FOUND, "Entry not found").into_response();
        r.headers_mut()
            .insert("x-error-code", HeaderValue::from_static("EntryNotFound"));
        return r;
    };
    let (bytes, git_oid, sha256) = (Arc::clone(&f.bytes), f.git_oid.clone(), f.sha256.clone());
    if bytes.len() >= LFS_THRESHOLD {
        // Large files live on a content store; the hub redirects there.
        return Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, format!("/lfs-objects/{sha256}"))
            .header("x-linked-etag", format!("\"{sha256}\""))
            .header("x-linked-size", bytes.len())
            .body(Body::empty())
            .unwrap();
    }
    let fault = hub.faults.get(&(repo.clone(), file.clone())).cloned();
    serve_bytes(&method, &headers, bytes, &git_oid, fault)
}

async fn lfs_object(
    State(state): State<Arc<Mutex<Hub>>>,
    method: Method,
    headers: HeaderMap,
    UrlPath(sha): UrlPath<String>,
) -> Response {
    let mut hub = state.lock().unwrap();
    hub.record(&method, &format!("/lfs-objects/{sha}"), &headers);
    let found = hub.repos.iter().find_map(|(repo, files)| {
        files
            .iter()
            .find(|(_, f)| f.sha256 == sha)
            .map(|(name, f)| (repo.clone(), name.clone(), Arc::clone(&f.bytes)))
    });
    let Some((repo, name, bytes)) = found else {
        return (StatusCode::NOT_FOUND, "no such object").into_response();
    };
    let fault = hub.faults.get(&(repo, name)).cloned();
    serve_bytes(&method, &headers, bytes, &sha, fault)
}
