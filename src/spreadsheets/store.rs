//! SQL for spreadsheets: pages of responses for exports, and imports awaiting confirmation.

use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::export::ExportRow;
use crate::db::{Db, DbError, Tx};
use crate::framework::ChecklistItemId;
use crate::{on_db, on_tx};

#[derive(Debug, Clone, FromRow)]
struct ResponseRow {
    id: Uuid,
    reference: String,
    submitted_at: OffsetDateTime,
    round_title: Option<String>,
    group_name: String,
    mode: String,
}

#[derive(Debug, Clone, FromRow)]
struct AnswerRow {
    response_id: Uuid,
    item: String,
    rating: i64,
    evidence: String,
    evidence_needed: String,
}

/// One page of an export: the answers of up to `limit` responses whose id comes after
/// `after` (the nil uuid for the first page), in id order (uuid v7: time order) and, within a
/// response, in the framework's item order. Returns the rows and the last response id, or
/// `None` when there were no more responses.
pub async fn export_page(
    db: &Db,
    assessment_id: Uuid,
    after: Uuid,
    limit: i64,
) -> Result<(Vec<ExportRow>, Option<Uuid>), DbError> {
    let responses: Vec<ResponseRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT r.id, r.reference, r.submitted_at, ro.title AS round_title, g.name AS group_name, r.mode \
         FROM responses r \
         JOIN respondent_groups g ON g.id = r.group_id \
         LEFT JOIN rounds ro ON ro.id = r.round_id \
         WHERE r.assessment_id = $1 AND r.id > $2 ORDER BY r.id LIMIT $3",
    )
    .bind(assessment_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?);
    let Some(last) = responses.last().map(|r| r.id) else { return Ok((Vec::new(), None)) };
    // The page's ids, as placeholders $1…$n (at most `limit`).
    let placeholders: Vec<String> = (1..=responses.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT response_id, item, rating, evidence, evidence_needed FROM answers WHERE response_id IN ({})",
        placeholders.join(", ")
    );
    let answers: Vec<AnswerRow> = on_db!(db, pool => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for r in &responses {
            query = query.bind(r.id);
        }
        query.fetch_all(pool).await?
    });
    let mut by_response: std::collections::HashMap<Uuid, Vec<AnswerRow>> = std::collections::HashMap::new();
    for answer in answers {
        by_response.entry(answer.response_id).or_default().push(answer);
    }
    let mut rows = Vec::new();
    for response in responses {
        let mut answers = by_response.remove(&response.id).unwrap_or_default();
        // QS1.2 before QS1.10; anything unparseable last, by its text.
        answers.sort_by(|a, b| {
            let key = |s: &str| s.parse::<ChecklistItemId>().ok();
            match (key(&a.item), key(&b.item)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a.item.cmp(&b.item),
            }
        });
        for a in answers {
            rows.push(ExportRow {
                reference: response.reference.clone(),
                submitted_at: response.submitted_at,
                round: response.round_title.clone().unwrap_or_default(),
                group: response.group_name.clone(),
                mode: response.mode.clone(),
                item: a.item,
                rating: a.rating,
                evidence: a.evidence,
                evidence_needed: a.evidence_needed,
            });
        }
    }
    Ok((rows, Some(last)))
}

/// An import, pending or confirmed.
#[derive(Debug, Clone, FromRow)]
pub struct ImportRow {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub sha256: String,
    pub kind: String,
    /// None for a survey export, whose rows name their groups.
    pub group_id: Option<Uuid>,
    pub mode: String,
    pub workshop_date: Option<Date>,
    pub facilitator: Option<String>,
    pub participants: Option<i64>,
    pub content: String,
    pub answer_count: i64,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub expires_at: i64,
    pub confirmed_at: Option<OffsetDateTime>,
    pub response_id: Option<Uuid>,
}

const IMPORT_COLUMNS: &str = "id, assessment_id, sha256, kind, group_id, mode, workshop_date, facilitator, participants, \
     content, answer_count, created_by, created_at, expires_at, confirmed_at, response_id";

/// Stores a pending import, first removing this person's other pending imports of the
/// assessment and every expired pending import (their answers are personal data not to be
/// kept longer than needed).
pub async fn insert_pending(tx: &mut Tx, row: &ImportRow, now: OffsetDateTime) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "DELETE FROM spreadsheet_imports WHERE confirmed_at IS NULL AND \
             (expires_at < $1 OR (assessment_id = $2 AND created_by = $3))",
        )
        .bind(now.unix_timestamp())
        .bind(row.assessment_id)
        .bind(row.created_by)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO spreadsheet_imports (id, assessment_id, sha256, kind, group_id, mode, workshop_date, facilitator, \
             participants, content, answer_count, created_by, created_at, expires_at, confirmed_at, response_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL)",
        )
        .bind(row.id)
        .bind(row.assessment_id)
        .bind(&row.sha256)
        .bind(&row.kind)
        .bind(row.group_id)
        .bind(&row.mode)
        .bind(row.workshop_date)
        .bind(&row.facilitator)
        .bind(row.participants)
        .bind(&row.content)
        .bind(row.answer_count)
        .bind(row.created_by)
        .bind(row.created_at)
        .bind(row.expires_at)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

pub async fn import(db: &Db, assessment_id: Uuid, id: Uuid) -> Result<Option<ImportRow>, DbError> {
    let sql =
        format!("SELECT {IMPORT_COLUMNS} FROM spreadsheet_imports WHERE id = $1 AND assessment_id = $2");
    Ok(
        on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(assessment_id).fetch_optional(pool).await?),
    )
}

/// Marks an import confirmed as `response_id` and drops its copy of the answers. Returns
/// false when it was confirmed already (by a double click, say).
pub async fn mark_confirmed(
    tx: &mut Tx,
    id: Uuid,
    response_id: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let changed = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE spreadsheet_imports SET confirmed_at = $1, response_id = $2, content = '' \
             WHERE id = $3 AND confirmed_at IS NULL",
        )
        .bind(now)
        .bind(response_id)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    Ok(changed == 1)
}

/// Takes a pending import for confirming: on PostgreSQL its row is locked until the
/// transaction ends, so a second confirmation waits and then finds it confirmed. False when it
/// is confirmed or gone already.
pub async fn claim_pending(tx: &mut Tx, id: Uuid) -> Result<bool, DbError> {
    let changed = on_tx!(tx, conn => {
        sqlx::query("UPDATE spreadsheet_imports SET confirmed_at = NULL WHERE id = $1 AND confirmed_at IS NULL")
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    });
    Ok(changed == 1)
}

/// Replaces a pending import's content (a survey export's mapping and checked responses).
pub async fn update_pending(tx: &mut Tx, id: Uuid, content: &str, answer_count: i64) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE spreadsheet_imports SET content = $1, answer_count = $2 WHERE id = $3 AND confirmed_at IS NULL")
            .bind(content)
            .bind(answer_count)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Whether any response came from this file already (a survey export's rows each have a key
/// starting with the file's).
pub async fn file_imported(
    db: &Db,
    assessment_id: Uuid,
    key_prefix: &str,
) -> Result<Option<OffsetDateTime>, DbError> {
    let pattern = format!("{key_prefix}%");
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "SELECT MIN(submitted_at) FROM responses WHERE assessment_id = $1 AND idempotency_key LIKE $2",
    )
    .bind(assessment_id)
    .bind(pattern)
    .fetch_one(pool)
    .await?))
}

/// Removes a pending import (one that turned out to be a file imported before).
pub async fn delete_pending(tx: &mut Tx, id: Uuid) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM spreadsheet_imports WHERE id = $1 AND confirmed_at IS NULL")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// A response's reference and when it was stored, by id.
pub async fn response_reference(db: &Db, id: Uuid) -> Result<Option<(String, OffsetDateTime)>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as("SELECT reference, submitted_at FROM responses WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

/// The response stored for an idempotency key, with when it was stored.
pub async fn response_by_key(
    db: &Db,
    assessment_id: Uuid,
    key: &str,
) -> Result<Option<(Uuid, String, OffsetDateTime)>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT id, reference, submitted_at FROM responses WHERE assessment_id = $1 AND idempotency_key = $2",
    )
    .bind(assessment_id)
    .bind(key)
    .fetch_optional(pool)
    .await?))
}
