//! The session with in-memory doubles of the speech engine, the agent, the voice and the text
//! output: cancel abandons a request wherever it is and nothing of it is typed or spoken; the
//! records say how each request ended.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tonny_core::activity::ActivityStatus;
use tonny_core::pipeline::{Event, State};
use tonny_core::router::Purpose;
use tonny_server::assistant::{HeardOutcome, ReplyTo};
use tonny_server::session::SessionError;
use tonny_server::session::recording::Recorded;
use tonny_testkit::doubles::{RecordingText, RecordingVoice, ScriptedAgent, ScriptedStt};

use crate::api::{Daemon, TestParts};

/// A second of a loud tone: "speech" to the scripted engine.
fn loud_second() -> Vec<f32> {
    (0..16_000).map(|i| (i as f32 * 0.05).sin() * 0.5).collect()
}

fn heard_here(samples: Vec<f32>) -> Recorded {
    Recorded {
        capture_ms: 1_000,
        endpoint_ms: None,
        samples,
        source: "test".into(),
        purpose: Purpose::Command,
        reply_to: ReplyTo::HOST,
        live: None,
        unsent: None,
    }
}

async fn newest_activity(d: &Daemon) -> Value {
    let (status, rows) = d.call(Method::GET, "/api/v1/activity?limit=1", None).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    rows[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_while_the_agent_thinks_never_types_or_speaks_the_reply() {
    let agent = ScriptedAgent::new("slow", "The answer is 42.", Duration::from_millis(1500));
    let voice = RecordingVoice::new(Duration::from_millis(50));
    let text = RecordingText::new();
    let d = Daemon::with(TestParts {
        agents: Some(vec![agent.clone()]),
        voice: Some(voice.clone()),
        text: Some(text.clone()),
        stt: Some(ScriptedStt::hearing("what is the answer")),
        ..TestParts::default()
    })
    .await;
    let mut events = d.handle.subscribe();
    // Spoken on this machine's microphone: the reply would be typed and spoken here.
    let session = Arc::clone(&d.handle.core().session);
    let hearing = tokio::spawn(async move { session.hear(heard_here(loud_second())).await });
    Daemon::wait_event(&mut events, |e| match e {
        Event::StateChanged {
            to: State::Thinking,
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    while agent.asked().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, _) = d.call(Method::POST, "/api/v1/stop", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let ended = Daemon::wait_event(&mut events, |e| match e {
        Event::RequestFinished { status, .. } => Some(*status),
        _ => None,
    })
    .await;
    assert_eq!(ended, ActivityStatus::Cancelled);
    assert!(matches!(
        hearing.await.unwrap(),
        Err(SessionError::Cancelled)
    ));
    // Well past the moment the agent would have answered.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    assert_eq!(
        agent.answered.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the request was dropped"
    );
    assert!(text.delivered().is_empty(), "typed: {:?}", text.delivered());
    assert!(voice.said().is_empty(), "spoken: {:?}", voice.said());
    let row = newest_activity(&d).await;
    assert_eq!(row["status"], "cancelled", "{row}");
    assert_eq!(row["request"], "what is the answer", "{row}");
    let (_, status) = d.call(Method::GET, "/api/v1/status", None).await;
    assert_eq!(status["state"], "idle", "{status}");

    // The next request goes through, typed and spoken as usual.
    let (code, answer) = d
        .call(
            Method::POST,
            "/api/v1/ask",
            Some(json!({"text": "and now?"})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "success");
    assert_eq!(voice.said(), ["The answer is 42."]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_during_transcription_drops_the_recording_and_records_it_cancelled() {
    let stt = ScriptedStt::slow("set a timer for ten minutes", Duration::from_millis(1200));
    let text = RecordingText::new();
    let voice = RecordingVoice::new(Duration::from_millis(50));
    let d = Daemon::with(TestParts {
        stt: Some(stt.clone()),
        text: Some(text.clone()),
        voice: Some(voice.clone()),
        ..TestParts::default()
    })
    .await;
    let mut events = d.handle.subscribe();
    let session = Arc::clone(&d.handle.core().session);
    let hearing = tokio::spawn(async move { session.hear(heard_here(loud_second())).await });
    Daemon::wait_event(&mut events, |e| match e {
        Event::StateChanged {
            to: State::Transcribing,
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    d.handle.send(tonny_core::pipeline::Control::Cancel);
    assert!(matches!(
        hearing.await.unwrap(),
        Err(SessionError::Cancelled)
    ));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The late transcript moved nothing: no timer, no reply, no transcript kept.
    let (_, timers) = d.call(Method::GET, "/api/v1/timers", None).await;
    assert_eq!(timers, json!([]), "{timers}");
    assert!(text.delivered().is_empty() && voice.said().is_empty());
    let (_, history) = d.call(Method::GET, "/api/v1/history", None).await;
    assert_eq!(history["items"], json!([]), "{history}");
    assert_eq!(newest_activity(&d).await["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_request_while_one_is_handled_is_refused_as_busy() {
    let agent = ScriptedAgent::new("slow", "Done.", Duration::from_millis(800));
    let d = Daemon::with(TestParts {
        agents: Some(vec![agent.clone()]),
        ..TestParts::default()
    })
    .await;
    let first = {
        let h = d.handle.clone();
        tokio::spawn(async move { h.ask("first").await })
    };
    while agent.asked().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, body) = d
        .call(Method::POST, "/api/v1/ask", Some(json!({"text": "second"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "busy");
    assert!(first.await.unwrap().is_ok());
    assert_eq!(agent.asked(), ["first"]);
}

/// A daemon whose speech engine hears `text` and whose agent answers "Done." at once.
async fn hearing_daemon(text: &str) -> (Daemon, Arc<ScriptedAgent>, Arc<ScriptedStt>) {
    let agent = ScriptedAgent::new("chat", "Done.", Duration::ZERO);
    let stt = ScriptedStt::hearing(text);
    let d = Daemon::with(TestParts {
        agents: Some(vec![agent.clone()]),
        voice: Some(RecordingVoice::new(Duration::from_millis(10))),
        text: Some(RecordingText::new()),
        stt: Some(stt.clone()),
        ..TestParts::default()
    })
    .await;
    (d, agent, stt)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_household_vocabulary_reaches_the_engine_and_its_replacements_the_request() {
    let (d, agent, stt) = hearing_daemon("ask Tony tray about dinner").await;
    let (status, body) = d
        .call(
            Method::PATCH,
            "/api/v1/settings",
            Some(json!({
                "stt.vocabulary": ["TonnyTray", "Saoirse"],
                "stt.replacements": ["tony tray => TonnyTray"],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = Arc::clone(&d.handle.core().session);
    session.hear(heard_here(loud_second())).await.unwrap();
    assert_eq!(stt.vocabularies(), [vec!["TonnyTray", "Saoirse"]]);
    // What the agent was asked and what the history keeps is the household's spelling.
    assert!(
        agent
            .asked()
            .iter()
            .any(|a| a.contains("ask TonnyTray about dinner")),
        "{:?}",
        agent.asked()
    );
    let row = newest_activity(&d).await;
    assert_eq!(row["request"], "ask TonnyTray about dinner", "{row}");

    // A malformed entry is refused and changes nothing.
    let (status, body) = d
        .call(
            Method::PATCH,
            "/api/v1/settings",
            Some(json!({"stt.replacements": ["no arrow"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["fields"][0]["key"], "stt.replacements",
        "{body}"
    );
    let (_, settings) = d.call(Method::GET, "/api/v1/settings", None).await;
    assert_eq!(
        settings["values"]["stt.replacements"],
        json!(["tony tray => TonnyTray"]),
        "the refused patch changed nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_profiles_vocabulary_and_replacements_apply_only_while_it_is_active() {
    let (d, _agent, stt) = hearing_daemon("call neev about the e mail").await;
    let put = |name: &'static str, body: Value| {
        let d = &d;
        async move {
            let (status, body) = d
                .call(Method::PUT, &format!("/api/v1/profiles/{name}"), Some(body))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };
    let (status, _) = d
        .call(
            Method::PATCH,
            "/api/v1/settings",
            Some(json!({"stt.vocabulary": ["TonnyTray"], "stt.replacements": ["e mail => email"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    put(
        "Mum",
        json!({"permission": "admin", "vocabulary": ["Niamh"], "replacements": ["neev => Niamh"]}),
    )
    .await;
    let kid = put(
        "Ava",
        json!({"permission": "user", "vocabulary": ["Saoirse"]}),
    )
    .await;
    assert_eq!(kid["replacements"], json!([]), "{kid}");
    // A form that does not send the lists keeps them.
    let kept = put("Ava", json!({"permission": "user", "tts_voice": "de"})).await;
    assert_eq!(kept["vocabulary"], json!(["Saoirse"]), "{kept}");
    // A malformed replacement is refused and names the rule.
    let (status, body) = d
        .call(
            Method::PUT,
            "/api/v1/profiles/Ava",
            Some(json!({"permission": "user", "replacements": ["no arrow"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let session = Arc::clone(&d.handle.core().session);
    let hear = || {
        let session = Arc::clone(&session);
        async move { session.hear(heard_here(loud_second())).await.unwrap() }
    };
    let switch = |name: &'static str| {
        let d = &d;
        async move {
            let (status, body) = d
                .call(
                    Method::POST,
                    "/api/v1/active-profile",
                    Some(json!({"name": name})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    switch("Mum").await;
    hear().await;
    assert_eq!(
        newest_activity(&d).await["request"],
        "call Niamh about the email"
    );
    switch("Ava").await;
    hear().await;
    assert_eq!(
        newest_activity(&d).await["request"],
        "call neev about the email"
    );
    assert_eq!(
        stt.vocabularies(),
        [vec!["TonnyTray", "Niamh"], vec!["TonnyTray", "Saoirse"]],
        "the household's terms, then only the active profile's own"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dictation_that_could_not_be_typed_is_listed_and_typed_by_a_retry() {
    let text = RecordingText::new();
    text.set_broken(true);
    let d = Daemon::with(TestParts {
        stt: Some(ScriptedStt::hearing("buy some bread")),
        text: Some(text.clone()),
        ..TestParts::default()
    })
    .await;
    let session = &d.state.core.session;
    let heard = session
        .hear(Recorded {
            purpose: Purpose::Dictation,
            ..heard_here(loud_second())
        })
        .await
        .unwrap();
    assert!(
        matches!(&heard, HeardOutcome::Handled { outcome, .. } if outcome.delivery.is_none()),
        "{heard:?}"
    );
    let (status, unsent) = d.call(Method::GET, "/api/v1/dictations/unsent", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unsent.as_array().unwrap().len(), 1, "{unsent}");
    assert!(unsent[0]["last_error"].is_string(), "{unsent}");
    assert_eq!(unsent[0]["audio_ms"], 1_000);

    text.set_broken(false);
    let id = unsent[0]["id"].as_str().unwrap();
    let (status, retried) = d
        .call(
            Method::POST,
            &format!("/api/v1/dictations/unsent/{id}/retry"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried["outcome"]["delivery"]["how"], "typed", "{retried}");
    assert_eq!(text.delivered(), ["Buy some bread"]);
    let (_, unsent) = d.call(Method::GET, "/api/v1/dictations/unsent", None).await;
    assert_eq!(unsent, json!([]));
    let (status, _) = d
        .call(
            Method::POST,
            &format!("/api/v1/dictations/unsent/{id}/retry"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
