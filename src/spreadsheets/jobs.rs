//! Long imports carry on in the background and show their progress.
//!
//! Reading an uploaded file, checking a survey export's mapping and storing an import can take
//! a while for a large file. Each runs as a job in its own task; the request that started it
//! waits up to `Limits::import_wait` (2 seconds by default) and answers as it always has when
//! the job is done by then. Otherwise it sends the person to the import's page, which shows
//! the job's progress (what it is doing, how many responses are stored so far, for how long)
//! with a *Check progress* button, until the job ends; then the same page shows the outcome:
//! the preview, the mapping with its problems, the upload form with the file's problems, the
//! imported responses, or that the import stopped and nothing was stored. With JavaScript the
//! page checks for itself every two seconds.
//!
//! Storing stays all-or-nothing: the job stores everything in one transaction, so until it
//! commits nothing of the file is counted, and if it fails (or the process stops) nothing is.
//!
//! Jobs are held by the process that runs them, for [`KEEP`] after they end. With several
//! processes behind a load balancer, send a person's requests to one process (sticky
//! sessions) to see the progress; elsewhere the page shows the import as it is in the
//! database (not yet confirmed, or not yet read).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use uuid::Uuid;

use super::cells::FileProblem;
use super::service::{Confirmed, SheetError};
use crate::accounts::service::FieldError;

/// How long a finished job's outcome is kept for the import's page.
pub const KEEP: Duration = Duration::from_secs(30 * 60);
/// How long storing an import keeps trying while the database is unavailable (busy with
/// another writer, say) before it gives up: it runs in the background, so it can wait.
pub const STORE_PATIENCE: Duration = Duration::from_secs(60);
/// How long it waits between tries.
pub const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Reading and checking an uploaded checklist (workbook or CSV).
    ReadChecklist,
    /// Reading a survey tool's export.
    ReadSurvey,
    /// Checking a survey export's rows against the chosen mapping.
    CheckMapping,
    /// Storing the responses, in one transaction.
    Store,
}

impl Task {
    /// What the progress page says the job is doing.
    pub fn doing(self) -> &'static str {
        match self {
            Task::ReadChecklist | Task::ReadSurvey => "Reading and checking the file",
            Task::CheckMapping => "Checking every row against the columns you chose",
            Task::Store => "Storing the responses",
        }
    }
}

/// How far a job has got: responses stored of the total (when storing), and whether it is
/// waiting for a busy database.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicU64,
    total: AtomicU64,
    waiting: AtomicBool,
}

impl Progress {
    pub fn set_total(&self, total: usize) {
        self.total.store(total as u64, Ordering::Relaxed);
    }

    pub fn set_done(&self, done: usize) {
        self.done.store(done as u64, Ordering::Relaxed);
    }

    pub fn get(&self) -> (u64, u64) {
        (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed))
    }

    pub fn set_waiting(&self, waiting: bool) {
        self.waiting.store(waiting, Ordering::Relaxed);
    }

    pub fn waiting(&self) -> bool {
        self.waiting.load(Ordering::Relaxed)
    }
}

/// How a job ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Done: the import's page shows the result (the preview, the mapping, what was stored).
    Done,
    /// The upload form's fields, or the file's cells, have problems; nothing was kept.
    /// `values` are the form's fields as sent, to show again.
    Problems { fields: Vec<FieldError>, file: Vec<FileProblem>, values: serde_json::Value },
    /// The file had become responses already: nothing more was stored.
    AlreadyImported { reference: String },
    /// The preview expired, or its mapping is not done: nothing was stored.
    NotReady,
    /// The import was not there to work on (confirmed meanwhile, expired, not this kind).
    Gone,
    /// The job failed (storage, or a bug: logged); nothing was stored.
    Failed { storage: bool },
}

impl Outcome {
    /// A job's result, as an outcome (errors other than problems are logged here).
    pub fn of<T>(result: &Result<T, SheetError>, done: impl FnOnce(&T) -> Outcome) -> Outcome {
        match result {
            Ok(value) => done(value),
            Err(SheetError::Invalid { fields, file }) => Outcome::Problems {
                fields: fields.clone(),
                file: file.clone(),
                values: serde_json::Value::Null,
            },
            Err(SheetError::Denied(_)) => Outcome::Gone,
            Err(SheetError::Db(e)) => {
                tracing::warn!(error = %e, "an import job failed");
                Outcome::Failed { storage: crate::engagement::writer::retry_after(e).is_some() }
            }
            Err(e) => {
                tracing::error!(error = %e, "an import job failed");
                Outcome::Failed { storage: false }
            }
        }
    }

    pub fn of_confirmed(confirmed: &Confirmed) -> Outcome {
        match confirmed {
            Confirmed::Stored => Outcome::Done,
            Confirmed::AlreadyImported { reference } => {
                Outcome::AlreadyImported { reference: reference.clone() }
            }
            Confirmed::NotReady => Outcome::NotReady,
        }
    }
}

/// A job: an import being read, checked or stored.
#[derive(Debug)]
pub struct Job {
    pub import_id: Uuid,
    pub assessment_id: Uuid,
    pub task: Task,
    /// The uploaded file's size, for the page.
    pub bytes: usize,
    pub started: Instant,
    pub progress: Progress,
    outcome: watch::Sender<Option<(Outcome, Instant)>>,
}

impl Job {
    /// How it ended, or `None` while it runs.
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.borrow().as_ref().map(|(o, _)| o.clone())
    }

    /// Waits up to `wait` for the job to end.
    pub async fn wait(&self, wait: Duration) -> Option<Outcome> {
        let mut receiver = self.outcome.subscribe();
        let ended = tokio::time::timeout(wait, receiver.wait_for(Option::is_some)).await;
        match ended {
            Ok(Ok(outcome)) => outcome.as_ref().map(|(o, _)| o.clone()),
            _ => self.outcome(),
        }
    }

    fn expired(&self) -> bool {
        self.outcome.borrow().as_ref().is_some_and(|(_, at)| at.elapsed() > KEEP)
    }
}

static JOBS: LazyLock<Mutex<HashMap<Uuid, Arc<Job>>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Starts `work` as the job of import `import_id`, replacing any earlier job of that import.
/// `work` gets the job (for its progress) and gives the outcome. It runs to its end even if
/// the request that started it goes away.
pub fn start<F, Fut>(import_id: Uuid, assessment_id: Uuid, task: Task, bytes: usize, work: F) -> Arc<Job>
where
    F: FnOnce(Arc<Job>) -> Fut + Send + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let (outcome, _) = watch::channel(None);
    let job = Arc::new(Job {
        import_id,
        assessment_id,
        task,
        bytes,
        started: Instant::now(),
        progress: Progress::default(),
        outcome,
    });
    {
        let mut jobs = JOBS.lock().unwrap_or_else(PoisonError::into_inner);
        jobs.retain(|_, j| !j.expired());
        jobs.insert(import_id, job.clone());
    }
    let running = job.clone();
    tokio::spawn(async move {
        // A panic in the work is caught here, so the page says the job failed.
        let ended = tokio::spawn(work(running.clone())).await;
        let outcome = ended.unwrap_or_else(|e| {
            tracing::error!(error = %e, "an import job stopped");
            Outcome::Failed { storage: false }
        });
        running.outcome.send_replace(Some((outcome, Instant::now())));
    });
    job
}

/// The job of an import of this assessment, running or recently ended.
pub fn get(import_id: Uuid, assessment_id: Uuid) -> Option<Arc<Job>> {
    let jobs = JOBS.lock().unwrap_or_else(PoisonError::into_inner);
    jobs.get(&import_id).filter(|j| j.assessment_id == assessment_id && !j.expired()).cloned()
}

/// Forgets an import's job once its outcome has been shown for good.
pub fn forget(import_id: Uuid) {
    JOBS.lock().unwrap_or_else(PoisonError::into_inner).remove(&import_id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_reports_progress_and_its_outcome() {
        let (release, hold) = tokio::sync::oneshot::channel::<()>();
        let (import, assessment) = (Uuid::now_v7(), Uuid::now_v7());
        let job = start(import, assessment, Task::Store, 10, move |job| async move {
            job.progress.set_total(4);
            job.progress.set_done(1);
            let _ = hold.await;
            Outcome::Done
        });
        assert!(job.wait(Duration::from_millis(50)).await.is_none(), "still running");
        assert_eq!(job.progress.get(), (1, 4));
        assert!(get(import, assessment).is_some());
        assert!(get(import, Uuid::now_v7()).is_none(), "another assessment's import is not found");
        let _ = release.send(());
        assert!(matches!(job.wait(Duration::from_secs(5)).await, Some(Outcome::Done)));
        forget(import);
        assert!(get(import, assessment).is_none());
    }

    #[tokio::test]
    async fn a_job_that_panics_ends_as_failed() {
        let (import, assessment) = (Uuid::now_v7(), Uuid::now_v7());
        let job = start(import, assessment, Task::ReadChecklist, 10, |_| async move {
            if Uuid::now_v7().is_nil() {
                return Outcome::Done;
            }
            panic!("a bug");
        });
        assert!(matches!(job.wait(Duration::from_secs(5)).await, Some(Outcome::Failed { storage: false })));
    }
}
