//! What the daemon announces and does on its own: one profile-changed event per switch,
//! service health down and up around a crash, retention and scheduled backups.

use std::io::Read;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;
use tonny_core::activity::ActivityStatus;
use tonny_core::pipeline::Event;
use tonny_core::router::Intent;
use tonny_server::daemon::DaemonOptions;
use tonny_server::daemon::housekeeping::{Housekeeping, scheduled_backups};
use tonny_store::{NewActivity, NewTranscription};
use tonny_testkit::fakes::whisperlivekit::fake_wlk_spec;

use crate::api::{Daemon, TestParts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_switch_through_the_api_emits_one_profile_changed_event() {
    let d = Daemon::start().await;
    for name in ["Mia", "Leo"] {
        let (status, _) = d
            .call(
                Method::PUT,
                &format!("/api/v1/profiles/{name}"),
                Some(json!({"permission": "user"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, status) = d.call(Method::GET, "/api/v1/status", None).await;
    let before = status["profile"].as_str().unwrap().to_owned();
    assert_ne!(before, "Mia", "a new home starts on its own profile");
    let mut events = d.handle.subscribe();
    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/active-profile",
            Some(json!({"name": "Mia"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Switching to the profile already active says nothing.
    let (status, _) = d
        .call(
            Method::POST,
            "/api/v1/active-profile",
            Some(json!({"name": "Mia"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let changes: Vec<(String, String)> = std::iter::from_fn(|| match events.try_recv() {
        Ok(Event::ProfileChanged { profile, previous }) => Some(Some((profile, previous))),
        Ok(_) => Some(None),
        Err(_) => None,
    })
    .flatten()
    .collect();
    assert_eq!(changes, [("Mia".to_owned(), before)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_supervised_service_emits_service_health_down_then_up() {
    let port = tonny_testkit::free_port();
    let spec = fake_wlk_spec("whisperlivekit", port, &[]);
    let d = Daemon::with(TestParts {
        services: vec![spec],
        options: DaemonOptions {
            supervise: true,
            ..DaemonOptions::default()
        },
        ..TestParts::default()
    })
    .await;
    let events = &mut d.handle.subscribe();
    let health = |e: &Event| match e {
        Event::ServiceHealth {
            service,
            running,
            state,
        } if service == "whisperlivekit" => Some((*running, state.clone())),
        _ => None,
    };
    let running_now = || {
        matches!(
            d.handle.core().services.states().first(),
            Some((_, tonny_supervisor::ServiceState::Running { .. }))
        )
    };
    while !running_now() {
        let (running, _) = Daemon::wait_event(events, health).await;
        if running {
            break;
        }
    }
    let pid = match d.handle.core().services.states()[0].1 {
        tonny_supervisor::ServiceState::Running { pid } => pid,
        ref other => panic!("not running: {other:?}"),
    };
    nix_kill(pid);
    let (running, state) = Daemon::wait_event(events, health).await;
    assert!(!running, "the crash is announced first: {state}");
    loop {
        let (running, _) = Daemon::wait_event(events, health).await;
        if running {
            break;
        }
    }
    let (_, status) = d.call(Method::GET, "/api/v1/status", None).await;
    assert_eq!(status["services"][0]["running"], true, "{status}");
    d.handle.core().services.stop_all().await;
}

fn nix_kill(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_removes_old_rows_and_backups_appear_compressed_and_old_ones_are_pruned() {
    let d = Daemon::start().await;
    let core = d.handle.core();
    let store = &core.store;
    for text in ["an old request", "a new request"] {
        store
            .insert_transcription(&NewTranscription {
                text: text.into(),
                ..Default::default()
            })
            .await
            .unwrap();
        store
            .insert_activity(&NewActivity {
                intent: Intent::Local,
                status: ActivityStatus::Success,
                request: Some(text.into()),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    // The first of each was stored 100 days ago.
    let old = (Utc::now() - Duration::days(100)).timestamp_millis();
    {
        let c = rusqlite::Connection::open(core.paths.database()).unwrap();
        c.execute(
            "UPDATE transcriptions SET created_at = ?1 WHERE text = 'an old request'",
            [old],
        )
        .unwrap();
        c.execute(
            "UPDATE activity SET created_at = ?1 WHERE id = (SELECT min(id) FROM activity)",
            [old],
        )
        .unwrap();
    }
    let (status, _) = d
        .call(
            Method::PATCH,
            "/api/v1/settings",
            Some(json!({"history.retention_days": 30, "backup.keep": 2, "backup.interval_hours": 24})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Three scheduled backups from earlier days, and a restore's safety copy that is not one.
    let dir = core.paths.backups_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for day in [3, 4, 5] {
        let at = Utc::now() - Duration::days(day);
        std::fs::write(
            dir.join(format!("scheduled-{}.db.gz", at.format("%Y%m%dT%H%M%SZ"))),
            b"old",
        )
        .unwrap();
    }
    std::fs::write(dir.join("before-restore-20260101.db"), b"safety").unwrap();

    let mut keeper = Housekeeping::new(store.clone(), core.settings.clone(), dir.clone());
    let now = Utc::now();
    let done = keeper.tick(now).await.unwrap();
    let pruned = done.pruned.expect("retention ran");
    assert_eq!((pruned.transcriptions, pruned.activity), (1, 1));
    let (_, history) = d.call(Method::GET, "/api/v1/history", None).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history["items"][0]["text"], "a new request");

    let written = done.backup.expect("a backup was due");
    assert_eq!(
        done.removed.len(),
        2,
        "the two oldest went: {:?}",
        done.removed
    );
    let left = scheduled_backups(&dir);
    assert_eq!(left.len(), 2);
    assert_eq!(left.last().unwrap().1, written);
    assert!(
        dir.join("before-restore-20260101.db").exists(),
        "not a scheduled backup"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&written).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "a backup holds the household's data");
    // It is a real, consistent database once uncompressed.
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&written).unwrap())
        .read_to_end(&mut raw)
        .unwrap();
    let copy = dir.join("check.db");
    std::fs::write(&copy, raw).unwrap();
    let c = rusqlite::Connection::open(&copy).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM transcriptions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);

    // The next look, an hour later: nothing is due.
    let again = keeper.tick(now + Duration::hours(1)).await.unwrap();
    assert!(
        again.pruned.is_none() && again.backup.is_none(),
        "{again:?}"
    );
    // A day later, both are due again.
    let later = keeper.tick(now + Duration::hours(25)).await.unwrap();
    assert!(later.pruned.is_some() && later.backup.is_some());
    assert_eq!(scheduled_backups(&dir).len(), 2);
}
