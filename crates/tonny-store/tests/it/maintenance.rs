//! Statistics, prune, vacuum, backup and restore.

use std::fs;

use chrono::{Duration, Utc};
use tonny_store::{HistoryQuery, SqliteStore, Store, StoreError};
use tonny_testkit::TempHome;

use crate::{fill, fresh};

#[tokio::test]
async fn stats_count_rows_and_sizes() {
    let (_home, store) = fresh();
    fill(store.db(), 25);
    let s = store.stats().await.unwrap();
    let rows = |t: &str| s.tables.iter().find(|c| c.table == t).unwrap().rows;
    assert_eq!(rows("transcriptions"), 25);
    assert_eq!(rows("logs"), 0);
    assert!(s.file_bytes > 0);
    assert_eq!(
        s.schema_version,
        tonny_store::sqlite::latest_schema_version()
    );
}

#[tokio::test]
async fn prune_keeps_recent_rows_and_vacuum_returns_space() {
    let (home, store) = fresh();
    fill(store.db(), 2_000);
    // Age the first 1,500 rows by 40 days, as if they had been there that long.
    let c = rusqlite::Connection::open(home.database()).unwrap();
    let old = (Utc::now() - Duration::days(40)).timestamp_millis();
    c.execute(
        "UPDATE transcriptions SET created_at = ?1 WHERE id <= 1500",
        [old],
    )
    .unwrap();
    drop(c);
    let report = store.prune(Utc::now() - Duration::days(30)).await.unwrap();
    assert_eq!(report.transcriptions, 1_500);
    let left = store
        .list_transcriptions(&HistoryQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(left.len(), 500);
    assert_eq!(left.last().unwrap().id, 1_501);
    let v = store.vacuum().await.unwrap();
    assert!(v.bytes_after < v.bytes_before, "{v:?}");
    assert!(store.integrity_check().await.unwrap().ok);
}

#[tokio::test]
async fn backup_restores_into_another_home_with_everything() {
    let (home, store) = fresh();
    fill(store.db(), 300);
    store
        .put_setting("ui.theme", &serde_json::json!("dark"))
        .await
        .unwrap();
    let dest = home.path().join("family-backup.db");
    let b = store.backup(&dest).await.unwrap();
    assert_eq!(b.transcriptions, 300);
    assert_eq!(
        fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!home.path().join("family-backup.db-wal").exists());

    let (other, target) = fresh();
    fill(target.db(), 7);
    let r = target
        .restore(&dest, &other.data_dir().join("backups"))
        .await
        .unwrap();
    assert_eq!(r.transcriptions, 300);
    assert!(r.safety_copy.exists());
    assert_eq!(
        target.stored_settings().await.unwrap()["ui.theme"],
        serde_json::json!("dark")
    );
    assert!(target.integrity_check().await.unwrap().ok);
    // The safety copy (compressed, as every backup TonnyTray names) holds the 7 rows that were
    // there before.
    let unpacked = other.path().join("safety.db");
    let mut gz = flate2::read::GzDecoder::new(fs::File::open(&r.safety_copy).unwrap());
    std::io::copy(&mut gz, &mut fs::File::create(&unpacked).unwrap()).unwrap();
    let safety = SqliteStore::open(&unpacked).unwrap();
    assert_eq!(safety.stats().await.unwrap().tables[3].rows, 7);
}

#[tokio::test]
async fn a_compressed_backup_restores_to_the_same_rows() {
    let (home, store) = fresh();
    fill(store.db(), 300);
    let plain = home.path().join("plain.db");
    let packed = home.path().join("packed.db.gz");
    store.backup(&plain).await.unwrap();
    let b = store.backup(&packed).await.unwrap();
    assert_eq!(b.transcriptions, 300);
    assert_eq!(b.bytes, fs::metadata(&packed).unwrap().len());
    let head = fs::read(&packed).unwrap();
    assert_eq!(&head[..2], &[0x1f, 0x8b], "gzip");
    assert!(
        b.bytes * 2 < fs::metadata(&plain).unwrap().len(),
        "compressed: {} of {} bytes",
        b.bytes,
        fs::metadata(&plain).unwrap().len()
    );
    assert_eq!(
        fs::metadata(&packed).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let (other, target) = fresh();
    fill(target.db(), 7);
    let r = target
        .restore(&packed, &other.data_dir().join("backups"))
        .await
        .unwrap();
    assert_eq!(r.transcriptions, 300);
    let rows = |s: &SqliteStore| {
        let c = rusqlite::Connection::open(s.db().path()).unwrap();
        let mut q = c
            .prepare("SELECT id, text FROM transcriptions ORDER BY id")
            .unwrap();
        q.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    assert_eq!(rows(&target), rows(&store), "the same rows");
    // The safety copy a restore takes is compressed too, and is restorable.
    assert!(r.safety_copy.to_string_lossy().ends_with(".db.gz"));
    let again = target
        .restore(&r.safety_copy, &other.data_dir().join("backups"))
        .await
        .unwrap();
    assert_eq!(again.transcriptions, 7);
}

#[tokio::test]
async fn a_damaged_compressed_backup_is_refused_and_changes_nothing() {
    let (home, store) = fresh();
    fill(store.db(), 50);
    let packed = home.path().join("packed.db.gz");
    store.backup(&packed).await.unwrap();
    let bytes = fs::read(&packed).unwrap();
    let cut = home.path().join("cut.db.gz");
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let (other, target) = fresh();
    fill(target.db(), 3);
    assert_refused_and_unchanged(&target, &other, &cut, "cannot be decompressed").await;
    // gzip around something that is not a database.
    let text = home.path().join("notes.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, b"shopping: milk, bread, eggs").unwrap();
    fs::write(&text, enc.finish().unwrap()).unwrap();
    assert_refused_and_unchanged(&target, &other, &text, "not an SQLite database").await;
}

use std::os::unix::fs::PermissionsExt;

async fn assert_refused_and_unchanged(
    store: &SqliteStore,
    home: &TempHome,
    src: &std::path::Path,
    expect: &str,
) {
    let before = store.stats().await.unwrap();
    let err = store
        .restore(src, &home.data_dir().join("backups"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::BadBackup { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(expect), "{msg}");
    assert!(
        msg.contains("the current database was not changed"),
        "{msg}"
    );
    assert_eq!(store.stats().await.unwrap().tables, before.tables);
    assert!(
        !home.data_dir().join("backups").exists(),
        "no safety copy for a refused restore"
    );
}

#[tokio::test]
async fn restore_refuses_non_databases_foreign_files_and_newer_schemas() {
    let (home, store) = fresh();
    fill(store.db(), 5);

    let text = home.path().join("notes.txt");
    fs::write(&text, "this is not a database at all, just some words").unwrap();
    assert_refused_and_unchanged(&store, &home, &text, "not an SQLite database").await;

    let empty = home.path().join("empty.db");
    fs::write(&empty, "").unwrap();
    assert_refused_and_unchanged(&store, &home, &empty, "not an SQLite database").await;

    let foreign = home.path().join("recipes.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE r (x); INSERT INTO r VALUES (1);")
        .unwrap();
    assert_refused_and_unchanged(&store, &home, &foreign, "not a TonnyTray database").await;

    let newer = home.path().join("newer.db");
    store.backup(&newer).await.unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 7)
        .unwrap();
    assert_refused_and_unchanged(&store, &home, &newer, "newer TonnyTray (schema version 7").await;

    let missing = home.path().join("does-not-exist.db");
    assert_refused_and_unchanged(&store, &home, &missing, "cannot be opened").await;
}

#[tokio::test]
async fn failed_backup_leaves_no_file_behind() {
    let (home, store) = fresh();
    fill(store.db(), 5);
    let err = store
        .backup(&home.path().join("no-such-dir/backup.db"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no-such-dir"), "{err}");
    let err = store.backup(&home.database()).await.unwrap_err();
    assert!(err.to_string().contains("live database"), "{err}");
    let names: Vec<_> = fs::read_dir(home.data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".tonny-backup")),
        "{names:?}"
    );
}
