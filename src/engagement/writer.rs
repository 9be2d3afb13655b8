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
//! - **Health**: after a storage failure the writer counts as failing ([`ResponseWriter::check`],
//!   which `/readyz` consults) until a commit succeeds again; while failing and idle it tries a
//!   small write every [`RETRY_EVERY`], so it notices by itself when the cause has gone.
//! - **Survey links are checked at commit**: a survey response carries its link's token; in
//!   the group's transaction the writer reads each round once (token, times, closed) and
//!   refuses the responses of a round that is no longer open or whose link was replaced
//!   ([`Refused`]), unless their key was stored before (a replay). So what was cached about a
//!   round on the way in (`links`) never lets a response into a closed round.
//!
//! Callers find the writer of their database with [`ResponseWriter::for_db`] (so use cases
//! keep taking just `&Db`); the application starts it with its state (`AppState::writer`).
//!
//! **PostgreSQL** takes concurrent writers itself and groups commits in its own WAL, so there
//! each response is stored in its own transaction on the pool (many connections in parallel):
//! a single writer would serialise the network round trips instead.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::sqlite::SqlitePoolOptions;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::domain::{self, Answer, RoundState};
use super::store::{self, LinkState, NewResponse, StoredResponse};
use crate::db::{Db, DbError, Tx};

/// Most jobs committed in one transaction.
pub const MAX_BATCH: usize = 256;
/// Jobs that may wait for the writer.
pub const QUEUE_CAPACITY: usize = 2048;
/// How long a caller waits for room in a full queue before answering 503.
pub const ENQUEUE_WAIT: Duration = Duration::from_secs(2);

/// While failing and idle, the writer tries a small write this often.
pub const RETRY_EVERY: Duration = Duration::from_secs(1);

/// What storing one response gives back: the stored response, and whether it is new.
pub type Stored = (StoredResponse, bool);

/// Why a survey response was not stored: found at commit, in the storing transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The round was closed, or not open yet.
    NotOpen(RoundState),
    /// The link was replaced (or the round is gone).
    LinkReplaced,
}

/// What a job gets back: stored, or refused, or a database error.
type Reply = Result<Result<Stored, Refused>, DbError>;

struct Job {
    response: NewResponse,
    answers: Vec<Answer>,
    /// For a survey response: the link's token, checked against the round at commit.
    link: Option<String>,
    reply: oneshot::Sender<Reply>,
}

/// The writer has been failing since `since` (a storage error: disk full, read-only, busy…).
#[derive(Debug, Clone)]
pub struct Failure {
    pub since: OffsetDateTime,
    pub error: String,
}

/// Whether the last attempt to store failed for want of storage.
#[derive(Debug, Default)]
struct Health(Mutex<Option<Failure>>);

impl Health {
    fn failed(&self, error: &DbError) {
        let mut failure = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if failure.is_none() {
            *failure = Some(Failure { since: OffsetDateTime::now_utc(), error: error.to_string() });
        }
    }

    fn succeeded(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn current(&self) -> Option<Failure> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Records the outcome of an attempt: only storage errors count as failing.
    fn record<T>(&self, result: &Result<T, DbError>) {
        match result {
            Ok(_) => self.succeeded(),
            Err(error) if retry_after(error).is_some() => self.failed(error),
            Err(_) => {}
        }
    }
}

/// A handle on the writer of one database; cheap to clone.
#[derive(Clone)]
pub struct ResponseWriter {
    inner: Inner,
    health: Arc<Health>,
}

#[derive(Clone)]
enum Inner {
    /// PostgreSQL: a transaction per response on the application's pool.
    Direct(Db),
    /// SQLite: jobs go to the writer task.
    Queue { jobs: mpsc::Sender<Job>, app_db: Db },
}

/// The running writers, by database identity, so every caller of a database shares its one
/// writer (and its health).
static WRITERS: Mutex<Vec<(String, ResponseWriter)>> = Mutex::new(Vec::new());

impl ResponseWriter {
    /// The writer for this database, started on first use (needs a Tokio runtime).
    pub fn for_db(db: &Db) -> ResponseWriter {
        let identity = db.identity();
        // Nothing below can panic while the lock is held; a poisoned lock is taken as is.
        let mut writers = WRITERS.lock().unwrap_or_else(PoisonError::into_inner);
        writers.retain(|(_, w)| w.is_running());
        if let Some((_, writer)) = writers.iter().find(|(i, _)| *i == identity) {
            return writer.clone();
        }
        let writer = ResponseWriter::start(db);
        writers.push((identity, writer.clone()));
        writer
    }

    /// Starts a new writer for `db` (SQLite), or a direct one (PostgreSQL). Prefer
    /// [`ResponseWriter::for_db`]: two writers on one SQLite file would only queue for its lock.
    pub fn start(db: &Db) -> ResponseWriter {
        let health = Arc::new(Health::default());
        let Db::Sqlite(pool) = db else {
            return ResponseWriter { inner: Inner::Direct(db.clone()), health };
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
        tokio::spawn(supervise(Db::Sqlite(writer_pool), db.clone(), queue, health.clone()));
        ResponseWriter { inner: Inner::Queue { jobs, app_db: db.clone() }, health }
    }

    /// Whether the writer can store now: `Err` with the failure while it has been failing for
    /// want of storage (disk full, read-only, busy…). A failing writer is tried again here
    /// with a small real write to the same database, so the answer changes as soon as the
    /// cause has gone (the writer task also retries by itself every [`RETRY_EVERY`]).
    pub async fn check(&self) -> Result<(), Failure> {
        if self.health.current().is_some() {
            let db = match &self.inner {
                Inner::Direct(db) | Inner::Queue { app_db: db, .. } => db,
            };
            let result = probe(db).await;
            self.health.record(&result);
        }
        match self.health.current() {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
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
        match self.send(response, answers, None).await? {
            Ok(stored) => Ok(stored),
            // Only responses with a link are ever refused.
            Err(refused) => Err(DbError::Query(sqlx::Error::Protocol(format!("refused: {refused:?}")))),
        }
    }

    /// Stores a survey response taken through the link `token` (`response.round_id` is its
    /// round), unless at commit the round is no longer open or its link was replaced: then
    /// nothing is stored and the reason is given back, except that a response whose key was
    /// stored before gives back the stored one (a replay) whatever the round's state.
    pub async fn store_for_link(
        &self,
        response: NewResponse,
        answers: Vec<Answer>,
        token: &str,
    ) -> Result<Result<Stored, Refused>, DbError> {
        self.send(response, answers, Some(token.to_owned())).await
    }

    async fn send(&self, response: NewResponse, answers: Vec<Answer>, link: Option<String>) -> Reply {
        match &self.inner {
            Inner::Direct(db) => {
                let result = store_direct(db, &response, &answers, link.as_deref()).await;
                self.health.record(&result);
                result
            }
            Inner::Queue { jobs, .. } => {
                let (reply, answer) = oneshot::channel();
                let job = Job { response, answers, link, reply };
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

/// PostgreSQL: one response in its own transaction, its round's link checked (and the round's
/// row share-locked) in it.
async fn store_direct(db: &Db, response: &NewResponse, answers: &[Answer], link: Option<&str>) -> Reply {
    let mut tx = db.begin().await?;
    if let (Some(token), Some(round_id)) = (link, response.round_id) {
        let state = store::link_state(&mut tx, round_id).await?;
        if let Some(refused) = check_link(state.as_ref(), token, OffsetDateTime::now_utc()) {
            let replay =
                store::response_by_key_tx(&mut tx, response.assessment_id, &response.idempotency_key).await?;
            tx.commit().await?;
            return Ok(replay.map(|stored| (stored, false)).ok_or(refused));
        }
    }
    let stored = store::insert_response(&mut tx, response, answers).await?;
    tx.commit().await?;
    Ok(Ok(stored))
}

/// Whether a response through the link `token` may be stored now, given the round's state.
fn check_link(state: Option<&LinkState>, token: &str, now: OffsetDateTime) -> Option<Refused> {
    let Some(state) = state.filter(|s| s.token == token) else { return Some(Refused::LinkReplaced) };
    match domain::round_state(state.opens_at, state.closes_at, state.closed_at, now) {
        RoundState::Open => None,
        other => Some(Refused::NotOpen(other)),
    }
}

/// A small real write in its own transaction: the writer's way to see whether storage is back.
async fn probe(db: &Db) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    crate::on_tx!(&mut tx, conn => {
        // Never changes the token `/readyz` writes and reads back, so the two never race.
        sqlx::query(
            "INSERT INTO readiness_probe (id, token, checked_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
        )
        .bind("writer")
        .bind(OffsetDateTime::now_utc())
        .execute(conn)
        .await?;
    });
    tx.commit().await
}

fn is_closed(db: &Db) -> bool {
    match db {
        Db::Sqlite(pool) => pool.is_closed(),
        Db::Postgres(pool) => pool.is_closed(),
    }
}

/// Runs the writer, restarting it should it ever panic; ends when every handle is gone or the
/// application closes its database.
async fn supervise(writer_db: Db, app_db: Db, queue: mpsc::Receiver<Job>, health: Arc<Health>) {
    // A Tokio mutex is not poisoned by a panic: a restarted writer takes the queue over.
    let queue = Arc::new(tokio::sync::Mutex::new(queue));
    loop {
        let run = tokio::spawn(run(writer_db.clone(), app_db.clone(), queue.clone(), health.clone()));
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

async fn run(db: Db, app_db: Db, queue: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>, health: Arc<Health>) {
    let mut queue = queue.lock().await;
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    loop {
        let next = if health.current().is_some() {
            // Failing: try a small write whenever no job comes for a while, so the writer (and
            // `/readyz`) see by themselves when the storage is back.
            match tokio::time::timeout(RETRY_EVERY, queue.recv()).await {
                Ok(next) => next,
                Err(_) => {
                    if is_closed(&app_db) {
                        break;
                    }
                    let result = probe(&db).await;
                    health.record(&result);
                    continue;
                }
            }
        } else {
            queue.recv().await
        };
        let Some(job) = next else { break };
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
        if let Some(failure) = commit_batch(&db, &mut batch, &health).await {
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
async fn commit_batch(db: &Db, batch: &mut Vec<Job>, health: &Health) -> Option<DbError> {
    let jobs = std::mem::take(batch);
    match insert_all(db, &jobs).await {
        Ok(results) => {
            health.succeeded();
            for (job, result) in jobs.into_iter().zip(results) {
                // The caller may have gone away: its response is committed all the same.
                let _ = job.reply.send(Ok(result));
            }
            None
        }
        Err(error) if retry_after(&error).is_some() => {
            health.failed(&error);
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
            match &failure {
                Some(error) => health.failed(error),
                None => health.succeeded(),
            }
            failure
        }
    }
}

/// Inserts `jobs` in one transaction, in order; nothing is committed unless all succeed.
async fn insert_all(db: &Db, jobs: &[Job]) -> Result<Vec<Result<Stored, Refused>>, DbError> {
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
async fn insert_batch(tx: &mut Tx, jobs: &[Job]) -> Result<Vec<Result<Stored, Refused>>, DbError> {
    // Survey responses first: each round's link as it stands now, in this transaction (one
    // query per round in the group, usually one).
    let now = OffsetDateTime::now_utc();
    let mut links: HashMap<Uuid, Option<LinkState>> = HashMap::new();
    let mut refused: Vec<Option<Refused>> = Vec::with_capacity(jobs.len());
    for job in jobs {
        let verdict = match (&job.link, job.response.round_id) {
            (Some(token), Some(round_id)) => {
                if let std::collections::hash_map::Entry::Vacant(entry) = links.entry(round_id) {
                    entry.insert(store::link_state(tx, round_id).await?);
                }
                check_link(links.get(&round_id).and_then(Option::as_ref), token, now)
            }
            _ => None,
        };
        refused.push(verdict);
    }
    let mut results = Vec::with_capacity(jobs.len());
    let Tx::Sqlite(conn) = tx else {
        for (job, refused) in jobs.iter().zip(refused) {
            results.push(match refused {
                None => Ok(store::insert_response(tx, &job.response, &job.answers).await?),
                Some(refused) => replay(tx, &job.response).await?.ok_or(refused),
            });
        }
        return Ok(results);
    };
    let taken: Vec<&Job> =
        jobs.iter().zip(&refused).filter(|(_, r)| r.is_none()).map(|(job, _)| job).collect();
    let mut inserted: HashSet<Uuid> = HashSet::new();
    if !taken.is_empty() {
        let mut sql = String::from(
            "INSERT INTO responses (id, assessment_id, round_id, group_id, mode, user_id, reference, idempotency_key, \
             workshop_date, facilitator, participants, submitted_at) VALUES ",
        );
        sql.push_str(&vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; taken.len()].join(", "));
        sql.push_str(" ON CONFLICT (assessment_id, idempotency_key) DO NOTHING RETURNING id");
        let mut query = sqlx::query_scalar::<_, Uuid>(sqlx::AssertSqlSafe(sql)).persistent(false);
        for job in &taken {
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
        inserted = query.fetch_all(&mut **conn).await?.into_iter().collect();
    }
    let rows: Vec<(Uuid, &Answer)> = taken
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
    for (job, refused) in jobs.iter().zip(refused) {
        let r = &job.response;
        if inserted.contains(&r.id) {
            results.push(Ok((StoredResponse { id: r.id, reference: r.reference.clone() }, true)));
        } else {
            // A replay: the response stored earlier (or earlier in this group) with its key;
            // or, for a refused survey response without one, the reason.
            match (replay(tx, r).await?, refused) {
                (Some(stored), _) => results.push(Ok(stored)),
                (None, Some(refused)) => results.push(Err(refused)),
                (None, None) => return Err(DbError::Query(sqlx::Error::RowNotFound)),
            }
        }
    }
    Ok(results)
}

/// The response stored earlier with this response's idempotency key, as a replay.
async fn replay(tx: &mut Tx, r: &NewResponse) -> Result<Option<Stored>, DbError> {
    Ok(store::response_by_key_tx(tx, r.assessment_id, &r.idempotency_key)
        .await?
        .map(|stored| (stored, false)))
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

    fn job(f: &Fixture, key: &str) -> (Job, oneshot::Receiver<Reply>) {
        let (reply, answer) = oneshot::channel();
        (Job { response: response(f, key), answers: answers(12), link: None, reply }, answer)
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
        assert!(commit_batch(&f.db, &mut batch, &Health::default()).await.is_none());
        let (a, created_a) = first_answer.await.expect("answered").expect("stored").expect("not refused");
        let (b, created_b) = other_answer.await.expect("answered").expect("stored").expect("not refused");
        let (a2, created_a2) = again_answer.await.expect("answered").expect("stored").expect("not refused");
        assert!(created_a && created_b && !created_a2);
        assert_eq!(a, a2, "a key repeated within the group gives the first response");
        assert_ne!(a, b);
        assert_eq!(counts(&f).await, (2, 24));
        // A later group with a stored key gives it back too.
        let (later, later_answer) = job(&f, "b");
        assert!(commit_batch(&f.db, &mut vec![later], &Health::default()).await.is_none());
        assert_eq!(later_answer.await.expect("answered").expect("stored").expect("not refused"), (b, false));
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
        assert!(commit_batch(&f.db, &mut vec![good, bad, also_good], &Health::default()).await.is_none());
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
        assert!(writer.check().await.is_ok(), "healthy before");
        let error = writer.store(response(&f, "x"), answers(12)).await.expect_err("busy");
        assert_eq!(retry_after(&error), Some(RETRY_SOON), "{error}");
        assert_eq!(counts(&f).await, (0, 0));
        let failure = writer.check().await.expect_err("failing while the database is locked");
        assert!(failure.error.contains("locked") || failure.error.contains("busy"), "{failure:?}");
        sqlx::query("ROLLBACK").execute(&mut blocker).await.expect("unlock");
        // With no submission at all, the writer's own retries notice that the lock has gone.
        let mut waited = Duration::ZERO;
        while writer.health.current().is_some() {
            assert!(waited < RETRY_EVERY * 10, "the writer did not recover by itself");
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
        }
        let (_, created) = writer.store(response(&f, "x"), answers(12)).await.expect("stored after recovery");
        assert!(created);
        assert_eq!(counts(&f).await, (1, 12));
    }

    /// A round of the fixture's assessment, open now, with the fixture's group.
    async fn open_round(f: &Fixture) -> store::RoundRow {
        let now = OffsetDateTime::now_utc();
        let round = store::RoundRow {
            id: Uuid::now_v7(),
            assessment_id: f.assessment,
            title: "Staff survey".into(),
            token: crate::accounts::secrets::random_token(),
            opens_at: now - time::Duration::hours(1),
            closes_at: now + time::Duration::days(7),
            introduction: String::new(),
            privacy_notice: String::new(),
            closed_at: None,
            created_at: now,
        };
        let mut tx = f.db.begin().await.expect("begin");
        store::insert_round(&mut tx, &round, &["QS1".to_owned()], &[f.group]).await.expect("round");
        tx.commit().await.expect("commit");
        round
    }

    fn survey_response(f: &Fixture, round: &store::RoundRow, key: &str) -> NewResponse {
        NewResponse { round_id: Some(round.id), ..response(f, key) }
    }

    #[tokio::test]
    async fn a_survey_response_is_checked_against_its_round_at_commit() {
        let f = fixture().await;
        let round = open_round(&f).await;
        let writer = ResponseWriter::start(&f.db);
        let stored = writer
            .store_for_link(survey_response(&f, &round, "early"), answers(12), &round.token)
            .await
            .expect("no storage error")
            .expect("open round: stored");
        assert!(stored.1);
        // The round is closed behind the writer's back (another process, say).
        let mut tx = f.db.begin().await.expect("begin");
        store::set_round_closed(&mut tx, round.id, Some(OffsetDateTime::now_utc()), None)
            .await
            .expect("close");
        tx.commit().await.expect("commit");
        let refused = writer
            .store_for_link(survey_response(&f, &round, "late"), answers(12), &round.token)
            .await
            .expect("no storage error");
        assert_eq!(refused, Err(Refused::NotOpen(RoundState::Closed)));
        // A replay of what was stored before the close still gets its response.
        let replayed = writer
            .store_for_link(survey_response(&f, &round, "early"), answers(12), &round.token)
            .await
            .expect("no storage error");
        assert_eq!(replayed, Ok((stored.0, false)));
        // Reopened, but the link replaced: the old token takes nothing.
        let mut tx = f.db.begin().await.expect("begin");
        store::set_round_closed(&mut tx, round.id, None, None).await.expect("reopen");
        store::set_round_token(&mut tx, round.id, "another token").await.expect("replace");
        tx.commit().await.expect("commit");
        let refused = writer
            .store_for_link(survey_response(&f, &round, "old link"), answers(12), &round.token)
            .await
            .expect("no storage error");
        assert_eq!(refused, Err(Refused::LinkReplaced));
        let taken = writer
            .store_for_link(survey_response(&f, &round, "new link"), answers(12), "another token")
            .await
            .expect("no storage error");
        assert!(taken.is_ok_and(|(_, created)| created));
        assert_eq!(counts(&f).await, (2, 24), "nothing refused was stored");
    }

    #[tokio::test]
    async fn refused_and_stored_responses_share_a_group() {
        let f = fixture().await;
        let round = open_round(&f).await;
        let (mut open, open_answer) = job(&f, "open");
        open.response.round_id = Some(round.id);
        open.link = Some(round.token.clone());
        let (mut stale, stale_answer) = job(&f, "stale");
        stale.response.round_id = Some(round.id);
        stale.link = Some("a replaced token".into());
        let (plain, plain_answer) = job(&f, "plain");
        assert!(commit_batch(&f.db, &mut vec![open, stale, plain], &Health::default()).await.is_none());
        assert!(open_answer.await.expect("answered").expect("no error").is_ok());
        assert_eq!(stale_answer.await.expect("answered").expect("no error"), Err(Refused::LinkReplaced));
        assert!(plain_answer.await.expect("answered").expect("no error").is_ok());
        assert_eq!(counts(&f).await, (2, 24));
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
