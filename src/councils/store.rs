//! SQL for councils.

use serde::Serialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct CouncilRow {
    pub id: Uuid,
    pub gss_code: String,
    pub name: String,
    pub created_at: OffsetDateTime,
}

/// Inserts a council; false when one with that GSS code exists already.
pub async fn insert(tx: &mut Tx, council: &CouncilRow) -> Result<bool, DbError> {
    let inserted = on_tx!(tx, conn => sqlx::query(
        "INSERT INTO councils (id, gss_code, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (gss_code) DO NOTHING",
    )
    .bind(council.id)
    .bind(&council.gss_code)
    .bind(&council.name)
    .bind(council.created_at)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(inserted == 1)
}

pub async fn all(db: &Db) -> Result<Vec<CouncilRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as("SELECT id, gss_code, name, created_at FROM councils ORDER BY name")
        .fetch_all(pool)
        .await?))
}

pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<CouncilRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as("SELECT id, gss_code, name, created_at FROM councils WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?))
}

pub async fn by_gss_code(db: &Db, gss_code: &str) -> Result<Option<CouncilRow>, DbError> {
    Ok(
        on_db!(db, pool => sqlx::query_as("SELECT id, gss_code, name, created_at FROM councils WHERE gss_code = $1")
        .bind(gss_code)
        .fetch_optional(pool)
        .await?),
    )
}
