//! The readiness probe's store: a real write and read on the database.

use super::{Db, DbError};
use crate::on_db;
use time::OffsetDateTime;

/// Writes a fresh token into the probe row and reads it back.
pub async fn write_and_read(db: &Db) -> Result<bool, DbError> {
    let token = uuid::Uuid::now_v7().to_string();
    let now = OffsetDateTime::now_utc();
    let read: String = on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO readiness_probe (id, token, checked_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET token = excluded.token, checked_at = excluded.checked_at",
        )
        .bind(&token)
        .bind(now)
        .execute(pool)
        .await?;
        sqlx::query_scalar("SELECT token FROM readiness_probe WHERE id = 1")
            .fetch_one(pool)
            .await?
    });
    Ok(read == token)
}
