//! Settings and secrets changed through the API take effect on the next request, without a
//! restart: history, response mode, agent order, a newly set secret; each change is announced
//! once, and one that needs a restart says so.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tonny_core::pipeline::Event;
use tonny_testkit::doubles::{RecordingVoice, ScriptedStt};
use tonny_testkit::fakes::{FakeChat, FakeN8n};

use crate::api::{Daemon, TestParts};

/// One second of a tone, as 16-bit PCM: the scripted engine hears its sentence in it.
fn speech_pcm() -> Vec<u8> {
    (0..16_000)
        .flat_map(|i| (((i as f32 * 0.05).sin() * 16_000.0) as i16).to_le_bytes())
        .collect()
}

async fn upload(d: &Daemon) -> Value {
    let req = axum::http::Request::post(
        "/api/v1/talk/upload?format=pcm_s16le&sample_rate=16000&speak=host",
    )
    .header("authorization", format!("Bearer {}", crate::api::TOKEN))
    .body(axum::body::Body::from(speech_pcm()))
    .unwrap();
    let (status, body) = d.send(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn patch(d: &Daemon, patch: Value) -> Value {
    let (status, body) = d.call(Method::PATCH, "/api/v1/settings", Some(patch)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn ask(d: &Daemon, text: &str) -> Value {
    let (status, body) = d
        .call(Method::POST, "/api/v1/ask", Some(json!({ "text": text })))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_history_off_in_the_api_stops_storing_the_next_transcript_without_a_restart() {
    let d = Daemon::with(TestParts {
        stt: Some(ScriptedStt::hearing("set a timer for ten minutes")),
        ..TestParts::default()
    })
    .await;
    let first = upload(&d).await;
    assert!(first["transcription_id"].is_i64(), "{first}");
    let (_, history) = d.call(Method::GET, "/api/v1/history", None).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1);

    let mut events = d.handle.subscribe();
    patch(&d, json!({"history.enabled": false})).await;
    let keys = Daemon::wait_event(&mut events, |e| match e {
        Event::SettingsChanged { keys, .. } => Some(keys.clone()),
        _ => None,
    })
    .await;
    assert_eq!(keys, ["history.enabled"]);

    let second = upload(&d).await;
    assert!(second["transcription_id"].is_null(), "{second}");
    assert_eq!(
        second["outcome"]["reply"], "Timer set for 10 minutes.",
        "still handled"
    );
    let (_, history) = d.call(Method::GET, "/api/v1/history", None).await;
    assert_eq!(
        history["items"].as_array().unwrap().len(),
        1,
        "nothing new kept: {history}"
    );
    let (_, activity) = d.call(Method::GET, "/api/v1/activity?limit=1", None).await;
    assert!(
        activity[0]["request"].is_null(),
        "request text kept: {activity}"
    );
    assert!(
        activity[0]["response"].is_null(),
        "reply text kept: {activity}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_response_mode_applies_to_the_next_reply_without_a_restart() {
    let voice = RecordingVoice::new(Duration::from_millis(20));
    let d = Daemon::with(TestParts {
        voice: Some(voice.clone()),
        ..TestParts::default()
    })
    .await;
    let both = ask(&d, "what day is it").await;
    assert!(both["delivery"].is_object(), "shown: {both}");
    assert_eq!(voice.said().len(), 1, "and spoken");

    patch(&d, json!({"response.mode": "voice_only"})).await;
    let spoken = ask(&d, "what day is it").await;
    assert!(spoken["delivery"].is_null(), "not shown: {spoken}");
    assert_eq!(voice.said().len(), 2, "spoken");

    patch(&d, json!({"response.mode": "text_only"})).await;
    let shown = ask(&d, "what day is it").await;
    assert!(shown["delivery"].is_object(), "shown: {shown}");
    assert_eq!(voice.said().len(), 2, "not spoken");
    let (_, status) = d.call(Method::GET, "/api/v1/status", None).await;
    assert_eq!(status["response_mode"], "text_only");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_agent_order_applies_to_the_next_request_without_a_restart() {
    let chat = FakeChat::start();
    chat.set_answer("Here is one from the chat server.");
    let d = Daemon::with(TestParts {
        real_agents: true,
        ..TestParts::default()
    })
    .await;
    patch(
        &d,
        json!({"chat.base_url": chat.url(), "chat.stream": false}),
    )
    .await;
    let local = ask(&d, "tell me a joke").await;
    assert_ne!(local["agent"], "chat", "{local}");
    assert!(chat.requests().is_empty());

    patch(&d, json!({"agent.fallback_order": "chat,local"})).await;
    let answered = ask(&d, "tell me a joke").await;
    assert_eq!(answered["agent"], "chat", "{answered}");
    assert_eq!(answered["reply"], "Here is one from the chat server.");
    assert_eq!(chat.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newly_set_secret_makes_its_backend_usable_without_a_restart() {
    let n8n = FakeN8n::start();
    let d = Daemon::with(TestParts {
        real_agents: true,
        ..TestParts::default()
    })
    .await;
    let mut events = d.handle.subscribe();
    patch(&d, json!({"agent.fallback_order": "n8n,local"})).await;
    // Without its URL, n8n is skipped (and said so), and the local agent answers.
    let health = Daemon::wait_event(&mut events, |e| match e {
        Event::BackendHealth {
            backend, reachable, ..
        } if backend == "n8n" => Some(*reachable),
        _ => None,
    })
    .await;
    assert!(!health, "n8n without its URL is not usable");
    let without = ask(&d, "turn on the porch light").await;
    assert_ne!(without["agent"], "n8n", "{without}");
    assert!(n8n.received().is_empty());

    let (status, _) = d
        .call(
            Method::PUT,
            "/api/v1/secrets/n8n_webhook_url",
            Some(json!({"value": n8n.webhook_url()})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let told = Daemon::wait_event(&mut events, |e| match e {
        Event::SecretChanged { name, configured } => Some((name.clone(), *configured)),
        _ => None,
    })
    .await;
    assert_eq!(told, ("n8n_webhook_url".to_owned(), true));
    let with = ask(&d, "turn on the porch light").await;
    assert_eq!(with["agent"], "n8n", "{with}");
    assert_eq!(n8n.received().len(), 1);
    // The secret's value is never in an answer or an event.
    assert!(!with.to_string().contains(&n8n.webhook_url()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_needs_a_restart_says_so_and_others_do_not() {
    let d = Daemon::start().await;
    let view = patch(
        &d,
        json!({"server.port": 9123, "audio.vad_silence_ms": 700}),
    )
    .await;
    assert_eq!(view["restart_required"], json!(["server.port"]), "{view}");
    assert_eq!(view["values"]["server.port"], 9123);
    let view = patch(&d, json!({"audio.vad_silence_ms": 800})).await;
    assert_eq!(view["restart_required"], json!([]), "{view}");
    // Reset puts the default back, in effect at once.
    let (status, view) = d
        .call(
            Method::DELETE,
            "/api/v1/settings/audio.vad_silence_ms",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["sources"]["audio.vad_silence_ms"], "default");
    assert_eq!(
        d.handle.settings().current().audio.vad_silence_ms,
        tonny_core::Settings::default().audio.vad_silence_ms
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_request_is_never_spoken_streamed_or_by_a_quick_action() {
    let chat = FakeChat::start();
    chat.set_answer("A streamed answer from the chat server.");
    let voice = RecordingVoice::new(Duration::from_millis(50));
    let d = Daemon::with(TestParts {
        real_agents: true,
        voice: Some(voice.clone()),
        ..TestParts::default()
    })
    .await;
    patch(
        &d,
        json!({"chat.base_url": chat.url(), "chat.stream": true, "agent.fallback_order": "chat,local"}),
    )
    .await;
    let (status, action) = d
        .call(
            Method::PUT,
            "/api/v1/actions/bedtime",
            Some(json!({
                "phrase": "good night",
                "steps": [{"type": "speak", "text": "Sleep well."}],
                "enabled": true
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{action}");
    let silently = |text: &'static str| {
        let d = &d;
        async move {
            let (status, body) = d
                .call(
                    Method::POST,
                    "/api/v1/ask",
                    Some(json!({"text": text, "silent": true})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };
    let streamed = silently("tell me about the sun").await;
    assert_eq!(streamed["agent"], "chat", "{streamed}");
    assert_eq!(streamed["reply"], "A streamed answer from the chat server.");
    let action = silently("good night").await;
    assert_eq!(action["intent"], "quick_action", "{action}");
    // The quick action's words reach the person as text instead.
    assert_eq!(action["shown"], json!(["Sleep well."]), "{action}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(voice.said().is_empty(), "spoken: {:?}", voice.said());

    // Not silent: the same requests are spoken (so the check above can fail).
    ask(&d, "good night").await;
    ask(&d, "tell me about the sun").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(voice.said().len(), 2, "{:?}", voice.said());
}
