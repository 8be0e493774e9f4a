//! The chat agent against the fake Open WebUI / OpenAI server: streaming, the request it sends,
//! model checks, and every way a chat server fails.

use std::time::{Duration, Instant};

use chrono::DateTime;
use tonny_core::agent::{Agent, AgentError, AgentRequest};
use tonny_core::pipeline::Turn;
use tonny_core::settings::ChatApi;
use tonny_providers::agent::chat::{ChatAgent, ChatConfig};
use tonny_testkit::fakes::{ChatFault, FakeChat};

fn request(text: &str) -> AgentRequest {
    AgentRequest::new(
        text,
        "Mia",
        DateTime::parse_from_rfc3339("2026-11-22T15:05:00-05:00").unwrap(),
    )
}

fn config(chat: &FakeChat, api: ChatApi) -> ChatConfig {
    ChatConfig {
        base_url: chat.url(),
        api,
        model: "llama3.2".into(),
        api_key: Some("sk-test-key-123".into()),
        knowledge_collection: None,
        system_prompt: "Be brief.".into(),
        stream: true,
        timeout_ms: 2_000,
    }
}

#[tokio::test]
async fn a_streamed_answer_arrives_in_pieces_while_it_is_written() {
    let chat = FakeChat::start();
    chat.require_key("sk-test-key-123");
    chat.set_pace(Duration::from_millis(100), 20.0);
    let agent = ChatAgent::new(ChatConfig {
        knowledge_collection: Some("kb-family".into()),
        ..config(&chat, ChatApi::OpenWebui)
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let asking = tokio::spawn(async move {
        let req = AgentRequest {
            conversation: vec![Turn {
                user: "hello".into(),
                reply: Some("Hi Mia.".into()),
            }],
            ..request("what is the sun")
        };
        agent.ask_streaming(&req, &tx).await
    });
    let first = rx.recv().await.unwrap();
    let first_at = started.elapsed();
    let reply = asking.await.unwrap().unwrap();
    let total = started.elapsed();
    assert_eq!(first, "The");
    assert_eq!(
        reply.text,
        "The sun is a star. It is very hot. It gives us light."
    );
    // 14 tokens at 20/s: the first arrives long before the last.
    assert!(
        total - first_at > Duration::from_millis(400),
        "{first_at:?} {total:?}"
    );

    let body = &chat.requests()[0];
    assert_eq!(body["model"], "llama3.2");
    assert_eq!(body["stream"], true);
    assert_eq!(body["files"][0]["type"], "collection");
    assert_eq!(body["files"][0]["id"], "kb-family");
    let roles: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert_eq!(body["messages"][3]["content"], "what is the sun");
}

#[tokio::test]
async fn openai_dialect_and_non_streaming_answers() {
    let chat = FakeChat::start();
    let agent = ChatAgent::new(ChatConfig {
        base_url: format!("{}/v1", chat.url()),
        stream: false,
        ..config(&chat, ChatApi::Openai)
    });
    let reply = agent.ask(&request("hi")).await.unwrap();
    assert!(reply.text.starts_with("The sun is a star."));
    assert_eq!(chat.requests()[0]["stream"], false);
    assert!(agent.check_model().await.is_ok());
    assert_eq!(agent.models().await.unwrap(), vec!["llama3.2".to_owned()]);
}

#[tokio::test]
async fn wrong_key_and_unknown_model_say_what_to_fix() {
    let chat = FakeChat::start();
    chat.require_key("the-right-key-123");
    for api in [ChatApi::OpenWebui, ChatApi::Openai] {
        let err = ChatAgent::new(config(&chat, api))
            .ask(&request("hi"))
            .await
            .unwrap_err();
        assert!(matches!(err, AgentError::Rejected(_)), "{err:?}");
        assert!(err.to_string().contains("chat_api_key"), "{err}");
        assert!(!err.to_string().contains("sk-test-key-123"));
    }
    let agent = ChatAgent::new(ChatConfig {
        api_key: Some("the-right-key-123".into()),
        model: "gpt-9".into(),
        ..config(&chat, ChatApi::Openai)
    });
    let err = agent.ask(&request("hi")).await.unwrap_err();
    assert!(
        err.to_string().contains("does not know model \"gpt-9\""),
        "{err}"
    );
    let err = agent.check_model().await.unwrap_err();
    assert!(err.to_string().contains("it offers: llama3.2"), "{err}");
}

#[tokio::test]
async fn broken_streams_and_servers_are_reported_not_spoken() {
    let chat = FakeChat::start();
    let agent = ChatAgent::new(ChatConfig {
        timeout_ms: 400,
        ..config(&chat, ChatApi::OpenWebui)
    });
    let cases: [(ChatFault, bool, &str); 6] = [
        (
            ChatFault::TruncateAfter(3),
            true,
            "stopped in the middle of its reply",
        ),
        (ChatFault::MalformedChunk, false, "not JSON"),
        (ChatFault::Hang, true, "did not answer within 400 ms"),
        (ChatFault::ProxyHtml, true, "an HTML page"),
        (ChatFault::Overloaded, true, "overloaded"),
        (ChatFault::Huge, false, "larger than"),
    ];
    for (fault, transient, says) in cases {
        chat.set_fault(Some(fault.clone()));
        let started = Instant::now();
        let err = agent.ask(&request("hi")).await.unwrap_err();
        assert_eq!(err.is_transient(), transient, "{fault:?}: {err}");
        assert!(err.to_string().contains(says), "{fault:?}: {err}");
        assert!(started.elapsed() < Duration::from_secs(3), "{fault:?}");
    }
    // The non-streaming path bounds a huge body too.
    let whole = ChatAgent::new(ChatConfig {
        stream: false,
        ..config(&chat, ChatApi::OpenWebui)
    });
    let err = whole.ask(&request("hi")).await.unwrap_err();
    assert!(err.to_string().contains("larger than"), "{err}");
    chat.set_fault(None);
    assert!(agent.ask(&request("hi")).await.is_ok());
}

#[tokio::test]
async fn a_server_that_is_down_is_unavailable() {
    let chat = FakeChat::start();
    let cfg = config(&chat, ChatApi::OpenWebui);
    drop(chat);
    let err = ChatAgent::new(cfg).ask(&request("hi")).await.unwrap_err();
    assert!(err.is_transient());
    assert!(err.to_string().contains("chat is not reachable"), "{err}");
}
