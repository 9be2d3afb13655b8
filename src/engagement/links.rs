//! Survey links: the round behind a `/r/{token}` link, cached in the process.
//!
//! Every survey page and every submission starts by finding the round behind its link: the
//! round, its assessment and council, its quality statements and groups. Read from the
//! database that is three queries ([`fetch`]); cached, it is a map lookup. The cache keeps a
//! round by database and token for at most [`TTL`].
//!
//! What is stored never rests on the cache:
//!
//! - A submission is checked against the cached round for a quick answer, and then again
//!   inside the transaction that stores it: the writer reads the round's token, opening and
//!   closing times and closed state there (`store::link_state`), so a closed round or a
//!   replaced link takes no response, whichever process closed or replaced it.
//! - A cached round that looks closed or not yet open is read again before anything is
//!   refused, so a round reopened by another process is open here at once.
//! - This process forgets a round as soon as a lead closes, reopens or replaces its link, and
//!   an assessment's rounds when a group is renamed ([`forget_round`], [`forget_assessment`]);
//!   a generation counter keeps a read that raced with the change from being cached.
//!
//! So what another process changed shows on this process's pages (never in what it stores)
//! for at most [`TTL`]: a group's new name, or the question pages of a round closed elsewhere
//! until its submission is refused.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use uuid::Uuid;

use super::domain::{self, RoundState};
use super::service::{EngagementError, OpenRound};
use super::store;
use crate::accounts::actor::Denied;
use crate::db::Db;
use crate::framework::{Frameworks, QualityStatementId};

/// How long a round stays cached.
pub const TTL: Duration = Duration::from_secs(30);
/// Rounds cached per database at most; expired ones are dropped first when full.
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    open: Arc<OpenRound>,
    fetched: Instant,
}

/// By database identity, then by token.
type Cache = HashMap<String, HashMap<String, Entry>>;

static CACHE: LazyLock<RwLock<Cache>> = LazyLock::new(|| RwLock::new(HashMap::new()));
/// Bumped by every invalidation: a read from the database started before one is not cached.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The round behind a link: cached while it is open, read from the database otherwise.
pub async fn open_round(
    db: &Db,
    frameworks: &Frameworks,
    token: &str,
) -> Result<Arc<OpenRound>, EngagementError> {
    let identity = db.identity();
    if let Some(open) = cached(&identity, token)
        && state(&open) == RoundState::Open
    {
        return Ok(open);
    }
    let generation = GENERATION.load(Ordering::Acquire);
    let open = Arc::new(fetch(db, frameworks, token).await?);
    if GENERATION.load(Ordering::Acquire) == generation {
        let mut cache = CACHE.write().unwrap_or_else(PoisonError::into_inner);
        let rounds = cache.entry(identity).or_default();
        if rounds.len() >= MAX_ENTRIES {
            rounds.retain(|_, e| e.fetched.elapsed() < TTL);
            if rounds.len() >= MAX_ENTRIES {
                rounds.clear();
            }
        }
        rounds.insert(token.to_owned(), Entry { open: open.clone(), fetched: Instant::now() });
    }
    Ok(open)
}

fn cached(identity: &str, token: &str) -> Option<Arc<OpenRound>> {
    let cache = CACHE.read().unwrap_or_else(PoisonError::into_inner);
    let entry = cache.get(identity)?.get(token)?;
    (entry.fetched.elapsed() < TTL).then(|| entry.open.clone())
}

fn state(open: &OpenRound) -> RoundState {
    domain::round_state(
        open.round.opens_at,
        open.round.closes_at,
        open.round.closed_at,
        OffsetDateTime::now_utc(),
    )
}

/// Reads the round behind a link from the database (three queries), bypassing the cache.
pub async fn fetch(db: &Db, frameworks: &Frameworks, token: &str) -> Result<OpenRound, EngagementError> {
    let link = store::link(db, token).await?.ok_or(EngagementError::Denied(Denied::NotFound))?;
    let assessment = link.assessment();
    let framework = frameworks
        .get(&assessment.framework_key)
        .cloned()
        .ok_or(EngagementError::Denied(Denied::NotFound))?;
    let mut statements: Vec<QualityStatementId> =
        store::round_statements(db, link.round.id).await?.iter().filter_map(|s| s.parse().ok()).collect();
    statements.sort();
    let groups = store::round_group_rows(db, link.round.id).await?;
    Ok(OpenRound {
        council_name: link.council_name,
        round: link.round,
        assessment,
        framework,
        statements,
        groups,
    })
}

fn forget(db: &Db, matches: impl Fn(&OpenRound) -> bool) {
    let mut cache = CACHE.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(rounds) = cache.get_mut(&db.identity()) {
        rounds.retain(|_, e| !matches(&e.open));
    }
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// Forgets a round (call after committing a change to it: closed, reopened, link replaced).
pub fn forget_round(db: &Db, round_id: Uuid) {
    forget(db, |open| open.round.id == round_id);
}

/// Forgets every round of an assessment (call after committing a change to its groups).
pub fn forget_assessment(db: &Db, assessment_id: Uuid) {
    forget(db, |open| open.assessment.id == assessment_id);
}

/// Forgets the round behind a link (the writer found it changed).
pub fn forget_token(db: &Db, token: &str) {
    forget(db, |open| open.round.token == token);
}
