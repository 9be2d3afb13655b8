//! The audit trail's SQL: appending through the `audit_head` row, listing, and reading the
//! whole chain back for verification. One SQL text per query runs on both backends.

use super::domain::{
    self, AuditEntry, AuditFilter, Break, ChainFields, ChainWalk, Change, MAX_LIST_LIMIT, StoredEntry,
    VerifyOutcome,
};
use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};
use futures_util::TryStreamExt;
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

/// Appends one entry inside the caller's transaction.
///
/// The first statement moves the head on by one and returns the new seq and the previous
/// entry's hash; it holds the head row's lock (PostgreSQL) or the database's write lock
/// (SQLite, whose transactions `Db::begin` starts with `BEGIN IMMEDIATE`) until the caller
/// commits or rolls back, so appends are serialised and seqs stay contiguous.
pub async fn append(tx: &mut Tx, change: Change) -> Result<(), DbError> {
    let summary = domain::check_summary(&change.summary)
        .map_err(|e| DbError::Query(sqlx::Error::InvalidArgument(e.to_string())))?;
    let id = Uuid::now_v7();
    on_tx!(tx, conn => {
        let (seq, prev_hash): (i64, String) = sqlx::query_as(
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
        )
        .fetch_one(&mut *conn)
        .await?;
        // Taken under the lock, so times follow seqs.
        let at = domain::format_at(OffsetDateTime::now_utc());
        let hash = domain::entry_hash(&ChainFields {
            seq,
            id,
            at: &at,
            council_id: change.council_id,
            actor_id: change.actor.user_id,
            actor_name: &change.actor.name,
            entity: change.entity,
            entity_id: &change.entity_id,
            action: change.action,
            summary: &summary,
            prev_hash: &prev_hash,
        });
        sqlx::query(
            "INSERT INTO audit_log (seq, id, at, council_id, actor_id, actor_name, entity, \
             entity_id, action, summary, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(seq)
        .bind(id)
        .bind(&at)
        .bind(change.council_id)
        .bind(change.actor.user_id)
        .bind(&change.actor.name)
        .bind(change.entity)
        .bind(&change.entity_id)
        .bind(change.action)
        .bind(&summary)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    seq: i64,
    id: Uuid,
    at: String,
    council_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    actor_name: String,
    entity: String,
    entity_id: String,
    action: String,
    summary: String,
}

impl From<ListedRow> for AuditEntry {
    fn from(row: ListedRow) -> Self {
        let summary = serde_json::from_str(&row.summary).unwrap_or(serde_json::Value::String(row.summary));
        AuditEntry {
            seq: row.seq,
            id: row.id,
            at: row.at,
            council_id: row.council_id,
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            entity: row.entity,
            entity_id: row.entity_id,
            action: row.action,
            summary,
        }
    }
}

/// `%text%` for `LIKE ... ESCAPE '\'`, lower-cased, with the pattern characters escaped.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Entries matching the filter, newest first.
///
/// The actor filter compares `lower(actor_name)`: case-insensitive for every letter on
/// PostgreSQL, for ASCII letters on SQLite (whose `lower` leaves other letters alone).
pub async fn list(db: &Db, filter: &AuditFilter) -> Result<Vec<AuditEntry>, DbError> {
    let limit = i64::from(filter.limit.min(MAX_LIST_LIMIT));
    if limit == 0 {
        return Ok(Vec::new());
    }
    let actor = filter.actor.as_deref().map(contains_pattern);
    let rows: Vec<ListedRow> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT seq, id, at, council_id, actor_id, actor_name, entity, entity_id, action, \
             summary FROM audit_log \
             WHERE ($1 IS NULL OR council_id = $1) \
             AND ($2 IS NULL OR entity = $2) \
             AND ($3 IS NULL OR action = $3) \
             AND ($4 IS NULL OR lower(actor_name) LIKE $4 ESCAPE '\\') \
             AND ($5 IS NULL OR seq < $5) \
             ORDER BY seq DESC LIMIT $6",
        )
        .bind(filter.council_id)
        .bind(filter.entity.as_deref())
        .bind(filter.action.as_deref())
        .bind(actor.as_deref())
        .bind(filter.before_seq)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

#[derive(sqlx::FromRow)]
struct ChainRow {
    seq: i64,
    id: Uuid,
    at: String,
    council_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    actor_name: String,
    entity: String,
    entity_id: String,
    action: String,
    summary: String,
    prev_hash: String,
    hash: String,
}

impl From<ChainRow> for StoredEntry {
    fn from(row: ChainRow) -> Self {
        StoredEntry {
            seq: row.seq,
            id: row.id,
            at: row.at,
            council_id: row.council_id,
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            entity: row.entity,
            entity_id: row.entity_id,
            action: row.action,
            summary: row.summary,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

const HEAD_SQL: &str = "SELECT seq, hash FROM audit_head WHERE id = 1";
const CHAIN_SQL: &str = "SELECT seq, id, at, council_id, actor_id, actor_name, entity, \
     entity_id, action, summary, prev_hash, hash FROM audit_log ORDER BY seq";

/// Walks the whole chain in seq order, one row at a time.
///
/// The head and the entries are read in one snapshot (a read-only `REPEATABLE READ`
/// transaction on PostgreSQL, a read transaction on SQLite), so appends made meanwhile are
/// neither half-seen nor mistaken for tampering.
pub async fn verify(db: &Db) -> Result<VerifyOutcome, DbError> {
    let mut tx = match db {
        Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN DEFERRED").await?),
        Db::Postgres(pool) => {
            Tx::Postgres(pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?)
        }
    };
    let outcome = on_tx!(&mut tx, conn => {
        let head: Option<(i64, String)> =
            sqlx::query_as(HEAD_SQL).fetch_optional(&mut *conn).await?;
        let Some((head_seq, head_hash)) = head else {
            return Ok(VerifyOutcome::Broken {
                seq: 1,
                reason: "the chain's head (the audit_head row) is missing (removed?)".to_owned(),
            });
        };
        let mut walk = ChainWalk::new(head_seq, head_hash);
        let mut rows = sqlx::query(CHAIN_SQL).fetch(&mut *conn);
        let mut broken: Option<Break> = None;
        while let Some(row) = rows.try_next().await? {
            let seq: i64 = row.try_get("seq")?;
            let step = walk.check_position(seq).and_then(|()| {
                let entry: StoredEntry = <ChainRow as sqlx::FromRow<'_, _>>::from_row(&row)
                    .map_err(|e| Break {
                        seq,
                        reason: format!("entry {seq}: its content cannot be read (altered?): {e}"),
                    })?
                    .into();
                walk.next(&entry)
            });
            if let Err(b) = step {
                broken = Some(b);
                break;
            }
        }
        match broken {
            Some(b) => b.into(),
            None => walk.finish(),
        }
    });
    // Read-only: nothing to keep. Dropping would also roll back.
    match tx {
        Tx::Sqlite(tx) => tx.rollback().await?,
        Tx::Postgres(tx) => tx.rollback().await?,
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_patterns_escape_wildcards_and_lower_case() {
        assert_eq!(contains_pattern("Ada"), "%ada%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(contains_pattern(""), "%%");
    }
}
