//! SQL for the evidence library (migration 0008). One SQL text for both backends.

use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, FromRow)]
pub struct ItemRow {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub title: String,
    pub description: String,
    pub document_type: String,
    pub link: Option<String>,
    pub pointer: String,
    pub owner: String,
    pub effective_from: Option<Date>,
    pub effective_to: Option<Date>,
    pub state: String,
    pub file_key: Option<String>,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub file_size: Option<i64>,
    pub file_sha256: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_by: Option<Uuid>,
    pub updated_at: OffsetDateTime,
}

const ITEM_COLUMNS: &str = "id, assessment_id, title, description, document_type, link, pointer, owner, \
    effective_from, effective_to, state, file_key, file_name, file_type, file_size, file_sha256, created_by, \
    created_at, updated_by, updated_at";

#[derive(Debug, Clone, FromRow)]
pub struct FindingRow {
    pub id: Uuid,
    pub item_id: Uuid,
    /// `file` or `text`.
    pub source: String,
    pub kind: String,
    pub matched: String,
    pub location: String,
    pub position: i64,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<OffsetDateTime>,
    pub review_reason: Option<String>,
}

const FINDING_COLUMNS: &str = "f.id, f.item_id, f.source, f.kind, f.matched, f.location, f.position, f.reviewed_by, \
    f.reviewed_by_name, f.reviewed_at, f.review_reason";

pub async fn items(db: &Db, assessment_id: Uuid) -> Result<Vec<ItemRow>, DbError> {
    let sql =
        format!("SELECT {ITEM_COLUMNS} FROM evidence_items WHERE assessment_id = $1 ORDER BY created_at, id");
    Ok(
        on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(assessment_id).fetch_all(pool).await?),
    )
}

pub async fn item(db: &Db, id: Uuid) -> Result<Option<ItemRow>, DbError> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM evidence_items WHERE id = $1");
    Ok(
        on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(pool).await?),
    )
}

/// (item, IR code) for every item of an assessment.
pub async fn ir_links(db: &Db, assessment_id: Uuid) -> Result<Vec<(Uuid, String)>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT l.item_id, l.ir_code FROM evidence_item_ir l JOIN evidence_items i ON i.id = l.item_id \
         WHERE i.assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_all(pool)
    .await?))
}

/// (item, quality statement) for every item of an assessment.
pub async fn statement_links(db: &Db, assessment_id: Uuid) -> Result<Vec<(Uuid, String)>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT l.item_id, l.quality_statement FROM evidence_item_statements l \
         JOIN evidence_items i ON i.id = l.item_id WHERE i.assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_all(pool)
    .await?))
}

pub async fn findings(db: &Db, assessment_id: Uuid) -> Result<Vec<FindingRow>, DbError> {
    let sql = format!(
        "SELECT {FINDING_COLUMNS} FROM evidence_findings f JOIN evidence_items i ON i.id = f.item_id \
         WHERE i.assessment_id = $1 ORDER BY f.item_id, f.source, f.position, f.id"
    );
    Ok(
        on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(assessment_id).fetch_all(pool).await?),
    )
}

pub async fn item_findings(tx: &mut Tx, item_id: Uuid) -> Result<Vec<FindingRow>, DbError> {
    let sql = format!(
        "SELECT {FINDING_COLUMNS} FROM evidence_findings f WHERE f.item_id = $1 ORDER BY f.source, f.position, f.id"
    );
    Ok(
        on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(item_id).fetch_all(conn).await?),
    )
}

/// The item, read again inside a transaction (locked on PostgreSQL, so two changes to one item
/// queue).
pub async fn item_for_update(tx: &mut Tx, id: Uuid) -> Result<Option<ItemRow>, DbError> {
    let row = match tx {
        Tx::Sqlite(tx) => {
            let sql = format!("SELECT {ITEM_COLUMNS} FROM evidence_items WHERE id = $1");
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **tx).await?
        }
        Tx::Postgres(tx) => {
            let sql = format!("SELECT {ITEM_COLUMNS} FROM evidence_items WHERE id = $1 FOR UPDATE");
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **tx).await?
        }
    };
    Ok(row)
}

pub async fn insert_item(tx: &mut Tx, row: &ItemRow) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO evidence_items (id, assessment_id, title, description, document_type, link, pointer, owner, \
             effective_from, effective_to, state, file_key, file_name, file_type, file_size, file_sha256, created_by, \
             created_at, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        )
        .bind(row.id)
        .bind(row.assessment_id)
        .bind(&row.title)
        .bind(&row.description)
        .bind(&row.document_type)
        .bind(&row.link)
        .bind(&row.pointer)
        .bind(&row.owner)
        .bind(row.effective_from)
        .bind(row.effective_to)
        .bind(&row.state)
        .bind(&row.file_key)
        .bind(&row.file_name)
        .bind(&row.file_type)
        .bind(row.file_size)
        .bind(&row.file_sha256)
        .bind(row.created_by)
        .bind(row.created_at)
        .bind(row.updated_by)
        .bind(row.updated_at)
        .execute(conn)
        .await?;
    });
    Ok(())
}

/// Writes every field of an item but its id, assessment and creation.
pub async fn update_item(tx: &mut Tx, row: &ItemRow) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE evidence_items SET title = $2, description = $3, document_type = $4, link = $5, pointer = $6, \
             owner = $7, effective_from = $8, effective_to = $9, state = $10, file_key = $11, file_name = $12, \
             file_type = $13, file_size = $14, file_sha256 = $15, updated_by = $16, updated_at = $17 WHERE id = $1",
        )
        .bind(row.id)
        .bind(&row.title)
        .bind(&row.description)
        .bind(&row.document_type)
        .bind(&row.link)
        .bind(&row.pointer)
        .bind(&row.owner)
        .bind(row.effective_from)
        .bind(row.effective_to)
        .bind(&row.state)
        .bind(&row.file_key)
        .bind(&row.file_name)
        .bind(&row.file_type)
        .bind(row.file_size)
        .bind(&row.file_sha256)
        .bind(row.updated_by)
        .bind(row.updated_at)
        .execute(conn)
        .await?;
    });
    Ok(())
}

/// Replaces an item's IR items and quality statements.
pub async fn set_links(
    tx: &mut Tx,
    item_id: Uuid,
    ir: &[String],
    statements: &[String],
) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM evidence_item_ir WHERE item_id = $1").bind(item_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM evidence_item_statements WHERE item_id = $1").bind(item_id).execute(&mut *conn).await?;
        for code in ir {
            sqlx::query("INSERT INTO evidence_item_ir (item_id, ir_code) VALUES ($1, $2)")
                .bind(item_id)
                .bind(code)
                .execute(&mut *conn)
                .await?;
        }
        for qs in statements {
            sqlx::query("INSERT INTO evidence_item_statements (item_id, quality_statement) VALUES ($1, $2)")
                .bind(item_id)
                .bind(qs)
                .execute(&mut *conn)
                .await?;
        }
    });
    Ok(())
}

pub async fn delete_findings(tx: &mut Tx, item_id: Uuid, source: &str) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM evidence_findings WHERE item_id = $1 AND source = $2")
            .bind(item_id)
            .bind(source)
            .execute(conn)
            .await?;
    });
    Ok(())
}

pub async fn insert_finding(tx: &mut Tx, row: &FindingRow) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO evidence_findings (id, item_id, source, kind, matched, location, position, reviewed_by, \
             reviewed_by_name, reviewed_at, review_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(row.id)
        .bind(row.item_id)
        .bind(&row.source)
        .bind(&row.kind)
        .bind(&row.matched)
        .bind(&row.location)
        .bind(row.position)
        .bind(row.reviewed_by)
        .bind(&row.reviewed_by_name)
        .bind(row.reviewed_at)
        .bind(&row.review_reason)
        .execute(conn)
        .await?;
    });
    Ok(())
}

/// Marks a finding reviewed; false when it is not the item's or was reviewed already.
pub async fn review_finding(
    tx: &mut Tx,
    item_id: Uuid,
    finding_id: Uuid,
    user: (Uuid, &str),
    reason: &str,
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let done = on_tx!(tx, conn => sqlx::query(
        "UPDATE evidence_findings SET reviewed_by = $3, reviewed_by_name = $4, reviewed_at = $5, review_reason = $6 \
         WHERE id = $1 AND item_id = $2 AND reviewed_at IS NULL",
    )
    .bind(finding_id)
    .bind(item_id)
    .bind(user.0)
    .bind(user.1)
    .bind(now)
    .bind(reason)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(done == 1)
}

/// An assessment's currency months, when set.
pub async fn currency_months(db: &Db, assessment_id: Uuid) -> Result<Option<i64>, DbError> {
    let row: Option<(i64,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT currency_months FROM evidence_settings WHERE assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_optional(pool)
    .await?);
    Ok(row.map(|r| r.0))
}

pub async fn save_currency_months(
    tx: &mut Tx,
    assessment_id: Uuid,
    months: i64,
    user: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO evidence_settings (assessment_id, currency_months, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (assessment_id) DO UPDATE SET \
             currency_months = excluded.currency_months, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(assessment_id)
        .bind(months)
        .bind(user)
        .bind(now)
        .execute(conn)
        .await?;
    });
    Ok(())
}
