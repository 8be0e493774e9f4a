//! History exports (`tonny history export`, the web UI's Export button): transcriptions as CSV
//! with a header row or as a JSON array, encoded page by page so an export of any size is
//! written (or streamed) without holding the whole history.

use crate::records::{HistoryQuery, Transcription};
use crate::store::Store;

/// Rows read per page while exporting.
pub const EXPORT_PAGE: u32 = 1_000;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma-separated values with a header row; one column per stage timing.
    Csv,
    /// A JSON array of transcriptions (timings nested).
    Json,
}

impl ExportFormat {
    /// The MIME type to serve it as.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Json => "application/json",
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

const CSV_HEADER: [&str; 18] = [
    "id",
    "created_at",
    "profile",
    "text",
    "status",
    "source",
    "language",
    "confidence",
    "speaker",
    "audio_ms",
    "routed_to",
    "capture_ms",
    "endpoint_ms",
    "stt_ms",
    "route_ms",
    "agent_ms",
    "tts_ms",
    "total_ms",
];

fn text<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn csv_record(t: &Transcription) -> [String; 18] {
    let s = &t.timings;
    [
        t.id.to_string(),
        t.created_at.to_rfc3339(),
        text(t.profile.as_ref()),
        t.text.clone(),
        t.status.clone(),
        text(t.source.as_ref()),
        text(t.language.as_ref()),
        text(t.confidence),
        text(t.speaker.as_ref()),
        text(t.audio_ms),
        text(t.routed_to.as_ref()),
        text(s.capture_ms),
        text(s.endpoint_ms),
        text(s.stt_ms.or(t.stt_ms)),
        text(s.route_ms),
        text(s.agent_ms),
        text(s.tts_ms),
        text(s.total_ms),
    ]
}

/// Encodes an export piece by piece: [`HistoryEncoder::start`], each page, then
/// [`HistoryEncoder::finish`]; concatenated, the pieces are one valid file.
#[derive(Debug)]
pub struct HistoryEncoder {
    format: ExportFormat,
    rows: u64,
}

impl HistoryEncoder {
    /// An encoder for `format`.
    pub fn new(format: ExportFormat) -> Self {
        Self { format, rows: 0 }
    }

    /// Rows encoded so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The file's opening (the CSV header row, or `[`).
    pub fn start(&self) -> Vec<u8> {
        match self.format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(CSV_HEADER)
                    .expect("writing CSV to memory cannot fail");
                w.into_inner().expect("writing CSV to memory cannot fail")
            }
            ExportFormat::Json => b"[".to_vec(),
        }
    }

    /// One page of rows.
    pub fn page(&mut self, rows: &[Transcription]) -> Vec<u8> {
        match self.format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                for t in rows {
                    w.write_record(csv_record(t))
                        .expect("writing CSV to memory cannot fail");
                }
                self.rows += rows.len() as u64;
                w.into_inner().expect("writing CSV to memory cannot fail")
            }
            ExportFormat::Json => {
                let mut out = Vec::new();
                for t in rows {
                    out.extend_from_slice(if self.rows == 0 { b"\n  " } else { b",\n  " });
                    serde_json::to_writer(&mut out, t)
                        .expect("a transcription always encodes as JSON");
                    self.rows += 1;
                }
                out
            }
        }
    }

    /// The file's end.
    pub fn finish(&self) -> Vec<u8> {
        match self.format {
            ExportFormat::Csv => Vec::new(),
            ExportFormat::Json if self.rows == 0 => b"]\n".to_vec(),
            ExportFormat::Json => b"\n]\n".to_vec(),
        }
    }
}

/// Reads the rows `query` selects (with `search`, only full-text matches) page by page,
/// newest first, so exports never hold the whole history.
#[derive(Debug)]
pub struct HistoryPages {
    query: HistoryQuery,
    search: Option<String>,
    done: bool,
}

impl HistoryPages {
    /// Pages of the rows `query` and `search` select (the query's limit and paging are
    /// replaced).
    pub fn new(mut query: HistoryQuery, search: Option<String>) -> Self {
        query.limit = EXPORT_PAGE;
        query.before_id = None;
        Self {
            query,
            search,
            done: false,
        }
    }

    /// The next page, or `None` after the last.
    pub async fn next(
        &mut self,
        store: &dyn Store,
    ) -> crate::error::Result<Option<Vec<Transcription>>> {
        if self.done {
            return Ok(None);
        }
        let page = match &self.search {
            Some(q) => store
                .search_transcriptions(q, &self.query)
                .await?
                .into_iter()
                .map(|h| h.transcription)
                .collect(),
            None => store.list_transcriptions(&self.query).await?,
        };
        match page.last() {
            Some(last) if page.len() == EXPORT_PAGE as usize => {
                self.query.before_id = Some(last.id)
            }
            _ => self.done = true,
        }
        Ok((!page.is_empty()).then_some(page))
    }
}
