//! What a person said, written the way they meant it: filler words dropped, spoken punctuation
//! and line breaks turned into marks, "scratch that" taking back the last phrase, sentences
//! capitalised. Local and instant, so it is always available (the chat rewrite is optional).
//!
//! Hand-written rather than a crate: no maintained Rust crate does dictation clean-up, and the
//! rules need to know about the recogniser's own punctuation (Whisper writes "Hello, comma,
//! how" or "Hello. Comma. How" for a spoken comma), which a generic text tool would not.

use super::DictationMode;

/// Sounds people make while thinking, never meant to be written. Only whole tokens made of
/// letters match ("Um," is one; "Uh-huh" and "umbrella" are not).
const FILLERS: &[&str] = &[
    "um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah", "hmm", "hm", "mm", "mhm",
];

/// What a spoken command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spoken {
    /// Writes a punctuation mark after the previous word.
    Mark(&'static str),
    /// Starts a new line or paragraph.
    Break(&'static str),
    /// Takes back the phrase before it.
    Scratch,
}

/// Spoken commands, longest first so "new paragraph" is not read as "new" + something. Keys
/// are lowercase letters only, so "full-stop", "Full stop." and "fullstop" all match.
const SPOKEN: &[(&[&str], Spoken)] = &[
    (&["new", "paragraph"], Spoken::Break("\n\n")),
    (&["new", "line"], Spoken::Break("\n")),
    (&["full", "stop"], Spoken::Mark(".")),
    (&["question", "mark"], Spoken::Mark("?")),
    (&["exclamation", "mark"], Spoken::Mark("!")),
    (&["exclamation", "point"], Spoken::Mark("!")),
    (&["semi", "colon"], Spoken::Mark(";")),
    (&["scratch", "that"], Spoken::Scratch),
    (&["newparagraph"], Spoken::Break("\n\n")),
    (&["newline"], Spoken::Break("\n")),
    (&["fullstop"], Spoken::Mark(".")),
    (&["period"], Spoken::Mark(".")),
    (&["comma"], Spoken::Mark(",")),
    (&["colon"], Spoken::Mark(":")),
    (&["semicolon"], Spoken::Mark(";")),
];

/// Marks the recogniser puts after a word.
const TRAILING_MARKS: &[char] = &['.', ',', '?', '!', ';', ':', '…'];

fn ends_sentence(mark: &str) -> bool {
    mark.ends_with(['.', '?', '!', '…'])
}

/// One whitespace-separated token of the transcript.
struct Token<'a> {
    /// The token without its trailing marks ("Hello" of "Hello,").
    word: &'a str,
    /// Its trailing marks ("," of "Hello,").
    marks: &'a str,
    /// Lowercase letters and digits only, for matching commands and fillers.
    key: String,
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    text.split_whitespace()
        .map(|t| {
            let word = t.trim_end_matches(TRAILING_MARKS);
            Token {
                word,
                marks: &t[word.len()..],
                key: word
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .collect(),
            }
        })
        .collect()
}

/// The written text, piece by piece, before spacing and capitals are decided.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Word(String),
    Mark(String),
    Break(&'static str),
}

/// The spoken command starting at `tokens[i]`, and how many tokens it takes.
fn spoken_at(tokens: &[Token<'_>], i: usize) -> Option<(usize, Spoken)> {
    SPOKEN.iter().find_map(|(words, action)| {
        let candidate = tokens.get(i..i + words.len())?;
        candidate
            .iter()
            .zip(words.iter())
            .all(|(t, w)| t.key == *w)
            .then_some((words.len(), *action))
    })
}

fn is_filler(t: &Token<'_>) -> bool {
    t.word.chars().all(char::is_alphabetic) && FILLERS.contains(&t.key.as_str())
}

/// Drops the marks at the end of `out` (the recogniser's, about to be replaced).
fn drop_marks(out: &mut Vec<Piece>) {
    while matches!(out.last(), Some(Piece::Mark(_))) {
        out.pop();
    }
}

/// "Scratch that": the last phrase (back to the previous mark or line break) goes, with the
/// mark that closed it.
fn scratch(out: &mut Vec<Piece>) {
    drop_marks(out);
    while matches!(out.last(), Some(Piece::Word(_))) {
        out.pop();
    }
}

/// A word the recogniser capitalised only because it started a sentence that a spoken comma
/// has joined to the previous one: lowercased, unless it is "I" or has more capitals
/// ("NASA", "McDonald"). A plain name there ("comma. Paris") is lowercased too: the
/// recogniser gave no way to tell, and a sentence-start capital is the common case.
fn joined(word: &str) -> String {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let rest = chars.as_str();
    let pronoun_i = first == 'I' && (rest.is_empty() || rest.starts_with(['\'', '’']));
    if pronoun_i || !first.is_uppercase() || rest.chars().any(char::is_uppercase) {
        return word.to_owned();
    }
    first.to_lowercase().chain(rest.chars()).collect()
}

/// The transcript as pieces, with fillers dropped and spoken commands carried out.
fn pieces(text: &str) -> Vec<Piece> {
    let tokens = tokens(text);
    let mut out: Vec<Piece> = Vec::new();
    // The next word was capitalised by the recogniser after a sentence it ended where the
    // person said a comma (or colon): it continues the sentence.
    let mut continues = false;
    let mut i = 0;
    while i < tokens.len() {
        if let Some((n, action)) = spoken_at(&tokens, i) {
            match action {
                Spoken::Mark(mark) => {
                    drop_marks(&mut out);
                    // A mark needs a word before it (none at the start or after a break).
                    if matches!(out.last(), Some(Piece::Word(_))) {
                        out.push(Piece::Mark(mark.to_owned()));
                    }
                    continues = !ends_sentence(mark) && ends_sentence(tokens[i + n - 1].marks);
                }
                Spoken::Break(b) => {
                    out.push(Piece::Break(b));
                    continues = false;
                }
                Spoken::Scratch => {
                    scratch(&mut out);
                    continues = false;
                }
            }
            i += n;
            continue;
        }
        let t = &tokens[i];
        i += 1;
        if is_filler(t) {
            // "I think, um." keeps its full stop; a filler's comma goes with it.
            if ends_sentence(t.marks) && matches!(out.last(), Some(Piece::Word(_) | Piece::Mark(_)))
            {
                drop_marks(&mut out);
                out.push(Piece::Mark(t.marks.to_owned()));
            }
            continue;
        }
        let word = if std::mem::take(&mut continues) {
            joined(t.word)
        } else {
            t.word.to_owned()
        };
        out.push(Piece::Word(word));
        if !t.marks.is_empty() {
            out.push(Piece::Mark(t.marks.to_owned()));
        }
    }
    out
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A full stop after the last word, unless a sentence mark is there (mail is written in full
/// sentences).
fn end_sentence(out: &mut Vec<Piece>) {
    let breaks = out
        .iter()
        .rev()
        .take_while(|p| matches!(p, Piece::Break(_)))
        .count();
    let at = out.len() - breaks;
    match out[..at].last() {
        Some(Piece::Word(_)) => out.insert(at, Piece::Mark(".".into())),
        Some(Piece::Mark(m)) if !ends_sentence(m) => out[at - 1] = Piece::Mark(".".into()),
        _ => {}
    }
}

/// Spaces between words, marks against the word before them, capitals at the start of each
/// sentence and line, and "i" as "I".
fn render(pieces: &[Piece]) -> String {
    let mut s = String::new();
    let mut capital = true;
    for piece in pieces {
        match piece {
            Piece::Word(w) => {
                if !s.is_empty() && !s.ends_with('\n') {
                    s.push(' ');
                }
                let lower = w.to_lowercase();
                let pronoun_i = lower == "i" || lower.starts_with("i'") || lower.starts_with("i’");
                if pronoun_i || capital {
                    s.push_str(&capitalised(w));
                } else {
                    s.push_str(w);
                }
                capital = false;
            }
            Piece::Mark(m) => {
                s.push_str(m);
                capital = ends_sentence(m);
            }
            Piece::Break(b) => {
                s.truncate(s.trim_end_matches(' ').len());
                s.push_str(b);
                capital = true;
            }
        }
    }
    s
}

/// `text` written as `mode` asks: verbatim as recognised, cleaned up, or cleaned up into full
/// sentences (mail).
pub fn clean_up(text: &str, mode: DictationMode) -> String {
    match mode {
        DictationMode::Verbatim => text.to_owned(),
        DictationMode::Clean => render(&pieces(text)),
        DictationMode::Mail => {
            let mut p = pieces(text);
            end_sentence(&mut p);
            render(&p)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(text: &str) -> String {
        clean_up(text, DictationMode::Clean)
    }

    #[test]
    fn fillers_go_and_their_commas_with_them() {
        assert_eq!(
            clean("Um, I think, uh, we should go."),
            "I think, we should go."
        );
        assert_eq!(clean("I think, um."), "I think.");
        assert_eq!(clean("Uh-huh, an umbrella."), "Uh-huh, an umbrella.");
        assert_eq!(clean("um"), "");
    }

    #[test]
    fn spoken_punctuation_replaces_the_recognisers_own() {
        assert_eq!(
            clean("Hello comma how are you question mark"),
            "Hello, how are you?"
        );
        assert_eq!(clean("Hello, comma, how are you?"), "Hello, how are you?");
        assert_eq!(clean("Hello. Comma. How are you."), "Hello, how are you.");
        assert_eq!(
            clean("it works full stop it is fast"),
            "It works. It is fast"
        );
        assert_eq!(
            clean("Note colon milk semi-colon eggs period"),
            "Note: milk; eggs."
        );
        assert_eq!(clean("Wow exclamation mark"), "Wow!");
        assert_eq!(clean("comma at the start"), "At the start");
    }

    #[test]
    fn line_breaks_start_a_capitalised_line() {
        assert_eq!(
            clean("Dear Sam, new line. thanks for the book. New paragraph. See you"),
            "Dear Sam,\nThanks for the book.\n\nSee you"
        );
        assert_eq!(clean("one newline two"), "One\nTwo");
    }

    #[test]
    fn scratch_that_takes_back_the_last_phrase() {
        assert_eq!(clean("Buy milk. Scratch that. Buy bread."), "Buy bread.");
        assert_eq!(
            clean("Buy milk, eggs, scratch that, bread."),
            "Buy milk, bread."
        );
        assert_eq!(clean("send it scratch that"), "");
        assert_eq!(clean("Scratch that. Hello."), "Hello.");
    }

    #[test]
    fn i_is_a_capital_and_names_keep_theirs() {
        assert_eq!(
            clean("so i'm sure i will, NASA too"),
            "So I'm sure I will, NASA too"
        );
    }

    #[test]
    fn mail_ends_in_full_sentences_and_verbatim_is_untouched() {
        assert_eq!(
            clean_up("um see you tomorrow comma", DictationMode::Mail),
            "See you tomorrow."
        );
        assert_eq!(
            clean_up("Best wishes new line", DictationMode::Mail),
            "Best wishes.\n"
        );
        let said = "um ls dash la comma new line";
        assert_eq!(clean_up(said, DictationMode::Verbatim), said);
    }
}
