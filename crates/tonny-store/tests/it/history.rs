//! Transcriptions: insert, list with paging and filters, full-text search.

use tonny_core::{Permission, Profile};
use tonny_store::{HistoryQuery, NewTranscription, Store, StoreError};

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
        .search_transcriptions("timer minutes", 20)
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
            .search_transcriptions("cafe zoe", 5)
            .await
            .unwrap()
            .len(),
        1
    );
    let prefixed = store.search_transcriptions("shop*", 5).await.unwrap();
    assert!(
        prefixed
            .iter()
            .all(|h| h.transcription.text.contains("shopping"))
    );
    assert!(!prefixed.is_empty());
    // FTS syntax in user input is searched literally, never a syntax error.
    store
        .search_transcriptions("\"unbalanced AND ( NEAR -", 5)
        .await
        .unwrap();
    assert!(matches!(
        store.search_transcriptions("  \"\" ", 5).await,
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
        store.search_transcriptions("zebra", 5).await.unwrap().len(),
        1
    );
    let report = store
        .prune(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(report.transcriptions, 1);
    assert!(
        store
            .search_transcriptions("zebra", 5)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.integrity_check().await.unwrap().ok);
}
