//! Links CTranslate2 prebuilt on x86_64 Linux instead of compiling it.
//!
//! Compiling CTranslate2 and oneDNN from source took ~40 of a fresh machine's first 47 minutes on
//! two cores. PyPI's `ctranslate2` wheel carries the same library built by its maintainers (with
//! Intel MKL and oneDNN inside: the build faster-whisper runs), so on x86_64 Linux `ct2rs` is
//! used with its `system` feature and linked against that library.
//!
//! `scripts/fetch-native.sh` (which every script that builds runs) unpacks the wheel's
//! libraries into a folder, adds what `ct2rs`'s link step asks for that the wheel lacks (a
//! `libctranslate2.so` name, empty archives for `cpu_features` and the CUDA libraries), and
//! links it as `.native/ctranslate2`, which `.cargo/config.toml` passes to every build script as
//! `CMAKE_LIBRARY_PATH`; `ct2rs` adds it to the linker's search. This script checks the folder
//! (a clear error instead of a linker's) and copies the libraries beside the programs of the
//! profile being built, where their run path (`$ORIGIN`, `$ORIGIN/..`, also in
//! `.cargo/config.toml`) finds them; packages put them in `/usr/lib/tonnytray`
//! (`$ORIGIN/../lib/tonnytray`). Hand-written: it is glue between `ct2rs` and a wheel.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// The CTranslate2 release `ct2rs` compiles its bridge against (its vendored headers): the
/// library linked must be the same one.
const VERSION: &str = "4.8.4";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CMAKE_LIBRARY_PATH");
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if arch != "x86_64" || os != "linux" {
        return; // ct2rs builds CTranslate2 from source there (Cargo.toml).
    }
    let dir = prebuilt_dir();
    println!("cargo:rerun-if-changed={}", dir.display());
    let libs = shared_libraries(&dir);
    for needed in [
        "libctranslate2.so",
        "libcpu_features.a",
        "libcublas_static.a",
        "libcublasLt_static.a",
        "libculibos.a",
    ] {
        if !dir.join(needed).exists() {
            panic!("{needed} is missing: {}", missing(&dir));
        }
    }
    if let Some(profile_dir) = profile_dir() {
        for lib in &libs {
            copy_if_changed(lib, &profile_dir.join(file_name(lib)));
        }
    }
}

/// The first folder of `CMAKE_LIBRARY_PATH` (set by `.cargo/config.toml`).
fn prebuilt_dir() -> PathBuf {
    env::var_os("CMAKE_LIBRARY_PATH")
        .and_then(|paths| env::split_paths(&paths).next())
        .unwrap_or_else(|| PathBuf::from(".native/ctranslate2"))
}

/// The shared libraries in `dir` (CTranslate2 and the OpenMP runtime it was built with), by
/// their real names.
fn shared_libraries(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        panic!("{}", missing(dir));
    };
    let mut libs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| file_name(p).contains(".so.") && !p.is_symlink())
        .collect();
    libs.sort();
    let ct2 = libs
        .iter()
        .find(|p| file_name(p).starts_with("libctranslate2"));
    match ct2 {
        None => panic!("{}", missing(dir)),
        Some(p) if !file_name(p).ends_with(&format!(".so.{VERSION}")) => panic!(
            "{} is not CTranslate2 {VERSION}, the release ct2rs is built against: {}",
            p.display(),
            missing(dir)
        ),
        Some(_) => libs,
    }
}

fn missing(dir: &Path) -> String {
    format!(
        "CTranslate2 {VERSION} (the library in PyPI's ctranslate2 wheel) is not in {}: run \
         ./scripts/fetch-native.sh (the other scripts run it too)",
        dir.display()
    )
}

/// `target/<profile>` (or `target/<triple>/<profile>`): `OUT_DIR` is
/// `<that>/build/<package>-<hash>/out`.
fn profile_dir() -> Option<PathBuf> {
    let out = PathBuf::from(env::var_os("OUT_DIR")?);
    Some(out.parent()?.parent()?.parent()?.to_path_buf())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Copies unless a file of the same size is there already: a program running from the profile
/// folder keeps its library while a later build only checks.
fn copy_if_changed(from: &Path, to: &Path) {
    let same = match (fs::metadata(from), fs::metadata(to)) {
        (Ok(a), Ok(b)) => a.len() == b.len(),
        _ => false,
    };
    if !same {
        let tmp = to.with_extension("partial");
        fs::copy(from, &tmp).expect("copy the CTranslate2 library beside the programs");
        fs::rename(&tmp, to).expect("move the CTranslate2 library into place");
    }
}
