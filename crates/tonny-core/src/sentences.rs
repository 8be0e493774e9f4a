//! Cutting streamed agent text into sentences, so each can be spoken as soon as it is complete.
//!
//! An agent streams its answer a few characters at a time; waiting for the whole answer before
//! speaking costs seconds. [`SentenceSplitter`] takes the pieces as they come and hands back
//! every sentence the moment its end is certain (the terminator followed by a space or line
//! break), and a long run without a full stop is cut at a clause boundary so the voice is never
//! starved by a run-on sentence.

/// Abbreviations whose full stop does not end a sentence (compared lowercase, without the dot).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "approx", "no", "jr", "sr",
];

/// A clause longer than this (in characters) is cut at its last comma, semicolon or colon.
pub const LONG_CLAUSE_CHARS: usize = 160;

/// Collects streamed text and yields whole sentences.
#[derive(Debug, Default)]
pub struct SentenceSplitter {
    buffer: String,
}

fn ends_sentence(buffer: &str, at: usize, c: char) -> bool {
    match c {
        '!' | '?' | '…' | '\n' => true,
        '.' => {
            let before = &buffer[..at];
            // "3.5" has no space after the dot and never reaches here; "Dr. Who" does.
            let word = before
                .rsplit(|ch: char| ch.is_whitespace())
                .next()
                .unwrap_or("")
                .trim_start_matches(['(', '"', '\'']);
            let lower = word.to_lowercase();
            let single_initial = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
            !(ABBREVIATIONS.contains(&lower.as_str()) || single_initial)
        }
        _ => false,
    }
}

impl SentenceSplitter {
    /// An empty splitter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a streamed piece; returns the sentences it completed, trimmed, in order.
    pub fn push(&mut self, piece: &str) -> Vec<String> {
        self.buffer.push_str(piece);
        let mut out = Vec::new();
        loop {
            let cut = self.find_cut();
            let Some(end) = cut else { break };
            let sentence: String = self.buffer.drain(..end).collect();
            let sentence = sentence.trim();
            // Stray punctuation ("..", a lone quote) is nothing to say.
            if sentence.chars().any(char::is_alphanumeric) {
                out.push(sentence.to_owned());
            }
        }
        out
    }

    /// Text received but not yet part of a returned sentence, untrimmed; lets a caller map a
    /// sentence end back onto the text it fed in.
    pub fn pending(&self) -> &str {
        &self.buffer
    }

    /// Everything left once the stream has ended.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.buffer);
        let rest = rest.trim();
        rest.chars()
            .any(char::is_alphanumeric)
            .then(|| rest.to_owned())
    }

    // Byte index just past a certain sentence end, if the buffer holds one.
    fn find_cut(&self) -> Option<usize> {
        let b = &self.buffer;
        for (i, c) in b.char_indices() {
            if c == '\n' {
                return Some(i + 1);
            }
            // Closing quotes and brackets belong to the sentence they end.
            if matches!(c, '.' | '!' | '?' | '…') {
                let mut end = i + c.len_utf8();
                let mut rest = b[end..].chars();
                let mut following = rest.next();
                while let Some(q @ ('"' | '\'' | ')' | '”' | '’')) = following {
                    end += q.len_utf8();
                    following = rest.next();
                }
                if following.is_some_and(char::is_whitespace) && ends_sentence(b, i, c) {
                    return Some(end);
                }
                // At the very end of what has arrived: `!`/`?` end a sentence, and so does a
                // full stop right after a lowercase word ("star."), which saves waiting for
                // the next piece; "3." or "U.S." wait to see what follows.
                let before = b[..i].chars().next_back();
                if following.is_none()
                    && end == b.len()
                    && ends_sentence(b, i, c)
                    && (c != '.' || before.is_some_and(char::is_lowercase))
                {
                    return Some(end);
                }
            }
        }
        if b.chars().count() > LONG_CLAUSE_CHARS {
            // A run-on: cut after the last clause mark that has a space after it.
            return b
                .char_indices()
                .rev()
                .find(|&(i, c)| {
                    matches!(c, ',' | ';' | ':') && b[i + 1..].starts_with(char::is_whitespace)
                })
                .map(|(i, _)| i + 1);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(pieces: &[&str]) -> Vec<String> {
        let mut s = SentenceSplitter::new();
        let mut out: Vec<String> = pieces.iter().flat_map(|p| s.push(p)).collect();
        out.extend(s.finish());
        out
    }

    #[test]
    fn sentences_come_out_as_soon_as_they_end() {
        let mut s = SentenceSplitter::new();
        assert!(s.push("It is sunny").is_empty());
        assert_eq!(s.push(" today."), vec!["It is sunny today."]);
        assert!(s.push(" Take").is_empty());
        assert_eq!(s.push(" a hat!"), vec!["Take a hat!"]);
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn numbers_abbreviations_and_initials_do_not_end_sentences() {
        assert_eq!(
            stream(&["It costs 3.50 euros. Dr. Smith and J. R. Hartley agree, e.g. on price. Ok?"]),
            vec![
                "It costs 3.50 euros.",
                "Dr. Smith and J. R. Hartley agree, e.g. on price.",
                "Ok?"
            ]
        );
    }

    #[test]
    fn an_uncertain_full_stop_waits_for_the_next_piece() {
        let mut s = SentenceSplitter::new();
        assert!(s.push("It costs 3.").is_empty(), "3.5 may follow");
        assert_eq!(s.push("5 euros. Ok"), vec!["It costs 3.5 euros."]);
        assert!(s.push(" Mr.").is_empty(), "an abbreviation");
        assert!(s.push(" Smith came from the U.S.").is_empty(), "initials");
        assert_eq!(
            s.finish().as_deref(),
            Some("Ok Mr. Smith came from the U.S.")
        );
        assert!(stream(&["Wait.", "..", " Go"]) == vec!["Wait.", "Go"]);
    }

    #[test]
    fn quotes_and_line_breaks() {
        assert_eq!(
            stream(&["He said \"go.\" Then", " left\nNew line"]),
            vec!["He said \"go.\"", "Then left", "New line"]
        );
    }

    #[test]
    fn a_run_on_sentence_is_cut_at_a_clause() {
        let long = format!("{}, and then {}", "word ".repeat(30), "more ".repeat(10));
        let out = stream(&[&long]);
        assert!(out.len() >= 2, "{out:?}");
        assert!(out[0].ends_with(','));
    }

    #[test]
    fn character_by_character_gives_the_same_sentences() {
        let text = "First one. Second one? Third!";
        let pieces: Vec<String> = text.chars().map(String::from).collect();
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        assert_eq!(stream(&refs), vec!["First one.", "Second one?", "Third!"]);
    }
}
