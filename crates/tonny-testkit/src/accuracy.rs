//! Recordings for the accuracy test (issue #18, item 7) that are not in `../shared`: 36 short
//! household commands, Piper and espeak-ng in turn, with 0.1–1 s of silence before them and,
//! for two thirds, white noise at −40 or −30 dBFS; and three passages of 40 s or more read by
//! espeak-ng at different rates with 1–1.5 s pauses, two with noise.
//!
//! They are made once per machine and kept in the cache (`accuracy-sets-v1`, with a
//! `transcripts.tsv` that `scripts/bench-accuracy.sh` reads too): the Piper voice varies from
//! take to take, and the reference engine's answers are cached by the recordings' bytes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::speech::{cache_root, espeak, provision, run};

/// A recording and what was said in it.
pub type Said = (PathBuf, String);

/// The two sets.
pub struct Sets {
    /// The short commands (about 3 s each).
    pub short: Vec<Said>,
    /// The long passages (40 s or more each).
    pub long: Vec<Said>,
}

const COMMANDS: &str = include_str!("../fixtures/accuracy-commands.txt");
const PASSAGES: &str = include_str!("../fixtures/accuracy-passages.txt");

/// The sets, made on first use with `piper(text, out_wav)` speaking the Piper takes (the
/// caller has the voice: `tonny say`).
pub fn sets(piper: impl Fn(&str, &Path)) -> Sets {
    let dir = cache_root().join("accuracy-sets-v1");
    let list = dir.join("transcripts.tsv");
    provision("accuracy-sets-v1", || {
        if list.is_file() {
            return;
        }
        let staging = dir.with_extension("partial");
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir_all(&staging).unwrap();
        let tsv = make(&staging, &piper);
        fs::write(staging.join("transcripts.tsv"), tsv).unwrap();
        let _ = fs::remove_dir_all(&dir);
        fs::rename(&staging, &dir).unwrap();
    });
    let (mut short, mut long) = (Vec::new(), Vec::new());
    for line in fs::read_to_string(&list).unwrap().lines() {
        let (file, text) = line.split_once('\t').expect("file<TAB>text");
        let said = (dir.join(file), text.to_owned());
        if file.starts_with('c') {
            short.push(said);
        } else {
            long.push(said);
        }
    }
    Sets { short, long }
}

/// Makes every recording in `dir`; returns the `transcripts.tsv` lines.
fn make(dir: &Path, piper: &impl Fn(&str, &Path)) -> String {
    let mut tsv = String::new();
    let raw = dir.join("raw.wav");
    for (i, text) in COMMANDS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
    {
        if i % 2 == 0 {
            piper(text, &raw);
        } else {
            espeak(text, &raw);
        }
        let name = format!("c{i:02}.wav");
        let noise = [None, Some(-40), Some(-30)][(i / 2) % 3];
        finish(&raw, &dir.join(&name), [0.1, 0.5, 1.0][i % 3], noise);
        tsv.push_str(&format!("{name}\t{text}\n"));
    }
    // (words per minute, pause after each sentence, noise)
    let readings = [
        (135, 1200, None),
        (150, 1500, Some(-40)),
        (140, 1000, Some(-32)),
    ];
    for (i, (text, (rate, pause_ms, noise))) in PASSAGES
        .lines()
        .filter(|l| !l.trim().is_empty())
        .zip(readings)
        .enumerate()
    {
        let ssml: String = text
            .split_inclusive(". ")
            .map(|s| format!("{}<break time=\"{pause_ms}ms\"/>", s.trim()))
            .collect();
        run(
            Command::new("espeak-ng")
                .args(["-m", "-v", "en-us", "-s", &rate.to_string(), "-w"])
                .arg(&raw)
                .arg(format!("<speak>{ssml}</speak>")),
            "espeak-ng (apt-get install espeak-ng; scripts/test.sh does this)",
        );
        let name = format!("l{i}.wav");
        finish(&raw, &dir.join(&name), 0.3, noise);
        tsv.push_str(&format!("{name}\t{text}\n"));
    }
    let _ = fs::remove_file(&raw);
    tsv
}

/// `raw` as 16 kHz mono in `out`, with `lead` s of silence before and 0.6 s after, and white
/// noise at `noise_db` dBFS mixed in (sox; `-R` makes the noise the same on every run).
fn finish(raw: &Path, out: &Path, lead: f32, noise_db: Option<i32>) {
    const SOX: &str = "sox (apt-get install sox; scripts/test.sh does this)";
    let padded = out.with_extension("pad.wav");
    run(
        Command::new("sox")
            .arg("-D")
            .arg(raw)
            .args(["-r", "16000", "-c", "1"])
            .arg(&padded)
            .args(["pad", &lead.to_string(), "0.6"]),
        SOX,
    );
    let Some(db) = noise_db else {
        fs::rename(&padded, out).unwrap();
        return;
    };
    let samples = crate::speech::read_wav(&padded).len();
    let noise = out.with_extension("noise.wav");
    run(
        Command::new("sox")
            .args(["-R", "-D", "-n", "-r", "16000", "-c", "1"])
            .arg(&noise)
            .args(["synth", &format!("{samples}s"), "whitenoise", "vol"])
            .arg(format!("{db}dB")),
        SOX,
    );
    run(
        Command::new("sox")
            .args(["-D", "-m"])
            .arg(&padded)
            .arg(&noise)
            .arg(out),
        SOX,
    );
    let _ = fs::remove_file(padded);
    let _ = fs::remove_file(noise);
}
