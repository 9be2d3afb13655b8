//! Analyses and free text kept in memory while nothing they rest on has changed.
//!
//! An analysis depends on the responses stored (append-only: every new one adds to
//! `response_tallies`), the respondent groups (names and categories), the thresholds and, for
//! the processes evidence category, how many ready evidence library items support each quality
//! statement. Those are read from the database on every request (a few small rows) and hashed
//! into a version;
//! the expensive part (reading every tally and computing, or collating free text) is reused
//! while the version is the same. Because the version comes from the database each time, a
//! change made through another process shows at once: nothing here can be stale.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use uuid::Uuid;

use super::findings::Thresholds;
use super::model::{Analysis, GroupInfo, ResponseTallyRow};
use super::service::StatementText;

/// Entries kept per map at most; when full, the map starts again (simple, and enough for the
/// handful of assessments a council reads at once).
const MAX_ENTRIES: usize = 256;

/// What an analysis rests on, as one number.
pub fn version(
    responses: &[ResponseTallyRow],
    groups: &[GroupInfo],
    thresholds: &Thresholds,
    ready_evidence: &BTreeMap<String, u64>,
) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut rows: Vec<(Uuid, Uuid, &str, i64, i64)> = responses
        .iter()
        .map(|r| (r.round_id, r.group_id, r.mode.as_str(), r.responses, r.participants))
        .collect();
    rows.sort();
    rows.hash(&mut hasher);
    for g in groups {
        (g.id, &g.name, &g.category).hash(&mut hasher);
    }
    thresholds.hash(&mut hasher);
    ready_evidence.hash(&mut hasher);
    hasher.finish()
}

/// Database identity, assessment, round.
type Key = (String, Uuid, Option<Uuid>);
/// Values with the version they were made for.
type Versioned<K, V> = Mutex<HashMap<K, (u64, Arc<V>)>>;

static ANALYSES: LazyLock<Versioned<Key, Analysis>> = LazyLock::new(|| Mutex::new(HashMap::new()));
static TEXTS: LazyLock<Versioned<(Key, String), StatementText>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn get<K: Hash + Eq, V>(map: &Versioned<K, V>, key: &K, version: u64) -> Option<Arc<V>> {
    // Nothing panics while the lock is held; a poisoned lock is taken as it is.
    let map = map.lock().unwrap_or_else(PoisonError::into_inner);
    map.get(key).filter(|(v, _)| *v == version).map(|(_, value)| value.clone())
}

fn put<K: Hash + Eq, V>(map: &Versioned<K, V>, key: K, version: u64, value: Arc<V>) {
    let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
    if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
        map.clear();
    }
    map.insert(key, (version, value));
}

pub fn analysis(db: &str, assessment: Uuid, round: Option<Uuid>, version: u64) -> Option<Arc<Analysis>> {
    get(&ANALYSES, &(db.to_owned(), assessment, round), version)
}

pub fn keep_analysis(db: &str, assessment: Uuid, round: Option<Uuid>, version: u64, value: Arc<Analysis>) {
    put(&ANALYSES, (db.to_owned(), assessment, round), version, value);
}

pub fn text(
    db: &str,
    assessment: Uuid,
    round: Option<Uuid>,
    qs: &str,
    version: u64,
) -> Option<Arc<StatementText>> {
    get(&TEXTS, &((db.to_owned(), assessment, round), qs.to_owned()), version)
}

pub fn keep_text(
    db: &str,
    assessment: Uuid,
    round: Option<Uuid>,
    qs: &str,
    version: u64,
    value: Arc<StatementText>,
) {
    put(&TEXTS, ((db.to_owned(), assessment, round), qs.to_owned()), version, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(responses: i64) -> ResponseTallyRow {
        ResponseTallyRow {
            round_id: Uuid::nil(),
            group_id: Uuid::nil(),
            mode: "survey".into(),
            responses,
            participants: 0,
        }
    }

    #[test]
    fn the_version_changes_with_anything_the_analysis_rests_on() {
        let group = GroupInfo {
            id: Uuid::nil(),
            name: "Unpaid carers".into(),
            category: "peoples_experience".into(),
        };
        let none = BTreeMap::new();
        let base = version(&[row(10)], std::slice::from_ref(&group), &Thresholds::default(), &none);
        assert_eq!(base, version(&[row(10)], std::slice::from_ref(&group), &Thresholds::default(), &none));
        assert_ne!(
            base,
            version(&[row(11)], std::slice::from_ref(&group), &Thresholds::default(), &none),
            "a new response"
        );
        let renamed = GroupInfo { name: "Carers".into(), ..group.clone() };
        assert_ne!(base, version(&[row(10)], &[renamed], &Thresholds::default(), &none), "a renamed group");
        let stricter = Thresholds { min_group_size: 10, ..Thresholds::default() };
        assert_ne!(
            base,
            version(&[row(10)], std::slice::from_ref(&group), &stricter, &none),
            "new thresholds"
        );
        let ready = BTreeMap::from([("QS1".to_owned(), 1)]);
        assert_ne!(
            base,
            version(&[row(10)], &[group], &Thresholds::default(), &ready),
            "an evidence item marked ready"
        );
    }
}
