//! Text to phonemes with the `espeak-ng` program, the way Piper's phonemizer makes them.
//!
//! Piper links libespeak-ng and asks it for one clause at a time
//! (`espeak_TextToPhonemesWithTerminator`), keeping each clause's punctuation as a phoneme of its
//! own (`,` `.` `?` …) because its voices were trained with them. espeak-ng is GPL, so we run
//! the program instead of linking it; the program prints IPA without the punctuation. So the
//! clauses are cut here, by the same rules espeak-ng's library applies, each is phonemized on a
//! line of its own (one process for the whole text, a blank line after each clause: espeak-ng
//! answers each with its phonemes and a blank line), and the punctuation is put back.
//! Hand-written: no crate phonemizes for Piper without linking espeak-ng.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use unicode_normalization::UnicodeNormalization as _;
use wait_timeout::ChildExt as _;

use crate::PiperError;

/// A clause of text and the punctuation that ended it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The words.
    pub text: String,
    /// The phonemes Piper adds for the punctuation (`"."`, `", "`, `""` …).
    pub terminator: &'static str,
    /// Whether a sentence ends here (Piper synthesises sentence by sentence).
    pub ends_sentence: bool,
}

/// Cuts text into clauses where espeak-ng's library does: at `.` `?` `!` `,` `:` `;` (and runs
/// of them, and `…`) followed by white space or the end.
pub fn clauses(text: &str) -> Vec<Clause> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut words = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_clause_mark(c) {
            let start = i;
            while i < chars.len() && is_clause_mark(chars[i]) {
                i += 1;
            }
            if i == chars.len() || chars[i].is_whitespace() {
                let run: String = chars[start..i].iter().collect();
                let (terminator, ends_sentence) = terminator_of(&run);
                push_clause(&mut out, &mut words, terminator, ends_sentence);
            } else {
                // Inside a word or number ("3.5", "e.g"): part of the text.
                words.extend(&chars[start..i]);
            }
            continue;
        }
        words.push(if c == '\n' || c == '\r' || c == '\t' {
            ' '
        } else {
            c
        });
        i += 1;
    }
    push_clause(&mut out, &mut words, "", true);
    out
}

fn is_clause_mark(c: char) -> bool {
    matches!(c, '.' | '?' | '!' | ',' | ':' | ';' | '…')
}

/// What Piper's phonemizer adds for a run of punctuation, and whether it ends a sentence.
fn terminator_of(run: &str) -> (&'static str, bool) {
    if run.contains("...") || run.contains('…') {
        // espeak-ng reports an ellipsis as a clause end with no terminator.
        ("", false)
    } else if run.contains('?') {
        ("?", true)
    } else if run.contains('!') {
        ("!", true)
    } else if run.contains('.') {
        (".", true)
    } else if run.contains(',') {
        (", ", false)
    } else if run.contains(';') {
        ("; ", false)
    } else {
        (": ", false)
    }
}

fn push_clause(out: &mut Vec<Clause>, words: &mut String, terminator: &'static str, ends: bool) {
    let text = words.split_whitespace().collect::<Vec<_>>().join(" ");
    words.clear();
    if text.chars().any(char::is_alphanumeric) {
        out.push(Clause {
            text,
            terminator,
            ends_sentence: ends,
        });
    } else if let Some(last) = out.last_mut() {
        // Punctuation alone ("Really?!" after a clause): ends what came before.
        if ends {
            last.ends_sentence = true;
        }
    }
}

/// Runs espeak-ng to phonemize clauses.
#[derive(Debug, Clone)]
pub struct Phonemizer {
    program: String,
    timeout: Duration,
}

impl Default for Phonemizer {
    fn default() -> Self {
        Self {
            program: "espeak-ng".into(),
            timeout: Duration::from_secs(10),
        }
    }
}

impl Phonemizer {
    /// Runs another espeak-ng program (packagers, tests).
    pub fn with_program(mut self, program: impl Into<String>) -> Self {
        self.program = program.into();
        self
    }

    /// Gives up on one text after this long.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The text's sentences as Piper phonemes: each a list of phonemes (single Unicode scalars
    /// after NFD), punctuation included.
    pub fn sentences(&self, voice: &str, text: &str) -> Result<Vec<Vec<String>>, PiperError> {
        let clauses = clauses(text);
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        let phonemes = self.run(voice, &clauses)?;
        let mut sentences = Vec::new();
        let mut current = String::new();
        for (clause, ipa) in clauses.iter().zip(phonemes) {
            current.push_str(&ipa);
            current.push_str(clause.terminator);
            if clause.ends_sentence {
                sentences.push(split_phonemes(&std::mem::take(&mut current)));
            }
        }
        if !current.trim().is_empty() {
            sentences.push(split_phonemes(&current));
        }
        sentences.retain(|s| !s.is_empty());
        Ok(sentences)
    }

    /// One espeak-ng for every clause: each on a line followed by a blank line, so each answer
    /// is a group of lines ended by a blank one (a long clause may span several lines).
    fn run(&self, voice: &str, clauses: &[Clause]) -> Result<Vec<String>, PiperError> {
        let mut input = String::new();
        for clause in clauses {
            input.push_str(&clause.text);
            input.push_str("\n\n");
        }
        let mut child = Command::new(&self.program)
            .args(["-q", "--ipa", "-b", "1", "-v", voice])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                PiperError::Phonemizer(if e.kind() == std::io::ErrorKind::NotFound {
                    "Piper voices make their phonemes with espeak-ng, which is not installed \
                     (Debian/Ubuntu: sudo apt install espeak-ng)"
                        .to_owned()
                } else {
                    format!("could not start {}: {e}", self.program)
                })
            })?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let mut stdout = child.stdout.take().expect("piped stdout");
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            stdout.read_to_string(&mut text).map(|_| text)
        });
        let mut stderr = child.stderr.take().expect("piped stderr");
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let status = match child.wait_timeout(self.timeout) {
            Ok(Some(status)) => status,
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PiperError::Phonemizer(format!(
                    "espeak-ng took longer than {} ms and was stopped",
                    self.timeout.as_millis()
                )));
            }
            Err(e) => return Err(PiperError::Phonemizer(format!("espeak-ng: {e}"))),
        };
        let _ = writer.join();
        let output = reader
            .join()
            .expect("reader thread")
            .map_err(|e| PiperError::Phonemizer(format!("reading espeak-ng's phonemes: {e}")))?;
        let stderr = errors.join().unwrap_or_default();
        if !status.success() {
            return Err(PiperError::Phonemizer(format!(
                "espeak-ng failed for voice {voice:?} ({status}): {}",
                stderr.trim()
            )));
        }
        let groups = groups(&output);
        if groups.len() != clauses.len() {
            return Err(PiperError::Phonemizer(format!(
                "espeak-ng answered {} clauses for {}; the espeak-ng version may phonemize \
                 differently",
                groups.len(),
                clauses.len()
            )));
        }
        Ok(groups)
    }
}

/// espeak-ng's answer, one string per clause (the lines of a group joined by a space).
fn groups(output: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines: Vec<&str> = Vec::new();
    for line in output.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !lines.is_empty() {
                out.push(lines.join(" "));
                lines.clear();
            }
        } else {
            lines.push(line);
        }
    }
    if !lines.is_empty() {
        out.push(lines.join(" "));
    }
    out
}

/// Piper's last steps: language-switch marks like `(en)` removed, NFD, one phoneme per scalar.
fn split_phonemes(ipa: &str) -> Vec<String> {
    let mut cleaned = String::with_capacity(ipa.len());
    let mut depth = 0usize;
    for c in ipa.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => cleaned.push(c),
            _ => {}
        }
    }
    cleaned.trim_end().nfd().map(|c| c.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str) -> Vec<(String, &'static str, bool)> {
        clauses(text)
            .into_iter()
            .map(|c| (c.text, c.terminator, c.ends_sentence))
            .collect()
    }

    #[test]
    fn clauses_end_at_punctuation_before_a_space() {
        assert_eq!(
            cut("Hello, world. How are you?"),
            vec![
                ("Hello".into(), ", ", false),
                ("world".into(), ".", true),
                ("How are you".into(), "?", true),
            ]
        );
    }

    #[test]
    fn numbers_and_runs_of_marks_are_kept_together() {
        assert_eq!(
            cut("It costs 3.5 dollars!!! Really?"),
            vec![
                ("It costs 3.5 dollars".into(), "!", true),
                ("Really".into(), "?", true),
            ]
        );
        assert_eq!(
            cut("Wait... what"),
            vec![("Wait".into(), "", false), ("what".into(), "", true)]
        );
    }

    #[test]
    fn text_without_words_has_no_clauses() {
        assert!(cut(" ... !").is_empty());
        assert_eq!(
            cut("line one\nline two"),
            vec![("line one line two".into(), "", true)]
        );
    }

    #[test]
    fn answers_are_grouped_by_blank_lines() {
        assert_eq!(
            groups("həlˈoʊ\n\nlˈɔŋ\nmˈɔːɹ\n\n"),
            vec!["həlˈoʊ".to_owned(), "lˈɔŋ mˈɔːɹ".to_owned()]
        );
    }

    #[test]
    fn language_marks_are_dropped_and_phonemes_are_single_scalars() {
        assert_eq!(split_phonemes("(en)hˈaɪ(fr)"), vec!["h", "ˈ", "a", "ɪ"]);
        // NFD splits a precomposed letter into its base and its mark.
        assert_eq!(split_phonemes("é"), vec!["e", "\u{301}"]);
    }
}
