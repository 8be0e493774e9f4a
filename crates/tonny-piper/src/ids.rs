//! Phonemes to the model's input ids, as Piper numbers them: the sentence start, then each
//! phoneme's ids followed by the pad id, then the sentence end. Phonemes the voice does not know
//! are left out (Piper does the same) and counted, so a caller can tell when a voice does not fit
//! its language.

use std::collections::HashMap;

/// Marks the start of a sentence.
pub const BOS: &str = "^";
/// Marks its end.
pub const EOS: &str = "$";
/// Between phonemes.
pub const PAD: &str = "_";

/// A sentence's ids and the phonemes that had none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhonemeIds {
    /// The model's `input`.
    pub ids: Vec<i64>,
    /// Phonemes not in the voice's map (skipped).
    pub unknown: Vec<String>,
}

/// Numbers a sentence's phonemes with a voice's map (which must hold [`BOS`], [`EOS`], [`PAD`]:
/// `VoiceConfig::read` checks it).
pub fn phoneme_ids(map: &HashMap<String, Vec<i64>>, phonemes: &[String]) -> PhonemeIds {
    let pad = &map[PAD];
    let mut ids = Vec::with_capacity(phonemes.len() * 2 + 3);
    ids.extend(&map[BOS]);
    ids.extend(pad);
    let mut unknown = Vec::new();
    for phoneme in phonemes {
        match map.get(phoneme) {
            Some(these) => {
                ids.extend(these);
                ids.extend(pad);
            }
            None => unknown.push(phoneme.clone()),
        }
    }
    ids.extend(&map[EOS]);
    PhonemeIds { ids, unknown }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_framed_and_padded_like_pipers() {
        let map: HashMap<String, Vec<i64>> = [("^", 1), ("$", 2), ("_", 0), ("h", 20), (",", 8)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), vec![v]))
            .collect();
        let got = phoneme_ids(&map, &["h".into(), "ʘ".into(), ",".into()]);
        assert_eq!(got.ids, vec![1, 0, 20, 0, 8, 0, 2]);
        assert_eq!(got.unknown, vec!["ʘ".to_owned()]);
    }
}
