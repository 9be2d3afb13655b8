//! The response writer: responses are stored by one writer per SQLite database, which commits
//! everything waiting in one transaction (group commit).
//!
//! With `synchronous=FULL` every commit waits for the disk, so one transaction per request
//! caps throughput at the disk's flush rate. Here request handlers check a submission and hand
//! it to the writer over a bounded queue; the writer takes every job waiting (up to
//! [`MAX_BATCH`]), inserts them all in one `BEGIN IMMEDIATE` transaction, commits, and only
//! then answers each job. So a `201` always means "committed", and a commit costs one flush
//! for the whole group.
//!
//! - **Rows and idempotency** are those of [`store::insert_response`] (a test compares them),
//!   written with one multi-row statement per table for the whole group: a key already
//!   stored, or repeated earlier in the same group, gives back the first response
//!   (`created: false`).
//! - **Failures**: if the group's transaction fails, no job in it is acknowledged. A storage
//!   failure (disk full, read-only, busy, I/O, pool time-out: see [`retry_after`]) is given to
//!   every job in the group and to every job already queued behind it, so callers answer 503
//!   with `Retry-After` at once instead of queueing behind a failing disk. Any other error
//!   (one bad job) makes the writer store the group's jobs one by one, so only the bad job
//!   fails. The writer itself carries on: it recovers by itself once the cause has gone.
//! - **Back-pressure**: the queue holds [`QUEUE_CAPACITY`] jobs; a caller waits up to
//!   [`ENQUEUE_WAIT`] for room, then gets a storage-unavailable error (503).
//! - **A caller that goes away** (client disconnected, request timed out) does not cancel its
//!   job: once queued it is committed or rolled back with its group like any other.
//! - **No lock to poison**: the writer owns its connection; it is a supervised task, restarted
//!   if it ever panics (its jobs then fail with an error, never a hang).
//!
//! Callers find the writer of their database with [`ResponseWriter::for_db`] (so use cases
//! keep taking just `&Db`); the application starts it with its state (`AppState::writer`).
//!
//! **PostgreSQL** takes concurrent writers itself and groups commits in its own WAL, so there
//! each response is stored in its own transaction on the pool (many connections in parallel):
//! a single writer would serialise the network round trips instead.

use std::collections::HashSet;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::sqlite::SqlitePoolOptions;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::domain::Answer;
use super::store::{self, NewResponse, StoredResponse};
use crate::db::{Db, DbError, Tx};

/// Most jobs committed in one transaction.
pub const MAX_BATCH: usize = 256;
/// Jobs that may wait for the writer.
pub const QUEUE_CAPACITY: usize = 2048;
/// How long a caller waits for room in a full queue before answering 503.
pub const ENQUEUE_WAIT: Duration = Duration::from_secs(2);

/// What storing one response gives back: the stored response, and whether it is new.
pub type Stored = (StoredResponse, bool);

struct Job {
    response: NewResponse,
    answers: Vec<Answer>,
    reply: oneshot::Sender<Result<Stored, DbError>>,
}

/// A handle on the writer of one database; cheap to clone.
#[derive(Clone)]
pub struct ResponseWriter {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    /// PostgreSQL: a transaction per response on the application's pool.
    Direct(Db),
    /// SQLite: jobs go to the writer task.
    Queue { jobs: mpsc::Sender<Job>, app_db: Db },
}

/// The running writers, by database, so every caller of a database shares its one writer.
static WRITERS: Mutex<Vec<(PathBuf, ResponseWriter)>> = Mutex::new(Vec::new());

impl ResponseWriter {
    /// The writer for this database, started on first use (needs a Tokio runtime).
    pub fn for_db(db: &Db) -> ResponseWriter {
        let path = match db {
            Db::Postgres(_) => return ResponseWriter { inner: Inner::Direct(db.clone()) },
            Db::Sqlite(pool) => pool.connect_options().get_filename().to_owned(),
        };
        // Nothing below can panic while the lock is held; a poisoned lock is taken as is.
        let mut writers = WRITERS.lock().unwrap_or_else(PoisonError::into_inner);
        writers.retain(|(_, w)| w.is_running());
        if let Some((_, writer)) = writers.iter().find(|(p, _)| *p == path) {
            return writer.clone();
        }
        let writer = ResponseWriter::start(db);
        writers.push((path, writer.clone()));
        writer
    }

    /// Starts a new writer for `db` (SQLite), or a direct one (PostgreSQL). Prefer
    /// [`ResponseWriter::for_db`]: two writers on one SQLite file would only queue for its lock.
    pub fn start(db: &Db) -> ResponseWriter {
        let Db::Sqlite(pool) = db else {
            return ResponseWriter { inner: Inner::Direct(db.clone()) };
        };
        // The writer's own connection, with the application's options (WAL,
        // synchronous=FULL, foreign keys, busy time-out). A pool of one reconnects by itself
        // after a broken connection.
        let writer_pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with((*pool.connect_options()).clone());
        let (jobs, queue) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(supervise(Db::Sqlite(writer_pool), db.clone(), queue));
        ResponseWriter { inner: Inner::Queue { jobs, app_db: db.clone() } }
    }

    fn is_running(&self) -> bool {
        match &self.inner {
            Inner::Direct(db) => !is_closed(db),
            Inner::Queue { jobs, app_db } => !jobs.is_closed() && !is_closed(app_db),
        }
    }

    /// Stores a response and its answers; returns once they are committed (or have failed).
    /// A response whose idempotency key is already stored gives back the stored one.
    pub async fn store(&self, response: NewResponse, answers: Vec<Answer>) -> Result<Stored, DbError> {
        match &self.inner {
            Inner::Direct(db) => {
                let mut tx = db.begin().await?;
                let stored = store::insert_response(&mut tx, &response, &answers).await?;
                tx.commit().await?;
                Ok(stored)
            }
            Inner::Queue { jobs, .. } => {
                let (reply, answer) = oneshot::channel();
                let job = Job { response, answers, reply };
                match jobs.send_timeout(job, ENQUEUE_WAIT).await {
                    Ok(()) => {}
                    Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                        return Err(unavailable(
                            io::ErrorKind::TimedOut,
                            "the response writer's queue is full",
                        ));
                    }
                    Err(mpsc::error::SendTimeoutError::Closed(_)) => {
                        return Err(unavailable(
                            io::ErrorKind::BrokenPipe,
                            "the response writer has stopped",
                        ));
                    }
                }
                answer.await.unwrap_or_else(|_| {
                    Err(unavailable(io::ErrorKind::Interrupted, "the response writer dropped a job"))
                })
            }
        }
    }
}

fn is_closed(db: &Db) -> bool {
    match db {
        Db::Sqlite(pool) => pool.is_closed(),
        Db::Postgres(pool) => pool.is_closed(),
    }
}

/// Runs the writer, restarting it should it ever panic; ends when every handle is gone or the
/// application closes its database.
async fn supervise(writer_db: Db, app_db: Db, queue: mpsc::Receiver<Job>) {
    // A Tokio mutex is not poisoned by a panic: a restarted writer takes the queue over.
    let queue = Arc::new(tokio::sync::Mutex::new(queue));
    loop {
        let run = tokio::spawn(run(writer_db.clone(), app_db.clone(), queue.clone()));
        match run.await {
            Ok(()) => break,
            Err(error) if error.is_panic() => {
                tracing::error!("the response writer panicked; restarting it");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(_) => break,
        }
    }
    writer_db.close().await;
}

async fn run(db: Db, app_db: Db, queue: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>) {
    let mut queue = queue.lock().await;
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(job) = queue.recv().await {
        if is_closed(&app_db) {
            // The application has shut down: refuse rather than write behind its back.
            let _ = job.reply.send(Err(unavailable(io::ErrorKind::BrokenPipe, "the database is closed")));
            break;
        }
        batch.push(job);
        // Everything that queued up during the previous commit joins this one.
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Some(failure) = commit_batch(&db, &mut batch).await {
            // The jobs queued behind a failing store would fail the same way, one time-out
            // after another: answer them now so their callers can retry later.
            while let Ok(job) = queue.try_recv() {
                let _ = job.reply.send(Err(copy_error(&failure)));
            }
        }
    }
}

/// Commits `batch` (emptying it) and answers every job. Returns the storage failure that made
/// the whole group fail, if any.
async fn commit_batch(db: &Db, batch: &mut Vec<Job>) -> Option<DbError> {
    let jobs = std::mem::take(batch);
    match insert_all(db, &jobs).await {
        Ok(results) => {
            for (job, result) in jobs.into_iter().zip(results) {
                // The caller may have gone away: its response is committed all the same.
                let _ = job.reply.send(Ok(result));
            }
            None
        }
        Err(error) if retry_after(&error).is_some() => {
            tracing::warn!(%error, jobs = jobs.len(), "storage unavailable: a group of responses was not stored");
            for job in jobs {
                let _ = job.reply.send(Err(copy_error(&error)));
            }
            Some(error)
        }
        Err(error) => {
            // Not the storage: one job is at fault. Store each alone so only it fails.
            tracing::warn!(%error, jobs = jobs.len(), "a group of responses failed; storing them one by one");
            let mut failure = None;
            for job in jobs {
                let result = insert_all(db, std::slice::from_ref(&job)).await.map(|mut r| r.remove(0));
                if let Err(error) = &result
                    && retry_after(error).is_some()
                {
                    failure = Some(copy_error(error));
                }
                let _ = job.reply.send(result);
            }
            failure
        }
    }
}

/// Inserts `jobs` in one transaction, in order; nothing is committed unless all succeed.
async fn insert_all(db: &Db, jobs: &[Job]) -> Result<Vec<Stored>, DbError> {
    let mut tx = db.begin().await?;
    let results = insert_batch(&mut tx, jobs).await?;
    tx.commit().await?;
    Ok(results)
}

/// Answer rows per multi-row statement: 5 values each, under SQLite's 32,766 variables.
const ANSWER_ROWS_PER_STATEMENT: usize = 6000;
const _: () = assert!(MAX_BATCH * 12 <= 32_766, "a group's responses fit one statement");

/// Stores a group of responses as [`store::insert_response`] stores one (same rows, same
/// idempotency: a key already stored, or repeated earlier in the group, gives back the first
/// response), but with one multi-row statement for the responses and one per 6,000 answers
/// instead of a statement per row. Each statement is a round trip to SQLite's worker thread;
/// this keeps a group's cost near one round trip. Anything `insert_response` is made to keep
/// up to date must be kept up to date here too (a test compares the rows both write).
async fn insert_batch(tx: &mut Tx, jobs: &[Job]) -> Result<Vec<Stored>, DbError> {
    let Tx::Sqlite(conn) = tx else {
        let mut results = Vec::with_capacity(jobs.len());
        for job in jobs {
            results.push(store::insert_response(tx, &job.response, &job.answers).await?);
        }
        return Ok(results);
    };
    let mut sql = String::from(
        "INSERT INTO responses (id, assessment_id, round_id, group_id, mode, user_id, reference, idempotency_key, \
         workshop_date, facilitator, participants, submitted_at) VALUES ",
    );
    sql.push_str(&vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; jobs.len()].join(", "));
    sql.push_str(" ON CONFLICT (assessment_id, idempotency_key) DO NOTHING RETURNING id");
    let mut query = sqlx::query_scalar::<_, Uuid>(sqlx::AssertSqlSafe(sql)).persistent(false);
    for job in jobs {
        let r = &job.response;
        query = query
            .bind(r.id)
            .bind(r.assessment_id)
            .bind(r.round_id)
            .bind(r.group_id)
            .bind(r.mode)
            .bind(r.user_id)
            .bind(r.reference.clone())
            .bind(r.idempotency_key.clone())
            .bind(r.workshop_date)
            .bind(r.facilitator.clone())
            .bind(r.participants)
            .bind(r.submitted_at);
    }
    let inserted: HashSet<Uuid> = query.fetch_all(&mut **conn).await?.into_iter().collect();
    let rows: Vec<(Uuid, &Answer)> = jobs
        .iter()
        .filter(|job| inserted.contains(&job.response.id))
        .flat_map(|job| job.answers.iter().map(|a| (job.response.id, a)))
        .collect();
    for chunk in rows.chunks(ANSWER_ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO answers (response_id, item, rating, evidence, evidence_needed) VALUES {}",
            vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for (response_id, a) in chunk {
            query = query
                .bind(*response_id)
                .bind(a.item.to_string())
                .bind(i64::from(a.rating.value()))
                .bind(a.evidence.clone())
                .bind(a.evidence_needed.clone());
        }
        query.execute(&mut **conn).await?;
    }
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        let r = &job.response;
        if inserted.contains(&r.id) {
            results.push((StoredResponse { id: r.id, reference: r.reference.clone() }, true));
        } else {
            // A replay: the response stored earlier (or earlier in this group) with its key.
            let existing: StoredResponse = sqlx::query_as(
                "SELECT id, reference FROM responses WHERE assessment_id = $1 AND idempotency_key = $2",
            )
            .bind(r.assessment_id)
            .bind(&r.idempotency_key)
            .fetch_one(&mut **conn)
            .await?;
            results.push((existing, false));
        }
    }
    Ok(results)
}

/// A storage-unavailable error made by the writer itself.
fn unavailable(kind: io::ErrorKind, message: &str) -> DbError {
    DbError::Query(sqlx::Error::Io(io::Error::new(kind, message.to_owned())))
}

/// The same failure for another job (errors cannot be cloned): an I/O error of the matching
/// kind carrying the message, so it is classified alike.
fn copy_error(error: &DbError) -> DbError {
    let kind = match retry_after(error) {
        Some(RETRY_SOON) => io::ErrorKind::ResourceBusy,
        Some(_) => io::ErrorKind::Other,
        // Kept unclassified: a copy of a non-storage error must not turn into a 503.
        None => return DbError::Query(sqlx::Error::Protocol(error.to_string())),
    };
    DbError::Query(sqlx::Error::Io(io::Error::new(kind, error.to_string())))
}

/// Seconds to suggest for transient contention (busy, locked, pool or queue time-out).
const RETRY_SOON: u64 = 1;
/// Seconds to suggest when the storage itself is failing (full, read-only, I/O).
const RETRY_LATER: u64 = 5;

/// Whether `error` means the storage is unavailable for now (disk full, read-only, busy or
/// locked, I/O error, connection lost, pool time-out) rather than a bug or bad data: then the
/// seconds a client should wait before retrying (`Retry-After`), for a 503.
pub fn retry_after(error: &DbError) -> Option<u64> {
    match error {
        DbError::Query(e) | DbError::Connect { source: e, .. } => sqlx_retry_after(e),
        DbError::CreateDir { .. } | DbError::Migrate(_) => None,
    }
}

fn sqlx_retry_after(error: &sqlx::Error) -> Option<u64> {
    match error {
        sqlx::Error::PoolTimedOut => Some(RETRY_SOON),
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => Some(RETRY_LATER),
        sqlx::Error::Io(e) => Some(match e.kind() {
            io::ErrorKind::ResourceBusy | io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => RETRY_SOON,
            _ => RETRY_LATER,
        }),
        sqlx::Error::Database(e) => {
            if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                let code: i32 = e.code().and_then(|c| c.parse().ok())?;
                // Primary result codes (the low byte of the extended code).
                match code & 0xff {
                    5 | 6 => Some(RETRY_SOON), // SQLITE_BUSY, SQLITE_LOCKED
                    // SQLITE_NOMEM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN,
                    // SQLITE_PROTOCOL
                    7 | 8 | 10 | 13 | 14 | 15 => Some(RETRY_LATER),
                    _ => None,
                }
            } else {
                // PostgreSQL SQLSTATEs.
                let code = e.code()?;
                match code.as_ref() {
                    "40001" | "40P01" | "55P03" | "53300" => Some(RETRY_SOON),
                    c if c.starts_with("08") || c.starts_with("53") || c.starts_with("57P") => {
                        Some(RETRY_LATER)
                    }
                    "25006" | "58030" => Some(RETRY_LATER),
                    _ => None,
                }
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;
    use crate::engagement::domain::{self, Rating};
    use crate::engagement::store::{AssessmentRow, GroupRow};
    use time::OffsetDateTime;
    use uuid::Uuid;

    struct Fixture {
        db: Db,
        assessment: Uuid,
        group: Uuid,
        _dir: tempfile::TempDir,
    }

    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = Db::connect(&DatabaseUrl::default_in(dir.path())).await.expect("open");
        db.migrate().await.expect("migrate");
        let now = OffsetDateTime::now_utc();
        let council = Uuid::now_v7();
        crate::on_db!(&db, pool => {
            sqlx::query("INSERT INTO councils (id, gss_code, name, created_at) VALUES ($1, $2, $3, $4)")
                .bind(council)
                .bind("E06000001")
                .bind("Hartlepool")
                .bind(now)
                .execute(pool)
                .await
                .expect("council");
        });
        let assessment = AssessmentRow {
            id: Uuid::now_v7(),
            council_id: council,
            title: "2026/27".into(),
            period_start: now.date(),
            period_end: now.date(),
            framework_key: "cqc-la-2023".into(),
            status: "planning".into(),
            created_at: now,
        };
        let group = GroupRow {
            id: Uuid::now_v7(),
            assessment_id: assessment.id,
            name: "Frontline staff".into(),
            evidence_category: "staff_and_leaders".into(),
            position: 0,
        };
        let mut tx = db.begin().await.expect("begin");
        store::insert_assessment(&mut tx, &assessment, None).await.expect("assessment");
        store::insert_group(&mut tx, &group, now).await.expect("group");
        tx.commit().await.expect("commit");
        Fixture { db, assessment: assessment.id, group: group.id, _dir: dir }
    }

    fn response(f: &Fixture, key: &str) -> NewResponse {
        NewResponse {
            id: Uuid::now_v7(),
            assessment_id: f.assessment,
            round_id: None,
            group_id: f.group,
            mode: domain::Mode::Survey.as_str(),
            user_id: None,
            reference: domain::new_reference(),
            idempotency_key: key.into(),
            workshop_date: None,
            facilitator: None,
            participants: None,
            submitted_at: OffsetDateTime::now_utc(),
        }
    }

    fn answers(n: u32) -> Vec<Answer> {
        (1..=n)
            .map(|i| Answer {
                item: format!("QS1.{i}").parse().expect("item"),
                rating: Rating::parse(i64::from(i % 5)).expect("rating"),
                evidence: String::new(),
                evidence_needed: String::new(),
            })
            .collect()
    }

    fn job(f: &Fixture, key: &str) -> (Job, oneshot::Receiver<Result<Stored, DbError>>) {
        let (reply, answer) = oneshot::channel();
        (Job { response: response(f, key), answers: answers(12), reply }, answer)
    }

    async fn counts(f: &Fixture) -> (i64, i64) {
        store::count_responses(&f.db, f.assessment).await.expect("counts")
    }

    #[tokio::test]
    async fn one_group_is_one_transaction_and_a_repeated_key_gets_the_first_response() {
        let f = fixture().await;
        let (first, first_answer) = job(&f, "a");
        let (other, other_answer) = job(&f, "b");
        let (again, again_answer) = job(&f, "a");
        let mut batch = vec![first, other, again];
        assert!(commit_batch(&f.db, &mut batch).await.is_none());
        let (a, created_a) = first_answer.await.expect("answered").expect("stored");
        let (b, created_b) = other_answer.await.expect("answered").expect("stored");
        let (a2, created_a2) = again_answer.await.expect("answered").expect("stored");
        assert!(created_a && created_b && !created_a2);
        assert_eq!(a, a2, "a key repeated within the group gives the first response");
        assert_ne!(a, b);
        assert_eq!(counts(&f).await, (2, 24));
        // A later group with a stored key gives it back too.
        let (later, later_answer) = job(&f, "b");
        assert!(commit_batch(&f.db, &mut vec![later]).await.is_none());
        assert_eq!(later_answer.await.expect("answered").expect("stored"), (b, false));
        assert_eq!(counts(&f).await, (2, 24));
    }

    /// Every column of the rows of `table` where `column = id`, quoted, but for `except`.
    async fn rows(f: &Fixture, table: &str, column: &str, id: Uuid, except: &[&str]) -> Vec<String> {
        let Db::Sqlite(pool) = &f.db else { unreachable!() };
        let columns: Vec<String> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT name FROM pragma_table_info('{table}')")))
                .fetch_all(pool)
                .await
                .expect("columns");
        let kept: Vec<String> =
            columns.iter().filter(|c| !except.contains(&c.as_str())).map(|c| format!("quote({c})")).collect();
        let sql = format!("SELECT {} FROM {table} WHERE {column} = $1 ORDER BY 1", kept.join(" || ',' || "));
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(pool).await.expect("rows")
    }

    #[tokio::test]
    async fn a_group_stores_the_same_rows_as_insert_response() {
        let f = fixture().await;
        let (batched, _) = job(&f, "batched");
        let mut single = batched.response.clone();
        single.id = Uuid::now_v7();
        single.reference = domain::new_reference();
        single.idempotency_key = "single".into();
        let mut tx = f.db.begin().await.expect("begin");
        insert_batch(&mut tx, std::slice::from_ref(&batched)).await.expect("batch");
        store::insert_response(&mut tx, &single, &batched.answers).await.expect("single");
        tx.commit().await.expect("commit");
        let except = ["id", "reference", "idempotency_key"];
        let a = rows(&f, "responses", "id", batched.response.id, &except).await;
        let b = rows(&f, "responses", "id", single.id, &except).await;
        assert_eq!(a.len(), 1);
        assert_eq!(a, b);
        let a = rows(&f, "answers", "response_id", batched.response.id, &["response_id"]).await;
        let b = rows(&f, "answers", "response_id", single.id, &["response_id"]).await;
        assert_eq!(a.len(), 12);
        assert_eq!(a, b);
    }

    #[tokio::test]
    async fn a_bad_job_fails_alone_and_the_rest_of_its_group_is_stored() {
        let f = fixture().await;
        let (good, good_answer) = job(&f, "good");
        let (mut bad, bad_answer) = job(&f, "bad");
        bad.response.group_id = Uuid::now_v7(); // no such group: a foreign key error
        let (also_good, also_good_answer) = job(&f, "also good");
        assert!(commit_batch(&f.db, &mut vec![good, bad, also_good]).await.is_none());
        assert!(good_answer.await.expect("answered").is_ok());
        let error = bad_answer.await.expect("answered").expect_err("refused");
        assert_eq!(retry_after(&error), None, "bad data is not a storage failure: {error}");
        assert!(also_good_answer.await.expect("answered").is_ok());
        assert_eq!(counts(&f).await, (2, 24));
    }

    #[tokio::test]
    async fn the_writer_takes_many_concurrent_jobs_and_answers_each_after_commit() {
        let f = fixture().await;
        let writer = ResponseWriter::for_db(&f.db);
        let mut tasks = Vec::new();
        for n in 0..300 {
            let writer = writer.clone();
            let response = response(&f, &format!("k{}", n % 250));
            tasks.push(tokio::spawn(async move { writer.store(response, answers(12)).await }));
        }
        let mut created = 0;
        for task in tasks {
            let (_, new) = task.await.expect("task").expect("stored");
            created += usize::from(new);
        }
        assert_eq!(created, 250, "50 repeated keys stored once");
        assert_eq!(counts(&f).await, (250, 250 * 12));
        assert!(ResponseWriter::for_db(&f.db).is_running());
    }

    #[tokio::test]
    async fn a_busy_database_fails_the_group_with_a_retry_and_the_writer_recovers() {
        let f = fixture().await;
        let Db::Sqlite(pool) = &f.db else { unreachable!() };
        // Another connection holds the write lock past the busy time-out.
        let blocker_options = (*pool.connect_options()).clone().busy_timeout(Duration::from_millis(10));
        let mut blocker = {
            use sqlx::ConnectOptions;
            blocker_options.connect().await.expect("connect")
        };
        sqlx::query("BEGIN IMMEDIATE").execute(&mut blocker).await.expect("lock");
        let short = Db::Sqlite(
            SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with((*pool.connect_options()).clone().busy_timeout(Duration::from_millis(50)))
                .await
                .expect("pool"),
        );
        let writer = ResponseWriter::start(&short);
        let error = writer.store(response(&f, "x"), answers(12)).await.expect_err("busy");
        assert_eq!(retry_after(&error), Some(RETRY_SOON), "{error}");
        assert_eq!(counts(&f).await, (0, 0));
        sqlx::query("ROLLBACK").execute(&mut blocker).await.expect("unlock");
        let (_, created) = writer.store(response(&f, "x"), answers(12)).await.expect("stored after recovery");
        assert!(created);
        assert_eq!(counts(&f).await, (1, 12));
    }

    #[test]
    fn pages_and_the_api_answer_503_with_retry_after_when_storage_is_unavailable() {
        use axum::response::IntoResponse;
        let page = crate::web::AppError::Database(DbError::Query(sqlx::Error::PoolTimedOut)).into_response();
        assert_eq!(page.status(), 503);
        assert_eq!(page.headers()["retry-after"], "1");
        let bug = crate::web::AppError::Database(DbError::Query(sqlx::Error::RowNotFound)).into_response();
        assert_eq!(bug.status(), 500);
        assert!(bug.headers().get("retry-after").is_none());
        let api =
            crate::engagement::service::EngagementError::Db(unavailable(io::ErrorKind::Other, "disk full"))
                .into_response();
        assert_eq!(api.status(), 503);
        assert_eq!(api.headers()["retry-after"], "5");
    }

    #[test]
    fn storage_failures_are_told_apart_from_bugs() {
        assert_eq!(retry_after(&DbError::Query(sqlx::Error::PoolTimedOut)), Some(RETRY_SOON));
        assert_eq!(retry_after(&unavailable(io::ErrorKind::TimedOut, "queue full")), Some(RETRY_SOON));
        assert_eq!(retry_after(&DbError::Query(sqlx::Error::RowNotFound)), None);
        let copied = copy_error(&DbError::Query(sqlx::Error::RowNotFound));
        assert_eq!(retry_after(&copied), None);
        let copied = copy_error(&DbError::Query(sqlx::Error::PoolTimedOut));
        assert_eq!(retry_after(&copied), Some(RETRY_SOON));
    }
}
