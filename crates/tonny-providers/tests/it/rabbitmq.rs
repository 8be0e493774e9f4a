//! The RabbitMQ agent against a real broker: every prompt reaches a consumer bound to
//! `thread.tonny.prompt.*`, a broker restart loses nothing, RPC answers come back, and an
//! unroutable or unreachable broker is reported as "not delivered".

use std::time::Duration;

use chrono::DateTime;
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::Value;
use tonny_core::agent::{Agent, AgentRequest};
use tonny_providers::agent::rabbitmq::{RabbitMqAgent, RabbitMqConfig};
use tonny_testkit::RabbitServer;

fn request(text: &str, profile: &str) -> AgentRequest {
    AgentRequest::new(
        text,
        profile,
        DateTime::parse_from_rfc3339("2026-11-22T15:05:00-05:00").unwrap(),
    )
}

fn agent(url: &str, rpc: bool) -> RabbitMqAgent {
    RabbitMqAgent::new(RabbitMqConfig {
        url: url.to_owned(),
        exchange: "amq.topic".into(),
        routing_key_template: "thread.tonny.prompt.{profile}".into(),
        rpc,
        timeout_ms: 2_000,
    })
}

// A durable queue bound like a household consumer would bind it.
async fn bound_queue(url: &str, queue: &str) -> (Connection, Channel) {
    let conn = Connection::connect(url, ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    ch.queue_declare(
        queue.into(),
        QueueDeclareOptions {
            durable: true,
            ..Default::default()
        },
        FieldTable::default(),
    )
    .await
    .unwrap();
    ch.queue_bind(
        queue.into(),
        "amq.topic".into(),
        "thread.tonny.prompt.*".into(),
        QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .unwrap();
    (conn, ch)
}

async fn drain(url: &str, queue: &str, n: usize) -> Vec<(Value, BasicProperties, String)> {
    let conn = Connection::connect(url, ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    let mut consumer = ch
        .basic_consume(
            queue.into(),
            "test".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut got = Vec::new();
    while got.len() < n {
        let d = tokio::time::timeout(Duration::from_secs(5), consumer.next())
            .await
            .expect("a message within 5 s")
            .unwrap()
            .unwrap();
        d.ack(BasicAckOptions::default()).await.unwrap();
        got.push((
            serde_json::from_slice(&d.data).unwrap(),
            d.properties.clone(),
            d.routing_key.to_string(),
        ));
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_prompt_reaches_the_consumer_and_a_broker_restart_loses_nothing() {
    let mut broker = RabbitServer::start();
    let url = broker.amqp_url();
    drop(bound_queue(&url, "household").await);
    let a = agent(&url, false);
    for i in 0..10 {
        let reply = a
            .ask(&request(&format!("prompt {i}"), "Mia"))
            .await
            .unwrap();
        assert_eq!(reply.text, "OK, I've passed that on.");
    }
    // The broker restarts under the agent: its next publish reconnects.
    tokio::task::block_in_place(|| broker.restart());
    for i in 10..20 {
        a.ask(&request(&format!("prompt {i}"), "Grand Pa"))
            .await
            .unwrap();
    }
    let got = drain(&url, "household", 20).await;
    let texts: Vec<&str> = got
        .iter()
        .map(|(v, _, _)| v["text"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (0..20).map(|i| format!("prompt {i}")).collect();
    assert_eq!(texts, want);
    let (first, props, key) = &got[0];
    assert_eq!(key, "thread.tonny.prompt.mia");
    assert_eq!(got[15].2, "thread.tonny.prompt.grand_pa");
    assert_eq!(first["profile"], "Mia");
    assert_eq!(props.delivery_mode(), &Some(2), "persistent");
    assert_eq!(
        props.message_id().as_ref().map(|m| m.to_string()),
        first["idempotency_key"].as_str().map(str::to_owned)
    );
    assert_eq!(
        props
            .content_type()
            .as_ref()
            .map(|c| c.to_string())
            .as_deref(),
        Some("application/json")
    );

    // While the broker is down the prompt is "not delivered" (the outbox keeps it); after it
    // is back, publishing works again.
    tokio::task::block_in_place(|| broker.stop());
    let err = a.ask(&request("while down", "Mia")).await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(
        err.to_string().contains("RabbitMQ is not reachable"),
        "{err}"
    );
    assert!(!err.to_string().contains("guest:guest"), "{err}");
    tokio::task::block_in_place(|| broker.start_again());
    a.ask(&request("after", "Mia")).await.unwrap();
    assert_eq!(drain(&url, "household", 1).await[0].0["text"], "after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_answers_come_back_and_unroutable_prompts_are_not_delivered() {
    let broker = RabbitServer::start();
    let url = broker.amqp_url();

    // Nothing bound yet: the broker returns the message.
    let err = agent(&url, false)
        .ask(&request("hello?", "Mia"))
        .await
        .unwrap_err();
    assert!(err.is_transient());
    assert!(err.to_string().contains("nothing is listening"), "{err}");

    // A responder answering on reply_to with the correlation id.
    let (_conn, ch) = bound_queue(&url, "responder").await;
    let mut requests = ch
        .basic_consume(
            "responder".into(),
            "responder".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let responder = tokio::spawn(async move {
        while let Some(Ok(d)) = requests.next().await {
            let asked: Value = serde_json::from_slice(&d.data).unwrap();
            let reply_to = d.properties.reply_to().clone().unwrap();
            let props = BasicProperties::default()
                .with_correlation_id(d.properties.correlation_id().clone().unwrap());
            let body = serde_json::json!({"text": format!("bus says: {}", asked["text"].as_str().unwrap())});
            ch.basic_publish(
                "".into(),
                reply_to.as_str().into(),
                BasicPublishOptions::default(),
                body.to_string().as_bytes(),
                props,
            )
            .await
            .unwrap();
            d.ack(BasicAckOptions::default()).await.unwrap();
        }
    });
    let rpc = agent(&url, true);
    for q in ["is the garage closed", "and the back door"] {
        let reply = rpc.ask(&request(q, "Mia")).await.unwrap();
        assert_eq!(reply.text, format!("bus says: {q}"));
    }
    responder.abort();

    // Delivered but unanswered: said plainly, not queued again.
    let (_c2, _ch2) = bound_queue(&url, "silent").await;
    let reply = agent(&url, true)
        .ask(&request("anyone?", "Mia"))
        .await
        .unwrap();
    assert!(
        reply.text.contains("no answer came back within 2 seconds"),
        "{}",
        reply.text
    );
}
