//! SQL for Stage 2 summaries: the summary with its latest content and verification, every
//! saved version, and what happened to it. Changes go through `&mut Tx` so a use case's
//! change and its audit entry commit together; state changes are conditional on the version
//! and state read before, so two people acting at once cannot both succeed.

use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, FromRow)]
pub struct SummaryRow {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub quality_statement: String,
    pub state: String,
    pub version: i64,
    pub content: String,
    pub content_hash: String,
    pub score: Option<i64>,
    pub updated_by_name: String,
    pub updated_at: OffsetDateTime,
    pub verified_version: Option<i64>,
    pub verified_hash: Option<String>,
    pub verifier_account: Option<String>,
    pub verifier_name: Option<String>,
    pub verifier_post: Option<String>,
    pub verified_at: Option<OffsetDateTime>,
    pub voided_at: Option<OffsetDateTime>,
    pub voided_by_name: Option<String>,
}

const SUMMARY_COLUMNS: &str = "id, assessment_id, quality_statement, state, version, content, content_hash, score, \
     updated_by_name, updated_at, verified_version, verified_hash, verifier_account, verifier_name, verifier_post, \
     verified_at, voided_at, voided_by_name";

#[derive(Debug, Clone, FromRow)]
pub struct VersionRow {
    pub version: i64,
    pub content: String,
    pub content_hash: String,
    pub score: Option<i64>,
    pub saved_by_name: String,
    pub saved_at: OffsetDateTime,
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub action: String,
    pub version: i64,
    pub content_hash: String,
    pub voided: bool,
    pub actor_name: String,
    pub comments: String,
    pub verifier_post: Option<String>,
    pub at: OffsetDateTime,
}

pub async fn summary(db: &Db, assessment_id: Uuid, statement: &str) -> Result<Option<SummaryRow>, DbError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM summaries WHERE assessment_id = $1 AND quality_statement = $2"
    );
    Ok(on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(assessment_id)
        .bind(statement)
        .fetch_optional(pool)
        .await?))
}

/// Every summary of an assessment.
pub async fn summaries(db: &Db, assessment_id: Uuid) -> Result<Vec<SummaryRow>, DbError> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM summaries WHERE assessment_id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(assessment_id)
        .fetch_all(pool)
        .await?))
}

/// Versions of a summary, newest first, without their content.
pub async fn versions(db: &Db, summary_id: Uuid) -> Result<Vec<VersionRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT version, '' AS content, content_hash, score, saved_by_name, saved_at FROM summary_versions \
         WHERE summary_id = $1 ORDER BY version DESC",
    )
    .bind(summary_id)
    .fetch_all(pool)
    .await?))
}

pub async fn version(db: &Db, summary_id: Uuid, version: i64) -> Result<Option<VersionRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT version, content, content_hash, score, saved_by_name, saved_at FROM summary_versions \
         WHERE summary_id = $1 AND version = $2",
    )
    .bind(summary_id)
    .bind(version)
    .fetch_optional(pool)
    .await?))
}

/// What happened to a summary, oldest first.
pub async fn events(db: &Db, summary_id: Uuid) -> Result<Vec<EventRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT action, version, content_hash, voided, actor_name, comments, verifier_post, at \
         FROM summary_events WHERE summary_id = $1 ORDER BY at, id",
    )
    .bind(summary_id)
    .fetch_all(pool)
    .await?))
}

/// Whether `user_id` saved any version of the summary or ever submitted it for verification:
/// such a person may not verify it.
pub async fn took_part_in_writing(db: &Db, summary_id: Uuid, user_id: Uuid) -> Result<bool, DbError> {
    let count: i64 = on_db!(db, pool => sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM summary_versions WHERE summary_id = $1 AND saved_by = $2) \
              + (SELECT COUNT(*) FROM summary_events WHERE summary_id = $1 AND action = 'submit' AND actor_id = $2)",
    )
    .bind(summary_id)
    .bind(user_id)
    .fetch_one(pool)
    .await?);
    Ok(count > 0)
}

/// The people who lead each quality statement in a council: (statement, name).
pub async fn statement_leads(db: &Db, council_id: Uuid) -> Result<Vec<(String, String)>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT s.quality_statement, u.name FROM membership_statements s \
         JOIN memberships m ON m.user_id = s.user_id AND m.council_id = s.council_id \
         JOIN users u ON u.id = s.user_id \
         WHERE s.council_id = $1 AND m.role = 'quality_statement_lead' ORDER BY s.quality_statement, u.name",
    )
    .bind(council_id)
    .fetch_all(pool)
    .await?))
}

/// Who did something, and when.
pub struct By<'a> {
    pub user_id: Uuid,
    pub name: &'a str,
    pub at: OffsetDateTime,
}

/// A new version's content.
pub struct NewVersion<'a> {
    pub version: i64,
    pub content: &'a str,
    pub content_hash: &'a str,
    pub score: Option<i64>,
}

/// Creates a summary with its first version. False when another request made it first.
pub async fn insert_summary(
    tx: &mut Tx,
    id: Uuid,
    assessment_id: Uuid,
    statement: &str,
    v: &NewVersion<'_>,
    by: &By<'_>,
) -> Result<bool, DbError> {
    let inserted = on_tx!(tx, conn => sqlx::query(
        "INSERT INTO summaries (id, assessment_id, quality_statement, state, version, content, content_hash, score, \
         updated_by, updated_by_name, updated_at, created_at) VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $10, $10) \
         ON CONFLICT (assessment_id, quality_statement) DO NOTHING",
    )
    .bind(id)
    .bind(assessment_id)
    .bind(statement)
    .bind(v.version)
    .bind(v.content)
    .bind(v.content_hash)
    .bind(v.score)
    .bind(by.user_id)
    .bind(by.name)
    .bind(by.at)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    if inserted == 0 {
        return Ok(false);
    }
    insert_version(tx, id, v, by).await?;
    Ok(true)
}

/// Stores a new version of a summary that was at `expected_version` in `expected_state`.
/// `void` marks a verification void. False when the summary has moved on meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn update_content(
    tx: &mut Tx,
    id: Uuid,
    expected_version: i64,
    expected_state: &str,
    new_state: &str,
    v: &NewVersion<'_>,
    void: bool,
    by: &By<'_>,
) -> Result<bool, DbError> {
    let updated = on_tx!(tx, conn => sqlx::query(
        "UPDATE summaries SET state = $1, version = $2, content = $3, content_hash = $4, score = $5, \
         updated_by = $6, updated_by_name = $7, updated_at = $8, \
         voided_at = CASE WHEN $9 THEN $8 ELSE voided_at END, \
         voided_by_name = CASE WHEN $9 THEN $7 ELSE voided_by_name END \
         WHERE id = $10 AND version = $11 AND state = $12",
    )
    .bind(new_state)
    .bind(v.version)
    .bind(v.content)
    .bind(v.content_hash)
    .bind(v.score)
    .bind(by.user_id)
    .bind(by.name)
    .bind(by.at)
    .bind(void)
    .bind(id)
    .bind(expected_version)
    .bind(expected_state)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    if updated == 0 {
        return Ok(false);
    }
    insert_version(tx, id, v, by).await?;
    Ok(true)
}

async fn insert_version(tx: &mut Tx, id: Uuid, v: &NewVersion<'_>, by: &By<'_>) -> Result<(), DbError> {
    on_tx!(tx, conn => { sqlx::query(
        "INSERT INTO summary_versions (summary_id, version, content, content_hash, score, saved_by, saved_by_name, saved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(v.version)
    .bind(v.content)
    .bind(v.content_hash)
    .bind(v.score)
    .bind(by.user_id)
    .bind(by.name)
    .bind(by.at)
    .execute(&mut *conn)
    .await?; });
    Ok(())
}

/// Moves a summary at `version` from `from` to `to`. False when it has moved on meanwhile.
pub async fn set_state(tx: &mut Tx, id: Uuid, version: i64, from: &str, to: &str) -> Result<bool, DbError> {
    let updated = on_tx!(tx, conn => sqlx::query(
        "UPDATE summaries SET state = $1 WHERE id = $2 AND version = $3 AND state = $4",
    )
    .bind(to)
    .bind(id)
    .bind(version)
    .bind(from)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(updated == 1)
}

/// The verifier's record.
pub struct Verification<'a> {
    pub version: i64,
    pub content_hash: &'a str,
    pub account: &'a str,
    pub name: &'a str,
    pub post: &'a str,
}

/// Verifies a submitted summary at `v.version` whose content hash is `v.content_hash`.
/// False when it has moved on meanwhile.
pub async fn verify(tx: &mut Tx, id: Uuid, v: &Verification<'_>, by: &By<'_>) -> Result<bool, DbError> {
    let updated = on_tx!(tx, conn => sqlx::query(
        "UPDATE summaries SET state = 'verified', verified_version = $1, verified_hash = $2, verifier_id = $3, \
         verifier_account = $4, verifier_name = $5, verifier_post = $6, verified_at = $7, voided_at = NULL, \
         voided_by_name = NULL \
         WHERE id = $8 AND version = $1 AND content_hash = $2 AND state = 'submitted'",
    )
    .bind(v.version)
    .bind(v.content_hash)
    .bind(by.user_id)
    .bind(v.account)
    .bind(v.name)
    .bind(v.post)
    .bind(by.at)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(updated == 1)
}

/// One thing that happened to a summary.
pub struct NewEvent<'a> {
    pub action: &'a str,
    pub version: i64,
    pub content_hash: &'a str,
    pub voided: bool,
    pub comments: &'a str,
    pub verifier_post: Option<&'a str>,
}

pub async fn insert_event(
    tx: &mut Tx,
    summary_id: Uuid,
    e: &NewEvent<'_>,
    by: &By<'_>,
) -> Result<(), DbError> {
    on_tx!(tx, conn => { sqlx::query(
        "INSERT INTO summary_events (id, summary_id, action, version, content_hash, voided, actor_id, actor_name, \
         comments, verifier_post, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(Uuid::now_v7())
    .bind(summary_id)
    .bind(e.action)
    .bind(e.version)
    .bind(e.content_hash)
    .bind(e.voided)
    .bind(by.user_id)
    .bind(by.name)
    .bind(e.comments)
    .bind(e.verifier_post)
    .bind(by.at)
    .execute(&mut *conn)
    .await?; });
    Ok(())
}
