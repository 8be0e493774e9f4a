//! The built-in offline agent: its grammar, its answers, and what it leaves to other agents.

use chrono::{DateTime, FixedOffset};
use tonny_core::agent::{Agent, AgentError, AgentRequest};
use tonny_core::pipeline::Turn;
use tonny_providers::agent::local::LocalAgent;

fn at(rfc3339: &str, text: &str, conversation: Vec<Turn>) -> AgentRequest {
    AgentRequest {
        text: text.into(),
        profile: "Mia".into(),
        conversation,
        now: DateTime::<FixedOffset>::parse_from_rfc3339(rfc3339).unwrap(),
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
