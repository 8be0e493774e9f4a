//! Profiles: uniqueness, edits, and never locking the family out.

use tonny_core::{Permission, Profile};
use tonny_store::{Store, StoreError};

use crate::fresh;

#[tokio::test]
async fn names_are_unique_case_insensitively_and_round_trip() {
    let (_home, store) = fresh();
    let mut leo = Profile::new("Leo", Permission::Kid).unwrap();
    leo.allowed_commands = vec!["timer *".into(), "what time*".into()];
    leo.blocked_commands = vec!["buy *".into()];
    leo.daily_limit = Some(40);
    leo.quiet_hours = Some("20:30-07:00".parse().unwrap());
    leo.set_pin("2468").unwrap();
    store.add_profile(&leo).await.unwrap();
    assert_eq!(store.get_profile("LEO").await.unwrap().unwrap(), leo);
    let dup = store
        .add_profile(&Profile::new("leo", Permission::User).unwrap())
        .await;
    assert!(
        matches!(dup, Err(StoreError::AlreadyExists { .. })),
        "{dup:?}"
    );
}

#[tokio::test]
async fn last_admin_cannot_be_demoted_or_removed_while_others_exist() {
    let (_home, store) = fresh();
    store
        .add_profile(&Profile::new("Sam", Permission::Admin).unwrap())
        .await
        .unwrap();
    store
        .add_profile(&Profile::new("Mia", Permission::Kid).unwrap())
        .await
        .unwrap();
    let demoted = Profile::new("Sam", Permission::User).unwrap();
    assert!(matches!(
        store.update_profile("Sam", &demoted).await,
        Err(StoreError::LastAdmin { .. })
    ));
    assert!(matches!(
        store.remove_profile("sam").await,
        Err(StoreError::LastAdmin { .. })
    ));
    store
        .add_profile(&Profile::new("Alex", Permission::Admin).unwrap())
        .await
        .unwrap();
    store.update_profile("Sam", &demoted).await.unwrap();
    store.remove_profile("Sam").await.unwrap();
    assert!(matches!(
        store.remove_profile("Sam").await,
        Err(StoreError::NotFound { .. })
    ));
    let names: Vec<_> = store
        .list_profiles()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, vec!["Alex", "Mia"]);
}

#[tokio::test]
async fn removing_a_profile_keeps_its_history_unattributed() {
    let (_home, store) = fresh();
    store
        .add_profile(&Profile::new("Guest", Permission::Guest).unwrap())
        .await
        .unwrap();
    let id = store
        .insert_transcription(&tonny_store::NewTranscription {
            text: "what time is it".into(),
            profile: Some("Guest".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    store.remove_profile("Guest").await.unwrap();
    let rows = store
        .list_transcriptions(&tonny_store::HistoryQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows[0].id, id);
    assert_eq!(rows[0].profile, None);
}

#[tokio::test]
async fn usage_is_counted_per_profile_per_day_and_survives_a_reopen() {
    use chrono::NaiveDate;
    use tonny_store::{DailyUsage, UsageOutcome};
    let (home, store) = fresh();
    for name in ["Mia", "Leo"] {
        store
            .add_profile(&Profile::new(name, Permission::Kid).unwrap())
            .await
            .unwrap();
    }
    let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let tuesday = monday.succ_opt().unwrap();
    for _ in 0..3 {
        store
            .count_usage("Mia", monday, UsageOutcome::Served, 1500)
            .await
            .unwrap();
    }
    let after = store
        .count_usage("mia", monday, UsageOutcome::Blocked, 800)
        .await
        .unwrap();
    assert_eq!(
        after,
        DailyUsage {
            requests: 3,
            blocked: 1,
            audio_ms: 5300
        }
    );
    assert_eq!(
        store.usage("Leo", monday).await.unwrap(),
        DailyUsage::default()
    );
    assert_eq!(
        store.usage("Mia", tuesday).await.unwrap(),
        DailyUsage::default()
    );
    let missing = store
        .count_usage("Nobody", monday, UsageOutcome::Served, 0)
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );

    drop(store);
    let reopened = tonny_store::SqliteStore::open(&home.database()).unwrap();
    assert_eq!(reopened.usage("Mia", monday).await.unwrap().requests, 3);
}
