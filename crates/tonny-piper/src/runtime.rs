//! Finding and loading ONNX Runtime, once per process.
//!
//! The library is loaded when the first Piper voice is, not at start: a person who never uses
//! one never maps its 30 MB. It is looked for, in order: the file `TONNY_ONNXRUNTIME` names (or
//! `ORT_DYLIB_PATH`, `ort`'s own variable); beside the program, one folder up (test programs in
//! `deps/`), and in `../lib/tonnytray` (the packages install it in `/usr/lib/tonnytray`); then
//! wherever the system's loader finds `libonnxruntime.so.1`. A failure is remembered and told
//! the same way each time (a second attempt cannot succeed in the same process).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::PiperError;

/// The name the system's loader is asked for last.
const SYSTEM_NAME: &str = "libonnxruntime.so.1";

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The loaded ONNX Runtime.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) env: ort::environment::Environment,
    path: PathBuf,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("path", &self.path).finish()
    }
}

impl Runtime {
    /// The process's ONNX Runtime, loaded on first use.
    pub fn get() -> Result<Runtime, PiperError> {
        RUNTIME
            .get_or_init(load)
            .clone()
            .map_err(PiperError::Runtime)
    }

    /// The library file in use.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn load() -> Result<Runtime, String> {
    let candidates = candidates();
    let mut tried = Vec::new();
    for path in &candidates {
        match ort::init_from(path) {
            Ok(builder) => {
                let env = builder
                    .with_name("tonnytray")
                    .build()
                    .map_err(|e| format!("ONNX Runtime ({}) did not start: {e}", path.display()))?;
                tracing::info!(component = "tts", path = %path.display(), "ONNX Runtime loaded");
                return Ok(Runtime {
                    env,
                    path: path.clone(),
                });
            }
            Err(e) => tried.push(e.to_string()),
        }
    }
    Err(format!(
        "Piper voices need ONNX Runtime (libonnxruntime.so.1), which was not found or did not \
         load; install TonnyTray's package (it ships the library), or set TONNY_ONNXRUNTIME to \
         the library's path. Tried: {}",
        tried.join("; ")
    ))
}

/// Where the library is looked for, in order.
fn candidates() -> Vec<PathBuf> {
    let named = ["TONNY_ONNXRUNTIME", "ORT_DYLIB_PATH"]
        .into_iter()
        .filter_map(|var| std::env::var_os(var).filter(|v| !v.is_empty()))
        .map(PathBuf::from)
        .collect::<Vec<_>>();
    if !named.is_empty() {
        // An explicit choice is the only one tried: a wrong path must not be hidden by another.
        return named;
    }
    let mut out = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        for folder in [dir.clone(), dir.join(".."), dir.join("../lib/tonnytray")] {
            out.extend(library_in(&folder));
        }
    }
    out.push(PathBuf::from(SYSTEM_NAME));
    out
}

/// `libonnxruntime.so*` files in a folder, newest version first.
fn library_in(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libonnxruntime.so"))
        })
        .collect();
    found.sort_by_key(|p| std::cmp::Reverse(version_of(p)));
    found
}

fn version_of(path: &Path) -> Vec<u32> {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("libonnxruntime.so"))
        .map(|v| v.split('.').filter_map(|p| p.parse().ok()).collect())
        .unwrap_or_default()
}
