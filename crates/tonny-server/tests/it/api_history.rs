//! History over the API: paging, full-text search, filters by profile, date and outcome
//! applied before the page is cut, stage timings on each row, the streamed export, and the
//! usage per profile.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tonny_core::profile::{Permission, Profile};
use tonny_core::router::Intent;
use tonny_store::{NewActivity, StageTimings};
use tower::ServiceExt;

use crate::api::{Daemon, TOKEN};

/// Stores a transcription as if `profile` had said `text`; returns its id.
pub async fn said(d: &Daemon, text: &str, profile: &str) -> i64 {
    d.state
        .assistant
        .store()
        .insert_transcription(&tonny_store::NewTranscription {
            text: text.into(),
            profile: Some(profile.into()),
            source: Some("voice".into()),
            ..Default::default()
        })
        .await
        .unwrap()
}

async fn add_profiles(d: &Daemon, names: &[(&str, Permission)]) {
    for (name, level) in names {
        let p = Profile::new(name, *level).unwrap();
        d.state.assistant.store().add_profile(&p).await.unwrap();
    }
}

/// Records how the request heard as `transcription` ended.
async fn handled(d: &Daemon, transcription: i64, status: &str, total_ms: u32) {
    d.state
        .assistant
        .store()
        .insert_activity(&NewActivity {
            transcription_id: Some(transcription),
            intent: Intent::Local,
            status: status.parse().unwrap(),
            timings: StageTimings {
                stt_ms: Some(310),
                agent_ms: Some(12),
                total_ms: Some(total_ms),
                ..StageTimings::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
}

fn texts(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap().to_owned())
        .collect()
}

/// GETs `uri` with the token; returns status, headers and the body as text.
async fn download(d: &Daemon, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let req = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let res = d.app.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20).await.unwrap();
    (
        parts.status,
        parts.headers,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn history_pages_backwards_by_id() {
    let d = Daemon::start().await;
    add_profiles(&d, &[("Mum", Permission::Admin), ("Kid", Permission::Kid)]).await;
    for i in 0..5 {
        said(&d, &format!("note number {i}"), "Mum").await;
    }
    said(&d, "turn the kitchen lights on", "Kid").await;
    let (_, found) = d.call(Method::GET, "/api/v1/history?q=kitchen", None).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(
        found["items"][0]["snippet"], "turn the [kitchen] lights on",
        "{found}"
    );
    assert_eq!(found["items"][0]["profile"], "Kid", "{found}");
    let (_, first) = d
        .call(Method::GET, "/api/v1/history?limit=2&profile=Mum", None)
        .await;
    assert_eq!(texts(&first), ["note number 4", "note number 3"]);
    let next = first["next_before_id"].as_i64().unwrap();
    let (_, second) = d
        .call(
            Method::GET,
            &format!("/api/v1/history?limit=2&profile=Mum&before_id={next}"),
            None,
        )
        .await;
    assert_eq!(texts(&second), ["note number 2", "note number 1"]);
    let (_, other) = d
        .call(Method::GET, "/api/v1/history?profile=nobody", None)
        .await;
    assert_eq!(other["items"], json!([]));
    assert_eq!(other["next_before_id"], Value::Null);
}

#[tokio::test]
async fn filters_by_outcome_and_date_come_before_the_page_and_rows_carry_timings() {
    let d = Daemon::start().await;
    add_profiles(&d, &[("Mum", Permission::Admin), ("Kid", Permission::Kid)]).await;
    let mut kid = Vec::new();
    for i in 0..3 {
        let id = said(&d, &format!("timer for the cake {i}"), "Kid").await;
        handled(&d, id, if i == 0 { "blocked" } else { "success" }, 400 + i).await;
        kid.push(id);
    }
    for i in 0..20 {
        said(&d, &format!("timer for the roast {i}"), "Mum").await;
    }

    // Search with a profile: the Kid's rows are older than a page of Mum's and still found.
    let (status, page) = d
        .call(
            Method::GET,
            "/api/v1/history?q=timer&profile=Kid&limit=2",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        texts(&page),
        ["timer for the cake 2", "timer for the cake 1"]
    );
    assert_eq!(page["items"][0]["status"], "success");
    assert_eq!(page["items"][0]["timings"]["total_ms"], 402, "{page}");
    assert_eq!(page["items"][0]["timings"]["agent_ms"], 12, "{page}");
    let next = page["next_before_id"].as_i64().expect("a next page");
    let (_, rest) = d
        .call(
            Method::GET,
            &format!("/api/v1/history?q=timer&profile=Kid&limit=2&before_id={next}"),
            None,
        )
        .await;
    assert_eq!(texts(&rest), ["timer for the cake 0"]);

    let (_, blocked) = d
        .call(Method::GET, "/api/v1/history?status=blocked", None)
        .await;
    assert_eq!(texts(&blocked), ["timer for the cake 0"]);
    let (_, unhandled) = d
        .call(
            Method::GET,
            "/api/v1/history?status=transcribed&limit=500",
            None,
        )
        .await;
    assert_eq!(texts(&unhandled).len(), 20);
    assert_eq!(unhandled["items"][0]["timings"]["total_ms"], Value::Null);

    let (_, future) = d
        .call(
            Method::GET,
            "/api/v1/history?since=2999-01-01T00:00:00Z",
            None,
        )
        .await;
    assert_eq!(future["items"], json!([]));
    let (_, past) = d
        .call(
            Method::GET,
            "/api/v1/history?until=2000-01-01T00:00:00%2B01:00",
            None,
        )
        .await;
    assert_eq!(past["items"], json!([]));
    let (_, all) = d
        .call(
            Method::GET,
            "/api/v1/history?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z&limit=500",
            None,
        )
        .await;
    assert_eq!(texts(&all).len(), 23);

    for (query, word) in [
        ("status=lost", "status"),
        ("since=yesterday", "since"),
        ("until=2026-13-01T00:00:00Z", "until"),
    ] {
        let (status, body) = d
            .call(Method::GET, &format!("/api/v1/history?{query}"), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(word),
            "{body}"
        );
    }
}

#[tokio::test]
async fn export_streams_the_selected_rows_as_csv_or_json() {
    let d = Daemon::start().await;
    add_profiles(&d, &[("Mum", Permission::Admin), ("Kid", Permission::Kid)]).await;
    // More than one export page (1,000 rows), with a field that needs CSV quoting.
    for i in 0..1_200 {
        said(&d, &format!("note {i}"), "Mum").await;
    }
    let quoted = said(&d, "Say \"hi\", then\nstop", "Kid").await;
    handled(&d, quoted, "success", 777).await;

    let (status, headers, csv_text) = download(&d, "/api/v1/history/export").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"tonny-history-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let head = reader.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rows: Vec<_> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1_201);
    assert_eq!(&rows[0][col("text")], "Say \"hi\", then\nstop");
    assert_eq!(&rows[0][col("total_ms")], "777");
    assert_eq!(&rows[0][col("status")], "success");
    assert_eq!(&rows[1_200][col("text")], "note 0");

    let (status, headers, json_text) =
        download(&d, "/api/v1/history/export?format=json&profile=Kid").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let rows: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["timings"]["total_ms"], 777);

    let (_, _, searched) = download(&d, "/api/v1/history/export?format=json&q=note%2011*").await;
    let rows: Value = serde_json::from_str(&searched).unwrap();
    // "note 11", "note 110" … "note 119", "note 1100" … "note 1199".
    assert_eq!(rows.as_array().unwrap().len(), 111);

    let (_, _, none) = download(&d, "/api/v1/history/export?format=json&profile=nobody").await;
    assert_eq!(serde_json::from_str::<Value>(&none).unwrap(), json!([]));

    for (query, code) in [
        ("format=xlsx", "invalid_query"),
        ("status=gone", "invalid_query"),
    ] {
        let (status, body) = d
            .call(
                Method::GET,
                &format!("/api/v1/history/export?{query}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], code);
    }
}

#[tokio::test]
async fn usage_sums_each_profiles_days_and_shows_today_against_its_limit() {
    use tonny_store::UsageOutcome::{Blocked, Served};
    let d = Daemon::start().await;
    let mut kid = Profile::new("Kid", Permission::Kid).unwrap();
    kid.daily_limit = Some(20);
    d.state.assistant.store().add_profile(&kid).await.unwrap();
    add_profiles(&d, &[("Gran", Permission::User)]).await;
    let store = d.state.assistant.store();
    let today = chrono::Local::now().date_naive();
    let days_ago = |n: u64| today - chrono::Days::new(n);
    for (day, outcome, audio_ms) in [
        (today, Served, 2_000),
        (today, Served, 3_000),
        (today, Blocked, 0),
        (days_ago(2), Served, 1_500),
        // Outside a 7-day window.
        (days_ago(10), Served, 9_000),
    ] {
        store
            .count_usage("Kid", day, outcome, audio_ms)
            .await
            .unwrap();
    }

    let (status, usage) = d.call(Method::GET, "/api/v1/usage", None).await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    assert_eq!(usage["since"], days_ago(6).to_string());
    let of = |name: &str| {
        usage["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["profile"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {usage}"))
            .clone()
    };
    let k = of("Kid");
    assert_eq!(k["requests"], 3, "{k}");
    assert_eq!(k["blocked"], 1, "{k}");
    assert_eq!(k["speech_s"], 6, "{k}");
    assert_eq!(k["today"], 2, "{k}");
    assert_eq!(k["daily_limit"], 20, "{k}");
    assert_eq!(
        k["per_day"],
        json!({ today.to_string(): 2, days_ago(2).to_string(): 1 })
    );
    let g = of("Gran");
    assert_eq!(
        (g["requests"].clone(), g["today"].clone()),
        (json!(0), json!(0))
    );

    let (_, month) = d.call(Method::GET, "/api/v1/usage?days=30", None).await;
    let k = month["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["profile"] == "Kid")
        .unwrap()
        .clone();
    assert_eq!(k["requests"], 4, "{month}");

    for q in ["days=0", "days=400", "days=week"] {
        let (status, body) = d
            .call(Method::GET, &format!("/api/v1/usage?{q}"), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
    }
}
