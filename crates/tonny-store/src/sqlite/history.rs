//! Transcriptions and their full-text index.

use rusqlite::{Row, params};

use super::{SqliteDb, from_ms, now_ms};
use crate::error::{Result, StoreError};
use crate::records::{HistoryQuery, NewTranscription, SearchHit, Transcription};

const SELECT: &str = "SELECT t.id, t.created_at, t.text, t.confidence, t.speaker, p.name, t.source,
                             t.language, t.audio_ms, t.stt_ms, t.routed_to, t.status
                      FROM transcriptions t LEFT JOIN profiles p ON p.id = t.profile_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Transcription> {
    Ok(Transcription {
        id: r.get(0)?,
        created_at: from_ms(r.get(1)?),
        text: r.get(2)?,
        confidence: r.get(3)?,
        speaker: r.get(4)?,
        profile: r.get(5)?,
        source: r.get(6)?,
        language: r.get(7)?,
        audio_ms: r.get(8)?,
        stt_ms: r.get(9)?,
        routed_to: r.get(10)?,
        status: r.get(11)?,
    })
}

/// Turns what a person types into a safe FTS5 query: every word must appear (in any order);
/// a trailing `*` keeps prefix search. Quoting each word means FTS5 syntax characters in the
/// input (`"`, `-`, `:`, `NEAR`) are searched for literally instead of failing.
pub(crate) fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split_whitespace()
        .filter_map(|word| {
            let (word, prefix) = match word.strip_suffix('*') {
                Some(w) => (w, true),
                None => (word, false),
            };
            let cleaned: String = word
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect();
            (!cleaned.is_empty()).then(|| {
                format!(
                    "\"{}\"{}",
                    cleaned.replace('"', "\"\""),
                    if prefix { "*" } else { "" }
                )
            })
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

impl SqliteDb {
    /// Stores a transcription; returns its id after the commit.
    pub fn insert_transcription(&self, t: &NewTranscription) -> Result<i64> {
        self.write("store a transcription", |c| {
            let mut stmt = c.prepare_cached(
                "INSERT INTO transcriptions
                     (created_at, profile_id, text, confidence, speaker, language, source,
                      audio_ms, stt_ms, routed_to)
                 VALUES (?1, (SELECT id FROM profiles WHERE name = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            stmt.execute(params![
                now_ms(),
                t.profile,
                t.text,
                t.confidence,
                t.speaker,
                t.language,
                t.source,
                t.audio_ms,
                t.stt_ms,
                t.routed_to,
            ])?;
            Ok(c.last_insert_rowid())
        })
    }

    /// Lists transcriptions newest first.
    pub fn list_transcriptions(&self, q: &HistoryQuery) -> Result<Vec<Transcription>> {
        self.read("list history", |c| {
            let mut stmt = c.prepare_cached(&format!(
                "{SELECT}
                 WHERE (?1 IS NULL OR t.id < ?1)
                   AND (?2 IS NULL OR p.name = ?2)
                   AND (?3 IS NULL OR t.created_at >= ?3)
                 ORDER BY t.id DESC LIMIT ?4"
            ))?;
            let rows = stmt.query_map(
                params![
                    q.before_id,
                    q.profile,
                    q.since.map(|s| s.timestamp_millis()),
                    q.limit
                ],
                from_row,
            )?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Full-text search over transcriptions, newest matches first.
    ///
    /// Newest first rather than by relevance: every hit contains every word, and what a household
    /// looks for is usually recent ("what did I ask about the porch light?"). It is also what
    /// keeps a search fast on a large history: FTS5 walks its index backwards and stops at the
    /// limit instead of scoring every match.
    pub fn search_transcriptions(&self, query: &str, limit: u32) -> Result<Vec<SearchHit>> {
        let fts = fts_query(query).ok_or(StoreError::EmptySearch)?;
        self.read("search history", |c| {
            let mut stmt = c.prepare_cached(
                "WITH hits AS (
                     SELECT rowid AS id, snippet(transcriptions_fts, 0, '[', ']', '…', 16) AS snip
                     FROM transcriptions_fts WHERE transcriptions_fts MATCH ?1
                     ORDER BY rowid DESC LIMIT ?2)
                 SELECT t.id, t.created_at, t.text, t.confidence, t.speaker, p.name, t.source,
                        t.language, t.audio_ms, t.stt_ms, t.routed_to, t.status, hits.snip
                 FROM hits JOIN transcriptions t ON t.id = hits.id
                 LEFT JOIN profiles p ON p.id = t.profile_id
                 ORDER BY t.id DESC",
            )?;
            let rows = stmt.query_map(params![fts, limit], |r| {
                Ok(SearchHit {
                    transcription: from_row(r)?,
                    snippet: r.get(12)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn user_text_becomes_a_literal_all_words_query() {
        assert_eq!(fts_query("set timer").unwrap(), r#""set" "timer""#);
        assert_eq!(fts_query("tim*").unwrap(), r#""tim"*"#);
        assert_eq!(fts_query(r#"NEAR("a" -b:"#).unwrap(), r#""NEARa" "b""#);
        assert_eq!(fts_query("  \" - "), None);
    }
}
