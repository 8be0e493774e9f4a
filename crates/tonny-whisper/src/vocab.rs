//! Whisper's vocabulary: token ids ↔ token strings, the special tokens, and turning byte-level
//! BPE tokens back into text.
//!
//! Decoding needs no BPE merges: GPT-2 byte-level tokens are bytes written with a fixed 256-entry
//! byte↔char table, so text is "map each char back to its byte, read UTF-8". That table is all we
//! use of a tokenizer (we never encode text: prompts reuse token ids the model produced), so the
//! `tokenizers` crate and its native dependencies are not pulled in for it.

use std::collections::HashMap;
use std::path::Path;

use tonny_providers::stt::models::ModelError;

/// Ids of the special tokens the decoder needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specials {
    /// `<|startoftranscript|>`.
    pub sot: usize,
    /// `<|endoftext|>`; every text token id is below it.
    pub eot: usize,
    /// `<|startofprev|>`: introduces the previous window's text as context.
    pub sot_prev: usize,
    /// `<|transcribe|>` (multilingual models).
    pub transcribe: usize,
    /// `<|notimestamps|>`; the first timestamp token follows it.
    pub no_timestamps: usize,
}

impl Specials {
    /// `<|0.00|>`; timestamp `k` is `timestamp_begin + k`, in 20 ms steps.
    pub fn timestamp_begin(&self) -> usize {
        self.no_timestamps + 1
    }
}

/// The model's tokens.
pub struct Vocabulary {
    /// Token string by id.
    tokens: Vec<String>,
    /// Id by token string.
    ids: HashMap<String, usize>,
    /// Special token ids.
    pub specials: Specials,
    /// Byte value of each of the 256 characters the byte-level encoding uses.
    byte_of: HashMap<char, u8>,
}

/// GPT-2's byte→char table: printable Latin-1 bytes stand for themselves, the others are moved
/// to code points from 256 upwards, in byte order.
fn byte_table() -> HashMap<char, u8> {
    let mut map = HashMap::with_capacity(256);
    let mut next = 256u32;
    for b in 0u32..=255 {
        let printable =
            (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
        let c = if printable {
            b
        } else {
            next += 1;
            next - 1
        };
        map.insert(char::from_u32(c).expect("valid code point"), b as u8);
    }
    map
}

impl Vocabulary {
    /// Loads `vocabulary.txt` (one token per line), `vocabulary.json` (an array), or, failing
    /// both, the vocabulary inside `tokenizer.json`.
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let txt = dir.join("vocabulary.txt");
        let json = dir.join("vocabulary.json");
        let tokens: Vec<String> = if txt.is_file() {
            let text =
                std::fs::read_to_string(&txt).map_err(|e| ModelError::bad(&txt, e.to_string()))?;
            text.lines().map(str::to_owned).collect()
        } else if json.is_file() {
            let text = std::fs::read_to_string(&json)
                .map_err(|e| ModelError::bad(&json, e.to_string()))?;
            serde_json::from_str(&text)
                .map_err(|e| ModelError::bad(&json, format!("not a JSON list of tokens: {e}")))?
        } else {
            from_tokenizer_json(&dir.join("tokenizer.json"))?
        };
        let ids: HashMap<String, usize> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i))
            .collect();
        let find = |t: &str| {
            ids.get(t).copied().ok_or_else(|| {
                ModelError::bad(
                    &dir.join("vocabulary.txt"),
                    format!("it has no {t} token; is this a Whisper model?"),
                )
            })
        };
        let specials = Specials {
            sot: find("<|startoftranscript|>")?,
            eot: find("<|endoftext|>")?,
            sot_prev: find("<|startofprev|>")?,
            transcribe: find("<|transcribe|>")?,
            no_timestamps: find("<|notimestamps|>")?,
        };
        Ok(Self {
            tokens,
            ids,
            specials,
            byte_of: byte_table(),
        })
    }

    /// The token string for `id`.
    pub fn token(&self, id: usize) -> &str {
        self.tokens.get(id).map_or("", String::as_str)
    }

    /// The id of a token string.
    pub fn id(&self, token: &str) -> Option<usize> {
        self.ids.get(token).copied()
    }

    /// The language token id for an ISO code (`en` → `<|en|>`), if the model has one.
    pub fn language(&self, code: &str) -> Option<usize> {
        self.id(&format!("<|{code}|>"))
    }

    /// Text of the text tokens among `ids` (special and timestamp tokens are skipped).
    pub fn decode(&self, ids: &[usize]) -> String {
        let mut bytes = Vec::new();
        for &id in ids.iter().filter(|&&id| id < self.specials.eot) {
            for c in self.token(id).chars() {
                match self.byte_of.get(&c) {
                    Some(b) => bytes.push(*b),
                    // Not byte-level (should not happen with Whisper): keep the char as is.
                    None => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

fn from_tokenizer_json(path: &Path) -> Result<Vec<String>, ModelError> {
    let text = std::fs::read_to_string(path).map_err(|_| ModelError::Missing {
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        file: "vocabulary.txt (or vocabulary.json, or tokenizer.json)".into(),
    })?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| ModelError::bad(path, format!("not valid JSON: {e}")))?;
    let mut pairs: Vec<(usize, String)> = Vec::new();
    if let Some(vocab) = v.pointer("/model/vocab").and_then(|x| x.as_object()) {
        for (tok, id) in vocab {
            if let Some(id) = id.as_u64() {
                pairs.push((id as usize, tok.clone()));
            }
        }
    }
    for added in v
        .get("added_tokens")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
    {
        if let (Some(id), Some(tok)) = (added["id"].as_u64(), added["content"].as_str()) {
            pairs.push((id as usize, tok.to_owned()));
        }
    }
    if pairs.is_empty() {
        return Err(ModelError::bad(path, "it holds no vocabulary".into()));
    }
    let len = pairs.iter().map(|(i, _)| i + 1).max().unwrap_or(0);
    let mut tokens = vec![String::new(); len];
    for (id, tok) in pairs {
        tokens[id] = tok;
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_table_round_trips_all_bytes() {
        let t = byte_table();
        assert_eq!(t.len(), 256);
        assert_eq!(t[&'Ġ'], b' ');
        assert_eq!(t[&'a'], b'a');
        let mut seen: Vec<u8> = t.values().copied().collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 256);
    }

    #[test]
    fn decodes_byte_level_tokens_and_skips_specials() {
        let dir = tempfile::tempdir().unwrap();
        let mut lines: Vec<String> = vec![
            "ĠTurn".into(),
            "Ġon".into(),
            "Ġcaf".into(),
            "Ã©".into(),
            ".".into(),
        ];
        lines.extend(
            [
                "<|endoftext|>",
                "<|startoftranscript|>",
                "<|en|>",
                "<|transcribe|>",
                "<|startofprev|>",
                "<|notimestamps|>",
                "<|0.00|>",
            ]
            .map(String::from),
        );
        std::fs::write(dir.path().join("vocabulary.txt"), lines.join("\n")).unwrap();
        let v = Vocabulary::load(dir.path()).unwrap();
        assert_eq!(v.specials.eot, 5);
        assert_eq!(v.specials.timestamp_begin(), 11);
        assert_eq!(v.language("en"), Some(7));
        assert_eq!(v.decode(&[6, 0, 1, 2, 3, 4, 5, 11]), " Turn on café.");
    }
}
