//! Crash consistency and online backup, with a real second process writing.
//!
//! The writer process is this test binary run again with `TONNY_IT_WRITER_DB` set: it opens the
//! database and inserts transcriptions forever, printing `ACK <id>` after each commit.

use std::collections::BTreeSet;
use std::hash::{BuildHasher, RandomState};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tonny_store::{NewTranscription, SqliteDb, SqliteStore, Store};
use tonny_testkit::{TempHome, fixtures};

const WRITER_ENV: &str = "TONNY_IT_WRITER_DB";

/// Inserts transcriptions into `db`, printing `ACK <id>` once each is committed; stops after
/// `max` rows if given.
fn write_and_ack(db: &Path, max: Option<u64>, out: &mut impl Write) {
    let db = SqliteDb::open(db).expect("writer opens the database");
    let mut i = 0u64;
    while max.is_none_or(|m| i < m) {
        let id = db
            .insert_transcription(&NewTranscription {
                text: fixtures::utterance(i),
                source: Some("crash-writer".into()),
                ..Default::default()
            })
            .expect("writer insert");
        writeln!(out, "ACK {id}").unwrap();
        out.flush().unwrap();
        i += 1;
    }
}

/// Child-process entry point when re-executed; in a normal run it checks that every
/// acknowledgement the writer prints names a committed row.
#[test]
fn writer_process_entry() {
    if let Ok(db) = std::env::var(WRITER_ENV) {
        write_and_ack(Path::new(&db), None, &mut std::io::stdout().lock());
        return;
    }
    let home = TempHome::new();
    let mut out = Vec::new();
    write_and_ack(&home.database(), Some(50), &mut out);
    let acked: Vec<i64> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| l.strip_prefix("ACK ").unwrap().parse().unwrap())
        .collect();
    assert_eq!(acked, (1..=50).collect::<Vec<_>>());
    let db = SqliteDb::open(&home.database()).unwrap();
    assert_eq!(db.stats().unwrap().tables[3].rows, 50);
}

/// A writer child and the ids it has acknowledged so far.
struct Writer {
    child: Child,
    acks: Arc<Mutex<Vec<i64>>>,
    reader: Option<JoinHandle<()>>,
}

impl Writer {
    fn spawn(db: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash::writer_process_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(WRITER_ENV, db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawning the writer process");
        let acks = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&acks);
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(id) = line.strip_prefix("ACK ") {
                    sink.lock().unwrap().push(id.trim().parse().unwrap());
                }
            }
        });
        Self {
            child,
            acks,
            reader: Some(reader),
        }
    }

    fn acked(&self) -> Vec<i64> {
        self.acks.lock().unwrap().clone()
    }

    fn wait_for_acks(&self, n: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.acks.lock().unwrap().len() < n {
            assert!(
                Instant::now() < deadline,
                "writer acknowledged fewer than {n} rows"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGKILL, then collect every ack it printed before dying.
    fn kill9(mut self) -> Vec<i64> {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.reader.take().unwrap().join().unwrap();
        self.acked()
    }
}

/// A pseudo-random delay in `0..max_ms`, different per run.
fn random_ms(max_ms: u64) -> u64 {
    RandomState::new().hash_one(Instant::now()) % max_ms
}

fn missing(db: &SqliteDb, acked: &[i64]) -> Vec<i64> {
    let present: BTreeSet<i64> = db
        .list_transcriptions(&tonny_store::HistoryQuery {
            limit: u32::MAX,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    acked
        .iter()
        .copied()
        .filter(|id| !present.contains(id))
        .collect()
}

#[test]
fn kill_9_at_random_points_never_loses_an_acknowledged_row() {
    let home = TempHome::new();
    let mut acked: Vec<i64> = Vec::new();
    let rounds = 25;
    for _ in 0..rounds {
        let w = Writer::spawn(&home.database());
        // Some kills land while the child is still opening (and migrating) the database.
        std::thread::sleep(Duration::from_millis(random_ms(250)));
        acked.extend(w.kill9());
    }
    assert!(
        acked.len() > 100,
        "too few rows acknowledged ({}) for the test to mean anything",
        acked.len()
    );
    let db = SqliteDb::open(&home.database()).unwrap();
    let report = db.integrity_check().unwrap();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(missing(&db, &acked), Vec::<i64>::new());
    eprintln!(
        "{rounds} kills, {} acknowledged rows, none lost",
        acked.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn backup_while_another_process_writes_restores_every_row_committed_before_it() {
    let home = TempHome::new();
    {
        // Enough existing data that the copy takes a while.
        let db = Arc::new(SqliteDb::open(&home.database()).unwrap());
        crate::fill(&db, 20_000);
    }
    let w = Writer::spawn(&home.database());
    w.wait_for_acks(200, Duration::from_secs(30));
    let store = SqliteStore::open(&home.database()).unwrap();
    let before_backup = w.acked();
    let dest = home.path().join("during-writes.db");
    store.backup(&dest).await.unwrap();
    // The writer kept going through and after the backup.
    w.wait_for_acks(before_backup.len() + 200, Duration::from_secs(30));
    let all = w.kill9();
    assert!(all.len() > before_backup.len());

    let target_home = TempHome::new();
    let target = SqliteStore::open(&target_home.database()).unwrap();
    target
        .restore(&dest, &target_home.data_dir().join("backups"))
        .await
        .unwrap();
    let report = target.integrity_check().await.unwrap();
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(missing(target.db(), &before_backup), Vec::<i64>::new());
    let rows = target.stats().await.unwrap().tables[3].rows;
    assert!(rows >= 20_000 + before_backup.len() as u64, "{rows}");
}
