//! What the voice pipeline keeps between runs: timers, the active profile, wrong PINs, quick
//! actions, activity with stage timings, notifications.

use chrono::{Duration, Utc};
use tonny_core::activity::ActivityStatus;
use tonny_core::quick_action::{QuickAction, Step};
use tonny_core::router::Intent;
use tonny_core::timer::{NewTimer, TimerKind};
use tonny_core::{Permission, Profile};
use tonny_store::{NewActivity, SqliteStore, StageTimings, Store, StoreError};

use crate::fresh;

async fn with_profile(store: &SqliteStore, name: &str, permission: Permission) {
    store
        .add_profile(&Profile::new(name, permission).unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn timers_survive_reopening_fire_once_and_cancel() {
    let (home, store) = fresh();
    with_profile(&store, "Mia", Permission::Kid).await;
    let now = Utc::now();
    let later = store
        .add_timer(&NewTimer {
            profile: "mia".into(),
            kind: TimerKind::Reminder,
            label: "feed the cat".into(),
            due_at: now + Duration::minutes(5),
        })
        .await
        .unwrap();
    let sooner = store
        .add_timer(&NewTimer {
            profile: "Mia".into(),
            kind: TimerKind::Timer,
            label: "10 minutes".into(),
            due_at: now + Duration::minutes(1),
        })
        .await
        .unwrap();
    assert_eq!(later.profile, "Mia", "stored under the profile's own name");
    let err = store
        .add_timer(&NewTimer {
            profile: "nobody".into(),
            kind: TimerKind::Timer,
            label: "1 minute".into(),
            due_at: now,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    drop(store);

    let store = SqliteStore::open(&home.database()).unwrap();
    let pending = store.pending_timers(None).await.unwrap();
    assert_eq!(
        pending.iter().map(|t| t.id).collect::<Vec<_>>(),
        [sooner.id, later.id],
        "soonest first, after a reopen"
    );
    assert_eq!(
        pending[1].due_at.timestamp_millis(),
        later.due_at.timestamp_millis()
    );
    assert!(store.fire_timer(sooner.id, now).await.unwrap());
    assert!(
        !store.fire_timer(sooner.id, now).await.unwrap(),
        "fires once"
    );
    assert_eq!(
        store.cancel_timers(&[sooner.id, later.id]).await.unwrap(),
        1
    );
    assert!(
        !store.fire_timer(later.id, now).await.unwrap(),
        "cancelled never fires"
    );
    assert!(store.pending_timers(Some("Mia")).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_active_profile_defaults_sensibly_and_is_remembered() {
    let (home, store) = fresh();
    let first = store.active_profile().await.unwrap();
    assert_eq!(
        (first.name.as_str(), first.permission),
        ("Default", Permission::Admin)
    );
    with_profile(&store, "Mia", Permission::Kid).await;
    assert_eq!(store.active_profile().await.unwrap().name, "Default");
    store.set_active_profile("mia").await.unwrap();
    drop(store);
    let store = SqliteStore::open(&home.database()).unwrap();
    assert_eq!(store.active_profile().await.unwrap().name, "Mia");
    let e = store
        .set_active_profile("Zed")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("tonny profiles list"), "{e}");
    // A deleted active profile falls back to the first admin.
    store.remove_profile("Mia").await.unwrap();
    assert_eq!(store.active_profile().await.unwrap().name, "Default");
}

#[tokio::test]
async fn wrong_pins_are_counted_until_cleared() {
    let (_home, store) = fresh();
    let hour_ago = Utc::now() - Duration::hours(1);
    assert!(store.pin_failures(hour_ago).await.unwrap().is_empty());
    store.record_pin_failure(hour_ago).await.unwrap();
    let two = store.record_pin_failure(hour_ago).await.unwrap();
    assert_eq!(two.len(), 2);
    assert!(two[0] <= two[1]);
    let future = Utc::now() + Duration::hours(1);
    assert!(
        store.pin_failures(future).await.unwrap().is_empty(),
        "window respected"
    );
    store.clear_pin_failures().await.unwrap();
    assert!(store.pin_failures(hour_ago).await.unwrap().is_empty());
}

#[tokio::test]
async fn quick_actions_round_trip_and_an_unreadable_one_is_named() {
    let (home, store) = fresh();
    with_profile(&store, "Sam", Permission::User).await;
    let night = QuickAction {
        name: "night".into(),
        phrase: "Good night".into(),
        steps: vec![
            Step::Speak {
                text: "Sleep well".into(),
            },
            Step::OpenUrl {
                url: "https://example.org/".into(),
            },
        ],
        profile: Some("Sam".into()),
        enabled: true,
    };
    store.put_quick_action(&night).await.unwrap();
    let bad = QuickAction {
        steps: vec![],
        ..night.clone()
    };
    let e = store.put_quick_action(&bad).await.unwrap_err().to_string();
    assert!(e.contains("no steps"), "{e}");
    // A row from a newer version with a step this one does not know.
    let c = rusqlite::Connection::open(home.database()).unwrap();
    c.execute(
        "INSERT INTO quick_actions (name, phrase, action, enabled, created_at, updated_at)
         VALUES ('lights', 'lights on', '[{\"type\":\"dim\",\"level\":3}]', 1, 0, 0)",
        [],
    )
    .unwrap();
    let all = store.list_quick_actions().await.unwrap();
    assert_eq!(all.len(), 2);
    let e = all[0].as_ref().unwrap_err().to_string();
    assert!(
        e.contains("'lights'") && e.contains("unknown variant `dim`"),
        "{e}"
    );
    assert_eq!(all[1].as_ref().unwrap(), &night);
    store.remove_quick_action("NIGHT").await.unwrap();
    let e = store
        .remove_quick_action("night")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("tonny actions list"), "{e}");
}

#[tokio::test]
async fn activity_keeps_stage_timings_and_notifications_are_listed() {
    let (_home, store) = fresh();
    with_profile(&store, "Mia", Permission::Kid).await;
    let timings = StageTimings {
        capture_ms: Some(2100),
        endpoint_ms: Some(330),
        stt_ms: Some(310),
        route_ms: Some(1),
        agent_ms: Some(0),
        tts_ms: Some(45),
        total_ms: Some(360),
    };
    store
        .insert_activity(&NewActivity {
            profile: Some("Mia".into()),
            intent: Intent::Local,
            backend: Some("local".into()),
            request: Some("set a timer for ten minutes".into()),
            response: Some("Timer set for 10 minutes.".into()),
            status: ActivityStatus::Success,
            timings,
            ..Default::default()
        })
        .await
        .unwrap();
    store
        .insert_activity(&NewActivity {
            profile: Some("ghost".into()),
            intent: Intent::Agent,
            status: ActivityStatus::Blocked,
            error: Some("blocked: buy".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let rows = store.recent_activity(10).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].status.as_str(), rows[0].profile.as_deref()),
        ("blocked", None)
    );
    assert_eq!(rows[1].timings, timings);
    assert_eq!(
        rows[1].request.as_deref(),
        Some("set a timer for ten minutes")
    );
    assert_eq!(
        rows[1].response.as_deref(),
        Some("Timer set for 10 minutes.")
    );
    store
        .add_notification("info", "Timer", Some("Your timer is done."))
        .await
        .unwrap();
    let n = store.recent_notifications(5).await.unwrap();
    assert_eq!(
        (n[0].title.as_str(), n[0].body.as_deref()),
        ("Timer", Some("Your timer is done."))
    );
}
