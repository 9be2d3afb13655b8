//! Housekeeping that keeps personal data no longer than needed: expired sessions, old
//! sign-in failures, answers in progress whose round has closed.

use time::OffsetDateTime;

use super::{Db, DbError};
use crate::accounts::{service::FAILURE_WINDOW, session::IDLE_TIMEOUT, store as accounts};
use crate::engagement::store as engagement;

/// How often the housekeeping runs while the app serves.
pub const INTERVAL: std::time::Duration = std::time::Duration::from_secs(600);

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub login_failures: u64,
    pub drafts: u64,
}

pub async fn run_once(db: &Db, now: OffsetDateTime) -> Result<Purged, DbError> {
    Ok(Purged {
        sessions: accounts::delete_expired_sessions(db, now, now - IDLE_TIMEOUT).await?,
        login_failures: accounts::delete_old_login_failures(db, now - FAILURE_WINDOW).await?,
        drafts: engagement::delete_expired_drafts(db, now).await?,
    })
}

/// Runs [`run_once`] every [`INTERVAL`] until the task is dropped; errors are logged and the
/// next run tries again.
pub async fn run_forever(db: Db) {
    let mut ticker = tokio::time::interval(INTERVAL);
    loop {
        ticker.tick().await;
        match run_once(&db, OffsetDateTime::now_utc()).await {
            Ok(purged) if purged != Purged::default() => tracing::info!(?purged, "housekeeping"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "housekeeping failed; will retry"),
        }
    }
}
