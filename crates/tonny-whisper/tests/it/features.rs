//! Our log-mel features against faster-whisper's own `FeatureExtractor`, on the same samples.

use std::process::Command;

use tonny_testkit::speech;
use tonny_whisper::features::MelExtractor;

use crate::load;

const DUMP: &str = r#"
import sys, numpy as np
from faster_whisper.feature_extractor import FeatureExtractor
audio = np.fromfile(sys.argv[1], dtype=np.float32)
feats = FeatureExtractor(feature_size=80)(audio).astype(np.float32)
np.array(feats.shape, dtype=np.int64).tofile(sys.argv[2] + ".shape")
feats.tofile(sys.argv[2])
"#;

#[test]
fn features_match_faster_whisper_on_every_shared_recording() {
    let python = speech::faster_whisper_python();
    let tmp = tempfile::tempdir().unwrap();
    let ours = MelExtractor::new(80);
    let mut worst = 0.0f32;
    for (wav, _) in speech::shared_recordings() {
        let samples = load(&wav);
        let raw = tmp.path().join("audio.f32");
        let out = tmp.path().join("feats.f32");
        std::fs::write(
            &raw,
            samples
                .iter()
                .flat_map(|s| s.to_le_bytes())
                .collect::<Vec<u8>>(),
        )
        .unwrap();
        let status = Command::new(&python)
            .args(["-c", DUMP])
            .arg(&raw)
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let shape: Vec<i64> = std::fs::read(out.with_extension("f32.shape"))
            .unwrap()
            .chunks(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let theirs: Vec<f32> = std::fs::read(&out)
            .unwrap()
            .chunks(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let mine = ours.compute(&samples);
        assert_eq!(
            (mine.n_mels as i64, mine.n_frames as i64),
            (shape[0], shape[1]),
            "{}",
            wav.display()
        );
        let max_diff = mine
            .data
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        eprintln!(
            "{}: {} frames, max |ours - faster-whisper| = {max_diff:.2e}",
            wav.display(),
            mine.n_frames
        );
        worst = worst.max(max_diff);
    }
    // Features are in log10 units / 4; 1e-4 is far below what changes a decode.
    assert!(
        worst < 1e-4,
        "features differ from faster-whisper by up to {worst}"
    );
}

#[test]
fn word_error_rate_is_no_worse_than_faster_whisper_at_beam_1_and_5() {
    use tonny_whisper::DecodeOptions;
    let recordings = speech::shared_recordings();
    let wavs: Vec<&std::path::Path> = recordings.iter().map(|(w, _)| w.as_path()).collect();
    let engine = crate::engine();
    for beam in [1usize, 5] {
        let theirs = speech::reference_texts(&wavs, beam);
        let (mut ours_e, mut theirs_e, mut n) = (0, 0, 0);
        for ((wav, reference), fw) in recordings.iter().zip(&theirs) {
            let text = engine
                .transcribe_with(
                    &load(wav),
                    Some("en"),
                    DecodeOptions {
                        beam_size: beam,
                        ..Default::default()
                    },
                )
                .unwrap()
                .text;
            let (e, words) = speech::word_errors(reference, &text);
            ours_e += e;
            n += words;
            theirs_e += speech::word_errors(reference, fw).0;
        }
        eprintln!("beam {beam}: TonnyTray {ours_e}/{n} word errors, faster-whisper {theirs_e}/{n}");
        assert!(
            ours_e <= theirs_e,
            "beam {beam}: {ours_e} errors vs faster-whisper's {theirs_e}"
        );
    }
}
