//! The built-in offline agent: its grammar, its answers, and what it leaves to other agents.

use chrono::Utc;
use chrono::{DateTime, FixedOffset};
use tonny_core::agent::{Agent, AgentError, AgentRequest, Effect};
use tonny_core::pipeline::Turn;
use tonny_core::settings::ResponseMode;
use tonny_core::timer::{NewTimer, Timer, TimerKind};
use tonny_providers::agent::local::LocalAgent;

fn at(rfc3339: &str, text: &str, conversation: Vec<Turn>) -> AgentRequest {
    AgentRequest {
        conversation,
        ..AgentRequest::new(
            text,
            "Mia",
            DateTime::<FixedOffset>::parse_from_rfc3339(rfc3339).unwrap(),
        )
    }
}

async fn answer(text: &str) -> Result<String, AgentError> {
    LocalAgent::new()
        .ask(&at("2026-11-22T15:05:00-05:00", text, vec![]))
        .await
        .map(|r| r.text)
}

#[tokio::test]
async fn tells_the_time_and_date_however_it_is_asked() {
    for asked in [
        "What time is it?",
        "Hey Tonny, what's the time, please?",
        "tell me the time",
        "What’s the time",
    ] {
        assert_eq!(answer(asked).await.unwrap(), "It's 3:05 PM.", "{asked}");
    }
    let morning = LocalAgent::new()
        .ask(&at("2026-11-23T09:00:00+01:00", "what time is it", vec![]))
        .await
        .unwrap();
    assert_eq!(morning.text, "It's 9 AM.");
    assert_eq!(morning.agent, "local");
    for asked in [
        "What's the date today?",
        "what day is it",
        "Tonny, what is today's date",
    ] {
        assert_eq!(
            answer(asked).await.unwrap(),
            "Today is Sunday, November 22, 2026.",
            "{asked}"
        );
    }
}

#[tokio::test]
async fn repeats_itself_and_recalls_what_was_said_from_the_context() {
    let earlier = vec![
        Turn {
            user: "what's the weather".into(),
            reply: Some("It will rain after lunch.".into()),
        },
        Turn {
            user: "type hello world".into(),
            reply: None,
        },
    ];
    let agent = LocalAgent::new();
    let ask = |text: &str, ctx: Vec<Turn>| at("2026-11-22T15:05:00Z", text, ctx);
    let again = agent
        .ask(&ask("Say that again", earlier.clone()))
        .await
        .unwrap();
    assert_eq!(
        again.text, "It will rain after lunch.",
        "the last reply, skipping dictation"
    );
    let said = agent
        .ask(&ask("What did I just say?", earlier))
        .await
        .unwrap();
    assert_eq!(said.text, "You said: type hello world");
    let fresh = agent.ask(&ask("repeat that", vec![])).await.unwrap();
    assert_eq!(fresh.text, "I haven't said anything yet.");
    let blank = agent.ask(&ask("what did I say", vec![])).await.unwrap();
    assert!(blank.text.contains("don't remember"), "{}", blank.text);
}

#[tokio::test]
async fn help_lists_what_it_can_do_and_anything_else_is_left_to_other_agents() {
    assert!(
        answer("What can you do?")
            .await
            .unwrap()
            .contains("the time or the date")
    );
    for other in [
        "what's the weather tomorrow",
        "time travel is fun",
        "timetable",
        "",
    ] {
        assert_eq!(
            answer(other).await,
            Err(AgentError::NotUnderstood {
                agent: "the local agent".into()
            }),
            "{other:?}"
        );
    }
    let explained = tonny_core::agent::no_remote_agent_reply();
    assert!(explained.contains("agent.fallback_order"), "{explained}");
}

const NOW: &str = "2026-11-22T15:05:00-05:00";

async fn reply(req: AgentRequest) -> tonny_core::agent::AgentReply {
    LocalAgent::new().ask(&req).await.unwrap()
}

#[tokio::test]
async fn timers_and_reminders_are_asked_for_with_absolute_due_times() {
    let now = DateTime::<FixedOffset>::parse_from_rfc3339(NOW).unwrap();
    for (asked, secs) in [
        ("Set a timer for ten minutes", 600),
        ("hey tonny set a timer for 10 minutes please", 600),
        ("start a timer for an hour and a half", 5400),
        ("set a ten minute timer", 600),
        ("timer for ninety seconds", 90),
    ] {
        let r = reply(at(NOW, asked, vec![])).await;
        let due = now.to_utc() + chrono::Duration::seconds(secs);
        let said = tonny_core::text::describe_duration(std::time::Duration::from_secs(secs as u64));
        assert_eq!(r.text, format!("Timer set for {said}."), "{asked}");
        assert_eq!(
            r.effects,
            [Effect::SetTimer(NewTimer {
                profile: "Mia".into(),
                kind: TimerKind::Timer,
                label: said,
                due_at: due,
            })],
            "{asked}"
        );
    }
    for asked in [
        "Remind me in five minutes to feed the cat",
        "remind me to feed the cat in 5 minutes",
    ] {
        let r = reply(at(NOW, asked, vec![])).await;
        assert_eq!(
            r.text, "OK, I'll remind you to feed the cat in 5 minutes.",
            "{asked}"
        );
        let Effect::SetTimer(t) = &r.effects[0] else {
            panic!("{:?}", r.effects)
        };
        assert_eq!(
            (t.kind, t.label.as_str()),
            (TimerKind::Reminder, "feed the cat")
        );
        assert_eq!(t.due_at, now.to_utc() + chrono::Duration::minutes(5));
    }
    let long = reply(at(NOW, "set a timer for 200 hours", vec![])).await;
    assert!(
        long.text.contains("up to a week") && long.effects.is_empty(),
        "{}",
        long.text
    );
    assert!(
        LocalAgent::new()
            .ask(&at(NOW, "set a timer for later", vec![]))
            .await
            .is_err(),
        "no duration, not a timer request"
    );
}

#[tokio::test]
async fn pending_timers_are_listed_and_cancelled_by_kind() {
    let now = DateTime::<FixedOffset>::parse_from_rfc3339(NOW)
        .unwrap()
        .to_utc();
    let timer = |id, kind, label: &str, secs| Timer {
        id,
        profile: "Mia".into(),
        kind,
        label: label.into(),
        due_at: now + chrono::Duration::seconds(secs),
        created_at: Utc::now(),
    };
    let with = |text: &str| AgentRequest {
        timers: vec![
            timer(3, TimerKind::Timer, "10 minutes", 240),
            timer(7, TimerKind::Reminder, "call grandma", 3600),
            timer(9, TimerKind::Timer, "1 hour", 3000),
        ],
        ..at(NOW, text, vec![])
    };
    let listed = reply(with("how much time is left")).await;
    assert_eq!(
        listed.text,
        "You have a timer for 10 minutes with 4 minutes left; a reminder to call grandma in 1 hour; \
         a timer for 1 hour with 50 minutes left."
    );
    let cancelled = reply(with("cancel my timers")).await;
    assert_eq!(cancelled.text, "All 2 of your timers are cancelled.");
    assert_eq!(
        cancelled.effects,
        [Effect::CancelTimers { ids: vec![3, 9] }]
    );
    let one = reply(with("cancel the reminder")).await;
    assert_eq!(one.effects, [Effect::CancelTimers { ids: vec![7] }]);
    let none = reply(at(NOW, "cancel my timer", vec![])).await;
    assert_eq!(
        (none.text.as_str(), none.effects.len()),
        ("You have no timers to cancel.", 0)
    );
    let empty = reply(at(NOW, "list timers", vec![])).await;
    assert_eq!(empty.text, "You have no timers or reminders.");
}

#[tokio::test]
async fn response_mode_and_quick_actions_are_changed_through_effects() {
    let voice = reply(at(NOW, "Switch to voice only mode", vec![])).await;
    assert_eq!(
        voice.effects,
        [Effect::SetResponseMode(ResponseMode::VoiceOnly)]
    );
    let text = reply(at(NOW, "use text only", vec![])).await;
    assert_eq!(
        text.effects,
        [Effect::SetResponseMode(ResponseMode::TextOnly)]
    );
    let with_actions = |t: &str| AgentRequest {
        quick_actions: vec!["Good night".into(), "movie time".into()],
        ..at(NOW, t, vec![])
    };
    let listed = reply(with_actions("what quick actions do I have")).await;
    assert_eq!(
        listed.text,
        "You have 2 quick actions: \"Good night\", \"movie time\"."
    );
    let run = reply(with_actions("run quick action good night")).await;
    assert_eq!(
        run.effects,
        [Effect::RunQuickAction {
            phrase: "Good night".into()
        }]
    );
    let missing = reply(with_actions("run quick action bedtime")).await;
    assert!(
        missing.text.contains("no quick action called \"bedtime\""),
        "{}",
        missing.text
    );
    let none = reply(at(NOW, "list quick actions", vec![])).await;
    assert!(none.text.contains("tonny actions add"), "{}", none.text);
}
