//! Puts ONNX Runtime beside the programs being built, where `runtime.rs` looks for it first.
//!
//! Piper voices load ONNX Runtime at run time (`ort`'s `load-dynamic`); nothing is linked. The
//! scripts unpack the library from PyPI's onnxruntime wheel into `.native/onnxruntime`
//! (`scripts/fetch-native.sh`), which `.cargo/config.toml` passes here as
//! `TONNY_ONNXRUNTIME_DIR`; this copies it into `target/<profile>`, so `cargo run`, the tests and
//! `run.sh` find it. Without it the build still succeeds: the programs then look for the system's
//! library, and say how to get one when a Piper voice is asked for. Hand-written: a file copy.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=TONNY_ONNXRUNTIME_DIR");
    let dir = env::var_os("TONNY_ONNXRUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(".native/onnxruntime"));
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = fs::read_dir(&dir) else {
        return; // not fetched: the system's library is used at run time
    };
    let libs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| name(p).starts_with("libonnxruntime.so."))
        .collect();
    let Some(profile) = profile_dir() else {
        return;
    };
    for lib in libs {
        copy_if_changed(&lib, &profile.join(name(&lib)));
    }
}

/// `target/<profile>`: `OUT_DIR` is `<that>/build/<package>-<hash>/out`.
fn profile_dir() -> Option<PathBuf> {
    let out = PathBuf::from(env::var_os("OUT_DIR")?);
    Some(out.parent()?.parent()?.parent()?.to_path_buf())
}

fn name(p: &Path) -> String {
    p.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Copies unless a file of the same size is there already (a running program keeps its copy).
fn copy_if_changed(from: &Path, to: &Path) {
    let same = match (fs::metadata(from), fs::metadata(to)) {
        (Ok(a), Ok(b)) => a.len() == b.len(),
        _ => false,
    };
    if !same {
        let tmp = to.with_extension("partial");
        fs::copy(from, &tmp).expect("copy ONNX Runtime beside the programs");
        fs::rename(&tmp, to).expect("move ONNX Runtime into place");
    }
}
