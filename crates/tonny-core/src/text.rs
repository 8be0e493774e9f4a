//! Turning what someone said into comparable words, the same way everywhere (permissions, the
//! local agent's grammar), so "What's the TIME?" and "what's the time" are one request.

/// Lowercase words without punctuation ("Buy, a GAME!" → `["buy", "a", "game"]`); apostrophes
/// stay inside words ("what's"), and typographic ones become plain.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(['\'', '’']).replace('’', "'").to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_case_and_curly_apostrophes_do_not_matter() {
        assert_eq!(words("What’s the TIME?!"), ["what's", "the", "time"]);
        assert_eq!(
            words("  'quoted'  words, here. "),
            ["quoted", "words", "here"]
        );
        assert!(words("?!").is_empty());
    }
}
