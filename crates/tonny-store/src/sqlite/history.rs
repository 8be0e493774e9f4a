//! Transcriptions and their full-text index.

use rusqlite::types::ToSql;
use rusqlite::{Row, params, params_from_iter};

use super::{SqliteDb, from_ms, now_ms};
use crate::error::{Result, StoreError};
use crate::records::{HistoryQuery, NewTranscription, SearchHit, StageTimings, Transcription};

/// The columns of a [`Transcription`], with its request's outcome and stage timings from the
/// newest activity row about it (found through `activity_by_transcription`).
const COLUMNS: &str = "t.id, t.created_at, t.text, t.confidence, t.speaker, p.name, t.source,
                       t.language, t.audio_ms, t.stt_ms, t.routed_to,
                       COALESCE(a.status, t.status), a.capture_ms, a.endpoint_ms, a.stt_ms,
                       a.route_ms, a.agent_ms, a.tts_ms, a.total_ms";

const JOINS: &str = "LEFT JOIN profiles p ON p.id = t.profile_id
                     LEFT JOIN activity a ON a.id =
                         (SELECT max(id) FROM activity WHERE transcription_id = t.id)";

/// The filters every history query takes: ?1 before id, ?2 profile, ?3 since, ?4 until,
/// ?5 status.
const FILTERS: &str = "(?1 IS NULL OR t.id < ?1)
                       AND (?2 IS NULL OR p.name = ?2)
                       AND (?3 IS NULL OR t.created_at >= ?3)
                       AND (?4 IS NULL OR t.created_at < ?4)
                       AND (?5 IS NULL OR COALESCE(a.status, t.status) = ?5)";

/// The values of ?1–?5 ([`FILTERS`]) and ?6 (the limit) for `q`, in order.
fn filter_values(q: &HistoryQuery) -> Vec<Box<dyn ToSql>> {
    vec![
        Box::new(q.before_id),
        Box::new(q.profile.clone()),
        Box::new(q.since.map(|s| s.timestamp_millis())),
        Box::new(q.until.map(|s| s.timestamp_millis())),
        Box::new(q.status.clone()),
        Box::new(q.limit),
    ]
}

fn filtered(q: &HistoryQuery) -> bool {
    q.profile.is_some() || q.since.is_some() || q.until.is_some() || q.status.is_some()
}

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
        timings: StageTimings {
            capture_ms: r.get(12)?,
            endpoint_ms: r.get(13)?,
            stt_ms: r.get(14)?,
            route_ms: r.get(15)?,
            agent_ms: r.get(16)?,
            tts_ms: r.get(17)?,
            total_ms: r.get(18)?,
        },
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
                "SELECT {COLUMNS} FROM transcriptions t {JOINS}
                 WHERE {FILTERS}
                 ORDER BY t.id DESC LIMIT ?6"
            ))?;
            let rows = stmt.query_map(params_from_iter(filter_values(q)), from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Full-text search over transcriptions, newest matches first, with `q`'s filters and
    /// paging (its `limit` counts matches that pass the filters).
    ///
    /// Newest first rather than by relevance: every hit contains every word, and what a household
    /// looks for is usually recent ("what did I ask about the porch light?"). It is also what
    /// keeps a search fast on a large history: FTS5 walks its index backwards and stops at the
    /// limit instead of scoring every match. With filters, it walks on until `limit` matches
    /// pass them.
    pub fn search_transcriptions(&self, query: &str, q: &HistoryQuery) -> Result<Vec<SearchHit>> {
        let fts = fts_query(query).ok_or(StoreError::EmptySearch)?;
        // Without filters the index alone decides the page (the fast path); with them, the
        // filters apply before the limit, so a page is never cut short by rows it hides.
        let sql = if filtered(q) {
            // The index is walked newest first and stops once `limit` rows pass the filters;
            // snippets are made only for those.
            format!(
                "SELECT {COLUMNS}, snippet(transcriptions_fts, 0, '[', ']', '…', 16)
                 FROM transcriptions_fts JOIN transcriptions t ON t.id = transcriptions_fts.rowid
                 {JOINS}
                 WHERE transcriptions_fts MATCH ?7 AND {FILTERS}
                 ORDER BY transcriptions_fts.rowid DESC LIMIT ?6"
            )
        } else {
            format!(
                "WITH hits AS (
                     SELECT rowid AS id, snippet(transcriptions_fts, 0, '[', ']', '…', 16) AS snip
                     FROM transcriptions_fts WHERE transcriptions_fts MATCH ?7
                       AND (?1 IS NULL OR rowid < ?1)
                     ORDER BY rowid DESC LIMIT ?6)
                 SELECT {COLUMNS}, hits.snip
                 FROM hits JOIN transcriptions t ON t.id = hits.id {JOINS}
                 WHERE {FILTERS}
                 ORDER BY t.id DESC"
            )
        };
        self.read("search history", |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let mut values = filter_values(q);
            values.push(Box::new(fts.clone()));
            let rows = stmt.query_map(params_from_iter(values), |r| {
                Ok(SearchHit {
                    transcription: from_row(r)?,
                    snippet: r.get(19)?,
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
