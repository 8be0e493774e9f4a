//! The household's replacements (`stt.replacements`): what recognition writes one way and the
//! household writes another ("tony tray" → "TonnyTray", "e mail" → "email"), applied to every
//! transcript before it is typed, routed or kept.
//!
//! An entry is `FROM => TO`. `FROM` matches whole words, ignoring case ("tony tray" does not
//! match inside "stony trays"); a `*` at its start or end lets it match inside a word there
//! ("*gonna" also changes "wegonna"). `TO` is written as given. Entries apply in order.

use regex::{Regex, RegexBuilder};

/// The separator between what was heard and what to write.
pub const ARROW: &str = "=>";

/// Why an entry cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplacementError {
    /// No `=>`, or nothing before it.
    #[error("{0:?} is not a replacement: write it as `heard => written`")]
    Shape(String),
}

/// Parsed replacements, ready to apply.
#[derive(Debug, Clone, Default)]
pub struct Replacements {
    rules: Vec<(Regex, String)>,
}

fn rule(entry: &str) -> Result<(Regex, String), ReplacementError> {
    let shape = || ReplacementError::Shape(entry.to_owned());
    let (from, to) = entry.split_once(ARROW).ok_or_else(shape)?;
    let from = from.trim();
    let (inside_start, from) = match from.strip_prefix('*') {
        Some(rest) => (true, rest),
        None => (false, from),
    };
    let (inside_end, from) = match from.strip_suffix('*') {
        Some(rest) => (true, rest),
        None => (false, from),
    };
    let from = from.trim();
    if from.is_empty() {
        return Err(shape());
    }
    // Any run of spaces in the entry matches any run of whitespace in the text.
    let body = from
        .split_whitespace()
        .map(regex::escape)
        .collect::<Vec<_>>()
        .join(r"\s+");
    // A word boundary only where the entry's edge is a word character: "c++" has none after.
    let edge = |c: Option<char>, inside: bool| {
        if !inside && c.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            r"\b"
        } else {
            ""
        }
    };
    let pattern = format!(
        "{}{body}{}",
        edge(from.chars().next(), inside_start),
        edge(from.chars().last(), inside_end)
    );
    let regex = RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .build()
        .map_err(|_| shape())?;
    Ok((regex, to.trim().to_owned()))
}

impl Replacements {
    /// Parses `entries`; the first unusable one is the error.
    pub fn parse(entries: &[String]) -> Result<Self, ReplacementError> {
        let rules = entries
            .iter()
            .filter(|e| !e.trim().is_empty())
            .map(|e| rule(e))
            .collect::<Result<_, _>>()?;
        Ok(Self { rules })
    }

    /// Checks one entry (for settings validation).
    pub fn check(entry: &str) -> Result<(), ReplacementError> {
        rule(entry).map(|_| ())
    }

    /// `text` with every replacement applied, in order.
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (from, to) in &self.rules {
            out = from.replace_all(&out, regex::NoExpand(to)).into_owned();
        }
        out
    }

    /// True when there is nothing to replace.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(entries: &[&str], text: &str) -> String {
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        Replacements::parse(&entries).unwrap().apply(text)
    }

    #[test]
    fn whole_words_ignore_case_and_spacing() {
        let rules = ["tony tray => TonnyTray"];
        assert_eq!(
            apply(&rules, "Open Tony  tray settings."),
            "Open TonnyTray settings."
        );
        assert_eq!(apply(&rules, "stony trays"), "stony trays");
        assert_eq!(
            apply(&["e mail => email"], "Send an E mail."),
            "Send an email."
        );
    }

    #[test]
    fn a_star_matches_inside_words_and_symbols_need_no_boundary() {
        assert_eq!(
            apply(&["*gonna => going to"], "wegonna go"),
            "wegoing to go"
        );
        assert_eq!(apply(&["gonna => going to"], "wegonna go"), "wegonna go");
        assert_eq!(
            apply(&["c plus plus => C++"], "I like c plus plus."),
            "I like C++."
        );
        assert_eq!(apply(&["C++ => cpp"], "C++ rocks"), "cpp rocks");
        // `$1` in the written text is text, not a group.
        assert_eq!(apply(&["cost => $1"], "the cost"), "the $1");
    }

    #[test]
    fn entries_apply_in_order_and_bad_ones_are_named() {
        assert_eq!(apply(&["a => b", "b => c"], "a"), "c");
        for bad in ["no arrow here", " => nothing heard", "* => star"] {
            let e = Replacements::check(bad).unwrap_err();
            assert!(e.to_string().contains("heard => written"), "{e}");
        }
    }
}
