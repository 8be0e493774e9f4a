//! Turning what someone said into comparable words, the same way everywhere (permissions, the
//! local agent's grammar), so "What's the TIME?" and "what's the time" are one request.

/// Lowercase words without punctuation ("Buy, a GAME!" → `["buy", "a", "game"]`); apostrophes
/// stay inside words ("what's"), and typographic ones become plain.
pub fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    // A decimal point between digits ("1.5 hours") is part of the number, not a separator.
    let keeps = |i: usize| {
        let c = chars[i];
        c.is_alphanumeric()
            || c == '\''
            || c == '’'
            || (c == '.'
                && i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit))
    };
    let mut out = Vec::new();
    let mut word = String::new();
    for i in 0..=chars.len() {
        if i < chars.len() && keeps(i) {
            word.push(chars[i]);
            continue;
        }
        let w = word
            .trim_matches(['\'', '’'])
            .replace('’', "'")
            .to_lowercase();
        if !w.is_empty() {
            out.push(w);
        }
        word.clear();
    }
    out
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
        assert_eq!(words("1.5 hours. Done."), ["1.5", "hours", "done"]);
    }
}

/// Reads a spoken duration from words: "ten minutes", "an hour and a half", "2 and a half
/// minutes", "1 hour 20 minutes", "ninety seconds", "a quarter of an hour". `None` when the words
/// are not (only) a duration. Timers and reminders use it for their slot.
pub fn duration(words: &[String]) -> Option<std::time::Duration> {
    let mut total = 0.0_f64;
    let mut pending: Option<f64> = None; // a number waiting for its unit
    let mut last_unit: Option<f64> = None; // seconds per unit of the previous part
    let mut i = 0;
    let mut saw_unit = false;
    while i < words.len() {
        let w = words[i].as_str();
        if let Some(unit) = unit_seconds(w) {
            let n = pending.take().unwrap_or(1.0);
            total += n * unit;
            last_unit = Some(unit);
            saw_unit = true;
            i += 1;
            continue;
        }
        // "and a half" / "and a quarter" after a unit or before it ("two and a half minutes").
        if w == "and"
            && matches!(words.get(i + 1).map(String::as_str), Some("a" | "one"))
            && let Some(frac) = words.get(i + 2).and_then(|f| fraction(f))
        {
            match pending {
                Some(n) => pending = Some(n + frac),
                None => total += frac * last_unit?,
            }
            i += 3;
            continue;
        }
        if w == "and" || w == "of" {
            i += 1;
            continue;
        }
        // "half an hour", "a quarter of an hour".
        if let Some(frac) = fraction(w) {
            pending = Some(pending.unwrap_or(1.0) * frac);
            i += 1;
            continue;
        }
        let (n, used) = number(&words[i..])?;
        pending = Some(match pending {
            // "a half" / "an hour": the article was read as 1.
            Some(p) if p == 1.0 && matches!(w, "a" | "an") => n,
            Some(p) => p * n,
            None => n,
        });
        i += used;
    }
    if !saw_unit || pending.is_some() || total <= 0.0 {
        return None;
    }
    Some(std::time::Duration::from_millis(
        (total * 1000.0).round() as u64
    ))
}

fn unit_seconds(w: &str) -> Option<f64> {
    Some(match w {
        "second" | "seconds" | "sec" | "secs" => 1.0,
        "minute" | "minutes" | "min" | "mins" => 60.0,
        "hour" | "hours" => 3600.0,
        _ => return None,
    })
}

fn fraction(w: &str) -> Option<f64> {
    Some(match w {
        "half" => 0.5,
        "quarter" => 0.25,
        _ => return None,
    })
}

// A number in digits ("90", "1.5") or words up to the nineties and "hundred" ("twenty five",
// "one hundred"), with "a"/"an" as one. Returns the value and how many words it used.
fn number(words: &[String]) -> Option<(f64, usize)> {
    let first = words.first()?.as_str();
    if let Ok(n) = first.parse::<f64>() {
        return Some((n, 1));
    }
    if matches!(first, "a" | "an") {
        return Some((1.0, 1));
    }
    let small = |w: &str| -> Option<f64> {
        const ONES: [&str; 20] = [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ];
        ONES.iter().position(|o| *o == w).map(|p| p as f64)
    };
    let tens = |w: &str| -> Option<f64> {
        const TENS: [&str; 8] = [
            "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
        ];
        TENS.iter()
            .position(|t| *t == w)
            .map(|p| (p as f64 + 2.0) * 10.0)
    };
    let mut used = 0;
    let mut value = 0.0;
    if let Some(t) = tens(first) {
        value = t;
        used = 1;
        if let Some(o) = words
            .get(1)
            .and_then(|w| small(w))
            .filter(|o| *o < 10.0 && *o > 0.0)
        {
            value += o;
            used = 2;
        }
    } else if let Some(o) = small(first) {
        value = o;
        used = 1;
    }
    if used == 0 {
        return None;
    }
    if words.get(used).map(String::as_str) == Some("hundred") {
        value *= 100.0;
        used += 1;
    }
    Some((value, used))
}

#[cfg(test)]
mod duration_tests {
    use super::*;
    use std::time::Duration;

    fn d(text: &str) -> Option<u64> {
        duration(&words(text)).map(|d: Duration| d.as_secs())
    }

    #[test]
    fn spoken_durations_are_read_in_seconds() {
        assert_eq!(d("ten minutes"), Some(600));
        assert_eq!(d("10 minutes"), Some(600));
        assert_eq!(d("a minute"), Some(60));
        assert_eq!(d("an hour and a half"), Some(5400));
        assert_eq!(d("two and a half minutes"), Some(150));
        assert_eq!(d("1 hour 20 minutes"), Some(4800));
        assert_eq!(d("one hour and twenty five minutes"), Some(5100));
        assert_eq!(d("ninety seconds"), Some(90));
        assert_eq!(d("half an hour"), Some(1800));
        assert_eq!(d("a quarter of an hour"), Some(900));
        assert_eq!(d("1.5 hours"), Some(5400));
        assert_eq!(d("one hundred seconds"), Some(100));
    }

    #[test]
    fn words_that_are_not_a_duration_give_none() {
        assert_eq!(d("ten"), None, "no unit");
        assert_eq!(d("minutes"), Some(60), "a bare unit is one of it");
        assert_eq!(d("ten green minutes"), None);
        assert_eq!(d("zero minutes"), None, "nothing to time");
        assert_eq!(d("five minutes ten"), None, "a number left without a unit");
        assert_eq!(d(""), None);
    }
}

/// Words people put around a request that do not change it ("hey Tonny, please ...").
const LEADING: &[&str] = &[
    "hey tonny",
    "ok tonny",
    "okay tonny",
    "tonny",
    "hey",
    "please",
    "can you",
    "could you",
    "would you",
];
const TRAILING: &[&str] = &["please", "thanks", "thank you", "tonny"];

/// The request's [`words`] with greetings and politeness removed, joined by single spaces
/// ("Hey Tonny, what time is it, please?" → "what time is it"). The router matches quick-action
/// phrases on it and the local agent reads its grammar from it.
pub fn core_words(text: &str) -> String {
    let mut s = words(text).join(" ");
    loop {
        let before = s.len();
        for lead in LEADING {
            if let Some(rest) = s.strip_prefix(lead)
                && (rest.is_empty() || rest.starts_with(' '))
            {
                s = rest.trim_start().to_owned();
            }
        }
        for trail in TRAILING {
            if let Some(rest) = s.strip_suffix(trail)
                && (rest.is_empty() || rest.ends_with(' '))
            {
                s = rest.trim_end().to_owned();
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

/// A duration the way a person says it: "10 minutes", "1 hour and 30 minutes", "45 seconds".
/// Seconds are dropped once the duration passes an hour (nobody says "1 hour and 3 seconds").
pub fn describe_duration(d: std::time::Duration) -> String {
    let total = d.as_secs();
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    let unit = |n: u64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(unit(h, "hour"));
    }
    if m > 0 {
        parts.push(unit(m, "minute"));
    }
    if s > 0 && h == 0 || parts.is_empty() {
        parts.push(unit(s, "second"));
    }
    parts.join(" and ")
}

#[cfg(test)]
mod request_tests {
    use super::*;

    #[test]
    fn greetings_and_politeness_are_not_part_of_the_request() {
        assert_eq!(
            core_words("Hey Tonny, what time is it, please?"),
            "what time is it"
        );
        assert_eq!(core_words("Tonny please could you help"), "help");
        assert_eq!(core_words("Please."), "");
        assert_eq!(
            core_words("heyday"),
            "heyday",
            "only whole words are stripped"
        );
    }

    #[test]
    fn durations_are_described_as_people_say_them() {
        let d = |s| describe_duration(std::time::Duration::from_secs(s));
        assert_eq!(d(600), "10 minutes");
        assert_eq!(d(5400), "1 hour and 30 minutes");
        assert_eq!(d(3603), "1 hour");
        assert_eq!(d(90), "1 minute and 30 seconds");
        assert_eq!(d(1), "1 second");
        assert_eq!(d(0), "0 seconds");
    }
}
