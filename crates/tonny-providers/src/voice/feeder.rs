//! What to send a streaming voice, and when to make it speak: text goes in whole words (a
//! word still being written may grow, "sun" → "sunny"), and a flush asks for speech at each
//! sentence end and once after the first few words, so the reply starts sounding before its
//! first sentence is finished.

use tonny_core::sentences::SentenceSplitter;
use tonny_core::tts::StreamText;

/// Turns streamed reply pieces into [`StreamText`] for a voice.
#[derive(Debug)]
pub(crate) struct StreamFeeder {
    text: String,
    // Bytes of `text` sent, and sent when the voice was last told to speak.
    sent: usize,
    flushed: usize,
    splitter: SentenceSplitter,
    first_words: usize,
    started: bool,
}

impl StreamFeeder {
    /// A feeder that flushes after the first `first_words` words (0: at the first sentence or
    /// clause end only).
    pub fn new(first_words: usize) -> Self {
        Self {
            text: String::new(),
            sent: 0,
            flushed: 0,
            splitter: SentenceSplitter::new(),
            first_words,
            started: false,
        }
    }

    /// Adds a piece; returns what to send now.
    pub fn push(&mut self, piece: &str) -> Vec<StreamText> {
        self.text.push_str(piece);
        let mut out = Vec::new();
        if !self.splitter.push(piece).is_empty() {
            let sentence_end = self.text.len() - self.splitter.pending().len();
            self.send_to(sentence_end, &mut out);
            self.flush(&mut out);
        }
        let unsent = &self.text[self.sent..];
        if let Some((i, c)) = unsent.char_indices().rev().find(|(_, c)| c.is_whitespace()) {
            let word_end = self.sent + i + c.len_utf8();
            self.send_to(word_end, &mut out);
        }
        if !self.started {
            let said = self.text[..self.sent].trim_end();
            let words = said.split_whitespace().count();
            let clause = said.ends_with([',', ';', ':']);
            if (self.first_words > 0 && words >= self.first_words) || clause {
                self.flush(&mut out);
            }
        }
        out
    }

    /// The end of the reply: the rest of the text (the voice speaks it when the input closes).
    pub fn finish(&mut self) -> Vec<StreamText> {
        let mut out = Vec::new();
        self.send_to(self.text.len(), &mut out);
        out
    }

    /// Everything received from the word holding character `chars` on: what another voice
    /// must say if this one stops having spoken `chars` characters (a word cut in the middle
    /// is said again whole).
    pub fn after(&self, chars: usize) -> String {
        let Some((mut at, _)) = self.text.char_indices().nth(chars) else {
            return String::new();
        };
        while let Some(before) = self.text[..at].chars().next_back() {
            if before.is_whitespace() || self.text[at..].starts_with(char::is_whitespace) {
                break;
            }
            at -= before.len_utf8();
        }
        self.text[at..].to_owned()
    }

    fn send_to(&mut self, end: usize, out: &mut Vec<StreamText>) {
        // A lone space waits for the word after it; it still separates the two.
        if end > self.sent && !self.text[self.sent..end].trim().is_empty() {
            out.push(StreamText::Text(self.text[self.sent..end].to_owned()));
            self.sent = end;
        }
    }

    fn flush(&mut self, out: &mut Vec<StreamText>) {
        if self.sent > self.flushed {
            out.push(StreamText::Flush);
            self.flushed = self.sent;
            self.started = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(first_words: usize, pieces: &[&str]) -> Vec<String> {
        let mut f = StreamFeeder::new(first_words);
        let mut out: Vec<StreamText> = pieces.iter().flat_map(|p| f.push(p)).collect();
        out.extend(f.finish());
        out.into_iter()
            .map(|t| match t {
                StreamText::Text(t) => t,
                StreamText::Flush => "|".into(),
            })
            .collect()
    }

    #[test]
    fn the_first_word_is_spoken_at_once_and_then_each_sentence() {
        let pieces = ["The", " sun", " is", " a", " star.", " It", " is", " hot."];
        assert_eq!(
            feed(1, &pieces),
            [
                "The ", "|", "sun ", "is ", "a star.", "|", " It ", "is hot.", "|"
            ]
        );
        // Sent text joined is the reply, unchanged.
        let sent: String = feed(1, &pieces).into_iter().filter(|t| t != "|").collect();
        assert_eq!(sent, pieces.concat());
    }

    #[test]
    fn words_are_sent_whole_and_zero_waits_for_a_sentence_or_clause() {
        assert_eq!(
            feed(0, &["Hel", "lo", " there", " friend"]),
            ["Hello ", "there ", "friend"]
        );
        assert_eq!(
            feed(0, &["Well,", " maybe", " so."]),
            ["Well, ", "|", "maybe so.", "|"]
        );
        assert_eq!(
            feed(3, &["One", " two", " three", " four"]),
            ["One ", "two ", "three ", "|", "four"]
        );
    }

    #[test]
    fn what_is_left_after_a_failure_counts_characters() {
        let mut f = StreamFeeder::new(1);
        f.push("Héllo wörld. ");
        f.push("Bye");
        assert_eq!(f.after(6), "wörld. Bye");
        assert_eq!(f.after(0), "Héllo wörld. Bye");
        // Cut inside "wörld": the word is said again.
        assert_eq!(f.after(8), "wörld. Bye");
        assert_eq!(f.after(5), " wörld. Bye");
        assert_eq!(f.after(99), "");
    }
}
