//! SQL for Stage 3: the document's parts (each a JSON text with a version) and Section C's
//! endorsements. Changes go through `&mut Tx` so each change commits with its audit entry;
//! a part is replaced only at the version its editor opened, so two saves at once cannot
//! both succeed.

use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, FromRow)]
pub struct PartRow {
    pub part: String,
    pub content: String,
    pub version: i64,
    pub updated_by_name: String,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, FromRow)]
pub struct EndorsementRow {
    pub id: Uuid,
    pub role: String,
    pub name: String,
    pub comment: String,
    pub endorsed_on: Date,
    pub recorded_by_name: String,
    pub recorded_at: OffsetDateTime,
}

/// Every saved part of an assessment's document.
pub async fn parts(db: &Db, assessment_id: Uuid) -> Result<Vec<PartRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT part, content, version, updated_by_name, updated_at FROM report_parts WHERE assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_all(pool)
    .await?))
}

/// Saves a part as `version`: inserted when `version` is 1, otherwise replacing `version - 1`.
/// Returns false when someone else saved first (nothing changed).
pub async fn save_part(
    tx: &mut Tx,
    assessment_id: Uuid,
    part: &str,
    content: &str,
    version: i64,
    by: (Uuid, &str, OffsetDateTime),
) -> Result<bool, DbError> {
    let (user_id, name, at) = by;
    let done = if version == 1 {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO report_parts (assessment_id, part, content, version, updated_by, updated_by_name, updated_at) \
             VALUES ($1, $2, $3, 1, $4, $5, $6) ON CONFLICT (assessment_id, part) DO NOTHING",
        )
        .bind(assessment_id)
        .bind(part)
        .bind(content)
        .bind(user_id)
        .bind(name)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected())
    } else {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE report_parts SET content = $1, version = $2, updated_by = $3, updated_by_name = $4, updated_at = $5 \
             WHERE assessment_id = $6 AND part = $7 AND version = $8",
        )
        .bind(content)
        .bind(version)
        .bind(user_id)
        .bind(name)
        .bind(at)
        .bind(assessment_id)
        .bind(part)
        .bind(version - 1)
        .execute(&mut *conn)
        .await?
        .rows_affected())
    };
    Ok(done == 1)
}

/// Section C's endorsements, by date then when recorded.
pub async fn endorsements(db: &Db, assessment_id: Uuid) -> Result<Vec<EndorsementRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT id, role, name, comment, endorsed_on, recorded_by_name, recorded_at FROM report_endorsements \
         WHERE assessment_id = $1 ORDER BY endorsed_on, recorded_at, id",
    )
    .bind(assessment_id)
    .fetch_all(pool)
    .await?))
}

pub struct NewEndorsementRow<'a> {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub role: &'a str,
    pub name: &'a str,
    pub comment: &'a str,
    pub endorsed_on: Date,
}

pub async fn insert_endorsement(
    tx: &mut Tx,
    e: &NewEndorsementRow<'_>,
    by: (Uuid, &str, OffsetDateTime),
) -> Result<(), DbError> {
    let (user_id, name, at) = by;
    on_tx!(tx, conn => { sqlx::query(
        "INSERT INTO report_endorsements (id, assessment_id, role, name, comment, endorsed_on, recorded_by, \
         recorded_by_name, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.id)
    .bind(e.assessment_id)
    .bind(e.role)
    .bind(e.name)
    .bind(e.comment)
    .bind(e.endorsed_on)
    .bind(user_id)
    .bind(name)
    .bind(at)
    .execute(&mut *conn)
    .await?; });
    Ok(())
}

/// Removes an endorsement of that assessment; false when there was none.
pub async fn delete_endorsement(tx: &mut Tx, assessment_id: Uuid, id: Uuid) -> Result<bool, DbError> {
    let n = on_tx!(tx, conn => sqlx::query("DELETE FROM report_endorsements WHERE assessment_id = $1 AND id = $2")
        .bind(assessment_id)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(n == 1)
}
