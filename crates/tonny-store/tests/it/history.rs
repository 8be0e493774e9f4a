//! Transcriptions: insert, list with paging and filters, full-text search.

use tonny_core::activity::ActivityStatus;
use tonny_core::router::Intent;
use tonny_core::{Permission, Profile};
use tonny_store::{HistoryQuery, NewActivity, NewTranscription, StageTimings, Store, StoreError};

use crate::{fill, fresh};

#[tokio::test]
async fn list_pages_newest_first_and_filters_by_profile() {
    let (_home, store) = fresh();
    store
        .add_profile(&Profile::new("Mia", Permission::Kid).unwrap())
        .await
        .unwrap();
    fill(store.db(), 10);
    let mia = store
        .insert_transcription(&NewTranscription {
            text: "set a timer for the cookies".into(),
            profile: Some("mia".into()),
            audio_ms: Some(1900),
            stt_ms: Some(310),
            ..Default::default()
        })
        .await
        .unwrap();

    let first = store
        .list_transcriptions(&HistoryQuery {
            limit: 4,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(first.len(), 4);
    assert_eq!(first[0].id, mia);
    assert_eq!(first[0].profile.as_deref(), Some("Mia"));
    assert_eq!(first[0].stt_ms, Some(310));
    assert!(first.windows(2).all(|w| w[0].id > w[1].id));
    let next = store
        .list_transcriptions(&HistoryQuery {
            limit: 100,
            before_id: Some(first[3].id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(next.len(), 11 - 4);
    let only_mia = store
        .list_transcriptions(&HistoryQuery {
            limit: 100,
            profile: Some("Mia".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(only_mia.iter().map(|t| t.id).collect::<Vec<_>>(), vec![mia]);
}

#[tokio::test]
async fn search_finds_words_in_any_order_with_highlighted_snippets() {
    let (_home, store) = fresh();
    fill(store.db(), 200);
    let hits = store
        .search_transcriptions(
            "timer minutes",
            &HistoryQuery {
                limit: 20,
                ..HistoryQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(!hits.is_empty());
    assert!(hits.len() <= 20);
    for h in &hits {
        let t = h.transcription.text.to_lowercase();
        assert!(t.contains("timer") && t.contains("minutes"), "{t}");
        assert!(
            h.snippet.contains("[timer]") || h.snippet.contains("[Timer]"),
            "{}",
            h.snippet
        );
    }
    // Prefix search and diacritics-insensitive matching.
    store
        .insert_transcription(&NewTranscription {
            text: "Café au lait for Zoë".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .search_transcriptions(
                "cafe zoe",
                &HistoryQuery {
                    limit: 5,
                    ..HistoryQuery::default()
                }
            )
            .await
            .unwrap()
            .len(),
        1
    );
    let prefixed = store
        .search_transcriptions(
            "shop*",
            &HistoryQuery {
                limit: 5,
                ..HistoryQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(
        prefixed
            .iter()
            .all(|h| h.transcription.text.contains("shopping"))
    );
    assert!(!prefixed.is_empty());
    // FTS syntax in user input is searched literally, never a syntax error.
    store
        .search_transcriptions(
            "\"unbalanced AND ( NEAR -",
            &HistoryQuery {
                limit: 5,
                ..HistoryQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .search_transcriptions(
                "  \"\" ",
                &HistoryQuery {
                    limit: 5,
                    ..HistoryQuery::default()
                }
            )
            .await,
        Err(StoreError::EmptySearch)
    ));
}

#[tokio::test]
async fn deleted_rows_leave_the_search_index() {
    let (_home, store) = fresh();
    store
        .insert_transcription(&NewTranscription {
            text: "zebra crossing".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .search_transcriptions(
                "zebra",
                &HistoryQuery {
                    limit: 5,
                    ..HistoryQuery::default()
                }
            )
            .await
            .unwrap()
            .len(),
        1
    );
    let report = store
        .prune(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(report.transcriptions, 1);
    assert!(
        store
            .search_transcriptions(
                "zebra",
                &HistoryQuery {
                    limit: 5,
                    ..HistoryQuery::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.integrity_check().await.unwrap().ok);
}

#[tokio::test]
async fn filters_apply_before_the_limit_and_rows_carry_their_outcome_and_timings() {
    let (_home, store) = fresh();
    for name in ["Mia", "Sam"] {
        store
            .add_profile(&Profile::new(name, Permission::User).unwrap())
            .await
            .unwrap();
    }
    // Three of Mia's timer requests, then many newer ones of Sam's that also match.
    let mut mia = Vec::new();
    for i in 0..3 {
        let id = store
            .insert_transcription(&NewTranscription {
                text: format!("set a timer number {i}"),
                profile: Some("Mia".into()),
                stt_ms: Some(300),
                ..Default::default()
            })
            .await
            .unwrap();
        store
            .insert_activity(&NewActivity {
                transcription_id: Some(id),
                profile: Some("Mia".into()),
                intent: Intent::Local,
                status: if i == 1 {
                    ActivityStatus::Blocked
                } else {
                    ActivityStatus::Success
                },
                timings: StageTimings {
                    stt_ms: Some(300),
                    route_ms: Some(2),
                    agent_ms: Some(15),
                    total_ms: Some(420),
                    ..StageTimings::default()
                },
                ..Default::default()
            })
            .await
            .unwrap();
        mia.push(id);
    }
    for i in 0..30 {
        store
            .insert_transcription(&NewTranscription {
                text: format!("timer for the oven {i}"),
                profile: Some("Sam".into()),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let only = |profile: &str, limit: u32| HistoryQuery {
        limit,
        profile: Some(profile.into()),
        ..Default::default()
    };

    // Search: Mia's rows are older than a whole page of Sam's, and still fill the page.
    let hits = store
        .search_transcriptions("timer", &only("Mia", 2))
        .await
        .unwrap();
    let ids: Vec<_> = hits.iter().map(|h| h.transcription.id).collect();
    assert_eq!(ids, vec![mia[2], mia[1]]);
    let rest = store
        .search_transcriptions(
            "timer",
            &HistoryQuery {
                before_id: Some(mia[1]),
                ..only("Mia", 2)
            },
        )
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|h| h.transcription.id).collect::<Vec<_>>(),
        vec![mia[0]]
    );

    // Outcome and timings come from the request's activity row.
    let blocked = store
        .list_transcriptions(&HistoryQuery {
            status: Some("blocked".into()),
            ..only("Mia", 10)
        })
        .await
        .unwrap();
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0].id, mia[1]);
    assert_eq!(blocked[0].timings.agent_ms, Some(15));
    assert_eq!(blocked[0].timings.total_ms, Some(420));
    let transcribed = store
        .list_transcriptions(&HistoryQuery {
            status: Some("transcribed".into()),
            ..only("Sam", 100)
        })
        .await
        .unwrap();
    assert_eq!(transcribed.len(), 30);
    assert_eq!(transcribed[0].timings, StageTimings::default());

    // Dates: nothing before the first row, everything before a minute from now.
    let first = store
        .list_transcriptions(&only("Mia", 10))
        .await
        .unwrap()
        .last()
        .unwrap()
        .created_at;
    let before_first = store
        .list_transcriptions(&HistoryQuery {
            until: Some(first),
            ..only("Mia", 10)
        })
        .await
        .unwrap();
    assert!(before_first.is_empty());
    let searched_until = store
        .search_transcriptions(
            "timer",
            &HistoryQuery {
                until: Some(chrono::Utc::now() + chrono::Duration::minutes(1)),
                ..only("Sam", 50)
            },
        )
        .await
        .unwrap();
    assert_eq!(searched_until.len(), 30);
}
