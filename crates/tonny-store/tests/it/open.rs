//! Opening databases: pragmas, permissions, and refusing files we must not touch.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use tonny_core::activity::ActivityStatus;
use tonny_core::router::Intent;
use tonny_store::{NewActivity, SqliteDb, SqliteStore, Store, StoreError};
use tonny_testkit::TempHome;

use crate::{fill, fresh};

fn mode(p: &std::path::Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn database_uses_wal_normal_sync_foreign_keys_and_owner_only_files() {
    let (home, store) = fresh();
    fill(store.db(), 3);
    let c = rusqlite::Connection::open(home.database()).unwrap();
    let jm: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jm, "wal");
    assert_eq!(mode(&home.data_dir()), 0o700);
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", home.database().display());
        assert_eq!(mode(p.as_ref()), 0o600, "{p}");
    }
    // The store's own connections enforce foreign keys and NORMAL sync.
    store
        .db()
        .insert_transcription(&tonny_store::NewTranscription {
            text: "x".into(),
            profile: Some("nobody".into()),
            ..Default::default()
        })
        .expect("an unknown profile name is stored as no profile, not an FK error");
    assert_eq!(
        store.schema_version().await.unwrap(),
        tonny_store::sqlite::latest_schema_version()
    );
}

#[test]
fn garbage_file_is_refused_and_left_byte_for_byte_unchanged() {
    let home = TempHome::new();
    fs::create_dir_all(home.data_dir()).unwrap();
    let garbage: Vec<u8> = (0..16_384u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(home.database(), &garbage).unwrap();
    let err = SqliteDb::open(&home.database()).err().expect("must refuse");
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("not a TonnyTray database"), "{msg}");
    assert!(msg.contains("tonny db restore"), "{msg}");
    assert_eq!(fs::read(home.database()).unwrap(), garbage);
    assert!(!home.data_dir().join("tonny.db-wal").exists());
}

#[test]
fn another_programs_sqlite_file_is_refused() {
    let home = TempHome::new();
    fs::create_dir_all(home.data_dir()).unwrap();
    let c = rusqlite::Connection::open(home.database()).unwrap();
    c.execute_batch("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');")
        .unwrap();
    drop(c);
    let before = fs::read(home.database()).unwrap();
    let err = SqliteDb::open(&home.database()).err().expect("must refuse");
    assert!(matches!(err, StoreError::ForeignDatabase { .. }), "{err}");
    assert_eq!(fs::read(home.database()).unwrap(), before);
}

#[test]
fn newer_schema_is_refused_with_versions_named() {
    let (home, store) = fresh();
    drop(store);
    let c = rusqlite::Connection::open(home.database()).unwrap();
    c.pragma_update(None, "user_version", 42).unwrap();
    drop(c);
    let err = SqliteDb::open(&home.database()).err().expect("must refuse");
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            StoreError::NewerSchema {
                found: 42,
                supported,
                ..
            } if supported == tonny_store::sqlite::latest_schema_version()
        ),
        "{msg}"
    );
    assert!(msg.contains("upgrade TonnyTray"), "{msg}");
}

#[test]
fn damaged_pages_are_reported_not_hidden() {
    let (home, store) = fresh();
    fill(store.db(), 3_000);
    store.db().vacuum().unwrap();
    drop(store);
    let mut bytes = fs::read(home.database()).unwrap();
    assert!(bytes.len() > 40_000);
    // Scribble over pages 4–6, past the header and schema.
    for b in &mut bytes[4096 * 3..4096 * 6] {
        *b = 0xA5;
    }
    fs::write(home.database(), &bytes).unwrap();
    match SqliteStore::open(&home.database()) {
        Err(e) => assert!(matches!(e, StoreError::Corrupt { .. }), "{e}"),
        Ok(s) => {
            let report = s.db().integrity_check();
            match report {
                Ok(r) => assert!(!r.ok && !r.problems.is_empty(), "{r:?}"),
                Err(e) => assert!(matches!(e, StoreError::Corrupt { .. }), "{e}"),
            }
        }
    }
}

#[tokio::test]
async fn a_version_2_database_keeps_its_activity_and_takes_every_status_after_upgrade() {
    // A database as version 2 left it, with one request recorded.
    let home = TempHome::new();
    std::fs::create_dir_all(home.database().parent().unwrap()).unwrap();
    {
        let c = rusqlite::Connection::open(home.database()).unwrap();
        c.execute_batch(include_str!("../../src/sqlite/migrations/0001_initial.sql"))
            .unwrap();
        c.execute_batch(include_str!(
            "../../src/sqlite/migrations/0002_pipeline.sql"
        ))
        .unwrap();
        c.pragma_update(None, "user_version", 2).unwrap();
        c.pragma_update(None, "application_id", tonny_store::sqlite::APPLICATION_ID)
            .unwrap();
        c.execute(
            "INSERT INTO activity (id, created_at, intent, status, total_ms, endpoint_ms)
             VALUES (7, 1700000000000, 'local', 'success', 420, 300)",
            [],
        )
        .unwrap();
        let refused = c.execute(
            "INSERT INTO activity (created_at, intent, status) VALUES (1, 'agent', 'queued')",
            [],
        );
        assert!(refused.is_err(), "version 2 refused 'queued' (the bug)");
    }
    let store = SqliteStore::open(&home.database()).unwrap();
    assert_eq!(
        store.schema_version().await.unwrap(),
        tonny_store::sqlite::latest_schema_version()
    );
    let kept = store.recent_activity(10).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].id, kept[0].status, kept[0].timings.endpoint_ms),
        (7, ActivityStatus::Success, Some(300))
    );
    for status in ActivityStatus::ALL {
        store
            .insert_activity(&NewActivity {
                intent: Intent::Agent,
                status,
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{status} refused: {e}"));
    }
    let stored: Vec<ActivityStatus> = store
        .recent_activity(20)
        .await
        .unwrap()
        .iter()
        .rev()
        .skip(1)
        .map(|a| a.status)
        .collect();
    assert_eq!(stored, ActivityStatus::ALL);
}

#[tokio::test]
async fn a_database_opened_in_a_shared_folder_leaves_the_folder_as_it_was() {
    // A backup downloaded to /tmp and opened there must not make /tmp private (it did: every
    // other user's programs then failed to write their temporary files).
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let store = SqliteStore::open(&shared.path().join("copy.db")).unwrap();
    store.stats().await.unwrap();
    assert_eq!(
        std::fs::metadata(shared.path())
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o1777
    );
    // A folder that does not exist yet is created private.
    let fresh = shared.path().join("new/dir");
    SqliteStore::open(&fresh.join("x.db")).unwrap();
    assert_eq!(mode(&fresh), 0o700);
}
