//! The coordinator task, driven through its handle and observed through the event bus.

use std::time::Duration;
use tokio::sync::broadcast::Receiver;
use tonny_core::pipeline::{
    ClearReason, Coordinator, CoordinatorError, Event, EventBus, State, Step, Turn,
};
use tonny_core::settings::ConversationSettings;

fn start(history_length: u32, auto_clear_minutes: u32) -> (Coordinator, Receiver<Event>) {
    let bus = EventBus::new();
    let events = bus.subscribe();
    let c = Coordinator::spawn(
        bus,
        &ConversationSettings {
            history_length,
            auto_clear_minutes,
        },
    );
    (c, events)
}

/// Everything published so far.
fn drain(events: &mut Receiver<Event>) -> Vec<Event> {
    std::iter::from_fn(|| events.try_recv().ok()).collect()
}

fn transitions(events: &[Event]) -> Vec<(u64, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::StateChanged { utterance, to, .. } => Some((*utterance, to.name().to_owned())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_spoken_request_publishes_each_state_change_in_order() {
    let (c, mut events) = start(10, 5);
    let u = c.listen().await.unwrap();
    assert_eq!(u, 1);
    c.step(u, Step::RecordingEnded).await.unwrap();
    c.step(u, Step::Transcribed).await.unwrap();
    c.step(u, Step::Replied { spoken: true }).await.unwrap();
    assert_eq!(c.state().await.unwrap(), (1, State::Speaking));
    c.step(u, Step::SpeechFinished).await.unwrap();
    let seen = transitions(&drain(&mut events));
    let names: Vec<_> = seen.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        names,
        ["listening", "transcribing", "thinking", "speaking", "idle"]
    );
    assert!(seen.iter().all(|(u, _)| *u == 1));
    assert_eq!(
        c.typed().await.unwrap(),
        2,
        "the next utterance gets the next number"
    );
}

#[tokio::test]
async fn a_late_transcript_of_a_cancelled_recording_is_ignored() {
    let (c, mut events) = start(10, 5);
    let first = c.listen().await.unwrap();
    c.step(first, Step::RecordingEnded).await.unwrap();
    c.cancel().await.unwrap();
    let second = c.listen().await.unwrap();
    // The first recording's transcription finishes after the person started again.
    let late = c.step(first, Step::Transcribed).await.unwrap_err();
    assert_eq!(
        late,
        CoordinatorError::Stale {
            utterance: first,
            current: second
        }
    );
    assert_eq!(c.state().await.unwrap(), (second, State::Listening));
    let late_turn = Turn {
        user: "old words".into(),
        reply: None,
    };
    assert!(c.remember(first, late_turn).await.is_err());
    assert!(c.context().await.unwrap().is_empty());
    let names: Vec<_> = transitions(&drain(&mut events))
        .into_iter()
        .map(|(u, s)| format!("{u}:{s}"))
        .collect();
    assert_eq!(
        names,
        ["1:listening", "1:transcribing", "1:idle", "2:listening"]
    );
}

#[tokio::test]
async fn a_step_that_does_not_fit_is_refused_with_a_reason_and_changes_nothing() {
    let (c, mut events) = start(10, 5);
    let u = c.listen().await.unwrap();
    let err = c.step(u, Step::SpeechFinished).await.unwrap_err();
    assert!(err.to_string().contains("nothing is being spoken"), "{err}");
    let again = c.listen().await.unwrap_err();
    assert!(again.to_string().contains("cancel it first"), "{again}");
    assert_eq!(c.state().await.unwrap(), (u, State::Listening));
    let published = drain(&mut events);
    let reasons: Vec<_> = published
        .iter()
        .filter_map(|e| match e {
            Event::StepRejected { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 2, "{published:?}");
    assert_eq!(
        transitions(&published).len(),
        1,
        "only the first listen moved it"
    );
}

#[tokio::test]
async fn a_failure_is_published_and_the_next_talk_press_starts_fresh() {
    let (c, mut events) = start(10, 5);
    let u = c.listen().await.unwrap();
    let state = c
        .step(u, Step::Failed("the microphone was unplugged".into()))
        .await
        .unwrap();
    assert_eq!(state, State::Error("the microphone was unplugged".into()));
    let published = drain(&mut events);
    assert!(published.contains(&Event::Error {
        utterance: u,
        message: "the microphone was unplugged".into()
    }));
    let next = c.listen().await.unwrap();
    assert_eq!(c.state().await.unwrap(), (next, State::Listening));
    c.cancel().await.unwrap();
    // Cancelling when idle is harmless and publishes nothing.
    drain(&mut events);
    assert_eq!(c.cancel().await.unwrap(), State::Idle);
    assert!(drain(&mut events).is_empty());
}

#[tokio::test]
async fn only_one_of_many_simultaneous_talk_presses_starts_an_utterance() {
    let (c, _events) = start(10, 5);
    let presses: Vec<_> = (0..32)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.listen().await })
        })
        .collect();
    let mut started = 0;
    for p in presses {
        if p.await.unwrap().is_ok() {
            started += 1;
        }
    }
    assert_eq!(started, 1);
    assert_eq!(c.state().await.unwrap(), (1, State::Listening));
}

async fn exchange(c: &Coordinator, words: &str) {
    let u = c.typed().await.unwrap();
    c.remember(
        u,
        Turn {
            user: words.into(),
            reply: Some(format!("reply to {words}")),
        },
    )
    .await
    .unwrap();
    c.step(u, Step::Replied { spoken: false }).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn context_keeps_the_last_turns_and_is_forgotten_after_the_idle_time() {
    let (c, mut events) = start(2, 5);
    for words in ["one", "two", "three"] {
        exchange(&c, words).await;
    }
    let users: Vec<_> = c
        .context()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.user)
        .collect();
    assert_eq!(users, ["two", "three"]);

    // Four minutes of quiet: still remembered; a new turn restarts the clock.
    tokio::time::sleep(Duration::from_secs(4 * 60)).await;
    exchange(&c, "four").await;
    tokio::time::sleep(Duration::from_secs(4 * 60)).await;
    assert_eq!(c.context().await.unwrap().len(), 2);
    drain(&mut events);

    // Five minutes after the newest turn it is gone, and subscribers are told.
    tokio::time::sleep(Duration::from_secs(61)).await;
    assert!(c.context().await.unwrap().is_empty());
    assert!(drain(&mut events).contains(&Event::ContextCleared {
        reason: ClearReason::Idle
    }));

    exchange(&c, "five").await;
    assert!(c.clear_context().await.unwrap());
    assert!(!c.clear_context().await.unwrap(), "nothing left to clear");
    assert!(drain(&mut events).contains(&Event::ContextCleared {
        reason: ClearReason::Asked
    }));
}

#[test]
fn the_handle_reports_a_stopped_pipeline_instead_of_hanging() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    // A coordinator whose runtime is then shut down (the app is exiting).
    let first = runtime();
    let c = first
        .block_on(async { Coordinator::spawn(EventBus::new(), &ConversationSettings::default()) });
    drop(first);
    let err = runtime().block_on(c.listen()).unwrap_err();
    assert_eq!(err, CoordinatorError::Stopped);
    assert_eq!(err.to_string(), "the voice pipeline has stopped");
}
