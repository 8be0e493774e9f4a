//! Speech from the browser with the real `tiny.en` engine and espeak-ng voice: a recording
//! uploaded or streamed over the hold-to-talk socket is transcribed, answered by the local
//! agent, and the spoken reply comes back as WAV; oversize, malformed and cut-off audio is
//! refused clearly and leaves the pipeline idle.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tonny_core::stt::Stt;
use tonny_server::api::MAX_AUDIO_BYTES;
use tonny_whisper::{EngineOptions, WhisperEngine};

use crate::api::{Daemon, Socket, TOKEN, TestParts, connect};

/// One loaded engine for every test in this binary (loading takes a moment).
fn engine() -> Arc<dyn Stt> {
    static ENGINE: OnceLock<Arc<WhisperEngine>> = OnceLock::new();
    let e = ENGINE.get_or_init(|| {
        Arc::new(
            WhisperEngine::load(
                &tonny_testkit::speech::model_dir(),
                EngineOptions::default(),
            )
            .unwrap(),
        )
    });
    Arc::clone(e) as Arc<dyn Stt>
}

async fn speaking_daemon() -> Daemon {
    let d = Daemon::with(TestParts {
        stt: Some(engine()),
        ..TestParts::default()
    })
    .await;
    // Greedy decoding, as the browser's short requests are tested here.
    d.call(
        Method::PATCH,
        "/api/v1/settings",
        Some(json!({"stt.beam_size": 1, "stt.language": "auto"})),
    )
    .await;
    d
}

fn timer_wav() -> Vec<u8> {
    std::fs::read(tonny_testkit::speech::shared_audio_dir().join("timer.wav")).unwrap()
}

/// The timer recording as a browser's AudioContext gives it: 48 kHz 16-bit mono.
fn timer_pcm_48k() -> Vec<u8> {
    let decoded = tonny_audio::decode_bytes(timer_wav(), "timer.wav").unwrap();
    tonny_audio::resample::resample(&decoded.samples, 16_000, 48_000)
        .iter()
        .flat_map(|s| ((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes())
        .collect()
}

fn upload(query: &str, body: Body) -> Request<Body> {
    Request::post(format!("/api/v1/talk/upload{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(body)
        .unwrap()
}

async fn state(d: &Daemon) -> String {
    let (_, status) = d.call(Method::GET, "/api/v1/status", None).await;
    status["state"].as_str().unwrap().to_owned()
}

/// Waits for the pipeline to be idle again (speaking ends just after the answer).
async fn settles_idle(d: &Daemon) {
    for _ in 0..100 {
        if state(d).await == "idle" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the pipeline stayed {}", state(d).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_recording_is_transcribed_answered_and_kept_in_history() {
    let d = speaking_daemon().await;
    let (status, body) = d.send(upload("", Body::from(timer_wav()))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let transcript = body["transcript"].as_str().unwrap().to_lowercase();
    assert!(transcript.contains("timer"), "{body}");
    assert_eq!(body["outcome"]["intent"], "local", "{body}");
    let reply = body["outcome"]["reply"].as_str().unwrap();
    assert!(reply.contains("10 minutes"), "{body}");
    assert!(body["confidence"].as_f64().unwrap() > 0.3, "{body}");
    // Kept, and marked as coming from the browser.
    let (_, history) = d.call(Method::GET, "/api/v1/history", None).await;
    let item = &history["items"][0];
    assert_eq!(item["id"], body["transcription_id"], "{history}");
    assert_eq!(item["source"], "browser", "{history}");
    // Kept under the profile that was active, with the outcome and timings of its request.
    assert_eq!(item["profile"], "Default", "{history}");
    assert_eq!(item["status"], "success", "{history}");
    assert!(item["timings"]["total_ms"].is_u64(), "{history}");
    settles_idle(&d).await;

    // Raw PCM at the browser's rate says the same.
    let (status, body) = d
        .send(upload(
            "?format=pcm_s16le&sample_rate=48000",
            Body::from(timer_pcm_48k()),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["transcript"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("timer"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_silence_is_answered_with_why_nothing_was_sent() {
    let d = speaking_daemon().await;
    // Two seconds of digital silence as raw PCM: valid audio with no words in it.
    let silence = vec![0u8; 16_000 * 2 * 2];
    let (status, body) = d
        .send(upload(
            "?format=pcm_s16le&sample_rate=16000",
            Body::from(silence),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["nothing_sent"].as_str().is_some_and(|w| !w.is_empty()),
        "the caller is told why nothing happened: {body}"
    );
    assert!(body["outcome"].is_null(), "no agent was asked: {body}");
    let (_, history) = d.call(Method::GET, "/api/v1/history", None).await;
    assert_eq!(history["items"], json!([]), "nothing was stored: {history}");
    settles_idle(&d).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_uploads_are_refused_before_they_are_read() {
    let d = speaking_daemon().await;
    // Declared too large: answered without reading the body, which never comes.
    let never = Body::from_stream(futures_util::stream::pending::<
        Result<Vec<u8>, std::io::Error>,
    >());
    let mut req = upload("", never);
    req.headers_mut().insert(
        header::CONTENT_LENGTH,
        (MAX_AUDIO_BYTES + 1).to_string().parse().unwrap(),
    );
    let (status, body) = tokio::time::timeout(Duration::from_secs(5), d.send(req))
        .await
        .expect("answered without waiting for the body");
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "too_large");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("25 MiB"),
        "{body}"
    );

    // No length given: reading stops at the limit; the rest of the stream is never pulled.
    let pulled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let chunks = futures_util::stream::iter(0..40).map(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok::<_, std::io::Error>(vec![0u8; 1024 * 1024])
    });
    let (status, body) = d.send(upload("", Body::from_stream(chunks))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let n = pulled.load(std::sync::atomic::Ordering::SeqCst);
    assert!(n <= 26, "{n} MiB were read for a 25 MiB limit");
    assert_eq!(state(&d).await, "idle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_audio_is_refused_clearly_and_the_pipeline_stays_idle() {
    let d = speaking_daemon().await;
    let cases: [(&str, Vec<u8>, StatusCode, &str, &str); 6] = [
        (
            "",
            b"this is not audio at all, just text".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_audio",
            "supported formats",
        ),
        (
            "",
            timer_wav()[..30].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_audio",
            "truncated",
        ),
        (
            "?format=pcm_s16le&sample_rate=16000",
            vec![0, 1, 2],
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_audio",
            "16-bit",
        ),
        (
            "?format=pcm_s16le",
            vec![0; 3200],
            StatusCode::BAD_REQUEST,
            "missing_sample_rate",
            "sample_rate",
        ),
        (
            "?format=mp4",
            timer_wav(),
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "format",
        ),
        (
            "",
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "empty_audio",
            "empty",
        ),
    ];
    for (query, bytes, want, code, says) in cases {
        let (status, body) = d.send(upload(query, Body::from(bytes))).await;
        assert_eq!(status, want, "{query}: {body}");
        assert_eq!(body["error"]["code"], code, "{query}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{query}: {message}");
        assert_eq!(state(&d).await, "idle", "{query}");
    }
    let (_, history) = d.call(Method::GET, "/api/v1/history", None).await;
    assert_eq!(history["items"], json!([]), "nothing was stored");

    // Wrong token, and a daemon without speech.
    let mut req = upload("", Body::from(timer_wav()));
    req.headers_mut()
        .insert(header::AUTHORIZATION, "Bearer nope".parse().unwrap());
    assert_eq!(d.send(req).await.0, StatusCode::UNAUTHORIZED);
    let deaf = Daemon::start().await;
    let (status, body) = deaf.send(upload("", Body::from(timer_wav()))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "speech_unavailable");
}

async fn next(ws: &mut Socket) -> Message {
    tokio::time::timeout(Duration::from_secs(30), ws.next())
        .await
        .expect("the socket answers")
        .expect("the socket is open")
        .expect("a message")
}

async fn next_json(ws: &mut Socket) -> Value {
    match next(ws).await {
        Message::Text(t) => serde_json::from_str(&t).unwrap(),
        other => panic!("expected JSON, got {other:?}"),
    }
}

async fn expect_close(ws: &mut Socket, code: CloseCode) {
    match next(ws).await {
        Message::Close(Some(frame)) => assert_eq!(frame.code, code, "{frame:?}"),
        other => panic!("expected a close, got {other:?}"),
    }
}

fn start(format: &str) -> Message {
    Message::Text(
        json!({"type": "start", "format": format, "sample_rate": 48000, "purpose": "command"})
            .to_string()
            .into(),
    )
}

/// Opens the talk socket at `base` and starts a 48 kHz PCM recording.
async fn listening(base: &str) -> Socket {
    let mut ws = connect(&format!("{base}/api/v1/talk")).await;
    ws.send(start("pcm_s16le")).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "listening");
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_speech_over_the_socket_is_answered_with_the_reply_audio() {
    let d = speaking_daemon().await;
    let (base, _stop) = d.serve().await;
    let mut ws = listening(&base).await;
    assert_eq!(state(&d).await, "listening");
    // 100 ms per message, as the page sends while the button is held.
    for chunk in timer_pcm_48k().chunks(9_600) {
        ws.send(Message::Binary(chunk.to_vec().into()))
            .await
            .unwrap();
    }
    ws.send(Message::Text(r#"{"type":"stop"}"#.into()))
        .await
        .unwrap();
    let result = next_json(&mut ws).await;
    assert_eq!(result["type"], "result", "{result}");
    assert!(
        result["transcript"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("timer"),
        "{result}"
    );
    assert!(
        result["outcome"]["reply"]
            .as_str()
            .unwrap()
            .contains("10 minutes"),
        "{result}"
    );
    let audio_bytes = result["audio_bytes"].as_u64().unwrap() as usize;
    match next(&mut ws).await {
        Message::Binary(wav) => {
            assert_eq!(wav.len(), audio_bytes);
            assert_eq!(&wav[..4], b"RIFF");
            let decoded = tonny_audio::decode_bytes(wav.to_vec(), "reply").unwrap();
            assert!(decoded.duration_ms() > 500, "{} ms", decoded.duration_ms());
        }
        other => panic!("expected the reply audio, got {other:?}"),
    }
    settles_idle(&d).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_refuses_bad_starts_oversize_audio_and_forgets_cancelled_speech() {
    let d = speaking_daemon().await;
    let (base, _stop) = d.serve().await;
    let url = format!("{base}/api/v1/talk");

    // Without the token the upgrade is refused.
    assert!(
        tokio_tungstenite::connect_async(url.as_str())
            .await
            .is_err()
    );

    // A start that is not one.
    for bad in [
        Message::Text(r#"{"type":"start","format":"mp4"}"#.into()),
        Message::Text(r#"{"type":"start","format":"pcm_s16le"}"#.into()),
        Message::Binary(vec![0; 100].into()),
    ] {
        let mut ws = connect(&url).await;
        ws.send(bad.clone()).await.unwrap();
        let e = next_json(&mut ws).await;
        assert_eq!(e["type"], "error", "{bad:?}: {e}");
        let code = e["code"].as_str().unwrap();
        assert!(
            ["invalid_start", "missing_sample_rate"].contains(&code),
            "{e}"
        );
        expect_close(&mut ws, CloseCode::Policy).await;
    }

    // More than 25 MiB: refused as it passes the limit, and the pipeline is idle again.
    let mut ws = listening(&base).await;
    let mib = vec![0u8; 1024 * 1024];
    let mut refused = None;
    for _ in 0..30 {
        if ws.send(Message::Binary(mib.clone().into())).await.is_err() {
            break;
        }
        if let Ok(Some(Ok(Message::Text(t)))) =
            tokio::time::timeout(Duration::from_millis(1), ws.next()).await
        {
            refused = Some(serde_json::from_str::<Value>(&t).unwrap());
            break;
        }
    }
    let e = match refused {
        Some(e) => e,
        None => next_json(&mut ws).await,
    };
    assert_eq!(e["code"], "too_large", "{e}");
    expect_close(&mut ws, CloseCode::Size).await;
    settles_idle(&d).await;

    // Cancelled, and cut off mid-recording: nothing is transcribed or kept.
    for how in ["cancel", "drop"] {
        let mut ws = listening(&base).await;
        ws.send(Message::Binary(timer_pcm_48k().into()))
            .await
            .unwrap();
        if how == "cancel" {
            ws.send(Message::Text(r#"{"type":"cancel"}"#.into()))
                .await
                .unwrap();
        } else {
            drop(ws);
        }
        settles_idle(&d).await;
    }
    // Stop with no audio.
    let mut ws = listening(&base).await;
    ws.send(Message::Text(r#"{"type":"stop"}"#.into()))
        .await
        .unwrap();
    let e = next_json(&mut ws).await;
    assert_eq!(e["code"], "empty_audio", "{e}");
    settles_idle(&d).await;
    let (_, history) = d.call(Method::GET, "/api/v1/history", None).await;
    assert_eq!(history["items"], json!([]), "nothing was stored: {history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stop_button_cancels_a_recording_in_progress() {
    let d = speaking_daemon().await;
    let (base, _stop) = d.serve().await;
    let mut ws = listening(&base).await;
    ws.send(Message::Binary(timer_pcm_48k().into()))
        .await
        .unwrap();
    let (status, _) = d.call(Method::POST, "/api/v1/stop", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(state(&d).await, "idle");
    // Letting go afterwards is told the recording was cancelled; nothing is kept.
    ws.send(Message::Text(r#"{"type":"stop"}"#.into()))
        .await
        .unwrap();
    let e = next_json(&mut ws).await;
    assert_eq!(e["code"], "cancelled", "{e}");
    let (_, history) = d.call(Method::GET, "/api/v1/history", None).await;
    assert_eq!(history["items"], json!([]), "{history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clipping_loud_audio_is_heard_not_a_crash() {
    // A full-scale square wave at 48 kHz: resampling overshoots past ±1, which the voice
    // detector refuses; the daemon must clip it and answer.
    let d = speaking_daemon().await;
    let loud: Vec<u8> = (0..48_000)
        .flat_map(|i: i32| (if (i / 60) % 2 == 0 { 1.0f32 } else { -1.0 }).to_le_bytes())
        .collect();
    let (status, body) = d
        .send(upload(
            "?format=pcm_f32le&sample_rate=48000",
            Body::from(loud),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    settles_idle(&d).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_recording_is_only_transcribed_not_acted_on_or_kept() {
    let d = speaking_daemon().await;
    let transcribe = |query: &str, body: Vec<u8>| {
        Request::post(format!("/api/v1/transcribe{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::from(body))
            .unwrap()
    };
    let (status, body) = d
        .send(transcribe(
            "?format=pcm_s16le&sample_rate=48000",
            timer_pcm_48k(),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("timer"),
        "{body}"
    );
    assert!(body["audio_ms"].as_u64().unwrap() > 1_000, "{body}");
    // "Set a timer" set none, and nothing went to the history.
    let (_, timers) = d.call(Method::GET, "/api/v1/timers", None).await;
    assert_eq!(timers.as_array().map(Vec::len), Some(0), "{timers}");
    let (_, history) = d.call(Method::GET, "/api/v1/history", None).await;
    assert_eq!(
        history["items"].as_array().map(Vec::len),
        Some(0),
        "{history}"
    );
    assert_eq!(state(&d).await, "idle");
    // Bad audio is refused with its reason, as an upload's is.
    let (status, body) = d.send(transcribe("", b"not audio".to_vec())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_audio", "{body}");
    let (status, body) = d.send(transcribe("", Vec::new())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
